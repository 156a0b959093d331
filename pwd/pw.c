/*
 * A pseudowire's TAP port and data path (RFC 3931 §4.1, RFC 4719).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "netlink.h"
#include "pw.h"
#include "pw_fast.h"
#include "status.h"
#include "transport.h"

#define PW_ETH_MIN 14 /* an Ethernet header: anything shorter is not a frame */
#define PW_STATUS_DROPS                                                                            \
	(sizeof(((struct status_iface *)NULL)->drops) /                                            \
	 sizeof(((struct status_iface *)NULL)->drops[0]))

static const char *const pw_drop_names[PW_DROP_MAX] = {
    [PW_DROP_SESSION_DOWN] = "session-down",
    [PW_DROP_TAP_FULL] = "tap-full",
    [PW_DROP_SEND_FAILED] = "send-failed",
};

void pw_set_status(struct pw *p, const char *status)
{
	snprintf(p->status, sizeof(p->status), "%s", status);
}

const char *pw_bridge_name(const struct pw *p)
{
	return p->bridge;
}

static int pw_port_open(struct pw *p);

static void pw_port_close(struct pw *p)
{
	if (!port_is_open(&p->port))
		return;
	pw_fast_down(p->fast, p);
	evloop_io_del(p->loop, &p->port_io);
	port_close(&p->port); /* removes the device(s) */
	p->bridged = 0;
}

static void pw_bridge_try(struct pw *p)
{
	char kind[32];
	int br_ifindex;

	if (netlink_link_kind(p->nl, p->bridge, kind, sizeof(kind), &br_ifindex) == -1 ||
	    strcmp(kind, "bridge") != 0) {
		/* Never create the bridge behind the admin's back: wait for it. */
		if (p->bridged || strncmp(p->status, "bridge ", 7) != 0)
			log_warnx("pseudowire %s: bridge %s missing, retrying every %d s", p->title,
				  p->bridge, PW_BRIDGE_RETRY_MS / 1000);
		p->bridged = 0;
		snprintf(p->status, sizeof(p->status), "bridge %s missing", p->bridge);
		snprintf(p->last_error, sizeof(p->last_error), "bridge %s missing", p->bridge);
		evloop_timer_arm(p->loop, &p->bridge_timer,
				 evloop_now(p->loop) + PW_BRIDGE_RETRY_MS);
		return;
	}
	if (netlink_link_setup(p->nl, p->port.ifindex, PORT_MTU, br_ifindex) == -1) {
		if (errno == ENODEV) {
			/* Someone deleted our port: its fd is orphaned, make a new one. */
			log_warnx("pseudowire %s: interface %s was deleted, re-creating it",
				  p->title, p->ifname);
			pw_port_close(p);
			if (pw_port_open(p) == 0)
				pw_bridge_try(p);
			return;
		}
		log_warn("pseudowire %s: cannot add %s to bridge %s", p->title, p->ifname,
			 p->bridge);
		snprintf(p->status, sizeof(p->status), "bridge %s refused port", p->bridge);
		evloop_timer_arm(p->loop, &p->bridge_timer,
				 evloop_now(p->loop) + PW_BRIDGE_RETRY_MS);
		return;
	}
	log_info("pseudowire %s: port %s on bridge %s", p->title, p->ifname, p->bridge);
	p->bridged = 1;
	p->bridge_ifindex = br_ifindex;
	evloop_timer_arm(p->loop, &p->bridge_timer, evloop_now(p->loop) + PW_BRIDGE_RETRY_MS);
	p->last_error[0] = '\0';
	pw_set_status(p, p->up ? "connected" : "connecting");
}

/*
 * While on the bridge, check every PW_BRIDGE_RETRY_MS that it still is: an
 * admin who deletes and re-creates the bridge, or removes the port, gets it
 * back without restarting the daemon.
 */
static void pw_bridge_timer(struct ev_timer *t)
{
	struct pw *p = t->arg;
	int master;

	if (!port_is_open(&p->port)) {
		if (pw_port_open(p) == 0)
			pw_bridge_try(p);
		return;
	}
	if (p->bridged && netlink_link_master(p->nl, p->port.ifindex, &master) == 0 &&
	    master == p->bridge_ifindex && master != 0) {
		evloop_timer_arm(p->loop, &p->bridge_timer,
				 evloop_now(p->loop) + PW_BRIDGE_RETRY_MS);
		return;
	}
	if (p->bridged)
		log_warnx("pseudowire %s: port %s is no longer on bridge %s", p->title, p->ifname,
			  p->bridge);
	pw_bridge_try(p);
}

int pw_data_up(struct pw *p, const struct pw_session_params *sp)
{
	struct l2tp_data_params dp;

	if (p->up)
		pw_data_down(p, "replaced");
	p->sp = *sp;
	p->encap = transport_l2tp_encap(sp->transport);
	memset(&dp, 0, sizeof(dp));
	dp.encap = p->encap;
	dp.session_id = sp->peer_session_id;
	dp.cookie_len = sp->tx_cookie_len;
	memcpy(dp.cookie, sp->tx_cookie, sizeof(dp.cookie));
	dp.sublayer = sp->l2spec_default;
	dp.seq = sp->seq_tx && sp->l2spec_default;
	if (l2tp_data_tx_init(&p->tx, &dp) == -1) {
		log_warnx(
		    "pseudowire %s: invalid data parameters (session id %u, cookie length %u)",
		    p->title, sp->peer_session_id, sp->tx_cookie_len);
		return -1;
	}
	memset(&p->rx, 0, sizeof(p->rx));
	p->rx.cookie_len = sp->rx_cookie_len;
	memcpy(p->rx.cookie, sp->rx_cookie, sizeof(p->rx.cookie));
	p->rx.sublayer = sp->l2spec_default;
	p->rx.seq = sp->seq_rx && sp->l2spec_default;
	for (int i = 0; i < PW_BATCH; i++) {
		p->msgs[i].msg_hdr.msg_name = &p->sp.peer;
		p->msgs[i].msg_hdr.msg_namelen = p->sp.peer_len;
	}
	p->up = 1;
	p->up_since = evloop_now(p->loop);
	port_set_carrier(&p->port, 1);
	pw_fast_up(p->fast, p);
	if (p->bridged)
		pw_set_status(p, "connected");
	return 0;
}

void pw_data_down(struct pw *p, const char *why)
{
	if (!p->up)
		return;
	pw_fast_down(p->fast, p);
	p->up = 0;
	p->up_since = 0;
	port_set_carrier(&p->port, 0);
	if (p->bridged)
		pw_set_status(p, "disconnected");
	if (why)
		snprintf(p->last_error, sizeof(p->last_error), "%s", why);
}

static void pw_drop(struct pw *p, enum pw_drop reason, int rx)
{
	p->st.drops[reason]++;
	if (rx)
		p->st.rx_dropped++;
	else
		p->st.tx_dropped++;
}

/* Receive checks (cookie, sublayer, sequence) are the codec's; then into the port. */
void pw_rx(struct pw *p, const struct buf *pkt)
{
	struct buf frame;
	enum l2tp_data_drop why;
	size_t len;

	if (!p->up)
		return;
	if (l2tp_data_rx(&p->rx, p->encap, pkt, &frame, NULL, &why) == -1) {
		p->st.rx_drops[why]++;
		/* Reordering is loss of a kind; malformed or foreign packets are errors. */
		if (why == L2TP_DATA_SEQ_BEHIND)
			p->st.rx_dropped++;
		else
			p->st.rx_errors++;
		return;
	}
	len = buf_left(&frame);
	if (len < PW_ETH_MIN) {
		p->st.rx_drops[L2TP_DATA_SHORT]++;
		p->st.rx_errors++;
		return;
	}
	if (!port_is_open(&p->port)) {
		pw_drop(p, PW_DROP_NO_PORT, 1);
		return;
	}
	if (port_send(&p->port, buf_cur(&frame), len) == -1) {
		pw_drop(p, PW_DROP_TAP_FULL, 1);
		return;
	}
	p->st.rx_packets++;
	p->st.rx_bytes += len;
	p->last_frame = evloop_now(p->loop);
}

/* Frames from the LAN: read a batch, prepend the template, one sendmmsg. */
static void pw_port_readable(struct ev_io *io, uint32_t events)
{
	struct pw *p = io->arg;

	(void)events;
	/* After 4 rounds, only what the port still holds of a super-frame (port.h). */
	for (int round = 0;; round++) {
		unsigned got, n = 0, sent;
		uint64_t bytes = 0;
		struct wbuf w;

		got = round < 4 ? port_recv(&p->port, p->rx_iov, p->rx_len, PW_BATCH)
				: port_recv_held(&p->port, p->rx_iov, p->rx_len, PW_BATCH);
		for (unsigned i = 0; i < got; i++) {
			if (!p->up) {
				pw_drop(p, PW_DROP_SESSION_DOWN, 0);
				continue;
			}
			wbuf_init(&w, p->hdrs[n], sizeof(p->hdrs[n]));
			/* One sequence with the TC program (RFC 4719 §4). */
			if (p->tx.seq && p->fast_ref.slot >= 0)
				p->tx.ns = pw_fast_seq_take(p->fast, p);
			l2tp_data_tx_header(&p->tx, &w);
			p->iov[n][0].iov_len = w.len;
			p->iov[n][1].iov_base = p->frames[i];
			p->iov[n][1].iov_len = p->rx_len[i];
			bytes += p->rx_len[i];
			n++;
		}
		if (n > 0) {
			sent = transport_send_batch(p->sp.transport, p->msgs, n);
			p->st.tx_packets += sent;
			p->st.tx_bytes += bytes; /* approximate when a send failed */
			for (unsigned i = sent; i < n; i++)
				pw_drop(p, PW_DROP_SEND_FAILED, 0);
			p->last_frame = evloop_now(p->loop);
		}
		if (got < PW_BATCH)
			return;
	}
}

/*
 * Create the port.  When that fails (the name is taken by another device,
 * say) the pseudowire stays, shows why in its status and retries with the
 * bridge timer: an admin can free the name without restarting us.
 */
static int pw_port_open(struct pw *p)
{
	if (port_open(&p->port, p->penv, p->ifname) == 0) {
		port_set_carrier(&p->port, p->up);
		p->port_io = (struct ev_io){.fd = p->port.fd, .cb = pw_port_readable, .arg = p};
		if (evloop_io_add(p->loop, &p->port_io, EPOLLIN) == 0) {
			if (p->up)
				pw_fast_up(p->fast, p);
			if (p->last_error[0])
				log_info("pseudowire %s: interface %s created", p->title,
					 p->ifname);
			return 0;
		}
		port_close(&p->port);
	}
	if (strncmp(p->status, "interface ", 10) != 0)
		log_warn("pseudowire %s: cannot create interface %s, retrying every %d s", p->title,
			 p->ifname, PW_BRIDGE_RETRY_MS / 1000);
	snprintf(p->status, sizeof(p->status), "interface %s: %s", p->ifname,
		 errno == EBUSY ? "name in use" : strerror(errno));
	snprintf(p->last_error, sizeof(p->last_error), "%s", p->status);
	p->bridged = 0;
	evloop_timer_arm(p->loop, &p->bridge_timer, evloop_now(p->loop) + PW_BRIDGE_RETRY_MS);
	return -1;
}

struct pw *pw_new(struct evloop *l, const struct port_env *env, const struct cfg_pseudowire *c,
		  const char *bridge, char *err, size_t errlen)
{
	struct pw *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->msgs = calloc(PW_BATCH, sizeof(*p->msgs));
	if (!p->msgs) {
		snprintf(err, errlen, "out of memory");
		goto free_p;
	}
	p->loop = l;
	p->nl = env->nl;
	p->penv = env;
	port_init(&p->port);
	p->cfg = c;
	p->fast_ref.slot = -1;
	snprintf(p->title, sizeof(p->title), "%s", c->title);
	snprintf(p->ifname, sizeof(p->ifname), "%s", c->interface);
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
	for (int i = 0; i < PW_BATCH; i++) {
		p->iov[i][0].iov_base = p->hdrs[i];
		p->iov[i][1].iov_base = p->frames[i];
		p->rx_iov[i] = (struct iovec){.iov_base = p->frames[i], .iov_len = PW_FRAME_MAX};
		p->msgs[i].msg_hdr.msg_iov = p->iov[i];
		p->msgs[i].msg_hdr.msg_iovlen = 2;
	}
	evloop_timer_init(&p->bridge_timer, pw_bridge_timer, p);
	if (c->disabled) {
		pw_set_status(p, "disabled");
		return p;
	}
	pw_set_status(p, "connecting");
	if (pw_port_open(p) == 0)
		pw_bridge_try(p);
	return p;

free_p:
	free(p);
	return NULL;
}

void pw_free(struct pw *p)
{
	if (!p)
		return;
	pw_data_down(p, NULL);
	evloop_timer_disarm(p->loop, &p->bridge_timer);
	pw_port_close(p);
	free(p->msgs);
	free(p);
}

void pw_status_row(const struct pw *p, struct status_iface *o)
{
	const struct cfg_pseudowire *c = p->cfg;
	uint64_t now = evloop_now(p->loop);
	struct l2pw_counters fc;
	size_t k = 0;

	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", p->ifname);
	snprintf(o->kind, sizeof(o->kind), "l2tpv3");
	snprintf(o->status, sizeof(o->status), "%s", p->status);
	if (p->up && p->bridged)
		o->uptime = (now - p->up_since) / 1000;
	o->idle_time = p->last_frame ? (now - p->last_frame) / 1000 : o->uptime;
	snprintf(o->encoding, sizeof(o->encoding), "none");
	o->mtu = PORT_MTU;
	o->mru = PORT_MTU;
	snprintf(o->local_address, sizeof(o->local_address), "%s",
		 c->local.ss.ss_family == AF_UNSPEC ? "" : c->local.text);
	snprintf(o->remote_address, sizeof(o->remote_address), "%s", c->remote.text);
	if (p->up) {
		o->tunnel_id = p->sp.tunnel_id;
		o->peer_tunnel_id = p->sp.peer_tunnel_id;
		o->session_id = p->sp.local_session_id;
		o->peer_session_id = p->sp.peer_session_id;
	}
	o->rx_packets = p->st.rx_packets;
	o->rx_bytes = p->st.rx_bytes;
	o->tx_packets = p->st.tx_packets;
	o->tx_bytes = p->st.tx_bytes;
	o->rx_errors = p->st.rx_errors;
	o->rx_dropped = p->st.rx_dropped;
	o->tx_dropped = p->st.tx_dropped;
	/* One session, two paths: the counters add up (DESIGN.md "Data path"). */
	pw_fast_sess_counters(p->fast, &p->fast_ref, &fc);
	pw_fast_add(&fc, &o->rx_packets, &o->rx_bytes, &o->rx_dropped, &o->tx_packets,
		    &o->tx_bytes);
	o->fastpath_rx_packets = p->st.fast_rx_packets + fc.rx_packets;
	o->fastpath_tx_packets = p->st.fast_tx_packets + fc.tx_packets;
	snprintf(o->fastpath, sizeof(o->fastpath), "%s",
		 p->fast_ref.slot >= 0 ? pw_fast_mode(p->fast) : "off");
	snprintf(o->mode, sizeof(o->mode), "%s", c->mode == CFG_PW_STATIC ? "static" : "dynamic");
	snprintf(o->encap, sizeof(o->encap), "%s", c->encap == CFG_ENCAP_IP ? "ip" : "udp");
	o->cookie_length = c->cookie_length;
	snprintf(o->l2_sublayer, sizeof(o->l2_sublayer), "%s",
		 c->l2_sublayer == CFG_SUBLAYER_DEFAULT ? "default" : "none");
	snprintf(o->pw_type, sizeof(o->pw_type), "%s",
		 c->pw_type == CFG_PW_ETHERNET_VLAN ? "ethernet-vlan" : "ethernet");
	o->pw_id = c->pw_id;
	snprintf(o->bridge, sizeof(o->bridge), "%s", p->bridge);
	for (int i = 1; i < L2TP_DATA_DROP_COUNT && k < PW_STATUS_DROPS; i++) {
		snprintf(o->drops[k].name, sizeof(o->drops[k].name), "%s",
			 l2tp_data_drop_name((enum l2tp_data_drop)i));
		o->drops[k++].count = p->st.rx_drops[i];
	}
	for (int i = 0; i < PW_DROP_MAX && k < PW_STATUS_DROPS; i++) {
		snprintf(o->drops[k].name, sizeof(o->drops[k].name), "%s", pw_drop_names[i]);
		o->drops[k++].count = p->st.drops[i];
	}
	snprintf(o->last_error, sizeof(o->last_error), "%s", p->last_error);
}
