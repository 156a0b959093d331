/*
 * pwd/ipsec_mgr.c: the per-site IPsec manager driven with a fake clock and
 * made-up job results (swanctl output as strongSwan 5.9.8 prints it): which
 * job comes when, what status says, how it backs off and recovers.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "ipsec_mgr.h"

static const char list_installed[] =
    "l2pw-pw0: #1, ESTABLISHED, IKEv2, d698b6505c0fe279_i* dffdc6c81608054c_r\n"
    "  local  '198.18.0.1' @ 198.18.0.1[4500]\n"
    "  remote '198.18.0.2' @ 198.18.0.2[4500]\n"
    "  AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048\n"
    "  established 0s ago, rekeying in 13028s\n"
    "  l2pw-pw0: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128\n"
    "    installed 0s ago, rekeying in 3484s, expires in 3960s\n"
    "    in  fbe1963d,   1044 bytes,     9 packets,     1s ago\n"
    "    out 60b5ddb6,    980 bytes,     7 packets,     0s ago\n"
    "    local  198.18.0.1/32[udp/l2f]\n"
    "    remote 198.18.0.2/32[udp/l2f]\n";

static const char list_connecting[] =
    "l2pw-pw0: #3, CONNECTING, IKEv2, 62c66414a202e02d_i* 0000000000000000_r\n"
    "  local  '198.18.0.1' @ 198.18.0.1[500]\n"
    "  remote '198.18.0.2' @ 198.18.0.2[500]\n";

/* the l2tp-server's one connection with two clients, one installed */
static const char list_server[] =
    "l2pw-l2tp-server: #1, ESTABLISHED, IKEv1, aa_i bb_r*\n"
    "  local  '198.18.0.1' @ 198.18.0.1[4500]\n"
    "  remote '198.18.0.3' @ 198.18.0.3[4500]\n"
    "  l2pw-l2tp-server: #1, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA1_96\n"
    "    in  c1,      0 bytes,     0 packets\n"
    "    out c2,      0 bytes,     0 packets\n"
    "l2pw-l2tp-server: #2, CONNECTING, IKEv1, cc_i dd_r*\n"
    "  local  '198.18.0.1' @ 198.18.0.1[500]\n"
    "  remote '198.18.0.2' @ 198.18.0.2[500]\n";

static const char vici_gone[] =
    "charon not reachable at unix:///run/t/charon.vici (Connection refused)";

static struct ipsec_mgr m;

static void setup(void)
{
	ipsec_mgr_init(&m);
}

static void teardown(void)
{
	ipsec_mgr_free(&m);
}

static void want1(const char *name, uint64_t hash, int initiator, uint64_t now)
{
	struct ipsec_mgr_want w = {.name = name, .text_hash = hash, .initiator = initiator};

	ck_assert_int_eq(ipsec_mgr_set(&m, &w, 1, now), 0);
}

/* next() must give exactly this job now (name "" for LOAD / LIST). */
static void expect_job(uint64_t now, enum ipsec_op op, const char *name)
{
	struct ipsec_mgr_job j;

	ck_assert_msg(ipsec_mgr_next(&m, now, &j) == 1, "no job at %llu, wanted op %d",
		      (unsigned long long)now, (int)op);
	ck_assert_int_eq(j.op, op);
	ck_assert_str_eq(j.name, name);
	ck_assert_uint_ge(j.timeout_s, 1);
}

static void expect_none(uint64_t now)
{
	struct ipsec_mgr_job j;

	ck_assert_msg(ipsec_mgr_next(&m, now, &j) == 0, "unexpected job op %d %s at %llu",
		      (int)j.op, j.name, (unsigned long long)now);
}

static void list_done(const char *out, uint64_t now)
{
	ipsec_mgr_done(&m, IPSEC_OP_LIST_SAS, "", 1, out, strlen(out), NULL, now);
}

/*
 * Polls answered with out until `until`; there the INITIATE of name must come
 * (after a LIST that is due at the same time, if any).  Nothing may initiate
 * earlier.
 */
static void initiate_at(uint64_t t, uint64_t until, const char *out, const char *name)
{
	struct ipsec_mgr_job j;

	for (;;) {
		uint64_t next = ipsec_mgr_deadline(&m, t);

		ck_assert_uint_gt(next, 0);
		if (next >= until)
			break;
		t = next;
		expect_job(t, IPSEC_OP_LIST_SAS, "");
		list_done(out, t);
	}
	ck_assert_uint_eq(ipsec_mgr_deadline(&m, t), until);
	for (;;) {
		ck_assert_int_eq(ipsec_mgr_next(&m, until, &j), 1);
		if (j.op != IPSEC_OP_LIST_SAS)
			break;
		list_done(out, until);
	}
	ck_assert_int_eq(j.op, IPSEC_OP_INITIATE);
	ck_assert_str_eq(j.name, name);
}

static void expect_status(const char *name, const char *want, const char *want_esp)
{
	char st[160], esp[48];

	ipsec_mgr_describe(&m, name, NULL, st, sizeof(st), esp, sizeof(esp));
	ck_assert_str_eq(st, want);
	ck_assert_str_eq(esp, want_esp);
}

/* load, list, charon's own start shows in the list, installed; polls slow down */
START_TEST(start_to_installed)
{
	uint64_t t = 1000;

	ck_assert_int_eq(m.state, IPSEC_MGR_IDLE);
	expect_none(t);
	want1("l2pw-pw0", 1, 1, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_LOADING);
	expect_status("l2pw-pw0", "connecting", "");
	expect_job(t, IPSEC_OP_LOAD, "");
	expect_none(t); /* one control job at a time, nothing to initiate yet */
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t += 50);
	ck_assert_int_eq(m.state, IPSEC_MGR_READY);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(list_connecting, t += 20);
	ck_assert(!ipsec_mgr_installed(&m, "l2pw-pw0"));
	/* charon is negotiating by itself: no INITIATE, next poll soon */
	ck_assert_uint_eq(ipsec_mgr_deadline(&m, t), t + IPSEC_MGR_POLL_FAST_MS);
	expect_none(t + 100);
	t += IPSEC_MGR_POLL_FAST_MS;
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(list_installed, t += 20);
	ck_assert(ipsec_mgr_installed(&m, "l2pw-pw0"));
	expect_status("l2pw-pw0", "installed", "aes128gcm16");
	ck_assert_str_eq(ipsec_mgr_find(&m, "l2pw-pw0")->sa.child_mode, "TUNNEL-in-UDP");
	ck_assert_uint_eq(ipsec_mgr_deadline(&m, t), t + IPSEC_MGR_POLL_MS);
	expect_none(t + IPSEC_MGR_POLL_MS - 1);
	expect_job(t + IPSEC_MGR_POLL_MS, IPSEC_OP_LIST_SAS, "");
	/* a name nobody wants */
	ck_assert(!ipsec_mgr_installed(&m, "l2pw-other"));
	expect_status("l2pw-other", "off", "");
}
END_TEST

/* charon gave up (wrong secret): INITIATE after the grace, reason shown, backoff capped */
START_TEST(initiate_backoff_and_reason)
{
	uint64_t t = 0, start;
	uint32_t want_gap = IPSEC_MGR_INIT_MIN_MS;

	want1("l2pw-pw0", 1, 1, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	start = t;
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done("", t);
	/* no IKE_SA listed, but charon's start_action may not have shown yet */
	expect_none(t + 1);
	t = start + IPSEC_MGR_START_GRACE_MS;
	initiate_at(start, t, "", "l2pw-pw0");
	expect_none(t); /* not twice while one runs */
	ipsec_mgr_done(&m, IPSEC_OP_INITIATE, "l2pw-pw0", 0, NULL, 0,
		       "IKE authentication failed (wrong ipsec-secret?)", t += 100);
	expect_status("l2pw-pw0", "IKE authentication failed (wrong ipsec-secret?)", "");
	ck_assert_int_eq(ipsec_mgr_find(&m, "l2pw-pw0")->state, IPSEC_CONN_FAILED);
	/* the failure asks for a fresh list; the retry waits for it and its backoff */
	for (int round = 0; round < 6; round++) {
		uint64_t failed_at = t;

		expect_job(t, IPSEC_OP_LIST_SAS, "");
		list_done("", t);
		expect_status("l2pw-pw0", "IKE authentication failed (wrong ipsec-secret?)", "");
		t = failed_at + want_gap;
		initiate_at(failed_at, t, "", "l2pw-pw0");
		ipsec_mgr_done(&m, IPSEC_OP_INITIATE, "l2pw-pw0", 0, NULL, 0,
			       "IKE authentication failed (wrong ipsec-secret?)", t);
		want_gap = want_gap * 2 > IPSEC_MGR_INIT_MAX_MS ? IPSEC_MGR_INIT_MAX_MS
								 : want_gap * 2;
	}
	ck_assert_uint_eq(ipsec_mgr_find(&m, "l2pw-pw0")->init_backoff_ms, IPSEC_MGR_INIT_MAX_MS);
	/* the peer fixed its secret: the next INITIATE works, the list shows it */
	t += IPSEC_MGR_INIT_MAX_MS;
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done("", t);
	expect_job(t, IPSEC_OP_INITIATE, "l2pw-pw0");
	ipsec_mgr_done(&m, IPSEC_OP_INITIATE, "l2pw-pw0", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(list_installed, t);
	expect_status("l2pw-pw0", "installed", "aes128gcm16");
	ck_assert_uint_eq(ipsec_mgr_find(&m, "l2pw-pw0")->init_backoff_ms, 0);
}
END_TEST

/* a responder (higher address, l2tp-server) never initiates */
START_TEST(responder_waits)
{
	uint64_t t = 0;

	want1("l2pw-pw0", 1, 0, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	for (int i = 0; i < 20; i++) {
		expect_job(t, IPSEC_OP_LIST_SAS, "");
		list_done("", t);
		expect_none(t + 1);
		expect_status("l2pw-pw0", "connecting", "");
		t = ipsec_mgr_deadline(&m, t);
	}
}
END_TEST

/* charon killed: down with the reason, retries by LOAD with backoff, back up */
START_TEST(charon_lost_and_back)
{
	uint64_t t = 0, gap = IPSEC_MGR_RETRY_MIN_MS;

	want1("l2pw-pw0", 1, 1, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(list_installed, t);
	ck_assert(ipsec_mgr_installed(&m, "l2pw-pw0"));
	t += IPSEC_MGR_POLL_MS;
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	ipsec_mgr_done(&m, IPSEC_OP_LIST_SAS, "", 0, "", 0, vici_gone, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_DOWN);
	ck_assert(!ipsec_mgr_installed(&m, "l2pw-pw0"));
	expect_status("l2pw-pw0", vici_gone, "");
	for (int i = 0; i < 6; i++) {
		ck_assert_uint_eq(ipsec_mgr_deadline(&m, t), t + gap);
		expect_none(t + gap - 1);
		t += gap;
		expect_job(t, IPSEC_OP_LOAD, "");
		/* still the reason while retrying, not a flicker of "connecting" */
		expect_status("l2pw-pw0", vici_gone, "");
		ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 0, "", 0, vici_gone, t);
		ck_assert_int_eq(m.state, IPSEC_MGR_DOWN);
		gap = gap * 2 > IPSEC_MGR_RETRY_MAX_MS ? IPSEC_MGR_RETRY_MAX_MS : gap * 2;
	}
	ck_assert_uint_eq(m.retry_ms, IPSEC_MGR_RETRY_MAX_MS);
	/* charon back (empty): LOAD works, the list is empty, we initiate after the grace */
	t += gap;
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_READY);
	ck_assert_uint_eq(m.retry_ms, IPSEC_MGR_RETRY_MIN_MS);
	expect_status("l2pw-pw0", "connecting", "");
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done("", t);
	initiate_at(t, t + IPSEC_MGR_START_GRACE_MS, "", "l2pw-pw0");
	t += IPSEC_MGR_START_GRACE_MS;
	/* an INITIATE that finds charon gone again takes the site down too */
	ipsec_mgr_done(&m, IPSEC_OP_INITIATE, "l2pw-pw0", 0, NULL, 0, vici_gone, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_DOWN);
}
END_TEST

/* charon restarted between two polls: "not loaded" makes us LOAD again */
START_TEST(not_loaded_reloads)
{
	uint64_t t = 0;

	want1("l2pw-pw0", 1, 1, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done("", t);
	initiate_at(t, t + IPSEC_MGR_START_GRACE_MS, "", "l2pw-pw0");
	t += IPSEC_MGR_START_GRACE_MS;
	ipsec_mgr_done(&m, IPSEC_OP_INITIATE, "l2pw-pw0", 0, NULL, 0,
		       "connection l2pw-pw0 not loaded in charon", t);
	ck_assert_int_eq(m.state, IPSEC_MGR_LOADING);
	expect_job(t, IPSEC_OP_LOAD, "");
}
END_TEST

/* SIGHUP: a changed text is terminated after the LOAD; a set during a LOAD loads again */
START_TEST(reload_terminates_changed)
{
	uint64_t t = 0;
	struct ipsec_mgr_want two[2] = {
	    {.name = "l2pw-pw0", .text_hash = 2, .initiator = 1},
	    {.name = "l2pw-pw1", .text_hash = 7, .initiator = 1},
	};

	want1("l2pw-pw0", 1, 1, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(list_installed, t);
	/* unchanged set: nothing to do */
	want1("l2pw-pw0", 1, 1, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_READY);
	/* pw0's text changes, pw1 is new */
	ck_assert_int_eq(ipsec_mgr_set(&m, two, 2, t), 0);
	ck_assert_int_eq(m.state, IPSEC_MGR_LOADING);
	/* the running SA keeps the gate open while we reload */
	ck_assert(ipsec_mgr_installed(&m, "l2pw-pw0"));
	expect_job(t, IPSEC_OP_LOAD, "");
	/* another SIGHUP while that LOAD runs: one more LOAD after it */
	two[1].text_hash = 8;
	ck_assert_int_eq(ipsec_mgr_set(&m, two, 2, t), 0);
	expect_none(t);
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_LOADING);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	ck_assert_int_eq(m.state, IPSEC_MGR_READY);
	expect_job(t, IPSEC_OP_TERMINATE, "l2pw-pw0");
	ipsec_mgr_done(&m, IPSEC_OP_TERMINATE, "l2pw-pw0", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	/* removing everything still loads (that unloads charon's copy) */
	ipsec_mgr_done(&m, IPSEC_OP_LIST_SAS, "", 1, "", 0, NULL, t);
	ck_assert_int_eq(ipsec_mgr_set(&m, NULL, 0, t), 0);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	expect_none(t + 100000);
	ck_assert_uint_eq(ipsec_mgr_deadline(&m, t), 0);
}
END_TEST

/* the l2tp-server: per-peer answers from one connection */
START_TEST(server_per_peer)
{
	uint64_t t = 0;
	char st[64], esp[48];

	want1(IPSEC_SERVER_CONN, 5, 0, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(list_server, t);
	ck_assert(ipsec_mgr_peer_installed(&m, IPSEC_SERVER_CONN, "198.18.0.3"));
	ck_assert(!ipsec_mgr_peer_installed(&m, IPSEC_SERVER_CONN, "198.18.0.2"));
	ck_assert(!ipsec_mgr_peer_installed(&m, IPSEC_SERVER_CONN, "198.18.0.9"));
	ipsec_mgr_describe(&m, IPSEC_SERVER_CONN, "198.18.0.3", st, sizeof(st), esp,
			   sizeof(esp));
	ck_assert_str_eq(st, "installed");
	ck_assert_str_eq(esp, "aes256-sha1");
	ipsec_mgr_describe(&m, IPSEC_SERVER_CONN, "198.18.0.2", st, sizeof(st), esp,
			   sizeof(esp));
	ck_assert_str_eq(st, "connecting");
	ck_assert_str_eq(esp, "");
	/* charon gone: nobody counts as protected */
	ck_assert_uint_eq(ipsec_mgr_deadline(&m, t), t + IPSEC_MGR_POLL_MS);
	t += IPSEC_MGR_POLL_MS;
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	ipsec_mgr_done(&m, IPSEC_OP_LIST_SAS, "", 0, "", 0, vici_gone, t);
	ck_assert(!ipsec_mgr_peer_installed(&m, IPSEC_SERVER_CONN, "198.18.0.3"));
}
END_TEST

/* IKE up, no CHILD_SA (peer refused it): INITIATE the child after a wait */
START_TEST(child_missing_initiates)
{
	static const char ike_only[] =
	    "l2pw-pw0: #1, ESTABLISHED, IKEv2, a_i* b_r\n"
	    "  local  '198.18.0.1' @ 198.18.0.1[4500]\n"
	    "  remote '198.18.0.2' @ 198.18.0.2[4500]\n";
	uint64_t t = 1001, since;

	want1("l2pw-pw0", 1, 1, t);
	expect_job(t, IPSEC_OP_LOAD, "");
	ipsec_mgr_done(&m, IPSEC_OP_LOAD, "", 1, "", 0, NULL, t);
	expect_job(t, IPSEC_OP_LIST_SAS, "");
	list_done(ike_only, t);
	since = t;
	initiate_at(t, since + IPSEC_MGR_CHILD_WAIT_MS, ike_only, "l2pw-pw0");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ipsec_mgr");
	TCase *tc = tcase_create("mgr");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, start_to_installed);
	tcase_add_test(tc, initiate_backoff_and_reason);
	tcase_add_test(tc, responder_waits);
	tcase_add_test(tc, charon_lost_and_back);
	tcase_add_test(tc, not_loaded_reloads);
	tcase_add_test(tc, reload_terminates_changed);
	tcase_add_test(tc, server_per_peer);
	tcase_add_test(tc, child_missing_initiates);
	suite_add_tcase(s, tc);
	return check_main_run(s);
}
