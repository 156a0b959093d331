/*
 * One PPP session over an L2TPv2 call (RFC 2661 §3.1 data messages carrying
 * PPP frames, FF 03 + protocol), bridged with BCP (RFC 3518): the PPP
 * engine's glue, the bridge port (port.h: a TAP, or a veth pair in xdp mode)
 * that appears once BCP is Opened and goes when the session ends, and the
 * frame path port <-> bridged frames.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "buf.h"
#include "l2tp_data.h"
#include "l2tp_tunnel.h"
#include "log.h"
#include "netlink.h"
#include "ppp.h"
#include "pw.h"
#include "site_priv.h"
#include "status.h"
#include "port.h"
#include "transport.h"

#define PS_STATUS_DROPS                                                                            \
	(sizeof(((struct status_iface *)NULL)->drops) /                                            \
	 sizeof(((struct status_iface *)NULL)->drops[0]))

static const char *const ps_drop_names[PS_DROP_MAX] = {
    [PS_DROP_NOT_BRIDGING] = "not-bridging", [PS_DROP_TOO_BIG] = "too-big",
    [PS_DROP_TAP_FULL] = "tap-full",	     [PS_DROP_SEND_FAILED] = "send-failed",
    [PS_DROP_PPP] = "ppp-refused",
};

const char *ppp_session_drop_name(enum ppp_session_drop d)
{
	return d < PS_DROP_MAX ? ps_drop_names[d] : "?";
}

/* The name log lines use: the interface once there is one. */
static const char *ps_name(const struct ppp_session *ps)
{
	if (ps->ifname[0])
		return ps->ifname;
	if (ps->client)
		return ps->client->title;
	return ps->user[0] ? ps->user : ps->tun->peer_text;
}

/* ---- the port ---- */

static void ps_port_close(struct ppp_session *ps)
{
	if (!port_is_open(&ps->port))
		return;
	ppp_fast_leave(ps); /* nothing stale in the maps once the port is gone */
	evloop_io_del(ps->site->loop, &ps->port_io);
	evloop_timer_disarm(ps->site->loop, &ps->bridge_timer);
	port_close(&ps->port); /* removes the device(s) */
	ps->bridged = 0;
	log_info("ppp %s: interface removed", ps->ifname);
}

static void ps_bridge_try(struct ppp_session *ps)
{
	struct site *s = ps->site;
	char kind[32];
	int br = 0;

	if (ps->bridge[0] && (netlink_link_kind(s->nl, ps->bridge, kind, sizeof(kind), &br) == -1 ||
			      strcmp(kind, "bridge") != 0)) {
		if (!ps->bridged && !evloop_timer_armed(&ps->bridge_timer))
			log_warnx("ppp %s: bridge %s missing, retrying every %d s", ps->ifname,
				  ps->bridge, V2_BRIDGE_RETRY_MS / 1000);
		evloop_timer_arm(s->loop, &ps->bridge_timer,
				 evloop_now(s->loop) + V2_BRIDGE_RETRY_MS);
		return;
	}
	if (netlink_link_setup(s->nl, ps->port.ifindex, PORT_MTU, br) == -1) {
		log_warn("ppp %s: cannot bring up%s%s", ps->ifname, br ? " on bridge " : "",
			 br ? ps->bridge : "");
		evloop_timer_arm(s->loop, &ps->bridge_timer,
				 evloop_now(s->loop) + V2_BRIDGE_RETRY_MS);
		return;
	}
	ps->bridged = 1;
	ps->bridge_ifindex = br;
}

static void ps_bridge_timer(struct ev_timer *t)
{
	struct ppp_session *ps = t->arg;

	if (port_is_open(&ps->port) && !ps->bridged)
		ps_bridge_try(ps);
}

/*
 * Packets of one TAP wakeup (ps_port_readable) leave together: one
 * transport_send_batch(), which sends runs of equal-length datagrams as one
 * UDP GSO send, instead of one sendmsg per frame.  Only one session's
 * wakeup runs at a time, so one batch serves all; outside a wakeup (timers,
 * control) packets go at once, as before.
 */
#define PS_TX_BATCH 32
#define PS_TX_SLOT  (V2_FRAME_MAX + 64) /* a bridged frame and its L2TP/PPP headers */

static struct {
	struct ppp_session *ps; /* the session whose wakeup is batching, or NULL */
	unsigned n;
	uint8_t pkt[PS_TX_BATCH][PS_TX_SLOT];
	struct iovec iov[PS_TX_BATCH];
	struct mmsghdr msgs[PS_TX_BATCH];
} ps_tx;

static void ps_tx_flush(void)
{
	struct ppp_session *ps = ps_tx.ps;
	unsigned sent;

	if (!ps || ps_tx.n == 0)
		return;
	for (unsigned i = 0; i < ps_tx.n; i++) {
		ps_tx.msgs[i].msg_hdr.msg_name = &ps->tun->peer;
		ps_tx.msgs[i].msg_hdr.msg_namelen = ps->tun->peer_len;
		ps_tx.msgs[i].msg_hdr.msg_iov = &ps_tx.iov[i];
		ps_tx.msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sent = ps->tun->closed ? 0 : transport_send_batch(ps->tun->tr, ps_tx.msgs, ps_tx.n);
	ps->drops[PS_DROP_SEND_FAILED] += ps_tx.n - sent;
	ps_tx.n = 0;
}

static void ps_port_readable(struct ev_io *io, uint32_t events)
{
	struct ppp_session *ps = io->arg;
	struct iovec iov = {.iov_base = ps->frame, .iov_len = sizeof(ps->frame)};
	size_t n;

	(void)events;
	ps_tx.ps = ps;
	ps_tx.n = 0;
	/*
	 * One frame per port_recv(): ppp_send_frame() consumes it before the next.
	 * After V2_TAP_BATCH, only what the port still holds of a super-frame.
	 */
	for (int i = 0; (i < V2_TAP_BATCH ? port_recv(&ps->port, &iov, &n, 1)
					  : port_recv_held(&ps->port, &iov, &n, 1)) == 1;
	     i++) {
		if (!ps->up || !ppp_ready(ps->ppp)) {
			ps->drops[PS_DROP_NOT_BRIDGING]++;
			continue;
		}
		/* Ready, so a refusal means the frame does not fit (see ppp.h). */
		if (ppp_send_frame(ps->ppp, ps->frame, n) == -1) {
			ps->drops[PS_DROP_TOO_BIG]++;
			continue;
		}
		ps->tx_packets++;
		ps->tx_bytes += (uint64_t)n;
		ps->last_frame = evloop_now(ps->site->loop);
	}
	ps_tx_flush();
	ps_tx.ps = NULL;
}

/* 0, or -1 with errno (EBUSY: the name is taken). */
static int ps_port_open(struct ppp_session *ps)
{
	if (port_open(&ps->port, &ps->site->ports, ps->ifname) == -1)
		return -1;
	/* The port exists only while BCP is up: carrier on from the start. */
	port_set_carrier(&ps->port, 1);
	ps->port_io.fd = ps->port.fd;
	ps->port_io.cb = ps_port_readable;
	ps->port_io.arg = ps;
	if (evloop_io_add(ps->site->loop, &ps->port_io, EPOLLIN) == -1) {
		int saved = errno;

		port_close(&ps->port);
		errno = saved;
		return -1;
	}
	ps_bridge_try(ps);
	return 0;
}

/* ---- PPP engine ops ---- */

/*
 * The L2TP + PPP header and the info.  One encoder for both paths
 * (ppp_fast.h): the fast path's template is its output.
 */
static int ps_build(struct ppp_session *ps, struct wbuf *w, uint16_t proto, const uint8_t *info,
		    size_t len)
{
	struct ppp_wire pw;

	ppp_fast_wire(ps, &pw);
	if (ppp_wire_header(w, &pw, pw.seq ? ppp_fast_take_ns(ps) : 0, proto, len) == -1 ||
	    wbuf_add_bytes(w, info, len))
		return -1;
	return 0;
}

static void ps_send(void *ctx, uint16_t proto, const uint8_t *info, size_t len)
{
	struct ppp_session *ps = ctx;
	uint8_t pkt[PPP_FRAME_MAX + 32];
	struct wbuf w;

	if (!ps->ls || ps->tun->closed)
		return;
	if (ps_tx.ps == ps && len + 32 <= PS_TX_SLOT) {
		wbuf_init(&w, ps_tx.pkt[ps_tx.n], PS_TX_SLOT);
		if (ps_build(ps, &w, proto, info, len) == -1) {
			ps->drops[PS_DROP_SEND_FAILED]++;
			return;
		}
		ps_tx.iov[ps_tx.n].iov_base = ps_tx.pkt[ps_tx.n];
		ps_tx.iov[ps_tx.n].iov_len = w.len;
		if (++ps_tx.n == PS_TX_BATCH)
			ps_tx_flush();
		return;
	}
	if (ps_tx.ps == ps)
		ps_tx_flush(); /* keep the order: what is batched goes first */
	wbuf_init(&w, pkt, sizeof(pkt));
	if (ps_build(ps, &w, proto, info, len) == -1 ||
	    transport_send_ctrl(ps->tun->tr, (const struct sockaddr *)&ps->tun->peer,
				ps->tun->peer_len, pkt, w.len) == -1)
		ps->drops[PS_DROP_SEND_FAILED]++;
}

static void ps_arm(void *ctx, uint64_t at)
{
	struct ppp_session *ps = ctx;

	evloop_timer_set(ps->site->loop, &ps->ppp_timer, at);
}

static void ps_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	site_random(out, len);
}

static void ps_log(void *ctx, int level, const char *msg)
{
	struct ppp_session *ps = ctx;

	log_msg(site_log_level(level), "ppp %s: %s", ps_name(ps), msg);
}

static int ps_secret(void *ctx, const char *user, char *pw, size_t cap)
{
	struct ppp_session *ps = ctx;
	const char *why = "";
	const struct cfg_ppp_secret *sec = l2tp_server_secret(ps->site, user, &why);

	snprintf(ps->user, sizeof(ps->user), "%s", user);
	if (!sec) {
		snprintf(ps->auth_fail, sizeof(ps->auth_fail), "%s", why);
		return -1;
	}
	/* RouterOS matches an L2TP caller-id against the client's address. */
	if (sec->caller_id[0] && strcmp(sec->caller_id, ps->tun->peer_text) != 0) {
		snprintf(ps->auth_fail, sizeof(ps->auth_fail), "caller-id mismatch");
		return -1;
	}
	ps->auth_fail[0] = '\0';
	snprintf(pw, cap, "%s", sec->password);
	return 0;
}

static void ps_up(void *ctx, struct ppp *p)
{
	struct ppp_session *ps = ctx;
	const struct auth *a = ppp_auth(p);
	const char *method = a->method ? auth_method_name(a->method) : "none";
	const char *role = ps->server ? "l2tp-server" : "l2tp-client";

	if (ps->up) {
		ppp_fast_sync(ps); /* BCP renegotiated: the port is there, the template may not be */
		return;
	}
	snprintf(ps->user, sizeof(ps->user), "%s", ppp_user(p));
	if (ps->server) {
		if (l2tp_server_session_up(ps) == -1)
			return;
	} else {
		snprintf(ps->ifname, sizeof(ps->ifname), "%s", ps->client->ifname);
		snprintf(ps->bridge, sizeof(ps->bridge), "%s",
			 cfg_profile_find(ps->site->cfg, ps->client->cfg->profile)
			     ? cfg_profile_find(ps->site->cfg, ps->client->cfg->profile)->bridge
			     : "");
	}
	for (int tries = 2; ps_port_open(ps) == -1; tries++) {
		if (errno != EBUSY || !ps->server || tries > 9) {
			log_warn("ppp %s: cannot create interface %s", ps_name(ps), ps->ifname);
			ppp_session_kill(ps, "cannot create interface");
			return;
		}
		/* A dynamic name that some other device holds: the next one. */
		ppp_session_dynamic_name(ps->site, ps->user, ps->ifname, sizeof(ps->ifname));
	}
	ps->up = 1;
	ps->up_since = evloop_now(ps->site->loop);
	if (ps->server)
		log_info("%s: user %s authenticated (%s), interface %s%s%s", role, ps->user, method,
			 ps->ifname, ps->bridge[0] ? " on bridge " : "", ps->bridge);
	else
		log_info("%s %s: user %s authenticated (%s), interface %s%s%s", role,
			 ps->client->title, ps->user, method, ps->ifname,
			 ps->bridge[0] ? " on bridge " : "", ps->bridge);
	if (ps->client)
		l2tp_client_connected(ps->client);
	ppp_fast_sync(ps);
}

static void ps_down(void *ctx, struct ppp *p, const char *why)
{
	struct ppp_session *ps = ctx;
	const struct auth *a = ppp_auth(p);

	log_info("ppp %s: down: %s", ps_name(ps), why);
	if (a->state == AUTH_DONE_FAIL) {
		const char *method = auth_method_name(a->method);

		if (ps->server)
			log_warnx("l2tp-server: user %s: %s (%s)", a->user[0] ? a->user : "?",
				  ps->auth_fail[0] ? ps->auth_fail : "wrong password", method);
		else
			log_warnx("l2tp-client %s: authentication failed (%s): %s",
				  ps->client ? ps->client->title : "?", method, a->reason);
		why = "authentication failed";
	} else if (!ps->up_since && strstr(why, "authentication")) {
		/* Refused before any password was checked (no common method, ...). */
		if (ps->server)
			log_warnx("l2tp-server: tunnel from %s: authentication refused: %s",
				  ps->tun->peer_text, why);
		else
			log_warnx("l2tp-client %s: authentication refused: %s",
				  ps->client ? ps->client->title : "?", why);
	}
	ppp_session_kill(ps, why);
}

static void ps_frame(void *ctx, const uint8_t *eth, size_t len)
{
	struct ppp_session *ps = ctx;

	if (!port_is_open(&ps->port) || !ps->up) {
		ps->drops[PS_DROP_NOT_BRIDGING]++;
		return;
	}
	if (port_send(&ps->port, eth, len) == -1) {
		ps->drops[PS_DROP_TAP_FULL]++;
		return;
	}
	ps->rx_packets++;
	ps->rx_bytes += len;
}

static const struct ppp_ops ps_ops = {
    .send = ps_send,
    .arm_timer = ps_arm,
    .random = ps_random,
    .log = ps_log,
    .secret = ps_secret,
    .up = ps_up,
    .down = ps_down,
    .frame = ps_frame,
};

static void ps_ppp_timer(struct ev_timer *t)
{
	struct ppp_session *ps = t->arg;

	if (!ps->ppp)
		return;
	ppp_fast_poll(ps, evloop_now(ps->site->loop));
	ppp_timeout(ps->ppp, evloop_now(ps->site->loop));
	ppp_fast_sync(ps);
}

static void ps_work_timer(struct ev_timer *t)
{
	struct ppp_session *ps = t->arg;

	if (ps->client) {
		/* The client tears down tunnel and session together. */
		l2tp_client_dropped(ps->client, ps->why);
		return;
	}
	ppp_session_free(ps);
}

/* ---- life ---- */

struct ppp_session *ppp_session_new(struct v2_tunnel *t, uint16_t sid, int server,
				    struct l2tp_client *client)
{
	struct ppp_session *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return NULL;
	ps->site = t->site;
	ps->tun = t;
	ps->sid = sid;
	ps->server = server;
	ps->client = client;
	port_init(&ps->port);
	ps->fast.slot = -1;
	ps->created = evloop_now(t->site->loop);
	evloop_timer_init(&ps->ppp_timer, ps_ppp_timer, ps);
	evloop_timer_init(&ps->work_timer, ps_work_timer, ps);
	evloop_timer_init(&ps->bridge_timer, ps_bridge_timer, ps);
	ps->next = t->sessions;
	t->sessions = ps;
	return ps;
}

static enum cfg_encryption ps_profile_encryption(struct site *s, const char *profile)
{
	const struct cfg_ppp_profile *p = cfg_profile_find(s->cfg, profile);

	return p ? p->use_encryption : CFG_ENC_DEFAULT;
}

void ppp_session_call_up(struct ppp_session *ps, struct l2tp_session *ls)
{
	const struct l2tp_session_info *info = l2tp_session_info(ls);
	struct site *s = ps->site;
	struct ppp_params pp;

	ps->ls = ls;
	ps->peer_sid = (uint16_t)info->peer_session_id;
	ps->seq_tx = info->seq_tx;
	v2_hash_add(s, ps);
	memset(&pp, 0, sizeof(pp));
	pp.server = ps->server;
	pp.name = s->cfg->name;
	if (ps->server) {
		const struct cfg_l2tp_server *c = &s->cfg->server;

		pp.auth = c->authentication;
		pp.mru = (uint16_t)c->max_mru;
		pp.mrru = (uint16_t)c->mrru;
		pp.keepalive_timeout_s = c->keepalive_timeout;
		/* The user's own profile is known only after authentication: CCP follows the
		 * default-profile. */
		pp.encryption = ps_profile_encryption(s, c->default_profile);
	} else {
		const struct cfg_l2tp_client *c = ps->client->cfg;

		pp.auth = c->allow;
		pp.user = c->user;
		pp.password = c->password;
		pp.mru = (uint16_t)c->max_mru;
		pp.mrru = (uint16_t)c->mrru;
		pp.keepalive_timeout_s = c->keepalive_timeout;
		pp.encryption = ps_profile_encryption(s, c->profile);
	}
	log_info("%s%s: call up (session id %u, peer session id %u%s)",
		 ps->server ? "l2tp-server: tunnel from " : "l2tp-client ",
		 ps->server ? ps->tun->peer_text : ps->client->title, ps->sid, ps->peer_sid,
		 ps->seq_tx ? ", sequencing" : "");
	ps->ppp = ppp_new(&pp, &ps_ops, ps);
	if (!ps->ppp) {
		ppp_session_kill(ps, "out of memory");
		return;
	}
	ps->ppp_started = 1;
	ppp_start(ps->ppp, evloop_now(s->loop));
}

void ppp_session_call_down(struct ppp_session *ps, const char *why)
{
	ps->ls = NULL;
	v2_hash_del(ps->site, ps);
	if (ps->ppp && ppp_phase(ps->ppp) != PPP_PHASE_DEAD)
		ppp_lower_down(ps->ppp, why, evloop_now(ps->site->loop));
	ppp_session_kill(ps, why);
}

void ppp_session_kill(struct ppp_session *ps, const char *why)
{
	if (!ps->dead)
		snprintf(ps->why, sizeof(ps->why), "%s", why);
	ps->dead = 1;
	ps->up = 0;
	ps_port_close(ps); /* now: a new session of the same user may want the name */
	evloop_timer_arm(ps->site->loop, &ps->work_timer, evloop_now(ps->site->loop));
}

void ppp_session_free(struct ppp_session *ps)
{
	struct site *s = ps->site;
	struct ppp_session **pp;

	ps->dead = 1;
	ppp_fast_leave(ps); /* its counters into ps before the client keeps them */
	if (ps->ls) {
		struct l2tp_session *ls = ps->ls;

		ps->ls = NULL;
		/* RFC 2661 §4.4.2 CDN Result Code 3: "Session disconnected for administrative
		 * reasons". */
		if (!ps->tun->closed)
			l2tp_session_close(ls, 3, ps->why, evloop_now(s->loop));
	}
	v2_hash_del(s, ps);
	for (pp = &ps->tun->sessions; *pp; pp = &(*pp)->next)
		if (*pp == ps) {
			*pp = ps->next;
			break;
		}
	if (ps->client && ps->client->ps == ps) {
		l2tp_client_add_counters(ps->client, ps);
		ps->client->ps = NULL;
	}
	ps_port_close(ps);
	evloop_timer_disarm(s->loop, &ps->ppp_timer);
	evloop_timer_disarm(s->loop, &ps->work_timer);
	evloop_timer_disarm(s->loop, &ps->bridge_timer);
	ppp_free(ps->ppp);
	free(ps);
}

void ppp_session_input(struct ppp_session *ps, const struct buf *payload)
{
	if (!ps->ppp || ps->dead)
		return;
	ps->last_frame = evloop_now(ps->site->loop);
	if (ppp_input(ps->ppp, buf_cur(payload), buf_left(payload), ps->last_frame) == -1) {
		ps->drops[PS_DROP_PPP]++;
		ps->rx_errors++;
	}
	/* LCP, BCP or CCP may have changed what the fast path may do. */
	ppp_fast_sync(ps);
}

/* ---- names ---- */

static int ps_name_taken(struct site *s, const char *name)
{
	for (const struct v2_tunnel *t = s->v2_tunnels; t; t = t->next)
		for (const struct ppp_session *ps = t->sessions; ps; ps = ps->next)
			if (!ps->dead && strcmp(ps->ifname, name) == 0)
				return 1;
	for (const struct pw *p = s->pws; p; p = p->next)
		if (strcmp(p->ifname, name) == 0)
			return 1;
	for (size_t i = 0; i < s->cfg->n_client; i++)
		if (strcmp(s->cfg->client[i].interface, name) == 0)
			return 1;
	for (size_t i = 0; i < s->cfg->n_secret; i++)
		if (strcmp(s->cfg->secret[i].interface, name) == 0)
			return 1;
	return 0;
}

void ppp_session_dynamic_name(struct site *s, const char *user, char *out, size_t cap)
{
	char base[CFG_IFNAME_MAX], cand[CFG_IFNAME_MAX];
	size_t n = 0;

	/* RouterOS names it <l2tp-USER>; a Linux name takes no '<', '/', ':' or spaces. */
	n = (size_t)snprintf(base, sizeof(base), "l2tp-");
	for (const char *c = user; *c && n + 1 < sizeof(base); c++) {
		int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			 (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';

		base[n++] = ok ? *c : '_';
	}
	base[n] = '\0';
	snprintf(cand, sizeof(cand), "%s", base);
	for (unsigned k = 2; ps_name_taken(s, cand) && k < 1000; k++) {
		char suffix[8];
		int sl = snprintf(suffix, sizeof(suffix), "-%u", k);
		size_t keep = sizeof(base) - 1 - (size_t)sl;

		snprintf(cand, sizeof(cand), "%.*s%s",
			 (int)(strlen(base) < keep ? strlen(base) : keep), base, suffix);
	}
	/* Written last: out may be the asking session's own name, which counts as taken. */
	snprintf(out, cap, "%s", cand);
}

/* ---- status ---- */

void ppp_session_status(const struct ppp_session *ps, struct status_iface *o)
{
	uint64_t now = evloop_now(ps->site->loop);
	size_t k = 0;

	snprintf(o->name, sizeof(o->name), "%s", ps->ifname);
	snprintf(o->kind, sizeof(o->kind), "%s", ps->server ? "l2tp-server" : "l2tp-client");
	snprintf(o->status, sizeof(o->status), "%.47s",
		 ps->up	    ? "connected"
		 : ps->dead ? ps->why
			    : "connecting");
	snprintf(o->user, sizeof(o->user), "%s", ps->user);
	if (ps->up)
		o->uptime = (now - ps->up_since) / 1000;
	o->idle_time = (now - (ps->last_frame ? ps->last_frame : ps->created)) / 1000;
	snprintf(o->encoding, sizeof(o->encoding), "%s", ps->ppp ? ppp_encoding(ps->ppp) : "none");
	if (ps->ppp && ps->up) {
		uint32_t max_mtu =
		    ps->server ? ps->site->cfg->server.max_mtu : ps->client->cfg->max_mtu;

		/* We never send more than max-mtu nor more than the peer's MRU. */
		o->mtu = ppp_mtu(ps->ppp) < max_mtu ? ppp_mtu(ps->ppp) : max_mtu;
		o->mru = ppp_mru(ps->ppp);
		o->mrru = ppp_mrru(ps->ppp);
	}
	snprintf(o->local_address, sizeof(o->local_address), "%s",
		 ps->server && ps->site->cfg->server.listen.ss.ss_family != AF_UNSPEC
		     ? ps->site->cfg->server.listen.text
		     : "");
	snprintf(o->remote_address, sizeof(o->remote_address), "%s", ps->tun->peer_text);
	o->tunnel_id = ps->tun->local_id;
	o->peer_tunnel_id = l2tp_tunnel_peer_id(ps->tun->eng);
	o->session_id = ps->sid;
	o->peer_session_id = ps->peer_sid;
	o->rx_packets = ps->rx_packets;
	o->rx_bytes = ps->rx_bytes;
	o->tx_packets = ps->tx_packets;
	o->tx_bytes = ps->tx_bytes;
	o->rx_errors = ps->rx_errors;
	o->rx_dropped = ps->drops[PS_DROP_TAP_FULL];
	o->tx_dropped = ps->drops[PS_DROP_NOT_BRIDGING] + ps->drops[PS_DROP_TOO_BIG] +
			ps->drops[PS_DROP_SEND_FAILED];
	ppp_fast_status(ps, o);
	snprintf(o->encap, sizeof(o->encap), "udp");
	snprintf(o->bridge, sizeof(o->bridge), "%s", ps->bridge);
	for (int i = 0; i < PS_DROP_MAX && k < PS_STATUS_DROPS; i++) {
		snprintf(o->drops[k].name, sizeof(o->drops[k].name), "%s", ps_drop_names[i]);
		o->drops[k++].count = ps->drops[i];
	}
	if (ps->ppp && k < PS_STATUS_DROPS) {
		const struct ppp_stats *st = ppp_stats(ps->ppp);
		uint64_t bad = 0;

		for (int i = 1; i < BCP_FRAME_NERR; i++)
			bad += st->drop_bridged[i];
		snprintf(o->drops[k].name, sizeof(o->drops[k].name), "bad-bridged-frame");
		o->drops[k++].count = bad;
	}
	if (ps->dead)
		snprintf(o->last_error, sizeof(o->last_error), "%s", ps->why);
	if (ps->ppp) {
		struct ppp_link_stats ls;

		ppp_link_stats(ps->ppp, &ls);
		o->multilink.reassembled = ls.mp_rx.reassembled;
		o->multilink.lost_fragments = ls.mp_rx.lost;
		o->multilink.discarded = ls.mp_rx.discarded;
		o->multilink.timeouts = ls.mp_rx.timeouts;
	}
}
