/*
 * The status socket end to end: a real status server in the real event loop
 * (in a thread), a provider with made-up interfaces, and clients that are the
 * real ctl_client code or raw sockets behaving badly.  l2pwctl's own side
 * (socket lookup, views, number formats) is tests/unit/test_status_ctl.c.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "check_main.h"
#include "ctl_client.h"
#include "ctl_proto.h"
#include "evloop.h"
#include "log.h"
#include "status.h"
#include "status_srv.h"

/* CPU time the server thread used during a window of ms milliseconds. */
static long srv_cpu_ms_over(int ms)
{
	struct timespec a, b;
	clockid_t clk;

	ck_assert_int_eq(pthread_getcpuclockid(srv.thread, &clk), 0);
	ck_assert_int_eq(clock_gettime(clk, &a), 0);
	poll(NULL, 0, ms); /* the measurement window itself, not a wait for a condition */
	ck_assert_int_eq(clock_gettime(clk, &b), 0);
	return (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
}

/* ---- raw clients, behaving badly ---- */

/*
 * Buffered readers for raw sockets, one per fd (reset by raw_connect): read
 * in bulk, so thousands of answers do not cost a syscall per byte, and keep
 * what follows an answer for the next call.
 */
#define RD_FDS 512 /* clients and the server's accepted fds share this process */
static struct {
	char buf[1 << 14];
	size_t len;
} rds[RD_FDS];

static int raw_connect(void)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", srv.path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_lt(fd, RD_FDS);
	rds[fd].len = 0;
	return fd;
}

static void raw_send(int fd, const char *s, size_t n)
{
	ck_assert_int_eq(send(fd, s, n, MSG_NOSIGNAL), (ssize_t)n);
}

/*
 * Read one answer line (bounded wait); NULL when the server closed the
 * connection first.  The caller frees.
 */
static json_t *raw_answer(int fd)
{
	struct buf b, line;
	json_error_t jerr;
	json_t *j;

	ck_assert_int_lt(fd, RD_FDS);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t r;

		buf_init(&b, rds[fd].buf, rds[fd].len);
		if (ctl_proto_next_line(&b, &line) == 0)
			break;
		ck_assert_msg(poll(&pfd, 1, WAIT_MS) == 1, "no answer within %d ms", WAIT_MS);
		ck_assert_uint_lt(rds[fd].len, sizeof(rds[fd].buf));
		r = recv(fd, rds[fd].buf + rds[fd].len, sizeof(rds[fd].buf) - rds[fd].len, 0);
		if (r == 0)
			return NULL;
		ck_assert_int_gt(r, 0);
		rds[fd].len += (size_t)r;
	}
	j = json_loadb((const char *)buf_cur(&line), buf_left(&line), 0, &jerr);
	ck_assert_msg(j != NULL, "answer not JSON: %s", jerr.text);
	memmove(rds[fd].buf, rds[fd].buf + b.off, rds[fd].len - b.off);
	rds[fd].len -= b.off;
	return j;
}

/*
 * The server closes fd (after what it had to say) within WAIT_MS: EOF, or
 * ECONNRESET when it closed with our unread bytes still queued (Linux resets
 * a Unix stream then, after delivering what was sent before).
 */
static void raw_expect_eof(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	ssize_t r;
	char c;

	ck_assert_int_eq(poll(&pfd, 1, WAIT_MS), 1);
	r = recv(fd, &c, 1, 0);
	ck_assert_msg(r == 0 || (r == -1 && errno == ECONNRESET), "recv: %zd (%s)", r,
		      strerror(errno));
}

static const char *error_of(const json_t *j)
{
	return json_string_value(json_object_get(j, "error"));
}

/* A fresh well-behaved client is served: the server is alive and not blocked. */
static void expect_served(void)
{
	struct ctl_client *c = client();
	json_t *j = call(c, "{\"cmd\":\"status\"}");

	ck_assert_ptr_null(error_of(j));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "interfaces")), 3);
	json_decref(j);
	ctl_client_close(c);
}

/* ---- the contract ---- */

static const char *const str_keys[] = {
    "name",	"kind", "status", "encoding",	 "local-address", "remote-address", "user",
    "fastpath", "mode", "encap",  "l2-sublayer", "pw-type",	  "bridge",	    "last-error",
    "ipsec",	"ipsec-sa",
};
static const char *const int_keys[] = {
    "uptime",
    "idle-time",
    "mtu",
    "mru",
    "mrru",
    "tunnel-id",
    "peer-tunnel-id",
    "session-id",
    "peer-session-id",
    "rx-packets",
    "rx-bytes",
    "tx-packets",
    "tx-bytes",
    "rx-errors",
    "rx-dropped",
    "tx-dropped",
    "fastpath-rx-packets",
    "fastpath-tx-packets",
    "cookie-length",
    "pw-id",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const ml_keys[] = {"reassembled", "lost-fragments", "discarded-partials",
				       "timeouts"};

static void check_iface(const json_t *o)
{
	json_t *drops, *ml, *v;
	const char *key;
	size_t i;

	ck_assert(json_is_object(o));
	for (i = 0; i < N(str_keys); i++)
		ck_assert_msg(json_is_string(json_object_get(o, str_keys[i])),
			      "key %s: not a string", str_keys[i]);
	for (i = 0; i < N(int_keys); i++) {
		v = json_object_get(o, int_keys[i]);
		ck_assert_msg(json_is_integer(v), "key %s: not an integer", int_keys[i]);
		ck_assert_msg(json_integer_value(v) >= 0, "key %s: negative", int_keys[i]);
	}
	drops = json_object_get(o, "drops");
	ck_assert(json_is_object(drops));
	json_object_foreach(drops, key, v)
	    ck_assert_msg(json_is_integer(v), "drop %s: not an integer", key);
	ml = json_object_get(o, "multilink");
	ck_assert(json_is_object(ml));
	for (i = 0; i < N(ml_keys); i++)
		ck_assert_msg(json_is_integer(json_object_get(ml, ml_keys[i])),
			      "multilink %s: not an integer", ml_keys[i]);
	ck_assert_uint_eq(json_object_size(ml), N(ml_keys));
	/* Exactly these keys: nothing missing above, nothing undocumented. */
	ck_assert_uint_eq(json_object_size(o), N(str_keys) + N(int_keys) + 2);
}

START_TEST(test_status_doc)
{
	struct ctl_client *c;
	json_t *doc, *ifs, *o;
	size_t i;

	srv_start();
	c = client();
	doc = call(c, "{\"cmd\":\"status\"}");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "site")), "office-a");
	ifs = json_object_get(doc, "interfaces");
	ck_assert(json_is_array(ifs));
	ck_assert_uint_eq(json_array_size(ifs), 3);
	for (i = 0; i < 3; i++)
		check_iface(json_array_get(ifs, i));
	o = json_array_get(ifs, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "pw-office-b");
	ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "connected");
	ck_assert_str_eq(json_string_value(json_object_get(o, "fastpath")), "tc");
	ck_assert_int_eq(json_integer_value(json_object_get(o, "fastpath-rx-packets")), 990);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "fastpath-tx-packets")), 850);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "rx-bytes")), 5000000000ll);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "peer-session-id")), 21);
	ck_assert_int_eq(json_integer_value(json_object_get(o, "cookie-length")), 4);
	ck_assert_int_eq(json_object_size(json_object_get(o, "drops")), 2);
	ck_assert_int_eq(
	    json_integer_value(json_object_get(json_object_get(o, "drops"), "bad-cookie")), 3);
	o = json_array_get(ifs, 1);
	ck_assert_str_eq(json_string_value(json_object_get(o, "last-error")), "StopCCN: result 2");
	ck_assert_int_eq(json_object_size(json_object_get(o, "drops")), 0);
	/* The unterminated row: strings cut at their array size, never beyond. */
	o = json_array_get(ifs, 2);
	ck_assert_uint_eq(strlen(json_string_value(json_object_get(o, "kind"))),
			  sizeof(rows[2].kind));
	ck_assert_int_eq(json_string_value(json_object_get(o, "name"))[0], '?');
	ck_assert_int_eq(json_integer_value(json_object_get(o, "uptime")), INT64_MAX);
	json_decref(doc);

	/* A row that vanishes between count and get is left out, not faked. */
	vanish_row1 = 1;
	doc = call(c, "{\"cmd\":\"status\"}");
	ifs = json_object_get(doc, "interfaces");
	ck_assert_uint_eq(json_array_size(ifs), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(ifs, 0), "name")),
			 "pw-office-b");
	ck_assert_str_ne(json_string_value(json_object_get(json_array_get(ifs, 1), "name")),
			 "pw-office-c");
	json_decref(doc);
	ctl_client_close(c);
	srv_stop();
}
END_TEST

START_TEST(test_socket_file)
{
	struct stat st;

	srv_start();
	ck_assert_int_eq(stat(srv.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0660);
	if (geteuid() == 0)
		ck_assert_int_eq(st.st_uid, 0);
	srv_stop();
}
END_TEST

START_TEST(test_stale_and_live_socket)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct evloop *l2 = evloop_new();
	struct status_server *s2;
	char file[200];
	json_t *j;
	int fd;

	srv_start();
	/* Live: a second daemon on the same socket is refused, the first keeps it. */
	s2 = status_server_new(l2, srv.path, &provider);
	ck_assert_ptr_null(s2);
	ck_assert_int_eq(errno, EADDRINUSE);
	fd = raw_connect();
	raw_send(fd, "{\"cmd\":\"status\"}\n", 17);
	j = raw_answer(fd);
	ck_assert_ptr_null(error_of(j));
	json_decref(j);
	close(fd);
	srv_stop();

	/* Stale: a socket file nobody listens on is replaced. */
	ck_assert_ptr_nonnull(mkdtemp(strcpy(srv.dir, "/tmp/test_status.XXXXXX")));
	snprintf(srv.path, sizeof(srv.path), "%s/stale.sock", srv.dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", srv.path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(access(srv.path, F_OK), 0);
	s2 = status_server_new(l2, srv.path, &provider);
	ck_assert_msg(s2 != NULL, "stale socket not replaced: %s", strerror(errno));
	status_server_free(s2);

	/* Not a socket: never deleted. */
	snprintf(file, sizeof(file), "%s/file.sock", srv.dir);
	fd = open(file, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_ptr_null(status_server_new(l2, file, &provider));
	ck_assert_int_eq(access(file, F_OK), 0);
	unlink(file);
	rmdir(srv.dir);
	evloop_free(l2);
}
END_TEST

START_TEST(test_monitor)
{
	struct ctl_client *c;
	json_t *o;

	srv_start();
	c = client();
	o = call(c, "{\"cmd\":\"monitor\",\"name\":\"pw-office-c\"}");
	check_iface(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "name")), "pw-office-c");
	ck_assert_str_eq(json_string_value(json_object_get(o, "status")), "connecting");
	json_decref(o);
	o = call(c, "{\"cmd\":\"monitor\",\"name\":\"pw-nowhere\"}");
	ck_assert_str_eq(error_of(o), "no such interface: pw-nowhere");
	ck_assert_uint_eq(json_object_size(o), 1);
	json_decref(o);
	/* A prefix of a name is not the name. */
	o = call(c, "{\"cmd\":\"monitor\",\"name\":\"pw-office\"}");
	ck_assert_ptr_nonnull(error_of(o));
	json_decref(o);
	ctl_client_close(c);
	srv_stop();
}
END_TEST

START_TEST(test_garbage)
{
	static const char *const bad[] = {
	    "hello\n",
	    "[1,2]\n",
	    "{\"cmd\":5}\n",
	    "{}\n",
	    "{\"cmd\":\"reboot\"}\n",
	    "{\"cmd\":\"monitor\"}\n",
	    "{\"cmd\":\"status\"} trailing\n",
	    "{\"cmd\":\"status\",\"cmd\":\"status\"}\n",
	    "{\"cmd\":\"st\\u0000atus\"}\n",
	    "\"\xff\xfe\"\n",
	};
	json_t *j;
	size_t i;
	int fd;

	srv_start();
	fd = raw_connect();
	for (i = 0; i < N(bad); i++) {
		raw_send(fd, bad[i], strlen(bad[i]));
		j = raw_answer(fd);
		ck_assert_msg(j && error_of(j), "no error answer to %s", bad[i]);
		json_decref(j);
	}
	/* A NUL byte inside a line reaches jansson with its length: an error, not a cut. */
	raw_send(fd, "{\"cmd\":\"status\"}\0x\n", 19);
	j = raw_answer(fd);
	ck_assert_ptr_nonnull(error_of(j));
	json_decref(j);
	/* Blank lines are skipped; CRLF is accepted; the same connection still works. */
	raw_send(fd, "\n\r\n{\"cmd\":\"status\"}\r\n", 21);
	j = raw_answer(fd);
	ck_assert_ptr_null(error_of(j));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "interfaces")), 3);
	json_decref(j);
	close(fd);
	srv_stop();
}
END_TEST

START_TEST(test_oversized_line)
{
	char big[CTL_PROTO_REQ_MAX + 100];
	json_t *j;
	int fd;

	srv_start();
	fd = raw_connect();
	memset(big, ' ', sizeof(big));
	raw_send(fd, big, sizeof(big));
	j = raw_answer(fd);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(strstr(error_of(j), "longer than"));
	json_decref(j);
	raw_expect_eof(fd);
	close(fd);

	/* The longest allowed line is still fine (padding is JSON whitespace). */
	fd = raw_connect();
	memset(big, ' ', CTL_PROTO_REQ_MAX);
	memcpy(big, "{\"cmd\":\"status\"}", 16);
	big[CTL_PROTO_REQ_MAX - 1] = '\n';
	raw_send(fd, big, CTL_PROTO_REQ_MAX);
	j = raw_answer(fd);
	ck_assert_ptr_null(error_of(j));
	json_decref(j);
	close(fd);

	expect_served();
	srv_stop();
}
END_TEST

START_TEST(test_many_clients)
{
	int fds[64], extra, i;
	json_t *j;

	srv_start();
	for (i = 0; i < 64; i++)
		fds[i] = raw_connect();
	/* Requests from all, answers read afterwards: all served concurrently. */
	for (i = 0; i < 64; i++)
		raw_send(fds[i], "{\"cmd\":\"monitor\",\"name\":\"pw-office-b\"}\n", 39);
	for (i = 0; i < 64; i++) {
		j = raw_answer(fds[i]);
		ck_assert_ptr_nonnull(j);
		ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "pw-office-b");
		json_decref(j);
	}
	/* One more than the bound: told so, and closed. */
	extra = raw_connect();
	j = raw_answer(extra);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(error_of(j), "too many clients");
	json_decref(j);
	raw_expect_eof(extra);
	close(extra);
	/* A freed slot is usable again. */
	close(fds[0]);
	for (i = 0;; i++) {
		ck_assert_int_lt(i, 100);
		fds[0] = raw_connect();
		raw_send(fds[0], "{\"cmd\":\"status\"}\n", 17);
		j = raw_answer(fds[0]);
		ck_assert_ptr_nonnull(j);
		if (!error_of(j))
			break;
		/* The server had not seen the close yet: wait for its EOF, then retry. */
		json_decref(j);
		raw_expect_eof(fds[0]);
		close(fds[0]);
	}
	json_decref(j);
	for (i = 0; i < 64; i++)
		close(fds[i]);
	srv_stop();
}
END_TEST

START_TEST(test_half_line_stall)
{
	json_t *j;
	int stalled;

	srv_start();
	stalled = raw_connect();
	raw_send(stalled, "{\"cmd\":\"sta", 11);
	expect_served();
	/* The staller finishes its line later and is answered. */
	raw_send(stalled, "tus\"}\n", 6);
	j = raw_answer(stalled);
	ck_assert_ptr_null(error_of(j));
	ck_assert_str_eq(json_string_value(json_object_get(j, "site")), "office-a");
	json_decref(j);
	close(stalled);
	srv_stop();
}
END_TEST

START_TEST(test_request_at_eof)
{
	json_t *j;
	int fd;

	srv_start();
	/* printf '{"cmd":"status"}' | nc -U: no newline, then shutdown. */
	fd = raw_connect();
	raw_send(fd, "{\"cmd\":\"status\"}", 16);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	j = raw_answer(fd);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(error_of(j));
	json_decref(j);
	raw_expect_eof(fd);
	close(fd);
	srv_stop();
}
END_TEST

/*
 * A client that floods requests and never reads: the server stops reading it
 * (bounded output), keeps serving others, and loses none of its answers.
 */
START_TEST(test_slow_reader)
{
	static const char req[] = "{\"cmd\":\"status\"}\n";
	size_t sent = 0, got;
	json_t *j;
	int flood, fl;

	srv_start();
	flood = raw_connect();
	fl = fcntl(flood, F_GETFL);
	ck_assert_int_eq(fcntl(flood, F_SETFL, fl | O_NONBLOCK), 0);
	for (;;) {
		ssize_t w = send(flood, req, sizeof(req) - 1, MSG_NOSIGNAL);
		struct pollfd pfd = {.fd = flood, .events = POLLOUT};

		if (w == (ssize_t)sizeof(req) - 1) {
			sent++;
			continue;
		}
		ck_assert_int_eq(w, -1);
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		/* Full both ways: the server stopped reading us.  Still full after a wait? */
		if (poll(&pfd, 1, 200) == 0)
			break;
	}
	ck_assert_uint_gt(sent, 100);
	/*
	 * Not reading us must not mean spinning on us: over a quiet window
	 * the server thread should be asleep (a level-triggered EPOLLIN it
	 * ignores would burn the whole window).
	 */
	ck_assert_int_lt(srv_cpu_ms_over(300), 100);
	expect_served();
	/* Now read: every request gets its answer. */
	ck_assert_int_eq(fcntl(flood, F_SETFL, fl), 0);
	for (got = 0; got < sent; got++) {
		j = raw_answer(flood);
		ck_assert_msg(j != NULL, "answer %zu of %zu missing", got, sent);
		ck_assert_ptr_null(error_of(j));
		json_decref(j);
	}
	close(flood);
	srv_stop();
}
END_TEST

/* A silent client is closed after the idle timeout; an active one is not. */
START_TEST(test_idle_timeout)
{
	int silent, active, i;
	json_t *j;

	srv_start_idle(1000);
	silent = raw_connect();
	active = raw_connect();
	raw_send(silent, "{\"cmd\":\"sta", 11); /* half a line, then nothing */
	for (i = 0; i < 15; i++) {
		raw_send(active, "{\"cmd\":\"status\"}\n", 17);
		j = raw_answer(active);
		ck_assert_ptr_null(error_of(j));
		json_decref(j);
		poll(NULL, 0, 100); /* pace: 1.5 s of activity, longer than the timeout */
	}
	raw_expect_eof(silent);
	raw_send(active, "{\"cmd\":\"status\"}\n", 17);
	j = raw_answer(active);
	ck_assert_ptr_nonnull(j);
	json_decref(j);
	close(silent);
	close(active);
	srv_stop();
}
END_TEST

static Suite *status_suite(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("server");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_status_doc);
	tcase_add_test(tc, test_socket_file);
	tcase_add_test(tc, test_stale_and_live_socket);
	tcase_add_test(tc, test_monitor);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_oversized_line);
	tcase_add_test(tc, test_many_clients);
	tcase_add_test(tc, test_half_line_stall);
	tcase_add_test(tc, test_request_at_eof);
	tcase_add_test(tc, test_slow_reader);
	tcase_add_test(tc, test_idle_timeout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_init("test_status", LOG_ERR, 0);
	return check_main_run(status_suite());
}
