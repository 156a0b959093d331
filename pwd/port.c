/*
 * Bridge ports: TAP or veth + AF_PACKET (port.h).
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "netlink.h"
#include "port.h"
#include "tap.h"

#define PORT_STALE_MAX	   256	     /* veths removed per start-up, at most */
#define PORT_PACKET_RCVBUF (4 << 20) /* bytes of skb memory: ~1000 queued frames */

/* A TAP port's offload state (port.h "TAP offloads"). */
struct port_offload {
	int gso;		   /* TUNSETOFFLOAD accepted: super-frames both ways */
	uint8_t *rd;		   /* one read: virtio-net header + up to 64 kB frame */
	struct offload_seg seg;	   /* the super-frame being cut (in rd) */
	int cutting;		   /* seg has segments left */
	struct offload_gro gro;	   /* frames for the TAP being coalesced */
	uint8_t *gro_buf;	   /* OFFLOAD_SUPER_MAX */
	struct port *pending_next; /* on port_pending while gro holds frames */
	int pending;
	struct port_offload_stats st;
};

#define PORT_RD_MAX (OFFLOAD_VNET_LEN + OFFLOAD_SUPER_MAX)

static struct port *port_pending; /* ports whose gro holds frames */
static int port_batch_depth;

void port_owner_alias(const char *site_name, char *out, size_t cap)
{
	snprintf(out, cap, "l2pwd site %s", site_name);
}

void port_peer_name(const char *name, char *out, size_t cap)
{
	uint32_t h = 2166136261u; /* FNV-1a, 32 bits */

	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		h ^= *c;
		h *= 16777619u;
	}
	snprintf(out, cap, "%s%08x", PORT_PEER_PREFIX, h);
}

struct port_stale {
	int ifindex[PORT_STALE_MAX];
	char name[PORT_STALE_MAX][IFNAMSIZ];
	size_t n;
};

static void port_stale_cb(int ifindex, const char *name, void *arg)
{
	struct port_stale *st = arg;

	st->ifindex[st->n] = ifindex;
	snprintf(st->name[st->n], sizeof(st->name[st->n]), "%s", name);
	st->n++;
}

int port_cleanup_stale(const struct port_env *env)
{
	struct port_stale *st = calloc(1, sizeof(*st));
	int removed = 0;

	if (!st)
		return -1;
	/* Collected first: the dump and the deletes share one netlink buffer. */
	if (netlink_links_by_alias(env->nl, "veth", env->owner, PORT_STALE_MAX, port_stale_cb,
				   st) == -1) {
		free(st);
		return -1;
	}
	for (size_t i = 0; i < st->n; i++) {
		/* Both ends carry the alias: the first delete takes the pair, the second
		 * finds nothing. */
		if (netlink_link_del(env->nl, st->ifindex[i]) == 0) {
			log_info("removed stale port %s (left by an earlier run of this site)",
				 st->name[i]);
			removed++;
		} else if (errno != ENODEV) {
			log_warn("cannot remove stale port %s", st->name[i]);
		}
	}
	free(st);
	return removed;
}

void port_init(struct port *pt)
{
	memset(pt, 0, sizeof(*pt));
	pt->fd = -1;
}

size_t port_vlan_insert(uint8_t *frame, size_t len, size_t cap, uint16_t tpid, uint16_t tci)
{
	struct wbuf w;

	if (len < 2 * ETH_ALEN || len + 4 > cap)
		return 0;
	memmove(frame + 2 * ETH_ALEN + 4, frame + 2 * ETH_ALEN, len - 2 * ETH_ALEN);
	/* The tag goes where the EtherType was, through the builder like any header. */
	wbuf_init(&w, frame + 2 * ETH_ALEN, 4);
	wbuf_add_n16(&w, tpid);
	wbuf_add_n16(&w, tci);
	return w.err ? 0 : len + 4;
}

/*
 * The receive path untags 802.1Q/802.1ad frames before packet sockets see
 * them (skb_vlan_untag in __netif_receive_skb_core): the tag comes in the
 * PACKET_AUXDATA control message and goes back into the frame here.
 * Returns the frame's length, 0 when it does not fit.
 */
static size_t port_retag(struct msghdr *mh, uint8_t *frame, size_t len, size_t cap)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		struct tpacket_auxdata aux;

		if (c->cmsg_level != SOL_PACKET || c->cmsg_type != PACKET_AUXDATA ||
		    c->cmsg_len < CMSG_LEN(sizeof(aux)))
			continue;
		memcpy(&aux, CMSG_DATA(c), sizeof(aux));
		if (!(aux.tp_status & TP_STATUS_VLAN_VALID))
			return len;
		return port_vlan_insert(
		    frame, len, cap,
		    (aux.tp_status & TP_STATUS_VLAN_TPID_VALID) ? aux.tp_vlan_tpid : ETH_P_8021Q,
		    aux.tp_vlan_tci);
	}
	return len;
}

int port_is_open(const struct port *pt)
{
	return pt->fd != -1;
}

int port_rx_ifindex(const struct port *pt)
{
	return pt->peer_ifindex;
}

/* One legacy ethtool set command (ETHTOOL_S*) with a value. */
static int port_ethtool(int fd, const char *ifname, uint32_t cmd, uint32_t value)
{
	struct ethtool_value ev = {.cmd = cmd, .data = value};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	return ioctl(fd, SIOCETHTOOL, &ifr);
}

/*
 * The bridge end of a veth (port.h): GRO on, so the kernel gives it NAPI and
 * XDP-redirected frames arrive; tx checksum (and with it TSO) off, so what
 * crosses to the AF_PACKET socket is segmented and checksummed.
 */
static int port_veth_features(int fd, const char *ifname)
{
	if (port_ethtool(fd, ifname, ETHTOOL_SGRO, 1) == -1 ||
	    port_ethtool(fd, ifname, ETHTOOL_STXCSUM, 0) == -1)
		return -1;
	return 0;
}

/*
 * The daemon's end must say nothing of its own into the bridge: with IPv6 on,
 * the kernel would send DAD and router solicitations out of it.  No IPv6 in
 * the kernel (ENOENT) is fine.
 */
static int port_no_ipv6(const char *ifname)
{
	char path[96];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
	f = fopen(path, "we");
	if (!f)
		return errno == ENOENT ? 0 : -1;
	rc = fputs("1", f) < 0 ? -1 : 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* The AF_PACKET socket on the daemon's end, bound once configured. */
static int port_packet_socket(int ifindex)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex};
	int one = 1, rcvbuf = PORT_PACKET_RCVBUF, fd, saved;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* About what a TAP queues (txqueuelen 1000 full-size frames), beyond rmem_max
	 * where we may (root); the default otherwise. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/* Our own writes would come back as PACKET_OUTGOING copies. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int port_veth_open(struct port *pt, const struct port_env *env)
{
	int saved;

	port_peer_name(pt->name, pt->peer, sizeof(pt->peer));
	if (netlink_veth_create(env->nl, pt->name, pt->peer, PORT_MTU, env->owner) == -1) {
		saved = errno;
		/* A half-made pair (alias step failed) is ours: remove it. */
		if (saved != EEXIST) {
			int idx = (int)if_nametoindex(pt->name);

			if (idx)
				netlink_link_del(env->nl, idx);
		}
		errno = saved == EEXIST ? EBUSY : saved;
		return -1;
	}
	pt->ifindex = (int)if_nametoindex(pt->name);
	pt->peer_ifindex = (int)if_nametoindex(pt->peer);
	if (pt->ifindex == 0 || pt->peer_ifindex == 0)
		goto fail;
	pt->msgs = calloc(PORT_BATCH_MAX, sizeof(*pt->msgs));
	pt->cmsg = calloc(PORT_BATCH_MAX, sizeof(*pt->cmsg));
	if (!pt->msgs || !pt->cmsg)
		goto fail;
	if (port_no_ipv6(pt->peer) == -1)
		log_warn("port %s: cannot turn IPv6 off on %s", pt->name, pt->peer);
	pt->fd = port_packet_socket(pt->peer_ifindex);
	if (pt->fd == -1)
		goto fail;
	if (port_veth_features(pt->fd, pt->name) == -1) {
		log_warn("port %s: cannot set GRO on / tx checksum and VLAN offload off", pt->name);
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	port_close(pt);
	errno = saved;
	return -1;
}

static void port_offload_free(struct port *pt);

/*
 * A TAP with offloads (tap_open_vnet); without the memory for them, a plain
 * one.  0 or -1 with errno.
 */
static int port_tap_open(struct port *pt)
{
	struct port_offload *o = calloc(1, sizeof(*o));

	if (o) {
		o->rd = malloc(PORT_RD_MAX);
		o->gro_buf = malloc(OFFLOAD_SUPER_MAX);
	}
	if (!o || !o->rd || !o->gro_buf) {
		if (o) {
			free(o->rd);
			free(o->gro_buf);
			free(o);
		}
		log_warnx("port %s: no memory for offloads, one frame per read", pt->name);
		pt->fd = tap_open(pt->name, &pt->ifindex);
		return pt->fd == -1 ? -1 : 0;
	}
	pt->off = o;
	offload_gro_init(&o->gro, o->gro_buf, OFFLOAD_SUPER_MAX);
	pt->fd = tap_open_vnet(pt->name, &pt->ifindex, &o->gso);
	if (pt->fd == -1) {
		port_offload_free(pt);
		return -1;
	}
	if (!o->gso)
		log_warnx("port %s: TAP offloads refused, one frame per read", pt->name);
	return 0;
}

int port_open(struct port *pt, const struct port_env *env, const char *name)
{
	port_init(pt);
	pt->kind = env->kind;
	pt->nl = env->nl;
	if (strlen(name) >= sizeof(pt->name)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(pt->name, sizeof(pt->name), "%s", name);
	if (pt->kind == PORT_VETH)
		return port_veth_open(pt, env);
	if (port_tap_open(pt) == -1)
		return -1;
	pt->peer_ifindex = pt->ifindex;
	tap_set_carrier(pt->fd, 0);
	return 0;
}

static void port_pending_remove(struct port *pt)
{
	for (struct port **pp = &port_pending; *pp; pp = &(*pp)->off->pending_next) {
		if (*pp == pt) {
			*pp = pt->off->pending_next;
			break;
		}
	}
	pt->off->pending = 0;
	pt->off->pending_next = NULL;
}

static void port_offload_free(struct port *pt)
{
	if (!pt->off)
		return;
	if (pt->off->pending)
		port_pending_remove(pt);
	free(pt->off->rd);
	free(pt->off->gro_buf);
	free(pt->off);
	pt->off = NULL;
}

const struct port_offload_stats *port_offload_stats(const struct port *pt)
{
	return pt->off ? &pt->off->st : NULL;
}

void port_close(struct port *pt)
{
	if (pt->kind == PORT_VETH && pt->ifindex > 0) {
		/* Deleting one end takes the pair; ENODEV: somebody did it already. */
		if (netlink_link_del(pt->nl, pt->ifindex) == -1 && errno != ENODEV)
			log_warn("port %s: cannot remove it", pt->name);
	}
	if (pt->fd != -1)
		close(pt->fd); /* a TAP is not persistent: this removes it */
	free(pt->msgs);
	free(pt->cmsg);
	pt->msgs = NULL;
	port_offload_free(pt);
	pt->cmsg = NULL;
	pt->fd = -1;
	pt->ifindex = 0;
	pt->peer_ifindex = 0;
}

/*
 * A packet socket whose device goes down (or is bound while down) keeps
 * ENETDOWN as a pending error, and the next send() or recv() fails with it
 * whatever the device's state by then: read it off (SO_ERROR clears it).
 */
static void port_clear_error(int fd)
{
	int err;
	socklen_t len = sizeof(err);

	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
}

int port_set_carrier(struct port *pt, int on)
{
	int rc;

	if (pt->fd == -1)
		return -1;
	if (pt->kind == PORT_TAP)
		return tap_set_carrier(pt->fd, on);
	/* veth carrier follows the peer's admin state (drivers/net/veth.c veth_open/close). */
	rc = netlink_link_set_up(pt->nl, pt->peer_ifindex, on);
	port_clear_error(pt->fd);
	return rc;
}

/*
 * TAP with offloads: segments of the super-frame being cut first, then
 * further reads.  A frame the offloads refuse is counted and skipped.
 */
static unsigned port_tap_recv_vnet(struct port *pt, struct iovec *iov, size_t *len, unsigned n,
				   int may_read)
{
	struct port_offload *o = pt->off;
	enum offload_err why = OFFLOAD_OK;
	struct offload_vnet v;
	unsigned got = 0;
	struct wbuf w;
	struct buf b;

	while (got < n) {
		ssize_t rd;
		size_t flen;

		if (o->cutting) {
			int r;

			wbuf_init(&w, iov[got].iov_base, iov[got].iov_len);
			r = offload_seg_next(&o->seg, &w);
			if (r == 1) {
				len[got++] = w.len;
				o->st.rx_segments++;
				continue;
			}
			if (r == -1) /* a smaller buffer than at init: the rest is lost */
				o->st.drops[OFFLOAD_E_TOO_BIG]++;
			o->cutting = 0;
			continue;
		}
		if (!may_read)
			break;
		rd = read(pt->fd, o->rd, PORT_RD_MAX);
		if (rd <= 0)
			break;
		buf_init(&b, o->rd, (size_t)rd);
		if (offload_vnet_get(&b, &v) == -1) {
			o->st.drops[OFFLOAD_E_SHORT]++;
			continue;
		}
		flen = buf_left(&b);
		if (v.gso_type != OFFLOAD_GSO_NONE) {
			if (offload_seg_init(&o->seg, &v, buf_cur(&b), flen, iov[got].iov_len,
					     &why) == -1) {
				o->st.drops[why]++;
				continue;
			}
			o->cutting = 1;
			o->st.rx_super++;
			continue;
		}
		if (flen > iov[got].iov_len)
			continue; /* as without offloads: a frame that does not fit is skipped */
		memcpy(iov[got].iov_base, buf_cur(&b), flen);
		if (offload_csum_complete(iov[got].iov_base, flen, &v, &why) == -1) {
			o->st.drops[why]++;
			continue;
		}
		len[got++] = flen;
	}
	return got;
}

unsigned port_recv_held(struct port *pt, struct iovec *iov, size_t *len, unsigned n)
{
	if (pt->fd == -1 || !pt->off || n == 0)
		return 0;
	return port_tap_recv_vnet(pt, iov, len, n > PORT_BATCH_MAX ? PORT_BATCH_MAX : n, 0);
}

unsigned port_recv(struct port *pt, struct iovec *iov, size_t *len, unsigned n)
{
	unsigned got = 0;
	int r;

	if (pt->fd == -1 || n == 0)
		return 0;
	if (n > PORT_BATCH_MAX)
		n = PORT_BATCH_MAX;
	if (pt->off)
		return port_tap_recv_vnet(pt, iov, len, n, 1);
	if (pt->kind == PORT_TAP) {
		while (got < n) {
			ssize_t rd = read(pt->fd, iov[got].iov_base, iov[got].iov_len);

			if (rd <= 0)
				break;
			len[got++] = (size_t)rd;
		}
		return got;
	}
	memset(pt->msgs, 0, n * sizeof(*pt->msgs));
	for (unsigned i = 0; i < n; i++) {
		pt->msgs[i].msg_hdr.msg_iov = &iov[i];
		pt->msgs[i].msg_hdr.msg_iovlen = 1;
		pt->msgs[i].msg_hdr.msg_control = pt->cmsg[i];
		pt->msgs[i].msg_hdr.msg_controllen = sizeof(pt->cmsg[i]);
	}
	/*
	 * ENETDOWN is reported once (sk_err) after the peer end went down or was
	 * bound while down: it says nothing about the frames queued behind it.
	 */
	r = recvmmsg(pt->fd, pt->msgs, n, MSG_DONTWAIT, NULL);
	if (r == -1 && errno == ENETDOWN)
		r = recvmmsg(pt->fd, pt->msgs, n, MSG_DONTWAIT, NULL);
	if (r <= 0)
		return 0;
	for (int i = 0; i < r; i++) {
		size_t fl;

		if (pt->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
			continue;
		fl = port_retag(&pt->msgs[i].msg_hdr, iov[i].iov_base, pt->msgs[i].msg_len,
				iov[i].iov_len);
		if (fl == 0 || fl > iov[got].iov_len)
			continue;
		if (got != (unsigned)i)
			memmove(iov[got].iov_base, iov[i].iov_base, fl);
		len[got++] = fl;
	}
	return got;
}

/* One write with its virtio-net header.  0 or -1. */
static int port_tap_write(struct port *pt, const struct offload_vnet *v, const void *frame,
			  size_t len)
{
	uint8_t h[OFFLOAD_VNET_LEN];
	struct iovec iov[2] = {{.iov_base = h, .iov_len = sizeof(h)},
			       {.iov_base = (void *)(uintptr_t)frame, .iov_len = len}};
	struct wbuf w;

	wbuf_init(&w, h, sizeof(h));
	offload_vnet_put(&w, v);
	return writev(pt->fd, iov, 2) == (ssize_t)(sizeof(h) + len) ? 0 : -1;
}

/* Write what the port's GRO holds. */
static void port_gro_flush(struct port *pt)
{
	struct port_offload *o = pt->off;
	unsigned segs = o->gro.segs;
	struct offload_vnet v;
	const uint8_t *frame;
	size_t len;

	if (offload_gro_finish(&o->gro, &v, &frame, &len) == -1)
		return;
	if (port_tap_write(pt, &v, frame, len) == -1) {
		/* Counted, not logged: the queue is full, as for a single frame. */
		o->st.tx_lost += segs;
		return;
	}
	if (segs > 1) {
		o->st.tx_super++;
		o->st.tx_merged += segs;
	}
}

void port_batch_begin(void)
{
	port_batch_depth++;
}

void port_batch_end(void)
{
	if (port_batch_depth > 0 && --port_batch_depth > 0)
		return;
	while (port_pending) {
		struct port *pt = port_pending;

		port_pending_remove(pt);
		port_gro_flush(pt);
	}
}

/*
 * TAP with offloads: inside a batch, TCP segments go to the port's GRO
 * (flushed when the next frame does not continue the flow, and at
 * port_batch_end()); everything else is written at once, after what is held.
 */
static int port_tap_send_vnet(struct port *pt, const void *frame, size_t len)
{
	static const struct offload_vnet plain;
	struct port_offload *o = pt->off;

	if (o->gso && port_batch_depth > 0) {
		if (offload_gro_add(&o->gro, frame, len) == 1)
			goto held;
		if (!offload_gro_empty(&o->gro)) {
			port_gro_flush(pt);
			if (offload_gro_add(&o->gro, frame, len) == 1)
				goto held;
		}
	}
	return port_tap_write(pt, &plain, frame, len);
held:
	if (!o->pending) {
		o->pending = 1;
		o->pending_next = port_pending;
		port_pending = pt;
	}
	return 0;
}

int port_send(struct port *pt, const void *frame, size_t len)
{
	ssize_t w;

	if (pt->fd == -1) {
		errno = ENODEV;
		return -1;
	}
	if (pt->off)
		return port_tap_send_vnet(pt, frame, len);
	if (pt->kind == PORT_TAP)
		w = write(pt->fd, frame, len);
	else {
		w = send(pt->fd, frame, len, MSG_DONTWAIT);
		/* a pending ENETDOWN from an earlier carrier change, not this frame's fate */
		if (w == -1 && errno == ENETDOWN)
			w = send(pt->fd, frame, len, MSG_DONTWAIT);
	}
	return w == (ssize_t)len ? 0 : -1;
}
