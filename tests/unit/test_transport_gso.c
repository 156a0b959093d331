/*
 * transport_send_batch() with UDP GSO (pwd/transport.c): runs of equal-
 * length datagrams to one peer leave as one UDP_SEGMENT send, and the peer
 * must still get every datagram, whole and in order: a run with a shorter
 * last one, a run broken by another destination, and datagrams larger than
 * the MTU (the kernel refuses GSO there; they go one by one, fragmented).
 * In a private network namespace with only the loopback (root).
 */
#include <arpa/inet.h>
#include <check.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "check_main.h"
#include "evloop.h"
#include "transport.h"

#define NMSG 48

static void nop_ctrl(void *ctx, struct transport *t, const struct sockaddr *from, socklen_t fromlen,
		     const uint8_t *pkt, size_t len)
{
	(void)ctx, (void)t, (void)from, (void)fromlen, (void)pkt, (void)len;
}

static void nop_data(void *ctx, struct transport *t, const struct sockaddr *from,
		     uint32_t session_id, const struct buf *pkt)
{
	(void)ctx, (void)t, (void)from, (void)session_id, (void)pkt;
}

static const struct transport_ops nop_ops = {.ctrl = nop_ctrl, .data = nop_data};

static void lo_up(int mtu)
{
	struct ifreq ifr;
	int fd;

	/* First: a socket's ioctls act on the namespace it was made in. */
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) needs root");
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_mtu = mtu;
	ck_assert_int_eq(ioctl(fd, SIOCSIFMTU, &ifr), 0);
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

static int receiver(uint16_t port, struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sa, sizeof(*sa)), 0);
	return fd;
}

struct batch {
	struct mmsghdr msgs[NMSG];
	struct iovec iov[NMSG][2];
	uint8_t hdr[NMSG][4];
	uint8_t body[NMSG][3000];
	size_t len[NMSG];
};

/* Message i: a 4-byte header with i, then len-4 bytes of a pattern of i. */
static void add(struct batch *b, unsigned i, size_t len, struct sockaddr_in *to)
{
	b->hdr[i][0] = 0xab;
	b->hdr[i][1] = (uint8_t)i;
	b->hdr[i][2] = (uint8_t)(len >> 8);
	b->hdr[i][3] = (uint8_t)len;
	memset(b->body[i], (int)(i * 5 + 1), len - 4);
	b->iov[i][0] = (struct iovec){.iov_base = b->hdr[i], .iov_len = 4};
	b->iov[i][1] = (struct iovec){.iov_base = b->body[i], .iov_len = len - 4};
	memset(&b->msgs[i], 0, sizeof(b->msgs[i]));
	b->msgs[i].msg_hdr.msg_iov = b->iov[i];
	b->msgs[i].msg_hdr.msg_iovlen = 2;
	b->msgs[i].msg_hdr.msg_name = to;
	b->msgs[i].msg_hdr.msg_namelen = sizeof(*to);
	b->len[i] = len;
}

/* The next datagram on fd is message i of b, whole. */
static void expect(int fd, const struct batch *b, unsigned i)
{
	static uint8_t got[4000];
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t r;

	ck_assert_int_eq(poll(&p, 1, 2000), 1);
	r = recv(fd, got, sizeof(got), MSG_DONTWAIT);
	ck_assert_int_eq(r, (ssize_t)b->len[i]);
	ck_assert_uint_eq(got[1], (uint8_t)i);
	ck_assert_mem_eq(got, b->hdr[i], 4);
	ck_assert_mem_eq(got + 4, b->body[i], b->len[i] - 4);
}

static struct transport *sender(struct evloop **l)
{
	struct sockaddr_in local = {.sin_family = AF_INET};
	struct transport *t;

	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*l = evloop_new();
	ck_assert_ptr_nonnull(*l);
	t = transport_get(*l, AF_INET, (struct sockaddr *)&local, sizeof(local), TRANSPORT_UDP,
			  1701, &nop_ops, NULL);
	ck_assert_ptr_nonnull(t);
	return t;
}

START_TEST(runs_go_as_gso_and_arrive_whole)
{
	static struct batch b;
	struct sockaddr_in a, c;
	struct evloop *l;
	struct transport *t;
	int ra, rc;
	unsigned i;

	lo_up(65536);
	t = sender(&l);
	ra = receiver(1702, &a);
	rc = receiver(1703, &c);
	/* 20 x 1400 to a, a shorter 700 ending the run, 3 x 60 to a, 1 to c, 20 x 60 to a */
	for (i = 0; i < 20; i++)
		add(&b, i, 1400, &a);
	add(&b, i++, 700, &a);
	for (; i < 24; i++)
		add(&b, i, 60, &a);
	add(&b, i++, 60, &c);
	for (; i < 45; i++)
		add(&b, i, 60, &a);
	ck_assert_uint_eq(transport_send_batch(t, b.msgs, 45), 45);
	for (i = 0; i < 45; i++)
		if (i != 24)
			expect(ra, &b, i);
	expect(rc, &b, 24);
	ck_assert_int_eq(recv(ra, b.body[0], 1, MSG_DONTWAIT), -1);
	/* 1400 x20 + 700: one send; 60 x3: one; 60 x20: one */
	ck_assert_uint_eq(transport_stats(t)->tx_gso, 3);
	ck_assert_uint_eq(transport_stats(t)->tx_gso_datagrams, 44);
	ck_assert_uint_eq(transport_stats(t)->tx_errors, 0);
	transport_put(t);
	evloop_free(l);
	close(ra);
	close(rc);
}
END_TEST

START_TEST(larger_than_mtu_goes_one_by_one)
{
	static struct batch b;
	struct sockaddr_in a;
	struct evloop *l;
	struct transport *t;
	int ra;

	lo_up(1500);
	t = sender(&l);
	ra = receiver(1702, &a);
	for (unsigned i = 0; i < 10; i++)
		add(&b, i, 2000, &a);
	ck_assert_uint_eq(transport_send_batch(t, b.msgs, 10), 10);
	for (unsigned i = 0; i < 10; i++)
		expect(ra, &b, i);
	ck_assert_uint_eq(transport_stats(t)->tx_gso, 0);
	/* smaller ones still go as GSO */
	for (unsigned i = 0; i < 10; i++)
		add(&b, i, 1000, &a);
	ck_assert_uint_eq(transport_send_batch(t, b.msgs, 10), 10);
	for (unsigned i = 0; i < 10; i++)
		expect(ra, &b, i);
	ck_assert_uint_eq(transport_stats(t)->tx_gso, 1);
	transport_put(t);
	evloop_free(l);
	close(ra);
}
END_TEST

static Suite *transport_gso_suite(void)
{
	Suite *s = suite_create("transport_gso");
	TCase *tc = tcase_create("netns");

	tcase_add_test(tc, runs_go_as_gso_and_arrive_whole);
	tcase_add_test(tc, larger_than_mtu_goes_one_by_one);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(transport_gso_suite());
}
