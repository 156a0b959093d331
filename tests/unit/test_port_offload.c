/*
 * TAP offloads through a real TAP port (pwd/port.c + pwd/offload.c), in a
 * private network namespace (unshare(CLONE_NEWNET), root).  An AF_PACKET
 * socket with PACKET_VNET_HDR on the TAP plays the bridge: it sends a 5000-
 * byte TCP GSO frame out of the TAP, which the daemon's port_recv() must
 * return as five checksummed segments from one read; and it receives what
 * port_send() writes, which inside a batch must arrive as one GSO frame
 * with gso_size 1000, and outside a batch as five frames.  A CHECKSUM_PARTIAL
 * UDP frame must come out of port_recv() with its checksum completed.
 */
#include <check.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check_main.h"
#include "netlink.h"
#include "offload_ref.h"
#include "port.h"

#define PLEN 5000
#define MSS  1000
#define HDR  54 /* Ethernet, IPv4, TCP without options */

static uint8_t super[HDR + PLEN];

static void put16(uint8_t *p, size_t at, uint16_t v)
{
	p[at] = (uint8_t)(v >> 8);
	p[at + 1] = (uint8_t)v;
}

/* Ethernet + IPv4 192.0.2.1 -> 192.0.2.2 + TCP 40000 -> 5201, ACK, payload. */
static size_t make_tcp(uint8_t *f, size_t plen, uint8_t fill)
{
	static const uint8_t eth[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00};
	static const uint8_t ip[20] = {0x45, 0, 0,   0, 0x12, 0x34, 0x40, 0, 64, 6,
				       0,    0, 192, 0, 2,    1,    192,  0, 2,	 2};
	static const uint8_t tcp[20] = {0x9c, 0x40, 0x14, 0x51, 0, 0,	 0x10, 0, 0, 0,
					0,    1,    0x50, 0x10, 1, 0xf6, 0,    0, 0, 0};
	uint32_t psum;

	memcpy(f, eth, 14);
	memcpy(f + 14, ip, 20);
	memcpy(f + 34, tcp, 20);
	put16(f, 16, (uint16_t)(20 + 20 + plen));
	put16(f, 24, (uint16_t)~ref_sum(f + 14, 20, 0));
	for (size_t i = 0; i < plen; i++)
		f[HDR + i] = (uint8_t)(fill + i * 13);
	/* CHECKSUM_PARTIAL: the pseudo-header sum in the field */
	psum = ref_sum(f + 26, 8, 6 + (uint32_t)(20 + plen));
	put16(f, 50, (uint16_t)psum);
	return HDR + plen;
}

static int raw_vnet(int ifindex)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = ifindex};
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

static int wait_in(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 2000);
}

static void send_vnet(int fd, const struct offload_vnet *v, const uint8_t *f, size_t len)
{
	uint8_t h[OFFLOAD_VNET_LEN];
	struct wbuf w;
	struct iovec iov[2] = {{.iov_base = h, .iov_len = sizeof(h)},
			       {.iov_base = (void *)(uintptr_t)f, .iov_len = len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};

	wbuf_init(&w, h, sizeof(h));
	ck_assert_int_eq(offload_vnet_put(&w, v), 0);
	ck_assert_int_eq(sendmsg(fd, &mh, 0), (ssize_t)(sizeof(h) + len));
}

struct rig {
	struct port_env env;
	struct port pt;
	int raw;
};

static void rig_up(struct rig *r)
{
	FILE *f;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) needs root");
	/* No IPv6 on the new TAP: its DAD and MLD frames would come first. */
	f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
	if (f) {
		fputs("1", f);
		fclose(f);
	}
	memset(&r->env, 0, sizeof(r->env));
	r->env.nl = netlink_open();
	ck_assert_ptr_nonnull(r->env.nl);
	r->env.kind = PORT_TAP;
	ck_assert_int_eq(port_open(&r->pt, &r->env, "pw-off"), 0);
	ck_assert_ptr_nonnull(port_offload_stats(&r->pt));
	ck_assert_int_eq(netlink_link_setup(r->env.nl, r->pt.ifindex, PORT_MTU, 0), 0);
	ck_assert_int_eq(port_set_carrier(&r->pt, 1), 0);
	r->raw = raw_vnet(r->pt.ifindex);
	/*
	 * Carrier on takes effect in linkwatch, which also swaps the noop qdisc
	 * for a real one: until IFF_RUNNING, frames sent out are dropped.
	 */
	for (int i = 0; i < 200; i++) {
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", "pw-off");
		ck_assert_int_eq(ioctl(r->raw, SIOCGIFFLAGS, &ifr), 0);
		if (ifr.ifr_flags & IFF_RUNNING)
			return;
		usleep(10000);
	}
	ck_abort_msg("pw-off never became RUNNING");
}

START_TEST(recv_cuts_a_gso_frame)
{
	static uint8_t in[8][2048];
	struct offload_vnet v = {.flags = OFFLOAD_F_NEEDS_CSUM,
				 .gso_type = OFFLOAD_GSO_TCPV4,
				 .hdr_len = HDR,
				 .gso_size = MSS,
				 .csum_start = 34,
				 .csum_offset = 16};
	const struct port_offload_stats *st;
	struct iovec iov[8];
	size_t len[8], got = 0;
	unsigned n = 0;
	struct rig r;

	rig_up(&r);
	make_tcp(super, PLEN, 1);
	for (int i = 0; i < 8; i++)
		iov[i] = (struct iovec){.iov_base = in[i], .iov_len = sizeof(in[i])};
	/*
	 * Even RUNNING, a fresh TAP drops the first frames for a moment (its
	 * qdisc is being swapped in): send until one arrives, bounded.
	 */
	for (int i = 0; i < 50; i++) {
		struct pollfd p = {.fd = r.pt.fd, .events = POLLIN};

		send_vnet(r.raw, &v, super, sizeof(super));
		if (poll(&p, 1, 100) == 1)
			break;
	}
	ck_assert_int_eq(wait_in(r.pt.fd), 1);
	/* three: the rest of the super-frame waits in the port */
	n = port_recv(&r.pt, iov, len, 3);
	ck_assert_uint_eq(n, 3);
	/* the rest without reading the fd: exactly the two left, then nothing */
	n += port_recv_held(&r.pt, iov + 3, len + 3, 5);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(port_recv_held(&r.pt, iov, len, 5), 0);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_uint_eq(len[i], HDR + MSS);
		ck_assert(ref_tcp_ok(in[i], len[i], 14, 0));
		ck_assert_uint_eq(ref_sum(in[i] + 14, 20, 0), 0xffff);
		ck_assert_mem_eq(in[i] + HDR, super + HDR + got, MSS);
		got += MSS;
	}
	st = port_offload_stats(&r.pt);
	ck_assert_uint_eq(st->rx_super, 1);
	ck_assert_uint_eq(st->rx_segments, 5);
	/* a late duplicate of the super-frame, if a resend raced it */
	while (port_recv(&r.pt, iov, len, 8) > 0)
		;

	/* a UDP frame left CHECKSUM_PARTIAL comes out complete */
	{
		uint8_t u[14 + 20 + 8 + 32];
		struct offload_vnet uv = {
		    .flags = OFFLOAD_F_NEEDS_CSUM, .csum_start = 34, .csum_offset = 6};
		uint32_t ps;

		make_tcp(u, 0, 0);
		u[23] = 17;
		put16(u, 16, 20 + 8 + 32);
		put16(u, 24, 0);
		put16(u, 24, (uint16_t)~ref_sum(u + 14, 20, 0));
		put16(u, 34, 1000);
		put16(u, 36, 2000);
		put16(u, 38, 8 + 32);
		memset(u + 42, 0x5a, 32);
		ps = ref_sum(u + 26, 8, 17 + 40);
		put16(u, 40, (uint16_t)ps);
		send_vnet(r.raw, &uv, u, sizeof(u));
		ck_assert_int_eq(wait_in(r.pt.fd), 1);
		ck_assert_uint_eq(port_recv(&r.pt, iov, len, 1), 1);
		ck_assert_uint_eq(len[0], sizeof(u));
		ck_assert_uint_eq(ref_sum(in[0] + 34, 40, 17 + 40 + ref_sum(in[0] + 26, 8, 0)),
				  0xffff);
		ck_assert_mem_eq(in[0], u, 40);
	}
	port_close(&r.pt);
	close(r.raw);
	netlink_close(r.env.nl);
}
END_TEST

/* Read what arrived on the raw socket: count, and the first one's header. */
static unsigned drain(int fd, struct offload_vnet *first, size_t *first_len)
{
	static uint8_t buf[OFFLOAD_VNET_LEN + 70000];
	unsigned n = 0;
	ssize_t r;

	while (wait_in(fd) == 1 && (r = recv(fd, buf, sizeof(buf), 0)) > 0) {
		struct buf b;
		struct offload_vnet v;

		buf_init(&b, buf, (size_t)r);
		ck_assert_int_eq(offload_vnet_get(&b, &v), 0);
		if (n == 0) {
			*first = v;
			*first_len = buf_left(&b);
		}
		n++;
		if (v.gso_type != OFFLOAD_GSO_NONE || n == 5)
			break;
	}
	return n;
}

START_TEST(send_coalesces_in_a_batch)
{
	static uint8_t segs[5][HDR + MSS];
	struct offload_vnet v;
	const struct port_offload_stats *st;
	size_t flen = 0;
	struct rig r;

	rig_up(&r);
	for (int i = 0; i < 5; i++) {
		make_tcp(segs[i], MSS, (uint8_t)(i * 7));
		put16(segs[i], 18, (uint16_t)(0x1234 + i)); /* IPv4 ID */
		put16(segs[i], 24, 0);
		put16(segs[i], 24, (uint16_t)~ref_sum(segs[i] + 14, 20, 0));
		put16(segs[i], 38, 0);
		put16(segs[i], 40, (uint16_t)(i * MSS)); /* sequence number */
		put16(segs[i], 50, 0);
		put16(segs[i], 50,
		      (uint16_t)~ref_sum(segs[i] + 34, 20 + MSS,
					 6 + 20 + MSS + ref_sum(segs[i] + 26, 8, 0)));
		ck_assert(ref_tcp_ok(segs[i], sizeof(segs[i]), 14, 0));
	}
	/* outside a batch: five writes */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(port_send(&r.pt, segs[i], sizeof(segs[i])), 0);
	ck_assert_uint_eq(drain(r.raw, &v, &flen), 5);
	ck_assert_uint_eq(v.gso_type, OFFLOAD_GSO_NONE);
	ck_assert_uint_eq(flen, sizeof(segs[0]));

	/* inside one: one GSO frame, written at the end of the batch */
	port_batch_begin();
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(port_send(&r.pt, segs[i], sizeof(segs[i])), 0);
	{
		struct pollfd p = {.fd = r.raw, .events = POLLIN};

		ck_assert_int_eq(poll(&p, 1, 100), 0); /* held until the batch ends */
	}
	port_batch_end();
	ck_assert_uint_eq(drain(r.raw, &v, &flen), 1);
	ck_assert_uint_eq(v.gso_type, OFFLOAD_GSO_TCPV4);
	ck_assert_uint_eq(v.gso_size, MSS);
	ck_assert_uint_eq(flen, HDR + 5 * MSS);
	st = port_offload_stats(&r.pt);
	ck_assert_uint_eq(st->tx_super, 1);
	ck_assert_uint_eq(st->tx_merged, 5);
	ck_assert_uint_eq(st->tx_lost, 0);
	/* closing with frames held: they are dropped with the port, nothing dangles */
	port_batch_begin();
	ck_assert_int_eq(port_send(&r.pt, segs[0], sizeof(segs[0])), 0);
	port_close(&r.pt);
	port_batch_end();
	close(r.raw);
	netlink_close(r.env.nl);
}
END_TEST

static Suite *port_offload_suite(void)
{
	Suite *s = suite_create("port_offload");
	TCase *tc = tcase_create("netns");

	tcase_add_test(tc, recv_cuts_a_gso_frame);
	tcase_add_test(tc, send_coalesces_in_a_batch);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(port_offload_suite());
}
