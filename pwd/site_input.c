/*
 * Control messages as they arrive: demultiplexed by connection id to their
 * tunnel, SCCRQs (connection id 0) matched to the group that names the
 * sender, crossing SCCRQs settled (RFC 3931 §5.4.3) and strangers refused.
 */
#include <string.h>

#include "buf.h"
#include "l2tp.h"
#include "l2tp_avp.h"
#include "l2tp_tunnel.h"
#include "site_priv.h"
#include "transport.h"

/*
 * RFC 3931 §3.3 / RFC 2661 §5.7: StopCCN to a peer we will not talk to
 * (result 4, not authorized).  Sent once, not reliably: there is no control
 * connection to retransmit it on.
 */
void site_refuse_ctrl(struct transport *tr, const struct sockaddr *from, socklen_t fromlen,
		      uint8_t version, uint32_t peer_conn_id, const char *why)
{
	uint8_t pkt[200];
	struct wbuf w;
	struct l2tp_builder b;
	size_t len;

	wbuf_init(&w, pkt, sizeof(pkt));
	l2tp_build_begin(&b, &w, version, peer_conn_id, 0, L2TP_MSG_STOPCCN);
	if (version == L2TP_VERSION_2)
		l2tp_build_n16(&b, L2TP_AVP_ASSIGNED_TUNNEL_ID, 1, 0);
	else
		l2tp_build_n32(&b, L2TP_AVP_ASSIGNED_CONN_ID, 1, 0);
	l2tp_build_result(&b, L2TP_STOPCCN_NOT_AUTHORIZED, L2TP_ERR_NONE, why);
	if (l2tp_build_finish(&b, &len) == -1)
		return;
	l2tp_ctrl_set_nsnr(pkt, len, 0, 1);
	transport_send_ctrl(tr, from, fromlen, pkt, len);
}

static void input_accept_sccrq(struct site *s, struct transport *tr, const struct sockaddr *from,
			       socklen_t fromlen, const struct l2tp_ctrl_peek *pk,
			       const uint8_t *pkt, size_t len)
{
	struct site_group *g;
	struct site_tunnel *t;
	char addr[64];
	uint32_t suppressed;

	transport_addr_text(from, addr, sizeof(addr));
	for (g = s->groups; g; g = g->next)
		if (g->n_pws && g->tr == tr &&
		    transport_addr_equal(from, (const struct sockaddr *)&g->remote))
			break;
	if (!g || s->stopping) {
		const char *why = s->stopping ? "shutting down" : "no pseudowire for this peer";

		s->refused_peers++;
		if (log_ratelimit_ok(&s->rl_refused_peer, evloop_now(s->loop), &suppressed))
			log_warnx("refused SCCRQ from %s on %s: %s (%u similar suppressed)", addr,
				  transport_name(tr), why, suppressed);
		site_refuse_ctrl(tr, from, fromlen, L2TP_VERSION_3, pk->assigned_id, why);
		return;
	}
	for (t = g->tunnels; t; t = t->next) {
		if (t->down)
			continue;
		/* A retransmitted SCCRQ belongs to the tunnel it already created. */
		if (!t->initiator && l2tp_tunnel_peer_id(t->eng) == pk->assigned_id) {
			l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop));
			return;
		}
	}
	for (t = g->tunnels; t; t = t->next) {
		if (t->down)
			continue;
		/* Crossing SCCRQs: RFC 3931 §5.4.3, decided by the engine. */
		switch (l2tp_tunnel_tie_break(t->eng, pk, evloop_now(s->loop))) {
		case L2TP_TIE_NONE:
			continue;
		case L2TP_TIE_KEEP_MINE:
			log_debug("tunnel to %s: crossing SCCRQ, ours wins", addr);
			return;
		case L2TP_TIE_KEEP_THEIRS:
			log_info("tunnel to %s: crossing SCCRQ, the peer's wins", addr);
			t->initiator = 0;
			memcpy(&t->peer, from,
			       fromlen < sizeof(t->peer) ? fromlen : sizeof(t->peer));
			t->peer_len = fromlen;
			if (l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop)) == -1 &&
			    l2tp_tunnel_state(t->eng) == L2TP_TUNNEL_IDLE) {
				/* Their SCCRQ was unusable (bad digest...): start over. */
				site_tunnel_kill(t);
				if (!site_group_has_live_tunnel(g))
					site_group_schedule_connect(g);
			}
			return;
		case L2TP_TIE_RESTART:
			log_info("tunnel to %s: crossing SCCRQ with equal tie breakers, retrying",
				 addr);
			return;
		default:
			return;
		}
	}
	t = site_tunnel_new(g, 0, from, fromlen);
	if (!t)
		return;
	evloop_timer_disarm(s->loop, &g->connect_timer);
	if (l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop)) == -1 &&
	    l2tp_tunnel_state(t->eng) == L2TP_TUNNEL_IDLE) {
		/* Not a usable SCCRQ (bad digest, missing AVP): the engine counted it. */
		site_tunnel_kill(t);
		return;
	}
	log_info("tunnel from %s: SCCRQ accepted (local id %u, peer id %u)", addr, t->local_id,
		 pk->assigned_id);
}

void site_ctl_input(struct site *s, struct transport *tr, const struct sockaddr *from,
		    socklen_t fromlen, const uint8_t *pkt, size_t len)
{
	struct l2tp_ctrl_peek pk;
	struct site_tunnel *t;
	uint32_t suppressed;
	char addr[64];

	if (l2tp_ctrl_peek(pkt, len, &pk) == -1 || pk.version != L2TP_VERSION_3) {
		s->drop_ctrl_malformed++;
		if (log_ratelimit_ok(&s->rl_ctrl, evloop_now(s->loop), &suppressed)) {
			transport_addr_text(from, addr, sizeof(addr));
			log_warnx("malformed or non-L2TPv3 control message from %s dropped "
				  "(%u similar suppressed)",
				  addr, suppressed);
		}
		return;
	}
	if (pk.conn_id == 0) {
		if (pk.msg_type == L2TP_MSG_SCCRQ)
			input_accept_sccrq(s, tr, from, fromlen, &pk, pkt, len);
		else
			s->drop_ctrl_unknown_tunnel++;
		return;
	}
	t = site_ctl_find_tunnel(s, pk.conn_id);
	if (!t || t->closed || t->group->tr != tr ||
	    !transport_addr_equal(from, (const struct sockaddr *)&t->peer)) {
		s->drop_ctrl_unknown_tunnel++;
		if (log_ratelimit_ok(&s->rl_ctrl, evloop_now(s->loop), &suppressed)) {
			transport_addr_text(from, addr, sizeof(addr));
			log_warnx("%s for unknown control connection %u from %s dropped "
				  "(%u similar suppressed)",
				  l2tp_msg_name(pk.msg_type), pk.conn_id, addr, suppressed);
		}
		return;
	}
	/* RFC 3931 §4.1.2.2: the responder may answer from another port; follow it. */
	memcpy(&t->peer, from, fromlen < sizeof(t->peer) ? fromlen : sizeof(t->peer));
	t->peer_len = fromlen;
	l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop));
}
