/*
 * pwd/ipsec*.c: the swanctl text we generate (golden), the files in ipsec-dir,
 * the swanctl runner (against stand-in scripts: argv, exit codes, time limit,
 * a missing binary); the parsers are tests/unit/test_ipsec_parse.c
 * (tests/netns/ipsec/01-smoke.sh makes the same runs live).
 *
 * For the namespace tests, so they load exactly the module's text into a real
 * charon and read its real answers with the module's parsers:
 *   test_ipsec --render NAME VER ROLE MODE PROTO LOCAL REMOTE LPORT RPORT START
 *       (secret on stdin) prints what ipsec_conn_render() makes;
 *   test_ipsec --parse-sas NAME   (swanctl --list-sas output on stdin)
 *       prints "ike=STATE child=INSTALLED|no esp=ESP ... in=PKTS out=PKTS";
 *   test_ipsec --explain EXIT_CODE   (swanctl output on stdin)
 *       prints ipsec_explain()'s reason;
 *   test_ipsec --write DIR NAME   (connection text on stdin)
 *       ipsec_dir_prepare() + ipsec_conn_write(), as the daemon does;
 *   test_ipsec --job load|initiate|terminate|list-sas URI DIR NAME SECONDS
 *       one ipsec_job_run() against the real swanctl and charon: prints
 *       "ok" or "failed: REASON", and for list-sas the --parse-sas line.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "evloop.h"
#include "ipsec.h"

static char out[4096];
static char err[256];

static struct ipsec_conn base_v4(void)
{
	struct ipsec_conn c = {
	    .name = "l2pw-pw-office-b",
	    .ike_version = 2,
	    .role = IPSEC_ROLE_INITIATOR,
	    .start = IPSEC_START_TRAP,
	    .mode = IPSEC_MODE_TUNNEL,
	    .proto = IPSEC_PROTO_UDP,
	    .local_addr = "198.18.0.1",
	    .remote_addr = "198.18.0.2",
	    .local_port = 1701,
	    .remote_port = 1701,
	    .secret = "s3cret",
	};
	return c;
}

static const char golden_v4_tunnel_udp[] =
    "# Written by l2pwd for L2TP/IPsec; changes are overwritten.\n"
    "connections {\n"
    "\tl2pw-pw-office-b {\n"
    "\t\tversion = 2\n"
    "\t\tlocal_addrs = 198.18.0.1\n"
    "\t\tremote_addrs = 198.18.0.2\n"
    "\t\tproposals = aes128-aes256-sha256-sha1-modp2048-modp1024\n"
    "\t\tmobike = no\n"
    "\t\tdpd_delay = 30s\n"
    "\t\trekey_time = 4h\n"
    "\t\tkeyingtries = 1\n"
    "\t\tlocal {\n"
    "\t\t\tauth = psk\n"
    "\t\t\tid = 198.18.0.1\n"
    "\t\t}\n"
    "\t\tremote {\n"
    "\t\t\tauth = psk\n"
    "\t\t\tid = 198.18.0.2\n"
    "\t\t}\n"
    "\t\tchildren {\n"
    "\t\t\tl2pw-pw-office-b {\n"
    "\t\t\t\tmode = tunnel\n"
    "\t\t\t\tlocal_ts = dynamic[udp/1701]\n"
    "\t\t\t\tremote_ts = dynamic[udp/1701]\n"
    "\t\t\t\tesp_proposals = aes128gcm16-aes256gcm16, aes128-aes256-sha256-sha1, "
    "aes128gcm16-aes256gcm16-modp2048-modp1024, aes128-aes256-sha256-sha1-modp2048-modp1024\n"
    "\t\t\t\trekey_time = 1h\n"
    "\t\t\t\tstart_action = trap\n"
    "\t\t\t\tdpd_action = trap\n"
    "\t\t\t\tclose_action = trap\n"
    "\t\t\t}\n"
    "\t\t}\n"
    "\t}\n"
    "}\n"
    "secrets {\n"
    "\tike-l2pw-pw-office-b {\n"
    "\t\tid-local = 198.18.0.1\n"
    "\t\tid-remote = 198.18.0.2\n"
    "\t\tsecret = 0x733363726574\n"
    "\t}\n"
    "}\n";

/* l2tp-server, passive: any peer, either IKE version, IPv6, transport. */
static const char golden_server_v6[] =
    "# Written by l2pwd for L2TP/IPsec; changes are overwritten.\n"
    "connections {\n"
    "\tl2pw-server {\n"
    "\t\tversion = 0\n"
    "\t\tlocal_addrs = 2001:db8::1\n"
    "\t\tremote_addrs = %any\n"
    "\t\tproposals = aes128-aes256-sha256-sha1-modp2048-modp1024\n"
    "\t\taggressive = no\n"
    "\t\tmobike = no\n"
    "\t\tdpd_delay = 10s\n"
    "\t\trekey_time = 4h\n"
    "\t\tlocal {\n"
    "\t\t\tauth = psk\n"
    "\t\t\tid = 2001:db8::1\n"
    "\t\t}\n"
    "\t\tremote {\n"
    "\t\t\tauth = psk\n"
    "\t\t\tid = %any\n"
    "\t\t}\n"
    "\t\tchildren {\n"
    "\t\t\tl2pw-server {\n"
    "\t\t\t\tmode = transport\n"
    "\t\t\t\tlocal_ts = dynamic[udp/1701]\n"
    "\t\t\t\tremote_ts = dynamic[udp]\n"
    "\t\t\t\tesp_proposals = aes128gcm16-aes256gcm16, aes128-aes256-sha256-sha1, "
    "aes128gcm16-aes256gcm16-modp2048-modp1024, aes128-aes256-sha256-sha1-modp2048-modp1024\n"
    "\t\t\t\trekey_time = 1h\n"
    "\t\t\t\tstart_action = none\n"
    "\t\t\t\tdpd_action = clear\n"
    "\t\t\t\tclose_action = none\n"
    "\t\t\t}\n"
    "\t\t}\n"
    "\t}\n"
    "}\n"
    "secrets {\n"
    "\tike-l2pw-server {\n"
    "\t\tsecret = 0x2022715c\n"
    "\t}\n"
    "}\n";

START_TEST(render_v4_tunnel_udp)
{
	struct ipsec_conn c = base_v4();
	int n = ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err));

	ck_assert_msg(n > 0, "%s", err);
	ck_assert_str_eq(out, golden_v4_tunnel_udp);
	ck_assert_int_eq(n, (int)strlen(golden_v4_tunnel_udp));
}
END_TEST

START_TEST(render_server_v6_transport)
{
	struct ipsec_conn c = {
	    .name = "l2pw-server",
	    .ike_version = 0,
	    .role = IPSEC_ROLE_RESPONDER,
	    .mode = IPSEC_MODE_TRANSPORT,
	    .proto = IPSEC_PROTO_UDP,
	    .local_addr = "2001:db8::1",
	    .remote_addr = NULL,
	    .local_port = 1701,
	    .remote_port = 0,
	    .secret = " \"q\\", /* quote and backslash need no escaping in hex */
	    .dpd_delay = 10,
	};

	ck_assert_msg(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)) > 0, "%s", err);
	ck_assert_str_eq(out, golden_server_v6);
}
END_TEST

/* The render differs from golden_v4_tunnel_udp exactly in these lines. */
static void assert_lines(const char *text, const char *const *want)
{
	for (; *want; want++)
		ck_assert_msg(strstr(text, *want), "missing line \"%s\" in\n%s", *want, text);
}

START_TEST(render_v6_transport)
{
	struct ipsec_conn c = base_v4();
	static const char *const want[] = {
	    "\t\tlocal_addrs = 2001:db8::1\n", "\t\tremote_addrs = 2001:db8::2\n",
	    "\t\t\tid = 2001:db8::2\n",	       "\t\t\t\tmode = transport\n",
	    "\t\tid-remote = 2001:db8::2\n",   NULL,
	};

	c.local_addr = "2001:db8::1";
	c.remote_addr = "2001:db8::2";
	c.mode = IPSEC_MODE_TRANSPORT;
	ck_assert_msg(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)) > 0, "%s", err);
	assert_lines(out, want);
	ck_assert_ptr_null(strstr(out, "198.18."));
}
END_TEST

START_TEST(render_ip115)
{
	struct ipsec_conn c = base_v4();
	static const char *const want[] = {"\t\t\t\tlocal_ts = dynamic[115]\n",
					   "\t\t\t\tremote_ts = dynamic[115]\n", NULL};

	c.proto = IPSEC_PROTO_L2TPIP;
	ck_assert_msg(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)) > 0, "%s", err);
	assert_lines(out, want);
	ck_assert_ptr_null(strstr(out, "udp"));
}
END_TEST

/* A RouterOS-style l2tp-client: IKEv1 main mode, ephemeral source port,
 * started at once and kept up. */
START_TEST(render_ikev1_client_start)
{
	struct ipsec_conn c = base_v4();
	static const char *const want[] = {"\t\tversion = 1\n",
					   "\t\taggressive = no\n",
					   "\t\tlocal_addrs = %any\n",
					   "\t\tkeyingtries = 0\n",
					   "\t\t\t\tlocal_ts = dynamic[udp]\n",
					   "\t\t\t\tremote_ts = dynamic[udp/1701]\n",
					   "\t\t\t\tstart_action = start\n",
					   "\t\t\t\tdpd_action = restart\n",
					   "\t\t\t\tclose_action = restart\n",
					   "\t\tid-remote = 198.18.0.2\n",
					   NULL};

	c.ike_version = 1;
	c.local_addr = NULL;
	c.local_port = 0;
	c.start = IPSEC_START_START;
	ck_assert_msg(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)) > 0, "%s", err);
	assert_lines(out, want);
	/* no local identity when we do not know our address */
	ck_assert_ptr_null(strstr(out, "id-local"));
	ck_assert_ptr_null(strstr(out, "\t\t\tid = 198.18.0.1"));
}
END_TEST

START_TEST(render_rejects)
{
	struct ipsec_conn c;
	char small[64];

#define REJECT(field, value, needle)                                                               \
	do {                                                                                       \
		c = base_v4();                                                                     \
		c.field = value;                                                                   \
		out[0] = 'x';                                                                      \
		ck_assert_int_eq(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)), -1);   \
		ck_assert_msg(strstr(err, needle), "err \"%s\" lacks \"%s\"", err, needle);        \
		ck_assert_str_eq(out, "");                                                         \
	} while (0)
	REJECT(secret, "line1\nline2", "control character (0x0a) at byte 5");
	REJECT(secret, "cr\r", "control character (0x0d)");
	REJECT(secret, "", "ipsec-secret is empty");
	REJECT(secret, NULL, "ipsec-secret is empty");
	REJECT(name, "l2pw x", "connection name");
	REJECT(name, "l2pw{x}", "connection name");
	REJECT(name, ".hidden", "connection name");
	REJECT(name, "", "connection name");
	REJECT(remote_addr, "office-b.example", "not a numeric");
	REJECT(remote_addr, "2001:db8::2", "different families");
	REJECT(remote_addr, NULL, "initiator needs the remote address");
	REJECT(local_addr, "198.18.0.1/24", "not a numeric");
	REJECT(ike_version, 0, "initiator must pick");
	REJECT(ike_version, 3, "IKE version 3");
#undef REJECT
	{
		char longsecret[IPSEC_SECRET_MAX + 2];

		memset(longsecret, 'a', sizeof(longsecret) - 1);
		longsecret[sizeof(longsecret) - 1] = '\0';
		c = base_v4();
		c.secret = longsecret;
		ck_assert_int_eq(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)), -1);
		longsecret[IPSEC_SECRET_MAX] = '\0';
		ck_assert_int_gt(ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)), 0);
	}
	/* too small: an error, never a truncated file */
	c = base_v4();
	ck_assert_int_eq(ipsec_conn_render(&c, small, sizeof(small), err, sizeof(err)), -1);
	ck_assert_str_eq(small, "");
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	/* NULL err is fine */
	c.secret = "";
	ck_assert_int_eq(ipsec_conn_render(&c, out, sizeof(out), NULL, 0), -1);
}
END_TEST

START_TEST(conn_name)
{
	char n[32];

	ck_assert_int_eq(ipsec_conn_name("pw-office-b", n, sizeof(n)), 0);
	ck_assert_str_eq(n, "l2pw-pw-office-b");
	ck_assert_int_eq(ipsec_conn_name("l2tp-in1", n, sizeof(n)), 0);
	ck_assert_int_eq(ipsec_conn_name("a b", n, sizeof(n)), -1);
	ck_assert_int_eq(ipsec_conn_name("", n, sizeof(n)), -1);
	ck_assert_int_eq(ipsec_conn_name("0123456789abcdef0123456789abcdef", n, sizeof(n)), -1);
}
END_TEST

/* ---- files ---- */

static char tmpdir[256];

static void mk_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_ipsec.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path)
{
	static char text[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

START_TEST(files)
{
	char dir[300], path[400];
	struct stat st;
	char *text;

	mk_tmpdir();
	snprintf(dir, sizeof(dir), "%s/site.swanctl", tmpdir);
	ck_assert_msg(ipsec_dir_prepare(dir, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/swanctl.conf", dir);
	text = slurp(path);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\ninclude conf.d/*.conf\n"));

	ck_assert_int_eq(ipsec_conn_write(dir, "l2pw-a", "first\n", err, sizeof(err)), 0);
	ck_assert_int_eq(ipsec_conn_write(dir, "l2pw-a", "second\n", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/conf.d/l2pw-a.conf", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_str_eq(slurp(path), "second\n");
	snprintf(path, sizeof(path), "%s/conf.d/l2pw-a.conf.tmp", dir);
	ck_assert_int_eq(stat(path, &st), -1);

	/* names that could leave conf.d never get there */
	ck_assert_int_eq(ipsec_conn_write(dir, "../escape", "x\n", err, sizeof(err)), -1);
	ck_assert_int_eq(ipsec_conn_write(dir, "a/b", "x\n", err, sizeof(err)), -1);

	ck_assert_int_eq(ipsec_conn_write(dir, "l2pw-b", "b\n", err, sizeof(err)), 0);
	ck_assert_int_eq(ipsec_conn_remove(dir, "l2pw-a", err, sizeof(err)), 0);
	ck_assert_int_eq(ipsec_conn_remove(dir, "l2pw-a", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/conf.d/l2pw-a.conf", dir);
	ck_assert_int_eq(stat(path, &st), -1);
	snprintf(path, sizeof(path), "%s/conf.d/l2pw-b.conf", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(ipsec_dir_clean(dir, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &st), -1);
	/* preparing again keeps working (and tightens a loosened mode) */
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(ipsec_dir_prepare(dir, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	/* not a directory */
	snprintf(path, sizeof(path), "%s/swanctl.conf", dir);
	ck_assert_int_eq(ipsec_dir_prepare(path, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "Not a directory"));
	rm_tmpdir();
}
END_TEST

/* ---- the runner, against stand-in scripts ---- */

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(job_argv_and_status)
{
	struct ipsec_job j;
	struct ipsec_ctl ctl = {.vici_uri = "unix:///x/charon.vici"};
	char bin[300];

	mk_tmpdir();
	snprintf(bin, sizeof(bin), "%s/swanctl", tmpdir);
	write_script(bin, "echo \"$*\"\n[ \"$1\" = --list-sas ] || exit 3\n");
	ctl.swanctl = bin;
	ctl.dir = "/run/l2pwd/a.swanctl";

	ck_assert_int_eq(ipsec_job_run(&j, &ctl, IPSEC_OP_LOAD, NULL, 5), -1);
	ck_assert_str_eq(j.out, "--load-all --noprompt --file /run/l2pwd/a.swanctl/swanctl.conf "
				"--uri unix:///x/charon.vici\n");
	ck_assert(WIFEXITED(j.status) && WEXITSTATUS(j.status) == 3);
	ck_assert_int_eq(j.timed_out, 0);
	ck_assert_int_eq(j.fd, -1);

	ctl.swanctl_conf = "/etc/swanctl/swanctl.conf";
	ipsec_job_run(&j, &ctl, IPSEC_OP_LOAD, NULL, 5);
	ck_assert_ptr_nonnull(strstr(j.out, "--file /etc/swanctl/swanctl.conf "));

	ipsec_job_run(&j, &ctl, IPSEC_OP_INITIATE, "l2pw-a", 10);
	ck_assert_str_eq(j.out, "--initiate --child l2pw-a --ike l2pw-a --timeout 9 "
				"--uri unix:///x/charon.vici\n");
	ipsec_job_run(&j, &ctl, IPSEC_OP_TERMINATE, "l2pw-a", 4);
	ck_assert_str_eq(j.out,
			 "--terminate --ike l2pw-a --timeout 3 --uri unix:///x/charon.vici\n");
	ck_assert_int_eq(ipsec_job_run(&j, &ctl, IPSEC_OP_LIST_SAS, "l2pw-a", 4), 0);
	ck_assert_str_eq(j.out, "--list-sas --ike l2pw-a --noblock --uri unix:///x/charon.vici\n");

	/* a name is required for everything but LOAD */
	ck_assert_int_eq(ipsec_job_start(&j, &ctl, IPSEC_OP_INITIATE, NULL, 4), -1);
	ck_assert_int_eq(errno, EINVAL);
	rm_tmpdir();
}
END_TEST

START_TEST(job_timeout_and_missing)
{
	struct ipsec_job j;
	struct ipsec_ctl ctl = {.vici_uri = "unix:///x/charon.vici", .dir = "/nonexistent"};
	char bin[300], reason[200];
	struct timespec t0, t1;

	mk_tmpdir();
	snprintf(bin, sizeof(bin), "%s/swanctl", tmpdir);
	/* a swanctl that hangs: its alarm ends it, not us */
	write_script(bin,
		     "echo '[IKE] initiating IKE_SA l2pw-a[1] to 198.18.0.9'\nexec sleep 30\n");
	ctl.swanctl = bin;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(ipsec_job_run(&j, &ctl, IPSEC_OP_INITIATE, "l2pw-a", 1), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_int_eq(j.timed_out, 1);
	ck_assert(WIFSIGNALED(j.status) && WTERMSIG(j.status) == SIGALRM);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 10);
	ipsec_parse_error(&j, reason, sizeof(reason));
	ck_assert_str_eq(reason, "peer 198.18.0.9 not answering IKE");

	/* the caller gives up first: finish kills and reaps */
	ck_assert_int_eq(ipsec_job_start(&j, &ctl, IPSEC_OP_INITIATE, "l2pw-a", 20), 0);
	ck_assert_int_eq(ipsec_job_finish(&j), -1);
	ck_assert_int_eq(j.timed_out, 1);
	ck_assert(WIFSIGNALED(j.status) && WTERMSIG(j.status) == SIGKILL);
	ck_assert_int_eq(kill(j.pid, 0) == 0 && j.pid > 0, 0);

	ctl.swanctl = "/nonexistent/swanctl";
	ck_assert_int_eq(ipsec_job_run(&j, &ctl, IPSEC_OP_LOAD, NULL, 5), -1);
	ck_assert(WIFEXITED(j.status) && WEXITSTATUS(j.status) == 127);
	ipsec_parse_error(&j, reason, sizeof(reason));
	ck_assert_str_eq(
	    reason, "swanctl not runnable (exec /nonexistent/swanctl: No such file or directory)");

	/* output beyond what we keep is counted, not stored */
	snprintf(bin, sizeof(bin), "%s/swanctl", tmpdir);
	write_script(bin, "head -c 20000 /dev/zero | tr '\\0' x\n");
	ctl.swanctl = bin;
	ck_assert_int_eq(ipsec_job_run(&j, &ctl, IPSEC_OP_LOAD, NULL, 5), 0);
	ck_assert_uint_eq(j.len, IPSEC_OUT_MAX);
	ck_assert_uint_eq(j.dropped, 20000 - IPSEC_OUT_MAX);
	ck_assert_uint_eq(strlen(j.out), IPSEC_OUT_MAX);
	rm_tmpdir();
}
END_TEST

/* ---- the runner inside the daemon's event loop ---- */

/* What the daemon would embed per job: the job, its fd watcher, its deadline. */
struct job_watch {
	struct ipsec_job job;
	struct ev_io io;
	struct ev_timer deadline;
	struct evloop *l;
	int *pending;
	int rc;
	int done;
};

static void watch_end(struct job_watch *w)
{
	evloop_io_del(w->l, &w->io);
	evloop_timer_disarm(w->l, &w->deadline);
	w->rc = ipsec_job_finish(&w->job);
	w->done = 1;
	if (--*w->pending == 0)
		evloop_break(w->l);
}

static void watch_io(struct ev_io *io, uint32_t events)
{
	struct job_watch *w = io->arg;

	(void)events;
	if (ipsec_job_read(&w->job) != 1)
		watch_end(w);
}

static void watch_deadline(struct ev_timer *t)
{
	watch_end(t->arg);
}

static void watch_start(struct job_watch *w, struct evloop *l, int *pending,
			const struct ipsec_ctl *ctl, const char *name, unsigned limit_s,
			uint64_t cut_ms)
{
	memset(w, 0, sizeof(*w));
	w->l = l;
	w->pending = pending;
	ck_assert_int_eq(ipsec_job_start(&w->job, ctl, IPSEC_OP_INITIATE, name, limit_s), 0);
	w->io.fd = w->job.fd;
	w->io.cb = watch_io;
	w->io.arg = w;
	ck_assert_int_eq(evloop_io_add(l, &w->io, EPOLLIN), 0);
	evloop_timer_init(&w->deadline, watch_deadline, w);
	evloop_timer_arm(l, &w->deadline, evloop_now(l) + cut_ms);
	++*pending;
}

static int ticks;
static void tick(struct ev_timer *t)
{
	struct evloop *l = t->arg;

	ticks++;
	evloop_timer_arm(l, t, evloop_now(l) + 20);
}

START_TEST(job_in_evloop)
{
	struct job_watch slow, fast, hung;
	struct ipsec_ctl ctl = {.vici_uri = "unix:///x/charon.vici", .dir = "/nonexistent"};
	struct evloop *l = evloop_new();
	struct ev_timer ticker;
	char bin[300], reason[160];
	int pending = 0;

	ck_assert_ptr_nonnull(l);
	mk_tmpdir();
	snprintf(bin, sizeof(bin), "%s/swanctl", tmpdir);
	/* a stand-in that answers after a delay its argument list chooses */
	write_script(
	    bin, "case \"$*\" in\n"
		 "*slow*) sleep 0.4; echo 'initiate completed successfully' ;;\n"
		 "*hung*) echo '[IKE] initiating IKE_SA hung[1] to 198.18.0.5'; exec sleep 30 ;;\n"
		 "*) echo 'initiate completed successfully' ;;\n"
		 "esac\n");
	ctl.swanctl = bin;
	watch_start(&slow, l, &pending, &ctl, "slow", 10, 5000);
	watch_start(&fast, l, &pending, &ctl, "fast", 10, 5000);
	/* the daemon gives up after 300 ms, long before the job's own alarm */
	watch_start(&hung, l, &pending, &ctl, "hung", 10, 300);
	evloop_timer_init(&ticker, tick, l);
	evloop_timer_arm(l, &ticker, evloop_now(l) + 20);
	ticks = 0;
	ck_assert_int_eq(evloop_run(l), 0);

	ck_assert(slow.done && fast.done && hung.done);
	ck_assert_int_eq(slow.rc, 0);
	ck_assert_int_eq(fast.rc, 0);
	ck_assert_str_eq(slow.job.out, "initiate completed successfully\n");
	ck_assert_int_eq(hung.rc, -1);
	ck_assert_int_eq(hung.job.timed_out, 1);
	ipsec_parse_error(&hung.job, reason, sizeof(reason));
	ck_assert_str_eq(reason, "peer 198.18.0.5 not answering IKE");
	/* the loop kept running while swanctl ran: 400 ms of 20 ms ticks */
	ck_assert_int_ge(ticks, 5);
	evloop_timer_disarm(l, &ticker);
	evloop_free(l);
	rm_tmpdir();
}
END_TEST

/* ---- from the config: the example site configs and the policy ---- */

static struct cfg *load_example(const char *file)
{
	char path[512];
	const char *src = getenv("L2PW_SRCDIR");
	struct cfg *c;

	snprintf(path, sizeof(path), "%s/examples/site-to-site/ipsec/%s", src ? src : ".", file);
	c = cfg_load(path, err, sizeof(err));
	ck_assert_msg(c, "%s: %s (run from the top of the tree, or set L2PW_SRCDIR)", path, err);
	return c;
}

START_TEST(examples_map_and_render)
{
	struct cfg *a = load_example("office-a-ipsec.conf");
	struct cfg *b = load_example("office-b-ipsec.conf");
	struct ipsec_conn ca, cb;
	char na[IPSEC_NAME_MAX + 1], nb[IPSEC_NAME_MAX + 1];

	ck_assert_uint_eq(a->n_pw, 1);
	ck_assert_uint_eq(b->n_pw, 1);
	ck_assert_str_eq(a->ipsec_dir, "/run/l2pwd/office-a.swanctl");
	ck_assert_int_eq(ipsec_conn_from_pw(&a->pw[0], &ca, na, sizeof(na)), 0);
	ck_assert_int_eq(ipsec_conn_from_pw(&b->pw[0], &cb, nb, sizeof(nb)), 0);
	ck_assert_str_eq(ca.name, "l2pw-pw-to-office-b");
	ck_assert_str_eq(cb.name, "l2pw-pw-to-office-a");
	/* one initiator per pair: the lower address */
	ck_assert_int_eq(ca.role, IPSEC_ROLE_INITIATOR);
	ck_assert_int_eq(cb.role, IPSEC_ROLE_RESPONDER);
	ck_assert_int_eq(ca.start, IPSEC_START_START);
	ck_assert_int_eq(ca.mode, IPSEC_MODE_TUNNEL);
	ck_assert_str_eq(ca.secret, cb.secret);

	ck_assert_int_gt(ipsec_conn_render(&ca, out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out, "\t\t\t\tstart_action = start\n"));
	ck_assert_ptr_nonnull(strstr(out, "\t\tremote_addrs = 198.18.0.2\n"));
	ck_assert_int_gt(ipsec_conn_render(&cb, out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out, "\t\t\t\tstart_action = none\n"));
	ck_assert_ptr_nonnull(strstr(out, "\t\tremote_addrs = 198.18.0.1\n"));
	/* a responder that knows its peer still binds the secret to it */
	ck_assert_ptr_nonnull(strstr(out, "\t\tid-remote = 198.18.0.1\n"));
	cfg_unload(a);
	cfg_unload(b);
}
END_TEST

START_TEST(cfg_policy)
{
	static const char text[] =
	    "name = \"s\"\nbridge = \"br0\"\n"
	    "pseudowire \"p\" {\n remote = \"2001:db8::2\"\n pw-id = 1\n encap = \"ip\"\n"
	    " use-ipsec = \"yes\"\n ipsec-secret = \"k\"\n}\n"
	    "pseudowire \"q\" {\n remote = \"198.18.0.3\"\n pw-id = 2\n}\n"
	    "l2tp-server {\n enabled = yes\n use-ipsec = \"require\"\n ipsec-secret = \"k2\"\n}\n"
	    "l2tp-client \"c\" {\n connect-to = \"198.18.0.9\"\n user = \"u\"\n password = \"p\"\n"
	    " use-ipsec = \"yes\"\n ipsec-secret = \"k3\"\n ipsec-mode = \"tunnel\"\n}\n";
	struct cfg *c = cfg_load_string("policy.conf", text, err, sizeof(err));
	struct ipsec_conn x;
	char n[IPSEC_NAME_MAX + 1];

	ck_assert_msg(c, "%s", err);
	/* no local: both ends initiate; IP encapsulation protects protocol 115 */
	ck_assert_int_eq(ipsec_conn_from_pw(&c->pw[0], &x, n, sizeof(n)), 0);
	ck_assert_int_eq(x.role, IPSEC_ROLE_INITIATOR);
	ck_assert_int_eq(x.proto, IPSEC_PROTO_L2TPIP);
	ck_assert_ptr_null(x.local_addr);
	ck_assert_str_eq(x.remote_addr, "2001:db8::2");
	ck_assert_int_eq(x.mode, IPSEC_MODE_TRANSPORT);
	ck_assert_int_gt(ipsec_conn_render(&x, out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out, "dynamic[115]"));
	/* use-ipsec = no */
	ck_assert_int_eq(ipsec_conn_from_pw(&c->pw[1], &x, n, sizeof(n)), -1);
	/* the server: anyone, either IKE version, from any port to 1701 */
	ck_assert_int_eq(ipsec_conn_from_server(&c->server, &x), 0);
	ck_assert_str_eq(x.name, IPSEC_SERVER_CONN);
	ck_assert_int_eq(x.role, IPSEC_ROLE_RESPONDER);
	ck_assert_int_eq(x.ike_version, 0);
	ck_assert_ptr_null(x.local_addr); /* listen 0.0.0.0 */
	ck_assert_ptr_null(x.remote_addr);
	ck_assert_int_gt(ipsec_conn_render(&x, out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out, "local_ts = dynamic[udp/1701]\n"));
	ck_assert_ptr_nonnull(strstr(out, "remote_ts = dynamic[udp]\n"));
	ck_assert_ptr_null(strstr(out, "id-remote"));
	/* the client: IKEv1 main mode to the server's port, from any port */
	ck_assert_int_eq(ipsec_conn_from_client(&c->client[0], &x, n, sizeof(n)), 0);
	ck_assert_str_eq(x.name, "l2pw-l2tp-c");
	ck_assert_int_eq(x.ike_version, 1);
	ck_assert_int_eq(x.mode, IPSEC_MODE_TUNNEL);
	ck_assert_int_gt(ipsec_conn_render(&x, out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out, "local_ts = dynamic[udp]\n"));
	ck_assert_ptr_nonnull(strstr(out, "remote_ts = dynamic[udp/1701]\n"));
	cfg_unload(c);
}
END_TEST

/* ---- --render for the namespace tests ---- */

static int render_cli(int argc, char **argv)
{
	struct ipsec_conn c = {0};
	char secret[IPSEC_SECRET_MAX + 2];
	size_t n;

	if (argc != 12) {
		fprintf(stderr,
			"usage: %s --render NAME VER initiator|responder transport|tunnel "
			"udp|ip LOCAL REMOTE LPORT RPORT trap|start  (secret on stdin)\n",
			argv[0]);
		return 2;
	}
	n = fread(secret, 1, sizeof(secret) - 1, stdin);
	secret[n] = '\0';
	if (n && secret[n - 1] == '\n')
		secret[n - 1] = '\0';
	c.name = argv[2];
	c.ike_version = atoi(argv[3]);
	c.role = strcmp(argv[4], "responder") == 0 ? IPSEC_ROLE_RESPONDER : IPSEC_ROLE_INITIATOR;
	c.mode = strcmp(argv[5], "tunnel") == 0 ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
	c.proto = strcmp(argv[6], "ip") == 0 ? IPSEC_PROTO_L2TPIP : IPSEC_PROTO_UDP;
	c.local_addr = argv[7];
	c.remote_addr = argv[8];
	c.local_port = (uint16_t)atoi(argv[9]);
	c.remote_port = (uint16_t)atoi(argv[10]);
	c.start = strcmp(argv[11], "start") == 0 ? IPSEC_START_START : IPSEC_START_TRAP;
	c.secret = secret;
	if (ipsec_conn_render(&c, out, sizeof(out), err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	fputs(out, stdout);
	return 0;
}

static size_t read_stdin(char *buf, size_t cap)
{
	size_t n = fread(buf, 1, cap - 1, stdin);

	buf[n] = '\0';
	return n;
}

/* "ike=STATE child=INSTALLED|no esp=... in=N out=N bad=N" for the shell */
static void print_state(const char *out_text, size_t n, const char *name)
{
	struct ipsec_sa_state st;
	char esp[64];

	ipsec_parse_sas(out_text, n, name, &st);
	ipsec_sa_describe(&st, esp, sizeof(esp));
	printf("ike=%s child=%s esp=%s in=%llu out=%llu bad=%u\n",
	       st.ike_state[0] ? st.ike_state : "none", st.child_installed ? "INSTALLED" : "no",
	       esp[0] ? esp : "none", (unsigned long long)st.packets_in,
	       (unsigned long long)st.packets_out, st.bad_lines);
}

static int parse_cli(int argc, char **argv)
{
	static char text[IPSEC_OUT_MAX + 1];
	char reason[256];
	size_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s --parse-sas NAME | --explain EXIT_CODE\n", argv[0]);
		return 2;
	}
	n = read_stdin(text, sizeof(text));
	if (strcmp(argv[1], "--explain") == 0) {
		ipsec_explain(text, n, atoi(argv[2]), 0, 0, reason, sizeof(reason));
		printf("%s\n", reason);
		return 0;
	}
	print_state(text, n, argv[2]);
	return 0;
}

static int write_cli(int argc, char **argv)
{
	static char text[8192];

	if (argc != 4) {
		fprintf(stderr, "usage: %s --write DIR NAME\n", argv[0]);
		return 2;
	}
	read_stdin(text, sizeof(text));
	if (ipsec_dir_prepare(argv[2], err, sizeof(err)) < 0 ||
	    ipsec_conn_write(argv[2], argv[3], text, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return 0;
}

static int job_cli(int argc, char **argv)
{
	static const char *const ops[] = {"load", "initiate", "terminate", "list-sas"};
	static struct ipsec_job j;
	struct ipsec_ctl ctl = {0};
	char reason[256];
	unsigned op;

	if (argc != 7) {
		fprintf(stderr, "usage: %s --job OP URI DIR NAME SECONDS\n", argv[0]);
		return 2;
	}
	for (op = 0; op < 4 && strcmp(argv[2], ops[op]) != 0; op++)
		;
	if (op == 4)
		return 2;
	ctl.vici_uri = argv[3];
	ctl.dir = argv[4];
	if (ipsec_job_run(&j, &ctl, (enum ipsec_op)op, argv[5], (unsigned)atoi(argv[6])) < 0) {
		ipsec_parse_error(&j, reason, sizeof(reason));
		printf("failed: %s\n", reason);
		return 1;
	}
	if (op == IPSEC_OP_LIST_SAS)
		print_state(j.out, j.len, argv[5]);
	else
		printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (argc > 1 && strcmp(argv[1], "--render") == 0)
		return render_cli(argc, argv);
	if (argc > 1 && (strcmp(argv[1], "--parse-sas") == 0 || strcmp(argv[1], "--explain") == 0))
		return parse_cli(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--write") == 0)
		return write_cli(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--job") == 0)
		return job_cli(argc, argv);
	s = suite_create("ipsec");
	tc = tcase_create("render");
	tcase_add_test(tc, render_v4_tunnel_udp);
	tcase_add_test(tc, render_server_v6_transport);
	tcase_add_test(tc, render_v6_transport);
	tcase_add_test(tc, render_ip115);
	tcase_add_test(tc, render_ikev1_client_start);
	tcase_add_test(tc, render_rejects);
	tcase_add_test(tc, conn_name);
	suite_add_tcase(s, tc);
	tc = tcase_create("cfg");
	tcase_add_test(tc, examples_map_and_render);
	tcase_add_test(tc, cfg_policy);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, files);
	suite_add_tcase(s, tc);
	tc = tcase_create("job");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, job_argv_and_status);
	tcase_add_test(tc, job_timeout_and_missing);
	tcase_add_test(tc, job_in_evloop);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
