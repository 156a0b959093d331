/*
 * Bridge ports (pwd/port.h): the pure naming helpers, and both backends in a
 * private network namespace per test (unshare(CLONE_NEWNET), root): frames
 * cross a veth port both ways through the AF_PACKET socket, carrier follows
 * the session, and what a killed daemon left behind is found by its alias.
 */
#include <check.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "netlink.h"
#include "port.h"

START_TEST(peer_name_fits_and_is_stable)
{
	char a[IFNAMSIZ], b[IFNAMSIZ], c[IFNAMSIZ];

	port_peer_name("pw-office-b", a, sizeof(a));
	port_peer_name("pw-office-b", b, sizeof(b));
	port_peer_name("pw-office-c", c, sizeof(c));
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert_uint_eq(strlen(a), strlen(PORT_PEER_PREFIX) + 8);
	ck_assert_uint_lt(strlen(a), IFNAMSIZ);
	ck_assert(strncmp(a, PORT_PEER_PREFIX, strlen(PORT_PEER_PREFIX)) == 0);
	/* FNV-1a of "" is the offset basis */
	port_peer_name("", a, sizeof(a));
	ck_assert_str_eq(a, PORT_PEER_PREFIX "811c9dc5");
	/* "a": (0x811c9dc5 ^ 0x61) * 16777619 mod 2^32 = 0xe40c292c (published vector) */
	port_peer_name("a", a, sizeof(a));
	ck_assert_str_eq(a, PORT_PEER_PREFIX "e40c292c");
}
END_TEST

START_TEST(vlan_insert)
{
	uint8_t f[64], want[64];

	for (unsigned i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	memcpy(want, f, 12);
	memcpy(want + 12, "\x81\x00\x20\x64", 4); /* PCP 1, VID 100 */
	memcpy(want + 16, f + 12, 20);
	ck_assert_uint_eq(port_vlan_insert(f, 32, sizeof(f), 0x8100, 0x2064), 36);
	ck_assert_mem_eq(f, want, 36);
	/* no room, or not even two MAC addresses: refused, frame untouched */
	ck_assert_uint_eq(port_vlan_insert(f, 62, sizeof(f), 0x88a8, 1), 0);
	ck_assert_uint_eq(port_vlan_insert(f, 11, sizeof(f), 0x8100, 1), 0);
	ck_assert_mem_eq(f, want, 36);
}
END_TEST

START_TEST(owner_alias)
{
	char out[64], tiny[8];

	port_owner_alias("office-a", out, sizeof(out));
	ck_assert_str_eq(out, "l2pwd site office-a");
	port_owner_alias("office-a", tiny, sizeof(tiny));
	ck_assert_str_eq(tiny, "l2pwd s");
}
END_TEST

static void netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) needs root");
}

static void env_init(struct port_env *env, enum port_kind kind)
{
	memset(env, 0, sizeof(*env));
	env->nl = netlink_open();
	ck_assert_ptr_nonnull(env->nl);
	env->kind = kind;
	port_owner_alias("unit", env->owner, sizeof(env->owner));
}

/* A raw socket on the bridge end: what the bridge would hand in and take out. */
static int raw_on(int ifindex)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex};
	int one = 1;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

static void frame_fill(uint8_t *f, size_t len, uint8_t tag)
{
	memset(f, tag, len);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x88\xb5", 14);
}

static int wait_in(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 2000);
}

/* Carrier on is applied by the kernel's linkwatch a moment later: until the
 * device is operationally up its queue drops what is sent. */
static int oper_is(const char *ifname, int want)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), up = !want;

	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	for (int i = 0; i < 200 && up != want; i++) {
		/* IFF_RUNNING: the operational state linkwatch sets */
		up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_RUNNING);
		if (up != want)
			usleep(10000);
	}
	close(fd);
	return up == want;
}

static int oper_up(const char *ifname)
{
	return oper_is(ifname, 1);
}

/* port_recv() once something is there: a wakeup may be the ENETDOWN the
 * socket got while its device was down, before the frame itself. */
static unsigned recv_wait(struct port *pt, struct iovec *iov, size_t *len, unsigned n)
{
	for (int i = 0; i < 20; i++) {
		unsigned got;

		if (wait_in(pt->fd) != 1)
			return 0;
		got = port_recv(pt, iov, len, n);
		if (got)
			return got;
	}
	return 0;
}

START_TEST(veth_frames_both_ways)
{
	struct port_env env;
	struct port pt;
	uint8_t out[200], in[4][2048];
	struct iovec iov[4];
	size_t len[4];
	unsigned n;
	int raw, kind_idx;
	char kind[16];

	netns();
	env_init(&env, PORT_VETH);
	ck_assert_int_eq(port_open(&pt, &env, "pw-test"), 0);
	ck_assert(port_is_open(&pt));
	ck_assert_int_eq(pt.ifindex, (int)if_nametoindex("pw-test"));
	ck_assert_int_eq(port_rx_ifindex(&pt), (int)if_nametoindex(pt.peer));
	ck_assert_int_eq(netlink_link_kind(env.nl, "pw-test", kind, sizeof(kind), &kind_idx), 0);
	ck_assert_str_eq(kind, "veth");
	/* The name is taken now: a second open says EBUSY, as a TAP does. */
	{
		struct port again;

		ck_assert_int_eq(port_open(&again, &env, "pw-test"), -1);
		ck_assert_int_eq(errno, EBUSY);
	}
	/* The bridge end's own IPv6 chatter (MLD, RS) would cross too: only ours here. */
	ck_assert_int_eq(system("echo 1 > /proc/sys/net/ipv6/conf/pw-test/disable_ipv6"), 0);
	ck_assert_int_eq(netlink_link_setup(env.nl, pt.ifindex, PORT_MTU, 0), 0);
	ck_assert_int_eq(port_set_carrier(&pt, 1), 0);
	ck_assert(oper_up("pw-test"));
	ck_assert(oper_up(pt.peer));
	raw = raw_on(pt.ifindex);

	/* bridge -> daemon: what goes out of the bridge end arrives at port_recv() */
	frame_fill(out, sizeof(out), 0xa1);
	ck_assert_int_eq(send(raw, out, sizeof(out), 0), (ssize_t)sizeof(out));
	for (int i = 0; i < 4; i++)
		iov[i] = (struct iovec){.iov_base = in[i], .iov_len = sizeof(in[i])};
	n = recv_wait(&pt, iov, len, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(len[0], sizeof(out));
	ck_assert_mem_eq(in[0], out, sizeof(out));
	ck_assert_uint_eq(port_recv(&pt, iov, len, 4), 0);

	/* a tagged frame: the receive path strips the tag, port_recv() puts it back */
	{
		uint8_t tagged[200];

		frame_fill(tagged, sizeof(tagged), 0xc3);
		memcpy(tagged + 12, "\x81\x00\x00\x64\x88\xb5", 6);
		ck_assert_int_eq(send(raw, tagged, sizeof(tagged), 0), (ssize_t)sizeof(tagged));
		n = recv_wait(&pt, iov, len, 4);
		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(len[0], sizeof(tagged));
		ck_assert_mem_eq(in[0], tagged, sizeof(tagged));
	}

	/* daemon -> bridge, and not read back by the daemon (PACKET_IGNORE_OUTGOING) */
	frame_fill(out, sizeof(out), 0xb2);
	ck_assert_int_eq(port_send(&pt, out, sizeof(out)), 0);
	ck_assert_int_eq(wait_in(raw), 1);
	ck_assert_int_eq(recv(raw, in[0], sizeof(in[0]), 0), (ssize_t)sizeof(out));
	ck_assert_mem_eq(in[0], out, sizeof(out));
	ck_assert_uint_eq(port_recv(&pt, iov, len, 4), 0);

	/* carrier off: the peer end goes down and the bridge end loses its carrier */
	ck_assert_int_eq(port_set_carrier(&pt, 0), 0);
	ck_assert(oper_is("pw-test", 0));
	ck_assert_uint_eq(port_recv(&pt, iov, len, 4), 0);
	/* ... and back: the first frame after it is not lost to a stale ENETDOWN */
	ck_assert_int_eq(port_set_carrier(&pt, 1), 0);
	ck_assert(oper_up("pw-test"));
	ck_assert_int_eq(port_send(&pt, out, sizeof(out)), 0);
	ck_assert_int_eq(port_set_carrier(&pt, 0), 0);
	close(raw);
	port_close(&pt);
	ck_assert_int_eq(if_nametoindex("pw-test"), 0);
	ck_assert(!port_is_open(&pt));
	port_close(&pt); /* twice is fine */
	netlink_close(env.nl);
}
END_TEST

static void count_cb(int ifindex, const char *name, void *arg)
{
	(void)ifindex;
	(void)name;
	(*(int *)arg)++;
}

START_TEST(stale_veths_are_removed_by_alias)
{
	struct port_env env, other;
	struct port a, b, c;
	int n = 0;

	netns();
	env_init(&env, PORT_VETH);
	env_init(&other, PORT_VETH);
	port_owner_alias("another-site", other.owner, sizeof(other.owner));
	ck_assert_int_eq(port_open(&a, &env, "pw-a"), 0);
	ck_assert_int_eq(port_open(&b, &env, "pw-b"), 0);
	ck_assert_int_eq(port_open(&c, &other, "pw-c"), 0);
	/* kill -9: the sockets close, the veths stay */
	close(a.fd);
	close(b.fd);
	a.fd = b.fd = -1;
	ck_assert_int_eq(netlink_links_by_alias(env.nl, "veth", env.owner, 16, count_cb, &n), 4);
	ck_assert_int_eq(port_cleanup_stale(&env), 2);
	ck_assert_int_eq(if_nametoindex("pw-a"), 0);
	ck_assert_int_eq(if_nametoindex("pw-b"), 0);
	ck_assert_int_ne(if_nametoindex("pw-c"), 0); /* not ours */
	ck_assert_int_eq(port_cleanup_stale(&env), 0);
	/* what is left of a and b is memory: their devices are gone already */
	port_close(&a);
	port_close(&b);
	port_close(&c);
	netlink_close(env.nl);
	netlink_close(other.nl);
}
END_TEST

START_TEST(tap_backend)
{
	struct port_env env;
	struct port pt;
	uint8_t in[2048];
	struct iovec iov = {.iov_base = in, .iov_len = sizeof(in)};
	size_t len;

	netns();
	env_init(&env, PORT_TAP);
	ck_assert_int_eq(port_open(&pt, &env, "pw-tap"), 0);
	ck_assert_int_eq(pt.ifindex, (int)if_nametoindex("pw-tap"));
	ck_assert_int_eq(port_rx_ifindex(&pt), pt.ifindex);
	ck_assert_int_eq(port_set_carrier(&pt, 1), 0);
	ck_assert_uint_eq(port_recv(&pt, &iov, &len, 1), 0); /* down: nothing */
	port_close(&pt);
	ck_assert_int_eq(if_nametoindex("pw-tap"), 0);
	/* a TAP site finds no veths, and that is not an error */
	ck_assert_int_eq(port_cleanup_stale(&env), 0);
	netlink_close(env.nl);
}
END_TEST

static Suite *port_suite(void)
{
	Suite *s = suite_create("port");
	TCase *pure = tcase_create("names");
	TCase *ns = tcase_create("netns");

	tcase_add_test(pure, peer_name_fits_and_is_stable);
	tcase_add_test(pure, owner_alias);
	tcase_add_test(pure, vlan_insert);
	tcase_add_test(ns, veth_frames_both_ways);
	tcase_add_test(ns, stale_veths_are_removed_by_alias);
	tcase_add_test(ns, tap_backend);
	suite_add_tcase(s, pure);
	suite_add_tcase(s, ns);
	return s;
}

int main(void)
{
	return check_main_run(port_suite());
}
