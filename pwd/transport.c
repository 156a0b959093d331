/*
 * L2TPv3 underlay sockets: open/share, batch receive + demux, send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "evloop.h"
#include "log.h"
#include "port.h"
#include "transport.h"

/*
 * Receive batch.  A slot holds the largest packet we accept: a 1518-byte
 * frame with every L2TP option plus a control message or an IPv4 header
 * fits easily; anything larger (MSG_TRUNC) is counted and dropped.
 */
#define TRANSPORT_BATCH	  32
#define TRANSPORT_SLOT	  4096
#define TRANSPORT_ROUNDS  8 /* batches per wakeup before letting other fds run */
#define TRANSPORT_SOCKBUF (4 << 20)
/*
 * UDP GSO (UDP_SEGMENT): one send of up to this many equal-length datagrams
 * (the last may be shorter), the kernel's UDP_MAX_SEGMENTS on older kernels,
 * and at most this many payload bytes (one IP datagram's worth).
 */
#define TRANSPORT_GSO_SEGS 64
#define TRANSPORT_GSO_IOVS (TRANSPORT_GSO_SEGS * 2)
#define TRANSPORT_GSO_MAX  (65535 - 8 - 40)

struct transport {
	struct transport *next;
	int refs;
	struct evloop *loop;
	struct ev_io io;
	int family;
	enum transport_encap encap;
	uint16_t port;
	int local_set;
	struct sockaddr_storage local;
	const struct transport_ops *ops;
	void *ctx;
	struct transport_stats stats;
	char name[80];
	uint8_t *slots; /* TRANSPORT_BATCH * TRANSPORT_SLOT */
	struct mmsghdr msgs[TRANSPORT_BATCH];
	struct iovec iov[TRANSPORT_BATCH];
	struct sockaddr_storage from[TRANSPORT_BATCH];
	struct iovec gso_iov[TRANSPORT_GSO_IOVS];
	size_t gso_refused; /* smallest datagram size UDP GSO refused (> MTU); 0: none */
	int gso_off;	    /* the kernel has no UDP GSO for this socket */
	/* IP_PKTINFO / IPV6_PKTINFO of each received packet */
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cmsg[TRANSPORT_BATCH];
	int rx_ifindex; /* of the packet being demultiplexed */
};

static struct transport *transport_list;

int transport_addr_equal(const struct sockaddr *a, const struct sockaddr *b)
{
	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y = (const struct sockaddr_in *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;

		return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return 0;
}

void transport_addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	if (!a || !inet_ntop(sa->sa_family, a, out, (socklen_t)outlen))
		snprintf(out, outlen, "?");
}

void transport_addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static socklen_t transport_sa_len(int family)
{
	return family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

enum transport_encap transport_encap(const struct transport *t)
{
	return t->encap;
}

enum l2tp_encap transport_l2tp_encap(const struct transport *t)
{
	return t->encap == TRANSPORT_IP ? L2TP_ENCAP_IP : L2TP_ENCAP_UDP;
}

int transport_family(const struct transport *t)
{
	return t->family;
}

uint16_t transport_port(const struct transport *t)
{
	return t->port;
}

const struct transport_stats *transport_stats(const struct transport *t)
{
	return &t->stats;
}

int transport_rx_ifindex(const struct transport *t)
{
	return t->rx_ifindex;
}

/* The arrival interface from a received message's IP_PKTINFO / IPV6_PKTINFO. */
static int transport_msg_ifindex(struct msghdr *h)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return pi.ipi_ifindex;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			return (int)pi.ipi6_ifindex;
		}
	}
	return 0;
}

/* The site's gate (use-ipsec): may we send to `to` now? */
static int transport_tx_ok(struct transport *t, const struct sockaddr *to)
{
	if (!t->ops->tx_allowed || t->ops->tx_allowed(t->ctx, t, to))
		return 1;
	t->stats.tx_blocked++;
	return 0;
}

const char *transport_name(const struct transport *t)
{
	return t->name;
}

/* Classify one received packet and hand it to the site. */
static void transport_demux(struct transport *t, const struct sockaddr *from, socklen_t fromlen,
			    const uint8_t *pkt, size_t len)
{
	struct buf b;
	uint32_t sid;
	enum l2tp_data_drop why;
	uint8_t v2;
	int kind;

	buf_init(&b, pkt, len);
	t->stats.rx_packets++;
	if (t->encap == TRANSPORT_IP && t->family == AF_INET) {
		/* IPv4 raw sockets deliver the IP header; IPv6 ones do not. */
		uint8_t vihl;
		struct buf rest;

		if (buf_peek_n8(&b, 0, &vihl) == -1 || (vihl >> 4) != 4 || (vihl & 0xf) < 5 ||
		    buf_skip(&b, (size_t)(vihl & 0xf) * 4) == -1) {
			t->stats.rx_bad_ip_header++;
			return;
		}
		buf_init(&rest, buf_cur(&b), buf_left(&b));
		b = rest;
	}
	/* L2TPv2 shares UDP port 1701: its first word says version 2 (RFC 2661 §3.1). */
	if (t->encap == TRANSPORT_UDP && buf_peek_n8(&b, 1, &v2) == 0 &&
	    (v2 & 0x0f) == L2TP_VERSION_2) {
		if (t->ops->v2)
			t->ops->v2(t->ctx, t, from, fromlen, buf_cur(&b), buf_left(&b));
		else
			t->stats.rx_drops[L2TP_DATA_BAD_FLAGS]++;
		return;
	}
	kind = l2tp_data_peek(transport_l2tp_encap(t), &b, &sid, &why);
	if (kind == -1) {
		t->stats.rx_drops[why]++;
		return;
	}
	if (kind == 1) {
		/* IP: the control message follows the zero session id (RFC 3931 §4.1.1.2). */
		if (t->encap == TRANSPORT_IP && buf_skip(&b, 4) == -1) {
			t->stats.rx_drops[L2TP_DATA_SHORT]++;
			return;
		}
		t->ops->ctrl(t->ctx, t, from, fromlen, buf_cur(&b), buf_left(&b));
		return;
	}
	t->ops->data(t->ctx, t, from, sid, &b);
}

static void transport_readable(struct ev_io *io, uint32_t events)
{
	struct transport *t = io->arg;

	(void)events;
	/* The site may put (and free) us from a callback: hold a reference. */
	t->refs++;
	for (int round = 0; round < TRANSPORT_ROUNDS && t->refs > 1; round++) {
		int n;

		for (int i = 0; i < TRANSPORT_BATCH; i++) {
			t->msgs[i].msg_hdr.msg_namelen = sizeof(t->from[i]);
			t->msgs[i].msg_hdr.msg_flags = 0;
			t->msgs[i].msg_hdr.msg_control = t->cmsg[i].b;
			t->msgs[i].msg_hdr.msg_controllen = sizeof(t->cmsg[i].b);
		}
		n = recvmmsg(t->io.fd, t->msgs, TRANSPORT_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n == -1 && errno != EAGAIN && errno != EINTR)
				log_debug("%s: recvmmsg: %s", t->name, strerror(errno));
			break;
		}
		/* Frames for TAP ports may be coalesced within a batch (port.h). */
		port_batch_begin();
		for (int i = 0; i < n && t->refs > 1; i++) {
			struct msghdr *h = &t->msgs[i].msg_hdr;

			if (h->msg_flags & MSG_TRUNC) {
				t->stats.rx_truncated++;
				continue;
			}
			t->rx_ifindex = transport_msg_ifindex(h);
			transport_demux(t, (const struct sockaddr *)&t->from[i], h->msg_namelen,
					t->slots + (size_t)i * TRANSPORT_SLOT, t->msgs[i].msg_len);
		}
		port_batch_end();
		if (n < TRANSPORT_BATCH)
			break;
	}
	transport_put(t);
}

static int transport_open_socket(struct transport *t)
{
	int type = t->encap == TRANSPORT_UDP ? SOCK_DGRAM : SOCK_RAW;
	int proto = t->encap == TRANSPORT_UDP ? 0 : L2TP_IP_PROTO;
	int fd = socket(t->family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	struct sockaddr_storage bind_ss;
	int one = 1, zero = 0, bufsz = TRANSPORT_SOCKBUF;

	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	/*
	 * One socket carries every session's bursts: the default ~200 kB
	 * receive buffer overflows under a single TCP flow.  FORCE works as
	 * root beyond rmem_max; the plain option is the fallback.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (t->family == AF_INET) {
		int pmtu = IP_PMTUDISC_DONT;

		if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu)) == -1 ||
		    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1)
			goto fail;
	} else {
		int pmtu = IPV6_PMTUDISC_DONT;

		/*
		 * v4 and v6 wildcard UDP sockets on one port must coexist.  Raw
		 * sockets are per family anyway (and refuse the option: EINVAL).
		 */
		if (t->encap == TRANSPORT_UDP &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1)
			goto fail;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &zero, sizeof(zero)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == -1)
			goto fail;
	}
	if (t->local_set) {
		bind_ss = t->local;
	} else {
		memset(&bind_ss, 0, sizeof(bind_ss));
		bind_ss.ss_family = (sa_family_t)t->family;
	}
	/* Raw sockets take no port; sin_port must be 0 there. */
	transport_addr_set_port(&bind_ss, t->encap == TRANSPORT_UDP ? t->port : 0);
	if (bind(fd, (struct sockaddr *)&bind_ss, transport_sa_len(t->family)) == -1)
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int transport_matches(const struct transport *t, int family, const struct sockaddr *local,
			     enum transport_encap encap, uint16_t port)
{
	if (t->family != family || t->encap != encap)
		return 0;
	if (encap == TRANSPORT_UDP && t->port != port)
		return 0;
	if (!!local != t->local_set)
		return 0;
	return !local || transport_addr_equal(local, (const struct sockaddr *)&t->local);
}

struct transport *transport_get(struct evloop *l, int family, const struct sockaddr *local,
				socklen_t local_len, enum transport_encap encap, uint16_t port,
				const struct transport_ops *ops, void *ctx)
{
	struct transport *t;
	char addr[64] = "";
	int saved;

	if (local && local->sa_family == AF_UNSPEC)
		local = NULL;
	if (local)
		family = local->sa_family;
	if (family != AF_INET && family != AF_INET6) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	for (t = transport_list; t; t = t->next) {
		if (transport_matches(t, family, local, encap, port)) {
			t->refs++;
			return t;
		}
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->slots = malloc((size_t)TRANSPORT_BATCH * TRANSPORT_SLOT);
	if (!t->slots)
		goto free_t;
	t->refs = 1;
	t->loop = l;
	t->family = family;
	t->encap = encap;
	t->port = encap == TRANSPORT_UDP ? port : 0;
	t->ops = ops;
	t->ctx = ctx;
	if (local) {
		t->local_set = 1;
		memcpy(&t->local, local,
		       local_len < sizeof(t->local) ? local_len : sizeof(t->local));
		transport_addr_text(local, addr, sizeof(addr));
	} else {
		snprintf(addr, sizeof(addr), "%s", family == AF_INET ? "0.0.0.0" : "::");
	}
	if (encap == TRANSPORT_UDP)
		snprintf(t->name, sizeof(t->name), family == AF_INET6 ? "udp [%s]:%u" : "udp %s:%u",
			 addr, port);
	else
		snprintf(t->name, sizeof(t->name), "ip %s", addr);
	for (int i = 0; i < TRANSPORT_BATCH; i++) {
		t->iov[i].iov_base = t->slots + (size_t)i * TRANSPORT_SLOT;
		t->iov[i].iov_len = TRANSPORT_SLOT;
		t->msgs[i].msg_hdr.msg_iov = &t->iov[i];
		t->msgs[i].msg_hdr.msg_iovlen = 1;
		t->msgs[i].msg_hdr.msg_name = &t->from[i];
	}
	t->io.fd = transport_open_socket(t);
	if (t->io.fd == -1)
		goto free_slots;
	t->io.cb = transport_readable;
	t->io.arg = t;
	if (evloop_io_add(l, &t->io, EPOLLIN) == -1)
		goto close_fd;
	t->next = transport_list;
	transport_list = t;
	log_debug("%s: socket open", t->name);
	return t;

close_fd:
	saved = errno;
	close(t->io.fd);
	errno = saved;
free_slots:
	saved = errno;
	free(t->slots);
	errno = saved;
free_t:
	saved = errno;
	free(t);
	errno = saved;
	return NULL;
}

void transport_hold(struct transport *t)
{
	t->refs++;
}

void transport_put(struct transport *t)
{
	struct transport **pp;

	if (!t || --t->refs > 0)
		return;
	for (pp = &transport_list; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	evloop_io_del(t->loop, &t->io);
	close(t->io.fd);
	log_debug("%s: socket closed", t->name);
	free(t->slots);
	free(t);
}

int transport_send_ctrl(struct transport *t, const struct sockaddr *to, socklen_t tolen,
			const uint8_t *pkt, size_t len)
{
	static const uint8_t zero_sid[4];
	struct iovec iov[2];
	struct msghdr mh = {
	    .msg_name = (void *)(uintptr_t)to, .msg_namelen = tolen, .msg_iov = iov};
	struct sockaddr_storage raw_to;

	if (!transport_tx_ok(t, to))
		return -1;
	if (t->encap == TRANSPORT_IP) {
		/* RFC 3931 §4.1.1.2: the 32-bit zero session id first. */
		iov[0].iov_base = (void *)(uintptr_t)zero_sid;
		iov[0].iov_len = sizeof(zero_sid);
		iov[1].iov_base = (void *)(uintptr_t)pkt;
		iov[1].iov_len = len;
		mh.msg_iovlen = 2;
		/* Raw sockets reject a non-zero port in the IPv6 sockaddr. */
		memcpy(&raw_to, to, tolen < sizeof(raw_to) ? tolen : sizeof(raw_to));
		transport_addr_set_port(&raw_to, 0);
		mh.msg_name = &raw_to;
	} else {
		iov[0].iov_base = (void *)(uintptr_t)pkt;
		iov[0].iov_len = len;
		mh.msg_iovlen = 1;
	}
	if (sendmsg(t->io.fd, &mh, MSG_DONTWAIT) == -1) {
		t->stats.tx_errors++;
		return -1;
	}
	return 0;
}

static size_t transport_msg_len(const struct msghdr *h)
{
	size_t len = 0;

	for (size_t i = 0; i < h->msg_iovlen; i++)
		len += h->msg_iov[i].iov_len;
	return len;
}

/*
 * How many messages from msgs[0] on can leave as one UDP GSO send: same
 * destination, no control data, all as long as the first but the last,
 * which may be shorter (the kernel cuts at *seg bytes).  1: send it alone.
 */
static unsigned transport_gso_group(const struct transport *t, const struct mmsghdr *msgs,
				    unsigned n, size_t *seg)
{
	const struct msghdr *h0 = &msgs[0].msg_hdr;
	size_t total, iovs = h0->msg_iovlen;
	unsigned k = 1;

	if (t->encap != TRANSPORT_UDP || t->gso_off || n < 2 || h0->msg_controllen)
		return 1;
	*seg = total = transport_msg_len(h0);
	if (*seg == 0 || (t->gso_refused && *seg >= t->gso_refused))
		return 1;
	while (k < n && k < TRANSPORT_GSO_SEGS) {
		const struct msghdr *h = &msgs[k].msg_hdr;
		size_t len = transport_msg_len(h);

		if (h->msg_namelen != h0->msg_namelen || h->msg_controllen ||
		    memcmp(h->msg_name, h0->msg_name, h0->msg_namelen) != 0 || len == 0 ||
		    len > *seg || total + len > TRANSPORT_GSO_MAX ||
		    iovs + h->msg_iovlen > TRANSPORT_GSO_IOVS)
			break;
		total += len;
		iovs += h->msg_iovlen;
		k++;
		if (len < *seg)
			break;
	}
	return k;
}

/* One UDP_SEGMENT send of k messages.  0, or -1 with errno. */
static int transport_send_gso(struct transport *t, const struct mmsghdr *msgs, unsigned k,
			      size_t seg)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = {.msg_name = msgs[0].msg_hdr.msg_name,
			    .msg_namelen = msgs[0].msg_hdr.msg_namelen,
			    .msg_iov = t->gso_iov,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *cm;
	uint16_t gso = (uint16_t)seg;
	size_t n = 0;

	for (unsigned i = 0; i < k; i++)
		for (size_t j = 0; j < msgs[i].msg_hdr.msg_iovlen; j++)
			t->gso_iov[n++] = msgs[i].msg_hdr.msg_iov[j];
	mh.msg_iovlen = n;
	memset(&ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(gso));
	memcpy(CMSG_DATA(cm), &gso, sizeof(gso));
	return sendmsg(t->io.fd, &mh, MSG_DONTWAIT) == -1 ? -1 : 0;
}

/* Plain sendmmsg of n messages; returns how many failed (each skipped and counted). */
static unsigned transport_send_each(struct transport *t, struct mmsghdr *msgs, unsigned n)
{
	unsigned done = 0, failed = 0;

	while (done < n) {
		int r = sendmmsg(t->io.fd, msgs + done, n - done, MSG_DONTWAIT);

		if (r <= 0) {
			/* Skip the message that failed (no route, buffer full) and go on. */
			t->stats.tx_errors++;
			failed++;
			done++;
			continue;
		}
		done += (unsigned)r;
	}
	return failed;
}

/*
 * Runs of equal-length datagrams to one peer (a TCP flow's segments, a
 * stream of small packets) go as one UDP GSO send each: one trip through
 * the stack instead of one per datagram.  Where the kernel refuses GSO
 * (datagrams larger than the MTU, which must be fragmented: EMSGSIZE or
 * EINVAL; no UDP GSO: ENOPROTOOPT/EIO) the same messages go by sendmmsg,
 * and that is remembered: sizes from the refused one up stay one by one.
 */
unsigned transport_send_batch(struct transport *t, struct mmsghdr *msgs, unsigned n)
{
	unsigned done = 0, failed = 0;

	if (n && !transport_tx_ok(t, (const struct sockaddr *)msgs[0].msg_hdr.msg_name))
		return 0;
	while (done < n) {
		size_t seg = 0, s2;
		unsigned k = transport_gso_group(t, msgs + done, n - done, &seg);

		if (k >= 2) {
			if (transport_send_gso(t, msgs + done, k, seg) == 0) {
				t->stats.tx_gso++;
				t->stats.tx_gso_datagrams += k;
				done += k;
				continue;
			}
			if (errno == EINVAL || errno == EMSGSIZE) {
				if (!t->gso_refused || seg < t->gso_refused)
					t->gso_refused = seg;
			} else if (errno == ENOPROTOOPT || errno == EIO || errno == EOPNOTSUPP) {
				t->gso_off = 1;
				log_debug("%s: no UDP GSO (%s): one datagram per send", t->name,
					  strerror(errno));
			} else {
				/* buffer full, no route: the whole group is lost, as one by one */
				t->stats.tx_errors += k;
				failed += k;
				done += k;
				continue;
			}
		} else {
			/* a run of messages that do not group: one sendmmsg */
			while (done + k < n &&
			       transport_gso_group(t, msgs + done + k, n - done - k, &s2) < 2)
				k++;
		}
		failed += transport_send_each(t, msgs + done, k);
		done += k;
	}
	return n - failed;
}
