/*
 * PPP sessions in the eBPF fast path: the one wire encoder of our PPP
 * packets, the template built from it, and when a session enters, leaves
 * or re-enters the fast path (ppp_fast.h).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "bcp.h"
#include "buf.h"
#include "ccp.h"
#include "l2tp_data.h"
#include "l2tp_tunnel.h"
#include "lcp.h"
#include "log.h"
#include "ppp.h"
#include "ppp_fast.h"
#include "port.h"
#include "pw_fast.h"
#include "site_priv.h"
#include "status.h"
#include "transport.h"

int ppp_wire_header(struct wbuf *w, const struct ppp_wire *pw, uint16_t ns, uint16_t proto,
		    size_t info_len)
{
	/* RFC 1661 §6.6: LCP packets always carry Address and Control. */
	int ac = !pw->acfc || proto == PPP_PROTO_LCP;
	/* §6.5: only protocols 0x00xx compress, to their odd low byte. */
	int short_proto = pw->pfc && proto < 0x100;
	size_t ppp_len = (ac ? 2 : 0) + (short_proto ? 1 : 2) + info_len;
	int errs = 0;

	/* RFC 2661 §3.1: Ns (Nr unused on data, 0) only when sequencing was asked for. */
	if (l2tp_v2_data_build(w, pw->seq ? L2TP_V2_DATA_S : 0, pw->peer_tunnel_id,
			       pw->peer_session_id, ns, 0, 0, ppp_len) == -1)
		return -1;
	if (ac) {
		/* RFC 1662 §3.1: All-Stations address, Unnumbered Information. */
		errs += wbuf_add_n8(w, 0xff);
		errs += wbuf_add_n8(w, 0x03);
	}
	if (short_proto)
		errs += wbuf_add_n8(w, (uint8_t)proto);
	else
		errs += wbuf_add_n16(w, proto);
	return errs ? -1 : 0;
}

int ppp_fast_tail(const struct ppp_wire *pw, uint8_t *out, size_t cap, size_t *len,
		  uint8_t *seq_off)
{
	static const uint8_t eth0[BCP_ETH_HDR];
	struct wbuf w;

	wbuf_init(&w, out, cap);
	/* The Length field is not sent (no L bit), so info_len only sizes nothing. */
	if (ppp_wire_header(&w, pw, 0, PPP_PROTO_BRIDGED, 0) == -1)
		return -1;
	/* What bcp_frame_encode() writes before a plain frame: flags and MAC type. */
	if (bcp_frame_encode(&w, eth0, sizeof(eth0), NULL) == -1)
		return -1;
	*len = w.len - sizeof(eth0);
	/* Ns follows flags, Tunnel ID and Session ID (no Length: no L bit). */
	*seq_off = 6;
	return 0;
}

void ppp_fast_wire(const struct ppp_session *ps, struct ppp_wire *out)
{
	memset(out, 0, sizeof(*out));
	out->peer_tunnel_id = (uint16_t)l2tp_tunnel_peer_id(ps->tun->eng);
	out->peer_session_id = ps->peer_sid;
	out->seq = ps->seq_tx;
	/* What the peer asked for and we acked holds once LCP is Opened (RFC 1661 §6.5/6.6). */
	if (ps->ppp && fsm_state(&ppp_lcp(ps->ppp)->fsm) == FSM_OPENED) {
		const struct lcp_values *his = lcp_his(ppp_lcp(ps->ppp));

		out->acfc = his->acfc;
		out->pfc = his->pfc;
	}
}

/* 1 when the session can be in the fast path now (*k filled), else 0 and *why. */
static int ppp_fast_wanted(const struct ppp_session *ps, struct ppp_fast_key *k,
			   const char **why)
{
	const struct ppp *p = ps->ppp;
	struct bcp_enc enc;

	*why = "";
	memset(k, 0, sizeof(*k));
	if (!ps->site->fast || ps->dead || !ps->up || !port_is_open(&ps->port) || !ps->ls || !p ||
	    !ppp_ready(p) || ps->tun->closed)
		return 0;
	/* The TC program would send around the SA: ESP is charon's, not ours. */
	if ((ps->server ? ps->site->cfg->server.ipsec.use : ps->client->cfg->ipsec.use) !=
	    CFG_IPSEC_NO) {
		*why = "IPsec (charon encrypts)";
		return 0;
	}
	if (ccp_tx_mppe(ppp_ccp(p), NULL) || ccp_rx_mppe(ppp_ccp(p), NULL)) {
		*why = "MPPE (the daemon encrypts)";
		return 0;
	}
	if (ppp_mrru(p) || lcp_ours(ppp_lcp(p))->mrru || lcp_his(ppp_lcp(p))->mrru) {
		*why = "Multilink (the daemon fragments and reassembles)";
		return 0;
	}
	bcp_encoding(ppp_bcp(p), &enc);
	if (enc.fcs) {
		*why = "BCP LAN FCS";
		return 0;
	}
	ppp_fast_wire(ps, &k->wire);
	k->mru = lcp_his(ppp_lcp(p))->mru;
	k->bcp_ind = enc.bcp_ind;
	k->ifindex = ps->port.ifindex;
	k->rx_ifindex = port_rx_ifindex(&ps->port);
	k->tunnel_id = ps->tun->local_id;
	k->session_id = ps->sid;
	k->local_port = transport_port(ps->tun->tr);
	memcpy(&k->peer, &ps->tun->peer, sizeof(k->peer));
	k->peer_len = ps->tun->peer_len;
	return 1;
}

/* The server's listen address when it is a specific one (the socket sends from it). */
static const struct sockaddr_storage *ppp_fast_local(const struct ppp_session *ps)
{
	const struct sockaddr_storage *ss = &ps->site->cfg->server.listen.ss;
	static const uint8_t zero[16];

	if (!ps->server || ss->ss_family == AF_UNSPEC)
		return NULL;
	if (ss->ss_family == AF_INET &&
	    ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY))
		return NULL;
	if (ss->ss_family == AF_INET6 &&
	    memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, zero, sizeof(zero)) == 0)
		return NULL;
	return ss;
}

int ppp_fast_desc(const struct ppp_fast_key *k, uint8_t *tail, struct pw_fast_desc *d)
{
	size_t len = 0, l3 = k->peer.ss_family == AF_INET6 ? 40 : 20;
	uint8_t seq_off = 0;
	uint32_t mtu;

	if (ppp_fast_tail(&k->wire, tail, PPP_FAST_TAIL_MAX, &len, &seq_off) == -1)
		return -1;
	/* The slow path's rule (ppp.h): no Information field (BCP header + frame)
	 * over the peer's MRU; the template ends with the 2 BCP bytes. */
	mtu = (uint32_t)(l3 + 8 + len - 2 + k->mru);
	memset(d, 0, sizeof(*d));
	d->version = 2;
	d->session_id = k->session_id;
	d->tunnel_id = k->tunnel_id;
	d->port_ifindex = k->ifindex;
	d->rx_ifindex = k->rx_ifindex;
	d->udp = 1;
	d->local_port = k->local_port;
	d->peer = &k->peer;
	d->peer_len = k->peer_len;
	/* No RX sequence check: the slow path does none on L2TPv2 data either. */
	d->l2tp_hdr = tail;
	d->l2tp_len = len;
	d->tx_flags = (uint16_t)((k->wire.seq ? L2PW_TX_F_SEQ_V2 : 0) |
				 (k->bcp_ind ? L2PW_TX_F_BCP_IND : 0));
	d->seq_off = seq_off;
	d->mtu = (uint16_t)(mtu > 0xffff ? 0xffff : mtu);
	return 0;
}

static void ppp_fast_enter(struct ppp_session *ps, const struct ppp_fast_key *k)
{
	uint8_t tail[PPP_FAST_TAIL_MAX];
	char who[CFG_IFNAME_MAX + 8];
	struct pw_fast_desc d;

	if (ppp_fast_desc(k, tail, &d) == -1)
		return;
	snprintf(who, sizeof(who), "ppp %s", ps->ifname);
	d.who = who;
	d.local = ppp_fast_local(ps);
	d.tx_seq = ps->ns;
	if (pw_fast_sess_up(ps->site->fast, &d, &ps->fast) == 0)
		log_info("ppp %s: fast path %s (slot %d%s%s%s)", ps->ifname,
			 pw_fast_mode(ps->site->fast), ps->fast.slot,
			 k->wire.seq ? ", sequencing" : "", k->wire.acfc ? ", ACFC" : "",
			 k->wire.pfc ? ", PFC" : "");
}

void ppp_fast_leave(struct ppp_session *ps)
{
	struct l2pw_counters c = {0};
	uint32_t ns = 0;

	if (ps->fast.slot < 0)
		return;
	pw_fast_sess_down(ps->site->fast, &ps->fast, &c, &ns);
	if (ps->seq_tx)
		ps->ns = (uint16_t)ns; /* the slow path carries on with the shared sequence */
	pw_fast_add(&c, &ps->rx_packets, &ps->rx_bytes, NULL, &ps->tx_packets, &ps->tx_bytes);
	ps->fast_rx_packets += c.rx_packets;
	ps->fast_tx_packets += c.tx_packets;
	ps->fast_rx_seen = 0;
	log_info("ppp %s: left the fast path", ps->ifname);
}

void ppp_fast_sync(struct ppp_session *ps)
{
	struct ppp_fast_key k;
	const char *why;
	int want;

	/* Runs after every received packet: nothing to work out without a fast path. */
	if (!ps->site->fast)
		return;
	want = ppp_fast_wanted(ps, &k, &why);
	if (strcmp(why, ps->fast_why) != 0) {
		if (why[0])
			log_info("ppp %s: fast path off: %s", ps->ifname, why);
		snprintf(ps->fast_why, sizeof(ps->fast_why), "%s", why);
	}
	if (want == ps->fast_want && (!want || memcmp(&k, &ps->fast_key, sizeof(k)) == 0))
		return;
	ppp_fast_leave(ps);
	ps->fast_want = want;
	memcpy(&ps->fast_key, &k, sizeof(k));
	if (want)
		ppp_fast_enter(ps, &k);
}

uint16_t ppp_fast_take_ns(struct ppp_session *ps)
{
	if (ps->fast.slot >= 0)
		return (uint16_t)pw_fast_sess_seq(ps->site->fast, &ps->fast);
	return ps->ns++;
}

void ppp_fast_poll(struct ppp_session *ps, uint64_t now)
{
	struct l2pw_counters c;

	if (ps->fast.slot < 0 || !ps->ppp)
		return;
	pw_fast_sess_counters(ps->site->fast, &ps->fast, &c);
	if (c.rx_packets == ps->fast_rx_seen)
		return;
	ps->fast_rx_seen = c.rx_packets;
	ps->last_frame = now;
	/* The peer is alive: no LCP Echo needed (RouterOS keepalive-timeout). */
	ppp_traffic(ps->ppp, now);
}

void ppp_fast_status(const struct ppp_session *ps, struct status_iface *o)
{
	struct l2pw_counters c;

	pw_fast_sess_counters(ps->site->fast, &ps->fast, &c);
	pw_fast_add(&c, &o->rx_packets, &o->rx_bytes, &o->rx_dropped, &o->tx_packets, &o->tx_bytes);
	o->fastpath_rx_packets = ps->fast_rx_packets + c.rx_packets;
	o->fastpath_tx_packets = ps->fast_tx_packets + c.tx_packets;
	/* Traffic since the last keepalive look: not idle. */
	if (c.rx_packets != ps->fast_rx_seen)
		o->idle_time = 0;
	snprintf(o->fastpath, sizeof(o->fastpath), "%s",
		 ps->fast.slot >= 0 ? pw_fast_mode(ps->site->fast) : "off");
}
