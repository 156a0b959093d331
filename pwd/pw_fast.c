/*
 * Glue between the session tables and xdp/loader.h (tc and xdp modes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "buf.h"
#include "loader.h"
#include "log.h"
#include "pw.h"
#include "pw_fast.h"
#include "transport.h"

struct pw_fast {
	struct fastpath *fp;
	enum cfg_fastpath mode; /* what runs: CFG_FASTPATH_XDP or CFG_FASTPATH_TC */
	int wan_ifindex;
	uint32_t n_slots;
	uint8_t *used; /* n_slots flags */
};

static int pw_fast_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[512];

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libbpf: %s", msg);
	return 0;
}

/*
 * The mode choice (DESIGN.md "Fast-path modes"): "auto" takes XDP where the
 * WAN driver runs it natively, else TC, else the userspace path; "xdp" also
 * takes generic XDP (slower than TC, but asked for); "tc" is TC only.  One
 * log line says which and why.
 */
struct pw_fast *pw_fast_open(enum cfg_fastpath mode, const char *wan_if)
{
	const char *want = cfg_fastpath_name(mode);
	enum fastpath_xdp_mode xm = FASTPATH_XDP_NONE;
	char why[160] = "";
	struct pw_fast *f;
	int err = 0, stale;

	if (mode == CFG_FASTPATH_OFF) {
		log_info(
		    "fastpath: off (fastpath = \"off\"): every frame takes the userspace path");
		return NULL;
	}
	if (!wan_if || !wan_if[0]) {
		log_info("fastpath: off (fastpath = \"%s\" but no wan-interface configured): every "
			 "frame takes the userspace path",
			 want);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->wan_ifindex = (int)if_nametoindex(wan_if);
	if (f->wan_ifindex == 0) {
		log_warn("fastpath: off (wan-interface %s)", wan_if);
		goto free_f;
	}
	libbpf_set_print(pw_fast_libbpf_print);
	/* A daemon killed before this version used netlink XDP and TC filters, which outlive it. */
	stale = fastpath_cleanup_stale(f->wan_ifindex);
	if (stale > 0)
		log_info("fastpath: removed %d stale program%s of an earlier run from %s", stale,
			 stale == 1 ? "" : "s", wan_if);
	f->fp = fastpath_open(NULL, &err);
	if (!f->fp) {
		log_warnx(
		    "fastpath: off (cannot load the eBPF programs: %s): every frame takes the "
		    "userspace path",
		    strerror(-err));
		goto free_f;
	}
	f->n_slots = fastpath_max_sessions(f->fp);
	f->used = calloc(f->n_slots, 1);
	if (!f->used)
		goto close_fp;

	if (mode == CFG_FASTPATH_AUTO || mode == CFG_FASTPATH_XDP) {
		err = fastpath_attach_xdp_mode(f->fp, f->wan_ifindex, FASTPATH_XDP_NATIVE);
		if (!err)
			xm = FASTPATH_XDP_NATIVE;
		else
			snprintf(why, sizeof(why), "native XDP refused on %s: %s", wan_if,
				 strerror(-err));
		if (err && mode == CFG_FASTPATH_XDP && err != -EBUSY &&
		    fastpath_attach_xdp_mode(f->fp, f->wan_ifindex, FASTPATH_XDP_GENERIC) == 0)
			xm = FASTPATH_XDP_GENERIC;
	}
	if (xm != FASTPATH_XDP_NONE) {
		f->mode = CFG_FASTPATH_XDP;
		if (xm == FASTPATH_XDP_NATIVE)
			log_info(
			    "fastpath: xdp (fastpath = \"%s\": XDP attaches natively on %s; veth "
			    "bridge ports, TC egress on each)",
			    want, wan_if);
		else
			log_warnx("fastpath: xdp in generic mode (fastpath = \"xdp\", %s; veth "
				  "bridge ports, TC egress on each)",
				  why);
		return f;
	}
	if (mode == CFG_FASTPATH_XDP) {
		log_warnx("fastpath: off (fastpath = \"xdp\" but XDP does not attach on %s: %s): "
			  "every frame takes the userspace path",
			  wan_if, why);
		goto free_used;
	}
	err = fastpath_attach_tc(f->fp, f->wan_ifindex, FASTPATH_PROG_TC_RX);
	if (!err) {
		f->mode = CFG_FASTPATH_TC;
		if (mode == CFG_FASTPATH_AUTO)
			log_info("fastpath: tc (fastpath = \"auto\", %s; TC ingress on %s, TC "
				 "egress on each port)",
				 why, wan_if);
		else
			log_info("fastpath: tc (fastpath = \"tc\"; TC ingress on %s, TC egress on "
				 "each port)",
				 wan_if);
		return f;
	}
	log_warnx("fastpath: off (fastpath = \"%s\"%s%s, and TC does not attach on %s: %s): every "
		  "frame takes the userspace path",
		  want, why[0] ? ", " : "", why, wan_if, strerror(-err));

free_used:
	free(f->used);
close_fp:
	fastpath_close(f->fp);
free_f:
	free(f);
	return NULL;
}

enum port_kind pw_fast_port_kind(const struct pw_fast *f)
{
	return f && f->mode == CFG_FASTPATH_XDP ? PORT_VETH : PORT_TAP;
}

void pw_fast_close(struct pw_fast *f)
{
	uint64_t reasons[L2PW_R_MAX];

	if (!f)
		return;
	/* What the programs left to the slow path, for the debug log. */
	if (fastpath_reasons(f->fp, reasons) == 0)
		for (unsigned i = 1; i < L2PW_R_MAX; i++)
			if (reasons[i])
				log_debug("fastpath: %s %llu", fastpath_reason_name(i),
					  (unsigned long long)reasons[i]);
	fastpath_close(f->fp); /* detaches everything it attached */
	free(f->used);
	free(f);
}

/* The source address the kernel would use towards peer (no packet is sent). */
static int pw_fast_source(const struct sockaddr_storage *peer, socklen_t len,
			  struct sockaddr_storage *src)
{
	socklen_t sl = sizeof(*src);
	int fd = socket(peer->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = -1;

	if (fd == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)peer, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)src, &sl) == 0)
		rc = 0;
	close(fd);
	return rc;
}

static const uint8_t *pw_fast_addr(const struct sockaddr_storage *ss, size_t *len)
{
	if (ss->ss_family == AF_INET6) {
		*len = 16;
		return ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	}
	*len = 4;
	return (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
}

static uint16_t pw_fast_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

const char *pw_fast_mode(const struct pw_fast *f)
{
	return f ? cfg_fastpath_name(f->mode) : "off";
}

/* The outer header from the IP header on (lengths and checksums left 0). */
int pw_fast_template(const struct pw_fast_desc *d, const struct sockaddr_storage *src,
		     struct l2pw_tx_session *tx)
{
	int v6 = d->peer->ss_family == AF_INET6;
	int udp = d->udp;
	const uint8_t *sa, *da;
	size_t alen, l2tp_at;
	struct wbuf w;

	sa = pw_fast_addr(src, &alen);
	da = pw_fast_addr(d->peer, &alen);
	tx->flags = (uint16_t)((udp ? L2PW_TX_F_UDP : 0) | (v6 ? L2PW_TX_F_IPV6 : 0));
	wbuf_init(&w, tx->hdr, sizeof(tx->hdr));
	if (v6) {
		wbuf_add_n32(&w, 0x60000000);
		wbuf_add_n16(&w, 0);
		wbuf_add_n8(&w, udp ? IPPROTO_UDP : L2PW_IPPROTO_L2TP);
		wbuf_add_n8(&w, 64);
	} else {
		/* TTL 64, DF clear like Linux: the path may fragment. */
		wbuf_add_n32(&w, 0x45000000);
		wbuf_add_n32(&w, 0);
		wbuf_add_n8(&w, 64);
		wbuf_add_n8(&w, udp ? IPPROTO_UDP : L2PW_IPPROTO_L2TP);
		wbuf_add_n16(&w, 0);
	}
	wbuf_add_bytes(&w, sa, alen);
	wbuf_add_bytes(&w, da, alen);
	if (udp) {
		wbuf_add_n16(&w, d->local_port);
		wbuf_add_n16(&w, pw_fast_port(d->peer));
		wbuf_add_n32(&w, 0);
	}
	l2tp_at = w.len;
	tx->flags |= d->tx_flags;
	if (d->tx_flags & (L2PW_TX_F_SEQ_V3 | L2PW_TX_F_SEQ_V2))
		tx->seq_off = (uint8_t)(l2tp_at + d->seq_off);
	if (d->tx_flags & L2PW_TX_F_LEN_V2)
		tx->len_off = (uint8_t)(l2tp_at + d->len_off);
	tx->mtu = d->mtu;
	/* The L2TP part is the slow path's own template (ns 0 in it). */
	wbuf_add_bytes(&w, d->l2tp_hdr, d->l2tp_len);
	if (w.err)
		return -1;
	tx->hdr_len = (uint8_t)w.len;
	return 0;
}

static void pw_fast_del_rx(struct pw_fast *f, const struct pw_fast_ref *r)
{
	if (r->version == 2) {
		struct l2pw_v2_key k = {.tunnel_id = r->tunnel_id,
					.session_id = (uint16_t)r->session_id};

		fastpath_v2_del(f->fp, &k);
	} else {
		struct l2pw_v3_key k = {.session_id = r->session_id,
					.family = L2PW_FAMILY_NONE}; /* any local address */

		fastpath_v3_del(f->fp, &k);
	}
}

static int pw_fast_set_rx(struct pw_fast *f, const struct pw_fast_desc *d,
			  const struct l2pw_rx_session *rx)
{
	if (d->version == 2) {
		struct l2pw_v2_key k = {.tunnel_id = d->tunnel_id,
					.session_id = (uint16_t)d->session_id};

		return fastpath_v2_set(f->fp, &k, rx);
	}
	struct l2pw_v3_key k = {.session_id = d->session_id, .family = L2PW_FAMILY_NONE};

	return fastpath_v3_set(f->fp, &k, rx);
}

int pw_fast_sess_up(struct pw_fast *f, const struct pw_fast_desc *d, struct pw_fast_ref *r)
{
	struct l2pw_rx_session rx = {0};
	struct l2pw_tx_session tx = {0};
	struct sockaddr_storage src;
	const uint8_t *pa;
	size_t alen;
	uint32_t slot;
	int udp = d->udp;
	int err;

	r->slot = -1;
	if (!f || d->port_ifindex <= 0)
		return -1;
	for (slot = 0; slot < f->n_slots && f->used[slot]; slot++)
		;
	if (slot == f->n_slots) {
		log_warnx("%s: fast path full, userspace path only", d->who);
		return -1;
	}
	if (d->local && d->local->ss_family != AF_UNSPEC) {
		memcpy(&src, d->local, sizeof(src));
	} else if (pw_fast_source(d->peer, d->peer_len, &src) == -1) {
		log_warn("%s: fast path: no source address towards the peer", d->who);
		return -1;
	}
	rx.ifindex = (uint32_t)(d->rx_ifindex > 0 ? d->rx_ifindex : d->port_ifindex);
	rx.slot = slot;
	rx.flags = (uint16_t)(d->rx_flags | (udp ? L2PW_RX_F_UDP : 0));
	rx.cookie_len = d->rx_cookie_len;
	if (d->rx_cookie_len)
		memcpy(rx.cookie, d->rx_cookie, sizeof(rx.cookie));
	rx.peer_family = d->peer->ss_family == AF_INET6 ? L2PW_FAMILY_V6 : L2PW_FAMILY_V4;
	pa = pw_fast_addr(d->peer, &alen);
	memcpy(rx.peer_addr, pa, alen);
	tx.wan_ifindex = (uint32_t)f->wan_ifindex;
	tx.slot = slot;
	if (pw_fast_template(d, &src, &tx) == -1) {
		log_warnx("%s: fast path: header too long for a template, userspace path only",
			  d->who);
		return -1;
	}
	r->version = d->version;
	r->session_id = d->session_id;
	r->tunnel_id = d->tunnel_id;
	r->ifindex = d->port_ifindex;
	err = fastpath_slot_reset(f->fp, slot);
	/* One sequence across both paths: carry on where the slow path is. */
	if (!err && (d->tx_flags & (L2PW_TX_F_SEQ_V3 | L2PW_TX_F_SEQ_V2)))
		err = fastpath_seq_set_tx(f->fp, slot, d->tx_seq);
	if (!err && udp && d->local_port != L2PW_UDP_PORT) {
		err = fastpath_udp_port_add(f->fp, d->local_port);
		if (err == -EEXIST)
			err = 0;
	}
	if (!err && f->mode == CFG_FASTPATH_XDP)
		err = fastpath_port_add(f->fp, rx.ifindex);
	if (!err)
		err = pw_fast_set_rx(f, d, &rx);
	if (!err)
		err = fastpath_tx_set(f->fp, (uint32_t)d->port_ifindex, &tx);
	if (!err)
		err = fastpath_attach_tc(f->fp, d->port_ifindex, FASTPATH_PROG_TC_TX);
	if (err) {
		log_warnx("%s: fast path refused the session (%s), userspace path only", d->who,
			  strerror(-err));
		pw_fast_del_rx(f, r);
		fastpath_tx_del(f->fp, (uint32_t)d->port_ifindex);
		if (f->mode == CFG_FASTPATH_XDP)
			fastpath_port_del(f->fp, rx.ifindex);
		return -1;
	}
	f->used[slot] = 1;
	r->slot = (int)slot;
	r->rx_ifindex = (int)rx.ifindex;
	log_debug("%s: fast path slot %u", d->who, slot);
	return 0;
}

void pw_fast_sess_counters(struct pw_fast *f, const struct pw_fast_ref *r,
			   struct l2pw_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!f || r->slot < 0 || fastpath_counters(f->fp, (uint32_t)r->slot, out))
		memset(out, 0, sizeof(*out));
}

void pw_fast_add(const struct l2pw_counters *c, uint64_t *rx_packets, uint64_t *rx_bytes,
		 uint64_t *rx_dropped, uint64_t *tx_packets, uint64_t *tx_bytes)
{
	/* rx_passed/tx_passed went to the slow path, which counted them. */
	*rx_packets += c->rx_packets;
	*rx_bytes += c->rx_bytes;
	if (rx_dropped)
		*rx_dropped += c->rx_dropped;
	*tx_packets += c->tx_packets;
	*tx_bytes += c->tx_bytes;
}

void pw_fast_sess_down(struct pw_fast *f, struct pw_fast_ref *r, struct l2pw_counters *last,
		       uint32_t *tx_seq)
{
	if (!f || r->slot < 0)
		return;
	pw_fast_sess_counters(f, r, last);
	pw_fast_del_rx(f, r);
	fastpath_tx_del(f->fp, (uint32_t)r->ifindex);
	if (f->mode == CFG_FASTPATH_XDP)
		fastpath_port_del(f->fp, (uint32_t)r->rx_ifindex);
	fastpath_detach_tc(f->fp, r->ifindex, FASTPATH_PROG_TC_TX);
	/* Read after the detach: the TC program takes no more. */
	if (tx_seq)
		*tx_seq = fastpath_seq_take_tx(f->fp, (uint32_t)r->slot);
	f->used[r->slot] = 0;
	r->slot = -1;
}

uint32_t pw_fast_sess_seq(struct pw_fast *f, const struct pw_fast_ref *r)
{
	return fastpath_seq_take_tx(f->fp, (uint32_t)r->slot);
}

/* ---- L2TPv3 pseudowires ---- */

void pw_fast_up(struct pw_fast *f, struct pw *p)
{
	struct pw_fast_desc d = {
	    .version = 3,
	    .session_id = p->sp.local_session_id,
	    .port_ifindex = port_is_open(&p->port) ? p->port.ifindex : 0,
	    /* TC: into the TAP's ingress; XDP: the devmap target, the veth's daemon end */
	    .rx_ifindex = port_rx_ifindex(&p->port),
	    .udp = transport_encap(p->sp.transport) == TRANSPORT_UDP,
	    .local_port = transport_port(p->sp.transport),
	    .peer = &p->sp.peer,
	    .peer_len = p->sp.peer_len,
	    .local = &p->cfg->local.ss,
	    .rx_flags = (uint16_t)((p->rx.sublayer ? L2PW_RX_F_SUBLAYER : 0) |
				   (p->rx.seq ? L2PW_RX_F_SEQ : 0)),
	    .rx_cookie_len = p->rx.cookie_len,
	    .rx_cookie = p->rx.cookie,
	    .l2tp_hdr = p->tx.hdr,
	    .l2tp_len = p->tx.len,
	    .tx_flags = p->tx.seq ? L2PW_TX_F_SEQ_V3 : 0,
	    .seq_off = (uint8_t)p->tx.seq_off,
	    .tx_seq = p->tx.ns,
	};
	char who[CFG_NAME_MAX + 16];

	snprintf(who, sizeof(who), "pseudowire %s", p->title);
	d.who = who;
	pw_fast_sess_up(f, &d, &p->fast_ref); /* slot -1 when refused */
}

void pw_fast_down(struct pw_fast *f, struct pw *p)
{
	struct l2pw_counters c = {0};
	uint32_t ns = 0;

	if (!f || p->fast_ref.slot < 0)
		return;
	pw_fast_sess_down(f, &p->fast_ref, &c, &ns); /* sets the slot to -1 */
	if (p->tx.seq)
		p->tx.ns = ns & 0x00ffffffu; /* the slow path carries on with the sequence */
	pw_fast_add(&c, &p->st.rx_packets, &p->st.rx_bytes, &p->st.rx_dropped, &p->st.tx_packets,
		    &p->st.tx_bytes);
	p->st.fast_rx_packets += c.rx_packets;
	p->st.fast_tx_packets += c.tx_packets;
}

uint32_t pw_fast_seq_take(struct pw_fast *f, const struct pw *p)
{
	return pw_fast_sess_seq(f, &p->fast_ref) & 0x00ffffffu;
}
