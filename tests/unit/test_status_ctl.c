/*
 * l2pwctl's side of the status socket: finding the socket, the views it
 * prints from the daemon's real documents (served by the real status server,
 * tests/unit/status_srv.h), and its number formats.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check_main.h"
#include "ctl_client.h"
#include "ctl_fmt.h"
#include "ctl_view.h"
#include "log.h"
#include "status_srv.h"

/* Render with f into a string the caller frees. */
static char *render_status(const json_t *doc, int *rc)
{
	char *txt = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&txt, &len);

	ck_assert_ptr_nonnull(f);
	*rc = ctl_view_status(f, doc);
	fclose(f);
	return txt;
}

static char *render_monitor(const json_t *iface)
{
	char *txt = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&txt, &len);

	ck_assert_ptr_nonnull(f);
	ctl_view_monitor(f, iface);
	fclose(f);
	return txt;
}

/* The line of txt that starts with (after leading blanks) prefix, or NULL. */
static const char *line_of(const char *txt, const char *prefix)
{
	const char *l = txt;

	while (l && *l) {
		const char *p = l + strspn(l, " ");

		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return l;
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return NULL;
}

static int has_line(const char *txt, const char *line)
{
	const char *l = line_of(txt, line);

	return l && (l[strspn(l, " ") + strlen(line)] == '\n');
}

/* The daemon's real documents through l2pwctl's views. */
START_TEST(test_views)
{
	const char *hdr, *b, *c;
	struct ctl_client *cl;
	json_t *doc, *o;
	char *txt;
	int rc;

	srv_start();
	cl = client();
	doc = call(cl, "{\"cmd\":\"status\"}");
	txt = render_status(doc, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strncmp(txt, "site office-a: 3 interfaces\n", 28) == 0, "%s", txt);
	hdr = line_of(txt, "NAME ");
	b = line_of(txt, "pw-office-b ");
	c = line_of(txt, "pw-office-c ");
	ck_assert_msg(hdr && b && c, "%s", txt);
	/* Columns line up: each row's KIND under the header's. */
	ck_assert_int_eq(strstr(b, "l2tpv3") - b, strstr(hdr, "KIND") - hdr);
	ck_assert_int_eq(strstr(c, "l2tpv3") - c, strstr(hdr, "KIND") - hdr);
	ck_assert_ptr_nonnull(strstr(b, " connected "));
	ck_assert_ptr_nonnull(strstr(b, " 1h2m3s "));
	ck_assert_ptr_nonnull(strstr(b, " 198.18.0.2 "));
	ck_assert_ptr_nonnull(strstr(b, " 10/11 "));
	ck_assert_ptr_nonnull(strstr(b, " 4.7 GiB "));
	ck_assert_ptr_nonnull(strstr(b, " 120.6 KiB\n"));
	/* Not connected: no uptime, no ids yet. */
	ck_assert_ptr_nonnull(strstr(c, " connecting "));
	ck_assert_int_eq(c[strstr(hdr, "UPTIME") - hdr], '-');
	ck_assert_int_eq(c[strstr(hdr, "UPTIME") - hdr + 1], ' ');
	ck_assert_int_eq(c[strstr(hdr, "TUN/SESS") - hdr], '-');
	ck_assert_int_eq(c[strstr(hdr, "TUN/SESS") - hdr + 1], ' ');
	free(txt);

	o = json_array_get(json_object_get(doc, "interfaces"), 0);
	txt = render_monitor(o);
	ck_assert_msg(has_line(txt, "status: connected"), "%s", txt);
	ck_assert(has_line(txt, "uptime: 1h2m3s"));
	ck_assert(has_line(txt, "rx-bytes: 5000000000 (4.7 GiB)"));
	ck_assert(has_line(txt, "peer-session-id: 21"));
	ck_assert(has_line(txt, "drops: bad-cookie=3 short=1"));
	ck_assert(has_line(txt, "last-error: -"));
	ck_assert_ptr_null(line_of(txt, "user:")); /* "" = not applicable: left out */
	/* Keys right-aligned on the colon. */
	ck_assert_int_eq(strchr(line_of(txt, "status:"), ':') - line_of(txt, "status:"),
			 strchr(line_of(txt, "peer-session-id:"), ':') -
			     line_of(txt, "peer-session-id:"));
	free(txt);
	o = json_array_get(json_object_get(doc, "interfaces"), 1);
	txt = render_monitor(o);
	ck_assert(has_line(txt, "drops: none"));
	ck_assert(has_line(txt, "last-error: StopCCN: result 2"));
	free(txt);
	json_decref(doc);

	/* An answer without the list is refused, printing nothing. */
	doc = json_pack("{s:s}", "site", "x");
	txt = render_status(doc, &rc);
	ck_assert_int_eq(rc, -1);
	ck_assert_str_eq(txt, "");
	free(txt);
	json_decref(doc);
	ctl_client_close(cl);
	srv_stop();
}
END_TEST

START_TEST(test_find_socket)
{
	char dir[] = "/tmp/test_status.XXXXXX", path[256], out[256], err[512];
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ctl_client_find_socket(dir, out, sizeof(out), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no status socket"));
	snprintf(path, sizeof(path), "%s/a.sock", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(ctl_client_find_socket(dir, out, sizeof(out), err, sizeof(err)), 0);
	ck_assert_str_eq(out, path);
	snprintf(path, sizeof(path), "%s/b.sock", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(ctl_client_find_socket(dir, out, sizeof(out), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "a.sock"));
	ck_assert_ptr_nonnull(strstr(err, "b.sock"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.sock", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_fmt)
{
	char s[32];

	ck_assert_str_eq(ctl_fmt_duration(0, s, sizeof(s)), "0s");
	ck_assert_str_eq(ctl_fmt_duration(59, s, sizeof(s)), "59s");
	ck_assert_str_eq(ctl_fmt_duration(60, s, sizeof(s)), "1m");
	ck_assert_str_eq(ctl_fmt_duration(3723, s, sizeof(s)), "1h2m3s");
	ck_assert_str_eq(ctl_fmt_duration(3600, s, sizeof(s)), "1h");
	ck_assert_str_eq(ctl_fmt_duration(604800 + 86400 + 3661, s, sizeof(s)), "1w1d1h1m1s");
	ck_assert_str_eq(ctl_fmt_duration(UINT64_MAX, s, 4), "305"); /* 30500568904943w, cut */
	ck_assert_str_eq(ctl_fmt_bytes(0, s, sizeof(s)), "0 B");
	ck_assert_str_eq(ctl_fmt_bytes(1023, s, sizeof(s)), "1023 B");
	ck_assert_str_eq(ctl_fmt_bytes(1536, s, sizeof(s)), "1.5 KiB");
	ck_assert_str_eq(ctl_fmt_bytes(5000000000ull, s, sizeof(s)), "4.7 GiB");
	ck_assert_str_eq(ctl_fmt_bytes(UINT64_MAX, s, sizeof(s)), "16.0 EiB");
	ck_assert_str_eq(ctl_fmt_count(9999, s, sizeof(s)), "9999");
	ck_assert_str_eq(ctl_fmt_count(12345, s, sizeof(s)), "12.3k");
	ck_assert_str_eq(ctl_fmt_count(2500000, s, sizeof(s)), "2.5M");
}
END_TEST

static Suite *status_ctl_suite(void)
{
	Suite *s = suite_create("status-ctl");
	TCase *tc = tcase_create("client");

	tcase_add_test(tc, test_find_socket);
	tcase_add_test(tc, test_views);
	tcase_add_test(tc, test_fmt);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_init("test_status_ctl", LOG_ERR, 0);
	return check_main_run(status_ctl_suite());
}
