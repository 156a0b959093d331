/*
 * The site: config -> pseudowires, demultiplexing, reload, shutdown, status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "buf.h"
#include "ipsec_site.h"
#include "netlink.h"
#include "pw.h"
#include "pw_fast.h"
#include "site.h"
#include "site_priv.h"
#include "transport.h"

void site_random(void *out, size_t len)
{
	uint8_t *p = out;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n <= 0) {
			if (n == -1 && errno == EINTR)
				continue;
			fatal("getrandom");
		}
		p += n;
		len -= (size_t)n;
	}
}

int site_log_level(int level)
{
	/* Our levels are error, warning, info and debug: fold the others in. */
	if (level < LOG_ERR)
		return LOG_ERR;
	if (level == LOG_NOTICE)
		return LOG_INFO;
	return level;
}

static size_t site_hash_slot(uint32_t sid)
{
	/* Ids are random or admin-chosen small numbers: mix before masking. */
	return (size_t)((sid * 2654435761u) >> 24) % SITE_HASH_SIZE;
}

static struct pw *site_hash_find(const struct site *s, uint32_t sid)
{
	for (struct pw *p = s->hash[site_hash_slot(sid)]; p; p = p->hash_next)
		if (p->sp.local_session_id == sid)
			return p;
	return NULL;
}

void site_hash_add(struct site *s, struct pw *p)
{
	size_t i = site_hash_slot(p->sp.local_session_id);

	p->hash_next = s->hash[i];
	s->hash[i] = p;
}

void site_hash_del(struct site *s, struct pw *p)
{
	for (struct pw **pp = &s->hash[site_hash_slot(p->sp.local_session_id)]; *pp;
	     pp = &(*pp)->hash_next) {
		if (*pp == p) {
			*pp = p->hash_next;
			p->hash_next = NULL;
			return;
		}
	}
}

static int site_session_id_used(const struct site *s, uint32_t sid)
{
	if (site_hash_find(s, sid))
		return 1;
	for (const struct pw *p = s->pws; p; p = p->next)
		if (p->cfg->mode == CFG_PW_STATIC && p->cfg->session_id == sid)
			return 1;
	return 0;
}

uint32_t site_alloc_session_id(struct site *s)
{
	uint32_t sid;

	do
		site_random(&sid, sizeof(sid));
	while (sid == 0 || site_session_id_used(s, sid));
	return sid;
}

static void site_tr_data(void *ctx, struct transport *t, const struct sockaddr *from,
			 uint32_t session_id, const struct buf *payload)
{
	struct site *s = ctx;
	struct pw *p = site_hash_find(s, session_id);
	uint32_t suppressed;

	if (s->ipsec && !ipsec_site_rx_ok(s, t, from, 0))
		return;
	if (p) {
		pw_rx(p, payload);
		return;
	}
	s->drop_unknown_session++;
	/* Charge the pseudowire to that peer, if any: a stale session shows there. */
	for (p = s->pws; p; p = p->next) {
		if (transport_addr_equal(from, (const struct sockaddr *)&p->cfg->remote.ss)) {
			p->st.rx_drops[L2TP_DATA_UNKNOWN_SESSION]++;
			p->st.rx_errors++;
			break;
		}
	}
	if (log_ratelimit_ok(&s->rl_unknown_session, evloop_now(s->loop), &suppressed)) {
		char addr[64];

		transport_addr_text(from, addr, sizeof(addr));
		log_warnx("data for unknown session %u from %s dropped (%u similar suppressed)",
			  session_id, addr, suppressed);
	}
}

static void site_tr_ctrl(void *ctx, struct transport *t, const struct sockaddr *from,
			 socklen_t fromlen, const uint8_t *pkt, size_t len)
{
	struct site *s = ctx;

	if (s->ipsec && !ipsec_site_rx_ok(s, t, from, 0))
		return;
	site_ctl_input(ctx, t, from, fromlen, pkt, len);
}

static void site_tr_v2(void *ctx, struct transport *t, const struct sockaddr *from,
		       socklen_t fromlen, const uint8_t *pkt, size_t len)
{
	struct site *s = ctx;

	if (s->ipsec && !ipsec_site_rx_ok(s, t, from, 1))
		return;
	site_v2_input(ctx, t, from, fromlen, pkt, len);
}

/* use-ipsec: nothing to a peer that needs an SA while it has none. */
static int site_tr_tx_allowed(void *ctx, struct transport *t, const struct sockaddr *to)
{
	struct site *s = ctx;

	(void)t;
	return !s->ipsec || ipsec_site_may_send(s, to);
}

const struct transport_ops site_transport_ops = {
    .ctrl = site_tr_ctrl,
    .v2 = site_tr_v2,
    .data = site_tr_data,
    .tx_allowed = site_tr_tx_allowed,
};

void site_ipsec_changed(struct site *s)
{
	/* Groups and clients that waited for their SA connect now. */
	for (struct site_group *g = s->groups; g; g = g->next)
		if (g->n_pws && !site_group_has_live_tunnel(g))
			evloop_timer_arm(s->loop, &g->connect_timer, evloop_now(s->loop));
	site_v2_ipsec_changed(s);
}

/*
 * The transport for a pseudowire's (family, local, encap, port).  Failure is
 * logged once (quiet on retries): at boot the local address may come later.
 */
static struct transport *site_transport(struct site *s, const struct cfg_pseudowire *c, int quiet)
{
	const struct sockaddr *local = NULL;
	struct transport *t;

	if (c->local.ss.ss_family != AF_UNSPEC)
		local = (const struct sockaddr *)&c->local.ss;
	t = transport_get(s->loop, c->remote.ss.ss_family, local, c->local.len,
			  c->encap == CFG_ENCAP_IP ? TRANSPORT_IP : TRANSPORT_UDP, c->port,
			  &site_transport_ops, s);
	if (!t && !quiet)
		log_warn("pseudowire %s: cannot open %s socket%s%s, retrying every %d s", c->title,
			 c->encap == CFG_ENCAP_IP ? "IP protocol 115" : "UDP", local ? " on " : "",
			 local ? c->local.text : "", SITE_SOCKET_RETRY_MS / 1000);
	return t;
}

/* Static mode: no control connection; the configured ids and cookies (like `ip l2tp`). */
static void site_static_start(struct site *s, struct pw *p, struct transport *tr)
{
	const struct cfg_pseudowire *c = p->cfg;
	struct pw_session_params sp;

	if (site_hash_find(s, c->session_id)) {
		log_warnx("pseudowire %s: session id %u already in use", p->title, c->session_id);
		pw_set_status(p, "session id in use");
		transport_put(tr);
		return;
	}
	p->own_tr = tr;
	memset(&sp, 0, sizeof(sp));
	sp.local_session_id = c->session_id;
	sp.peer_session_id = c->peer_session_id;
	sp.tunnel_id = c->tunnel_id;
	sp.peer_tunnel_id = c->peer_tunnel_id;
	/* Like Linux: `cookie` is sent, `peer-cookie` is required on receive. */
	sp.tx_cookie_len = sp.rx_cookie_len = c->cookie_length;
	memcpy(sp.tx_cookie, c->cookie, sizeof(sp.tx_cookie));
	memcpy(sp.rx_cookie, c->peer_cookie, sizeof(sp.rx_cookie));
	sp.l2spec_default = c->l2_sublayer == CFG_SUBLAYER_DEFAULT;
	sp.seq_tx = sp.seq_rx = c->sequencing;
	sp.transport = p->own_tr;
	memcpy(&sp.peer, &c->remote.ss, sizeof(sp.peer));
	sp.peer_len = c->remote.len;
	transport_addr_set_port(&sp.peer, c->encap == CFG_ENCAP_UDP ? c->port : 0);
	if (pw_data_up(p, &sp) == -1) {
		pw_set_status(p, "invalid session parameters");
		return;
	}
	site_hash_add(s, p);
	log_info("session %s up (static, %s to %s, session id %u, peer session id %u)", p->title,
		 transport_name(p->own_tr), c->remote.text, sp.local_session_id,
		 sp.peer_session_id);
}

static const char *site_pw_bridge(const struct site *s, const struct cfg_pseudowire *c)
{
	return c->bridge[0] ? c->bridge : s->cfg->bridge;
}

/* Open the pseudowire's socket and start it; retried while that fails. */
static void site_pw_wan_start(struct site *s, struct pw *p, int retry)
{
	struct transport *tr = site_transport(s, p->cfg, retry);

	if (!tr) {
		if (!p->wan_pending) {
			snprintf(p->last_error, sizeof(p->last_error), "cannot open socket: %s",
				 strerror(errno));
			pw_set_status(p, "socket error");
		}
		p->wan_pending = 1;
		if (!evloop_timer_armed(&s->retry_timer))
			evloop_timer_arm(s->loop, &s->retry_timer,
					 evloop_now(s->loop) + SITE_SOCKET_RETRY_MS);
		return;
	}
	if (p->wan_pending)
		log_info("pseudowire %s: socket %s open now", p->title, transport_name(tr));
	p->wan_pending = 0;
	p->last_error[0] = '\0';
	if (p->cfg->mode == CFG_PW_STATIC)
		site_static_start(s, p, tr);
	else if (site_ctl_add(s, p, tr) == -1)
		pw_set_status(p, "out of memory");
}

static void site_retry_timer(struct ev_timer *t)
{
	struct site *s = t->arg;

	for (struct pw *p = s->pws; p; p = p->next)
		if (p->wan_pending)
			site_pw_wan_start(s, p, 1);
}

static void site_pw_start(struct site *s, const struct cfg_pseudowire *c, struct pw ***tail)
{
	char err[160];
	struct pw *p = pw_new(s->loop, &s->ports, c, site_pw_bridge(s, c), err, sizeof(err));

	if (!p) {
		log_warnx("pseudowire %s: %s", c->title, err);
		return;
	}
	/* TC encapsulation would put frames on the WAN past the SA: slow path. */
	p->fast = c->ipsec.use == CFG_IPSEC_NO ? s->fast : NULL;
	p->next = **tail;
	**tail = p;
	*tail = &p->next;
	if (c->disabled) {
		log_info("pseudowire %s: disabled", c->title);
		return;
	}
	site_pw_wan_start(s, p, 0);
}

/* why: "pseudowire removed" (reload), "shutting down" (exit). */
static void site_pw_stop(struct site *s, struct pw *p, const char *why)
{
	if (p->cfg->mode == CFG_PW_STATIC) {
		if (p->up) {
			site_hash_del(s, p);
			log_info("session %s down: %s", p->title, why);
		}
		pw_data_down(p, NULL);
		transport_put(p->own_tr);
		p->own_tr = NULL;
	} else if (p->group) {
		site_ctl_remove(s, p);
	}
	pw_free(p);
}

static const char *site_provider_name(void *ctx)
{
	struct site *s = ctx;

	return s->cfg->name;
}

static size_t site_provider_count(void *ctx)
{
	struct site *s = ctx;
	size_t n = 0;

	for (struct pw *p = s->pws; p; p = p->next)
		n++;
	return n + site_v2_status_count(s);
}

static int site_provider_get(void *ctx, size_t i, struct status_iface *out)
{
	struct site *s = ctx;

	for (struct pw *p = s->pws; p; p = p->next) {
		if (i-- == 0) {
			pw_status_row(p, out);
			ipsec_site_row(s, out);
			return 0;
		}
	}
	if (site_v2_status_get(s, i, out) < 0)
		return -1;
	ipsec_site_row(s, out);
	return 0;
}

static int site_provider_drop(void *ctx, size_t i, char *name, size_t namelen, uint64_t *count)
{
	return ipsec_site_drop(ctx, i, name, namelen, count);
}

struct site *site_new(struct evloop *l, struct cfg *c)
{
	struct site *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->nl = netlink_open();
	if (!s->nl) {
		log_warn("netlink");
		free(s);
		return NULL;
	}
	s->loop = l;
	s->cfg = c;
	evloop_timer_init(&s->retry_timer, site_retry_timer, s);
	site_random(&s->router_id, sizeof(s->router_id));
	s->provider = (struct status_provider){
	    .ctx = s,
	    .site_name = site_provider_name,
	    .count = site_provider_count,
	    .get = site_provider_get,
	    .site_drop = site_provider_drop,
	};
	return s;
}

int site_start(struct site *s)
{
	struct pw **tail = &s->pws;

	log_info("site %s: starting %zu pseudowire%s", s->cfg->name, s->cfg->n_pw,
		 s->cfg->n_pw == 1 ? "" : "s");
	/* Before anything connects: the IPsec gates must know their sections. */
	ipsec_site_apply(s);
	s->fast = pw_fast_open(s->cfg->fastpath, s->cfg->wan_interface);
	s->ports.nl = s->nl;
	s->ports.kind = pw_fast_port_kind(s->fast);
	port_owner_alias(s->cfg->name, s->ports.owner, sizeof(s->ports.owner));
	/* veth ports outlive a killed daemon (port.h): ours go before new ones are made. */
	port_cleanup_stale(&s->ports);
	for (size_t i = 0; i < s->cfg->n_pw; i++)
		site_pw_start(s, &s->cfg->pw[i], &tail);
	site_v2_start(s);
	return 0;
}

static const struct cfg_pseudowire *site_cfg_find(const struct cfg *c, const char *title)
{
	for (size_t i = 0; i < c->n_pw; i++)
		if (strcmp(c->pw[i].title, title) == 0)
			return &c->pw[i];
	return NULL;
}

void site_reload(struct site *s, struct cfg *c)
{
	struct cfg *old = s->cfg;
	struct pw **pp, **tail;
	size_t kept = 0, stopped = 0, started = 0;

	if (strcmp(old->status_socket, c->status_socket) != 0)
		log_warnx("reload: status-socket change needs a restart; keeping %s",
			  old->status_socket);
	log_setlevel(c->log_level);
	if (old->fastpath != c->fastpath || strcmp(old->wan_interface, c->wan_interface) != 0)
		log_warnx("reload: fastpath and wan-interface changes need a restart");
	/* First tear down what changed or vanished, so names and ids are free. */
	for (pp = &s->pws; *pp;) {
		struct pw *p = *pp;
		const struct cfg_pseudowire *n = site_cfg_find(c, p->title);

		if (n && cfg_pseudowire_equal(p->cfg, n) &&
		    strcmp(pw_bridge_name(p), n->bridge[0] ? n->bridge : c->bridge) == 0) {
			p->cfg = n;
			kept++;
			pp = &p->next;
			continue;
		}
		log_info("reload: pseudowire %s %s", p->title,
			 n ? "changed, restarting" : "removed");
		*pp = p->next;
		site_pw_stop(s, p, "pseudowire removed");
		stopped++;
	}
	s->cfg = c;
	ipsec_site_apply(s);
	/* Then start the new ones, appended in config order. */
	for (tail = &s->pws; *tail; tail = &(*tail)->next)
		;
	for (size_t i = 0; i < c->n_pw; i++) {
		const struct cfg_pseudowire *n = &c->pw[i];
		struct pw *p;

		for (p = s->pws; p; p = p->next)
			if (p->cfg == n)
				break;
		if (p)
			continue;
		site_pw_start(s, n, &tail);
		started++;
	}
	log_info("reload: %zu unchanged, %zu stopped, %zu started", kept, stopped, started);
	site_v2_reload(s, old, c);
	cfg_unload(old);
}

static void site_stop_finish(struct site *s)
{
	void (*done)(void *) = s->stop_done;

	evloop_timer_disarm(s->loop, &s->stop_timer);
	s->stop_done = NULL;
	if (done)
		done(s->stop_arg);
}

void site_check_stopped(struct site *s)
{
	if (s->stopping && s->stop_done && site_ctl_live_tunnels(s) + site_v2_live_tunnels(s) == 0)
		site_stop_finish(s);
}

static void site_stop_timer(struct ev_timer *t)
{
	struct site *s = t->arg;

	if (site_ctl_live_tunnels(s))
		log_info("shutdown: %zu control connection%s not acknowledged in time",
			 site_ctl_live_tunnels(s), site_ctl_live_tunnels(s) == 1 ? "" : "s");
	site_stop_finish(s);
}

void site_stop(struct site *s, void (*done)(void *arg), void *arg)
{
	if (s->stopping)
		return;
	s->stopping = 1;
	s->stop_done = done;
	s->stop_arg = arg;
	evloop_timer_init(&s->stop_timer, site_stop_timer, s);
	/* Poll-free: the deadline, or site_check_stopped() from tunnel_down. */
	if (site_ctl_stop_all(s) + site_v2_stop_all(s) == 0)
		evloop_timer_arm(s->loop, &s->stop_timer, evloop_now(s->loop));
	else
		evloop_timer_arm(s->loop, &s->stop_timer, evloop_now(s->loop) + SITE_STOP_WAIT_MS);
}

void site_free(struct site *s)
{
	if (!s)
		return;
	while (s->pws) {
		struct pw *p = s->pws;

		s->pws = p->next;
		site_pw_stop(s, p, "shutting down");
	}
	site_ctl_free_all(s);
	site_v2_free_all(s);
	ipsec_site_free(s);
	pw_fast_close(s->fast);
	evloop_timer_disarm(s->loop, &s->retry_timer);
	if (s->stopping)
		evloop_timer_disarm(s->loop, &s->stop_timer);
	netlink_close(s->nl);
	cfg_unload(s->cfg);
	free(s);
}

const struct status_provider *site_status_provider(struct site *s)
{
	return &s->provider;
}
