/*
 * LCP Echo-Request/Reply and Discard-Request (RFC 1661 §5.8, §5.9) and the
 * keepalive RouterOS calls keepalive-timeout: while frames arrive nothing is
 * sent; after keepalive-timeout seconds without any, an Echo-Request goes out
 * every second, and the fifth unanswered one takes the link down.  The owner
 * reports every received frame with lcp_traffic().
 */
#include <string.h>
#include <syslog.h>

#include "lcp.h"

void lcp_echo_up(struct lcp *l)
{
	l->last_rx = l->fsm.now;
	l->ka_missed = 0;
	l->ka_at = l->p.keepalive_timeout_s ? l->fsm.now + l->p.keepalive_timeout_s * 1000ull : 0;
}

void lcp_traffic(struct lcp *l, uint64_t now)
{
	l->last_rx = now;
	l->ka_missed = 0;
}

static void lcp_send_echo(struct lcp *l)
{
	uint8_t data[4];
	struct wbuf w;

	wbuf_init(&w, data, sizeof(data));
	wbuf_add_n32(&w, l->want.magic);
	l->echo_id = fsm_next_id(&l->fsm);
	l->stats.echo_tx++;
	fsm_send(&l->fsm, FSM_ECHOREQ, l->echo_id, data, w.len);
}

void lcp_echo_timeout(struct lcp *l, uint64_t now)
{
	uint64_t idle_until;

	if (!l->ka_at || now < l->ka_at)
		return;
	/* Never leave a passed deadline behind: the owner would spin on it. */
	if (l->fsm.state != FSM_OPENED) {
		l->ka_at = 0;
		return;
	}
	idle_until = l->last_rx + l->p.keepalive_timeout_s * 1000ull;
	if (now < idle_until && l->ka_missed == 0) {
		l->ka_at = idle_until;
		return;
	}
	if (l->ka_missed >= LCP_ECHO_MAX_MISSED) {
		l->ka_at = 0;
		fsm_logf(&l->fsm, LOG_WARNING, "no answer to %u echo requests, link is dead",
			 l->ka_missed);
		fsm_set_reason(&l->fsm, "keepalive timeout");
		if (l->ops->dead)
			l->ops->dead(l->ctx, "keepalive timeout");
		return;
	}
	lcp_send_echo(l);
	l->ka_missed++;
	l->ka_at = now + LCP_ECHO_INTERVAL_MS;
}

/* The RXR event's ser action (Opened only, per the state table). */
void lcp_rxr(struct fsm *f, uint8_t code, uint8_t id, struct buf *data)
{
	struct lcp *l = f->arg;
	uint8_t reply[FSM_PKT_MAX];
	struct wbuf w;
	uint32_t magic = 0;
	size_t n;

	switch (code) {
	case FSM_ECHOREQ:
		l->stats.echo_rx++;
		if (buf_get_n32(data, &magic) == -1)
			return;
		if (magic != 0 && magic == l->want.magic) {
			l->stats.loops_detected++;
			fsm_logf(f, LOG_WARNING, "echo request with our own magic: looped back?");
			return;
		}
		/* RFC 1661 §5.8: same data back, within the peer's MRU. */
		n = buf_left(data);
		if (n > (size_t)l->his.mru - 8 && l->his.mru > 8)
			n = (size_t)l->his.mru - 8;
		wbuf_init(&w, reply, sizeof(reply));
		wbuf_add_n32(&w, l->want.magic);
		wbuf_add_bytes(&w, buf_cur(data), n);
		if (!w.err)
			fsm_send(f, FSM_ECHOREP, id, reply, w.len);
		break;
	case FSM_ECHOREP:
		l->stats.echo_reply_rx++;
		l->ka_missed = 0;
		break;
	case FSM_DISCREQ:
		l->stats.discard_rx++;
		break;
	default:
		break;
	}
}
