/*
 * An l2tp-client section (RouterOS /interface l2tp-client): an L2TPv2 LAC
 * tunnel to connect-to:port, one incoming call on it (ICRQ/ICRP/ICCN, RFC
 * 2661 §5.4), a PPP link as client over it (ppp_session.c), and a reconnect
 * with backoff after any drop: tunnel, call or PPP.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsec_site.h"
#include "l2tp_tunnel.h"
#include "log.h"
#include "site_priv.h"
#include "status.h"
#include "transport.h"

static void client_connect(struct l2tp_client *cl)
{
	struct site *s = cl->site;
	const struct cfg_l2tp_client *c = cl->cfg;
	struct l2tp_session_params sp;
	struct sockaddr_storage peer;
	struct transport *tr;
	struct v2_tunnel *t;
	uint16_t sid;

	/* use-ipsec: no SCCRQ before the SA; site_v2_ipsec_changed() calls again. */
	if (!ipsec_site_peer_ready(s, (const struct sockaddr *)&c->connect_to.ss)) {
		if (!cl->last_error[0])
			snprintf(cl->status, sizeof(cl->status), "connecting");
		log_debug("l2tp-client %s: waiting for its IPsec SA", cl->title);
		return;
	}
	/* The shared wildcard socket on the same port, as RouterOS sends from 1701. */
	tr = transport_get(s->loop, c->connect_to.ss.ss_family, NULL, 0, TRANSPORT_UDP, c->port,
			   &site_transport_ops, s);
	if (!tr) {
		snprintf(cl->last_error, sizeof(cl->last_error), "cannot open UDP socket");
		l2tp_client_dropped(cl, "socket error");
		return;
	}
	peer = c->connect_to.ss;
	transport_addr_set_port(&peer, c->port);
	t = v2_tunnel_new(s, tr, (const struct sockaddr *)&peer, c->connect_to.len, cl);
	if (!t) {
		transport_put(tr);
		l2tp_client_dropped(cl, "out of memory");
		return;
	}
	cl->tun = t;
	do
		site_random(&sid, sizeof(sid));
	while (sid == 0);
	cl->ps = ppp_session_new(t, sid, 0, cl);
	memset(&sp, 0, sizeof(sp));
	sp.local_session_id = sid;
	sp.user = cl->ps;
	if (!cl->ps || !l2tp_session_open(t->eng, &sp, evloop_now(s->loop))) {
		l2tp_client_dropped(cl, "out of memory");
		return;
	}
	/* After a failure the status keeps saying why until the link is up again. */
	if (!cl->last_error[0])
		snprintf(cl->status, sizeof(cl->status), "connecting");
	log_info("l2tp-client %s: connecting to %s:%u (tunnel id %u)", cl->title,
		 c->connect_to.text, c->port, t->local_id);
	l2tp_tunnel_start(t->eng, evloop_now(s->loop));
}

static void client_reconnect_timer(struct ev_timer *et)
{
	client_connect(et->arg);
}

static void client_drop_timer(struct ev_timer *et)
{
	struct l2tp_client *cl = et->arg;
	struct site *s = cl->site;

	if (cl->ps)
		ppp_session_free(cl->ps); /* CDN if the call is still there */
	v2_tunnel_stop(cl->tun, cl->last_error);
	if (s->stopping)
		return;
	log_info("l2tp-client %s: disconnected: %s, reconnecting in %u s", cl->title,
		 cl->last_error, cl->backoff_ms / 1000);
	evloop_timer_arm(s->loop, &cl->reconnect_timer, evloop_now(s->loop) + cl->backoff_ms);
	cl->backoff_ms =
	    cl->backoff_ms * 2 > V2_RECONNECT_MAX_MS ? V2_RECONNECT_MAX_MS : cl->backoff_ms * 2;
}

void l2tp_client_dropped(struct l2tp_client *cl, const char *why)
{
	if (evloop_timer_armed(&cl->drop_timer) || evloop_timer_armed(&cl->reconnect_timer))
		return;
	snprintf(cl->last_error, sizeof(cl->last_error), "%s", why);
	/*
	 * Status is a short reason; last-error keeps the whole chain.  A chain
	 * too long for status ("peer sent CDN: disconnected for administrative
	 * reasons: no common authentication method") shows its innermost cause.
	 */
	if (strlen(why) >= sizeof(cl->status) && strrchr(why, ':') && strrchr(why, ':')[1])
		why = strrchr(why, ':') + 1 + (strrchr(why, ':')[1] == ' ');
	snprintf(cl->status, sizeof(cl->status), "%s", why);
	evloop_timer_arm(cl->site->loop, &cl->drop_timer, evloop_now(cl->site->loop));
}

void l2tp_client_connected(struct l2tp_client *cl)
{
	cl->backoff_ms = V2_RECONNECT_MIN_MS;
	cl->last_error[0] = '\0';
	snprintf(cl->status, sizeof(cl->status), "connected");
}

void l2tp_client_add_counters(struct l2tp_client *cl, const struct ppp_session *ps)
{
	cl->rx_packets += ps->rx_packets;
	cl->rx_bytes += ps->rx_bytes;
	cl->tx_packets += ps->tx_packets;
	cl->tx_bytes += ps->tx_bytes;
	cl->rx_errors += ps->rx_errors;
	cl->fast_rx_packets += ps->fast_rx_packets;
	cl->fast_tx_packets += ps->fast_tx_packets;
	for (int i = 0; i < PS_DROP_MAX; i++)
		cl->drops[i] += ps->drops[i];
}

void l2tp_client_start(struct site *s, const struct cfg_l2tp_client *c)
{
	struct l2tp_client *cl = calloc(1, sizeof(*cl)), **pp;

	if (!cl) {
		log_warnx("l2tp-client %s: out of memory", c->title);
		return;
	}
	cl->site = s;
	cl->cfg = c;
	snprintf(cl->title, sizeof(cl->title), "%s", c->title);
	snprintf(cl->ifname, sizeof(cl->ifname), "%s", c->interface);
	cl->backoff_ms = V2_RECONNECT_MIN_MS;
	evloop_timer_init(&cl->reconnect_timer, client_reconnect_timer, cl);
	evloop_timer_init(&cl->drop_timer, client_drop_timer, cl);
	for (pp = &s->clients; *pp; pp = &(*pp)->next)
		;
	*pp = cl;
	/* Keys the daemon does not act on yet: say so rather than pretend. */
	if (c->dial_on_demand)
		log_warnx("l2tp-client %s: dial-on-demand is not supported, connecting at once",
			  cl->title);
	if (c->disabled) {
		snprintf(cl->status, sizeof(cl->status), "disabled");
		log_info("l2tp-client %s: disabled", cl->title);
		return;
	}
	client_connect(cl);
}

void site_v2_ipsec_changed(struct site *s)
{
	for (struct l2tp_client *cl = s->clients; cl; cl = cl->next)
		if (!cl->tun && !cl->cfg->disabled && !s->stopping &&
		    !evloop_timer_armed(&cl->reconnect_timer) &&
		    !evloop_timer_armed(&cl->drop_timer))
			client_connect(cl);
}

void l2tp_client_free(struct l2tp_client *cl)
{
	struct site *s = cl->site;
	struct l2tp_client **pp;

	for (pp = &s->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	evloop_timer_disarm(s->loop, &cl->reconnect_timer);
	evloop_timer_disarm(s->loop, &cl->drop_timer);
	if (cl->ps)
		ppp_session_free(cl->ps);
	v2_tunnel_stop(cl->tun, s->stopping ? "shutting down" : "l2tp-client removed");
	free(cl);
}

void l2tp_client_status(const struct l2tp_client *cl, struct status_iface *o)
{
	const struct ppp_session *ps = cl->ps;

	if (ps) {
		ppp_session_status(ps, o);
	} else {
		snprintf(o->kind, sizeof(o->kind), "l2tp-client");
		snprintf(o->encoding, sizeof(o->encoding), "none");
		snprintf(o->fastpath, sizeof(o->fastpath), "off");
		snprintf(o->encap, sizeof(o->encap), "udp");
		for (int i = 0; i < PS_DROP_MAX; i++)
			snprintf(o->drops[i].name, sizeof(o->drops[i].name), "%s",
				 ppp_session_drop_name((enum ppp_session_drop)i));
	}
	snprintf(o->name, sizeof(o->name), "%s", cl->ifname);
	if (!ps || !ps->up)
		snprintf(o->status, sizeof(o->status), "%s", cl->status);
	snprintf(o->user, sizeof(o->user), "%s", cl->cfg->user);
	snprintf(o->remote_address, sizeof(o->remote_address), "%s", cl->cfg->connect_to.text);
	o->rx_packets += cl->rx_packets;
	o->rx_bytes += cl->rx_bytes;
	o->tx_packets += cl->tx_packets;
	o->tx_bytes += cl->tx_bytes;
	o->rx_errors += cl->rx_errors;
	o->fastpath_rx_packets += cl->fast_rx_packets;
	o->fastpath_tx_packets += cl->fast_tx_packets;
	o->rx_dropped += cl->drops[PS_DROP_TAP_FULL];
	o->tx_dropped += cl->drops[PS_DROP_NOT_BRIDGING] + cl->drops[PS_DROP_TOO_BIG] +
			 cl->drops[PS_DROP_SEND_FAILED];
	for (int i = 0; i < PS_DROP_MAX; i++)
		o->drops[i].count += cl->drops[i];
	if (!o->last_error[0])
		snprintf(o->last_error, sizeof(o->last_error), "%s", cl->last_error);
}
