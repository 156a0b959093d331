/*
 * The fast-path mode choice (pw_fast_open, DESIGN.md / contract-s2 "Fast-path
 * modes") in a private network namespace per test: "auto" takes XDP where it
 * attaches natively (veth), TC where it does not (lo has generic XDP only),
 * "xdp" takes generic XDP too, "tc" and "off" are what they say; one log line
 * says which and why, and the port kind follows (veth only in xdp mode).
 */
#include <check.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "log.h"
#include "pw_fast.h"

static FILE *logf_;

/* stderr (the log) into a temp file, so the test can read the mode line. */
static void setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET) needs root");
	ck_assert_int_eq(system("ip link add fma type veth peer name fmb && ip link set lo up && "
				"ip link set fma up && ip link set fmb up"),
			 0);
	logf_ = tmpfile();
	ck_assert_ptr_nonnull(logf_);
	ck_assert_int_ge(dup2(fileno(logf_), STDERR_FILENO), 0);
	log_init("test", LOG_INFO, 0);
}

/* The log so far, in one static buffer. */
static const char *logged(void)
{
	static char buf[8192];
	size_t n;

	fflush(stderr);
	rewind(logf_);
	n = fread(buf, 1, sizeof(buf) - 1, logf_);
	buf[n] = '\0';
	return buf;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void expect(enum cfg_fastpath want, const char *wan, const char *mode, enum port_kind kind,
		   const char *line)
{
	size_t before = strlen(logged());
	struct pw_fast *f = pw_fast_open(want, wan);
	const char *log = logged() + before;

	ck_assert_str_eq(pw_fast_mode(f), mode);
	ck_assert_int_eq(pw_fast_port_kind(f), kind);
	ck_assert_msg(strstr(log, line) != NULL, "log lacks \"%s\":\n%s", line, log);
	ck_assert_int_eq(count(log, "fastpath: "), 1); /* one line says which and why */
	pw_fast_close(f);
}

START_TEST(auto_native_xdp_on_veth)
{
	expect(CFG_FASTPATH_AUTO, "fma", "xdp", PORT_VETH,
	       "fastpath: xdp (fastpath = \"auto\": XDP attaches natively on fma");
}
END_TEST

START_TEST(auto_tc_without_native_xdp)
{
	expect(CFG_FASTPATH_AUTO, "lo", "tc", PORT_TAP,
	       "fastpath: tc (fastpath = \"auto\", native XDP refused on lo");
}
END_TEST

START_TEST(xdp_generic_when_asked)
{
	expect(CFG_FASTPATH_XDP, "lo", "xdp", PORT_VETH, "fastpath: xdp in generic mode");
}
END_TEST

START_TEST(tc_is_tc)
{
	expect(CFG_FASTPATH_TC, "fma", "tc", PORT_TAP, "fastpath: tc (fastpath = \"tc\"");
}
END_TEST

START_TEST(off_and_missing_wan)
{
	expect(CFG_FASTPATH_OFF, "fma", "off", PORT_TAP, "fastpath: off (fastpath = \"off\")");
}
END_TEST

START_TEST(auto_without_wan_interface)
{
	expect(CFG_FASTPATH_AUTO, "", "off", PORT_TAP, "no wan-interface configured");
}
END_TEST

/* Someone else's XDP program on the WAN: auto does not replace it, it takes TC. */
START_TEST(auto_leaves_a_foreign_xdp_program)
{
	struct pw_fast *other = pw_fast_open(CFG_FASTPATH_XDP, "fma");

	ck_assert_str_eq(pw_fast_mode(other), "xdp");
	expect(CFG_FASTPATH_AUTO, "fma", "tc", PORT_TAP,
	       "fastpath: tc (fastpath = \"auto\", native XDP refused on fma");
	pw_fast_close(other);
}
END_TEST

static Suite *mode_suite(void)
{
	Suite *s = suite_create("fastpath_mode");
	TCase *tc = tcase_create("modes");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, auto_native_xdp_on_veth);
	tcase_add_test(tc, auto_tc_without_native_xdp);
	tcase_add_test(tc, xdp_generic_when_asked);
	tcase_add_test(tc, tc_is_tc);
	tcase_add_test(tc, off_and_missing_wan);
	tcase_add_test(tc, auto_without_wan_interface);
	tcase_add_test(tc, auto_leaves_a_foreign_xdp_program);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_main_run(mode_suite());
}
