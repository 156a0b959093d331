/*
 * Transports: sharing by (family, local, encap, port), demultiplexing of
 * UDP and IP-115 datagrams (RFC 3931 §4.1), the zero session id before
 * control messages over IP (§4.1.1.2), and the drop counters.
 *
 * Each test runs in its own network namespace (unshare(CLONE_NEWNET), root
 * only) with just the loopback up, so no packet leaves the process.
 */
#include <arpa/inet.h>
#include <check.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "evloop.h"
#include "transport.h"

struct seen {
	int ctrl, data, v2;
	uint32_t sid;
	uint8_t first[8];
	size_t len;
	struct evloop *l;
	int want;
};

static void seen_ctrl(void *ctx, struct transport *t, const struct sockaddr *from,
		      socklen_t fromlen, const uint8_t *pkt, size_t len)
{
	struct seen *s = ctx;

	(void)t;
	(void)from;
	(void)fromlen;
	s->ctrl++;
	s->len = len;
	memcpy(s->first, pkt, len < 8 ? len : 8);
	if (s->ctrl + s->data + s->v2 >= s->want)
		evloop_break(s->l);
}

static void seen_v2(void *ctx, struct transport *t, const struct sockaddr *from, socklen_t fromlen,
		    const uint8_t *pkt, size_t len)
{
	struct seen *s = ctx;

	(void)t;
	(void)from;
	(void)fromlen;
	s->v2++;
	s->len = len;
	memcpy(s->first, pkt, len < 8 ? len : 8);
	if (s->ctrl + s->data + s->v2 >= s->want)
		evloop_break(s->l);
}

static void seen_data(void *ctx, struct transport *t, const struct sockaddr *from,
		      uint32_t session_id, const struct buf *pkt)
{
	struct seen *s = ctx;

	(void)t;
	(void)from;
	s->data++;
	s->sid = session_id;
	s->len = buf_left(pkt);
	if (s->ctrl + s->data + s->v2 >= s->want)
		evloop_break(s->l);
}

static const struct transport_ops seen_ops = {.ctrl = seen_ctrl, .data = seen_data};
static const struct transport_ops seen_v2_ops = {
    .ctrl = seen_ctrl, .v2 = seen_v2, .data = seen_data};

/* A private network namespace with lo up, or the test is skipped loudly. */
static void private_netns(void)
{
	struct ifreq ifr;
	int fd;

	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) needs root");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

static struct sockaddr_in lo4(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

/* Send pkt to 127.0.0.1:port from a plain UDP socket. */
static void udp_send(uint16_t port, const void *pkt, size_t len)
{
	struct sockaddr_in to = lo4(port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_eq(sendto(fd, pkt, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
	close(fd);
}

/* Stop the loop after a while, so a packet that never arrives fails the test. */
static void deadline_cb(struct ev_timer *t)
{
	struct seen *s = t->arg;

	evloop_break(s->l);
}

static void run_until(struct seen *s, int want)
{
	struct ev_timer deadline;

	s->want = want;
	evloop_timer_init(&deadline, deadline_cb, s);
	evloop_timer_arm(s->l, &deadline, evloop_now(s->l) + 2000);
	if (s->ctrl + s->data + s->v2 < want)
		evloop_run(s->l);
	evloop_timer_disarm(s->l, &deadline);
}

START_TEST(test_udp_demux)
{
	struct seen s = {0};
	struct sockaddr_in local = lo4(0);
	struct transport *t, *t2;
	/* SCCRQ-like control header: T L S, Ver 3, length, ccid 0, Ns, Nr. */
	static const uint8_t ctrl[] = {0xc8, 0x03, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0};
	/* RFC 3931 §4.1.2.1 data: 0003 0000, session id 0x01020304, a frame. */
	uint8_t data[8 + 60] = {0x00, 0x03, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
	static const uint8_t v2data[] = {0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0xff, 0x03};
	static const uint8_t shortpkt[] = {0x00};

	private_netns();
	s.l = evloop_new();
	t = transport_get(s.l, AF_INET, (struct sockaddr *)&local, sizeof(local), TRANSPORT_UDP,
			  17010, &seen_ops, &s);
	ck_assert_ptr_nonnull(t);
	/* The same key shares the socket; another port does not. */
	t2 = transport_get(s.l, AF_INET, (struct sockaddr *)&local, sizeof(local), TRANSPORT_UDP,
			   17010, &seen_ops, &s);
	ck_assert_ptr_eq(t, t2);
	transport_put(t2);
	t2 = transport_get(s.l, AF_INET, NULL, 0, TRANSPORT_UDP, 17011, &seen_ops, &s);
	ck_assert_ptr_nonnull(t2);
	ck_assert_ptr_ne(t, t2);
	transport_put(t2);
	ck_assert_str_eq(transport_name(t), "udp 127.0.0.1:17010");

	udp_send(17010, ctrl, sizeof(ctrl));
	run_until(&s, 1);
	ck_assert_int_eq(s.ctrl, 1);
	ck_assert_uint_eq(s.len, sizeof(ctrl));
	ck_assert_int_eq(memcmp(s.first, ctrl, 8), 0);

	udp_send(17010, data, sizeof(data));
	run_until(&s, 2);
	ck_assert_int_eq(s.data, 1);
	ck_assert_uint_eq(s.sid, 0x01020304);
	ck_assert_uint_eq(s.len, sizeof(data)); /* whole packet, for l2tp_data_rx() */

	/* An L2TPv2 data packet and a 1-byte datagram are counted, not delivered. */
	udp_send(17010, v2data, sizeof(v2data));
	udp_send(17010, shortpkt, sizeof(shortpkt));
	udp_send(17010, data, sizeof(data));
	run_until(&s, 3);
	ck_assert_int_eq(s.data, 2);
	ck_assert_int_eq(s.ctrl, 1);
	ck_assert_uint_eq(transport_stats(t)->rx_packets, 5);
	ck_assert_uint_eq(transport_stats(t)->rx_drops[L2TP_DATA_BAD_FLAGS], 1);
	ck_assert_uint_eq(transport_stats(t)->rx_drops[L2TP_DATA_SHORT], 1);
	transport_put(t);
	evloop_free(s.l);
}
END_TEST

/*
 * L2TPv2 and L2TPv3 on one UDP port: version 2 in the first word (RFC 2661
 * §3.1) goes to ops->v2 whole, control or data; version 3 as before.
 */
START_TEST(test_udp_v2_shares_port)
{
	struct seen s = {0};
	struct transport *t;
	/* v2 SCCRQ header: T L S, Ver 2, Length 12, tunnel 0, session 0, Ns, Nr. */
	static const uint8_t v2ctrl[] = {0xc8, 0x02, 0x00, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0};
	/* v2 data: Ver 2, tunnel 1, session 1, FF 03 + LCP. */
	static const uint8_t v2data[] = {0x00, 0x02, 0x00, 0x01, 0x00,
					 0x01, 0xff, 0x03, 0xc0, 0x21};
	uint8_t v3data[8 + 60] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07};

	private_netns();
	s.l = evloop_new();
	t = transport_get(s.l, AF_INET, NULL, 0, TRANSPORT_UDP, 17012, &seen_v2_ops, &s);
	ck_assert_ptr_nonnull(t);
	udp_send(17012, v2ctrl, sizeof(v2ctrl));
	run_until(&s, 1);
	ck_assert_int_eq(s.v2, 1);
	ck_assert_uint_eq(s.len, sizeof(v2ctrl));
	ck_assert_int_eq(memcmp(s.first, v2ctrl, 8), 0);
	udp_send(17012, v2data, sizeof(v2data));
	run_until(&s, 2);
	ck_assert_int_eq(s.v2, 2);
	ck_assert_uint_eq(s.len, sizeof(v2data));
	udp_send(17012, v3data, sizeof(v3data));
	run_until(&s, 3);
	ck_assert_int_eq(s.data, 1);
	ck_assert_uint_eq(s.sid, 7);
	ck_assert_int_eq(s.ctrl, 0);
	ck_assert_uint_eq(transport_stats(t)->rx_drops[L2TP_DATA_BAD_FLAGS], 0);
	transport_put(t);
	evloop_free(s.l);
}
END_TEST

START_TEST(test_ip_demux_and_ctrl_prefix)
{
	struct seen s = {0};
	struct sockaddr_in local = lo4(0), to = lo4(0);
	struct transport *t;
	/* Over IP: session id 0 then the control message (RFC 3931 §4.1.1.2). */
	static const uint8_t ctrl[] = {0, 0, 0, 0, 0xc8, 0x03, 0x00, 0x0c, 0, 0, 0, 7, 0, 0, 0, 0};
	/* Data: the session id right after the IP header. */
	static const uint8_t data[] = {0x00, 0x00, 0x00, 0x2a, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3};
	uint8_t got[64];
	int raw;
	ssize_t n;

	private_netns();
	s.l = evloop_new();
	t = transport_get(s.l, AF_INET, (struct sockaddr *)&local, sizeof(local), TRANSPORT_IP, 0,
			  &seen_ops, &s);
	ck_assert_ptr_nonnull(t);
	ck_assert_str_eq(transport_name(t), "ip 127.0.0.1");
	raw = socket(AF_INET, SOCK_RAW, 115);
	ck_assert_int_ge(raw, 0);

	ck_assert_int_eq(sendto(raw, ctrl, sizeof(ctrl), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(ctrl));
	run_until(&s, 1);
	ck_assert_int_eq(s.ctrl, 1);
	/* The IPv4 header and the zero session id are gone. */
	ck_assert_uint_eq(s.len, sizeof(ctrl) - 4);
	ck_assert_int_eq(memcmp(s.first, ctrl + 4, 8), 0);

	ck_assert_int_eq(sendto(raw, data, sizeof(data), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(data));
	run_until(&s, 2);
	ck_assert_int_eq(s.data, 1);
	ck_assert_uint_eq(s.sid, 42);
	ck_assert_uint_eq(s.len, sizeof(data));

	/* Our own sends came back to the raw socket too: forget them. */
	while (recv(raw, got, sizeof(got), MSG_DONTWAIT) > 0)
		;
	/* Sending a control message over IP puts the zero session id first. */
	ck_assert_int_eq(
	    transport_send_ctrl(t, (struct sockaddr *)&to, sizeof(to), ctrl + 4, sizeof(ctrl) - 4),
	    0);
	n = recv(raw, got, sizeof(got), 0); /* raw v4: IP header included */
	ck_assert_int_eq(n, 20 + (ssize_t)sizeof(ctrl));
	ck_assert_int_eq(memcmp(got + 20, ctrl, sizeof(ctrl)), 0);
	close(raw);
	transport_put(t);
	evloop_free(s.l);
}
END_TEST

static Suite *transport_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_udp_demux);
	tcase_add_test(tc, test_udp_v2_shares_port);
	tcase_add_test(tc, test_ip_demux_and_ctrl_prefix);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(transport_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
