/*
 * The config module against files under tests/cfg/:
 *   good/NAME.conf  loads, and cfg_write() prints exactly good/NAME.golden
 *                   (set L2PW_UPDATE_GOLDEN=1 to rewrite them, then review
 *                   the diff); the printed form loads back to the same config
 *                   and prints the same bytes again.
 *   bad/NAME.conf   fails, with the message its first line gives after
 *                   "# expect: " (exactly, file name and line included).
 * The two example site configs are golden-tested the same way.
 *
 * Run from the top of the tree (or with L2PW_SRCDIR set to it).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cfg.h"

#define MAX_FILES 256

/* File lists, filled in main() before the runner forks the tests. */
static char *good_files[MAX_FILES], *bad_files[MAX_FILES];
static int n_good, n_bad;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int ch;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	fclose(f);
	return buf;
}

static char *print_cfg(const struct cfg *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	cfg_write(c, m);
	fclose(m);
	return buf;
}

/* Without the header line, which names the file the config came from. */
static const char *body(const char *printed)
{
	const char *nl = strchr(printed, '\n');

	return nl ? nl + 1 : printed;
}

static void golden_path(const char *conf, char *out, size_t len)
{
	const char *base = strrchr(conf, '/');

	base = base ? base + 1 : conf;
	if (strncmp(conf, "good/", 5) == 0)
		snprintf(out, len, "good/%.*s.golden", (int)(strlen(base) - 5), base);
	else
		snprintf(out, len, "good/example-%.*s.golden", (int)(strlen(base) - 5), base);
}

START_TEST(test_good_golden)
{
	const char *conf = good_files[_i];
	char err[512] = "", golden[512];
	struct cfg *c = cfg_load(conf, err, sizeof(err));
	char *printed, *want;

	ck_assert_msg(c != NULL, "%s: %s", conf, err);
	printed = print_cfg(c);
	golden_path(conf, golden, sizeof(golden));
	if (getenv("L2PW_UPDATE_GOLDEN")) {
		FILE *f = fopen(golden, "w");

		ck_assert_ptr_nonnull(f);
		fputs(printed, f);
		fclose(f);
	}
	want = slurp(golden);
	ck_assert_msg(want != NULL, "%s: %s", golden, strerror(errno));
	ck_assert_str_eq(printed, want);
	free(want);
	free(printed);
	cfg_unload(c);
}
END_TEST

static void assert_same_config(const struct cfg *a, const struct cfg *b)
{
	ck_assert_uint_eq(a->n_pw, b->n_pw);
	ck_assert_uint_eq(a->n_client, b->n_client);
	ck_assert_uint_eq(a->n_profile, b->n_profile);
	ck_assert_uint_eq(a->n_secret, b->n_secret);
	for (size_t i = 0; i < a->n_pw; i++)
		ck_assert(cfg_pseudowire_equal(&a->pw[i], &b->pw[i]));
	for (size_t i = 0; i < a->n_client; i++)
		ck_assert(cfg_l2tp_client_equal(&a->client[i], &b->client[i]));
	for (size_t i = 0; i < a->n_profile; i++) {
		ck_assert(cfg_ppp_profile_equal(&a->profile[i], &b->profile[i]));
		ck_assert_int_eq(a->profile[i].builtin, b->profile[i].builtin);
	}
	for (size_t i = 0; i < a->n_secret; i++)
		ck_assert(cfg_ppp_secret_equal(&a->secret[i], &b->secret[i]));
	ck_assert(cfg_l2tp_server_equal(&a->server, &b->server));
	ck_assert_str_eq(a->name, b->name);
	ck_assert_str_eq(a->status_socket, b->status_socket);
	ck_assert_str_eq(a->bridge, b->bridge);
	ck_assert_int_eq(a->log_level, b->log_level);
	ck_assert_int_eq(a->fastpath, b->fastpath);
}

/* cfg_write() output is a config: it loads to the same struct and prints the same. */
START_TEST(test_good_roundtrip)
{
	const char *conf = good_files[_i];
	char err[512] = "";
	struct cfg *c = cfg_load(conf, err, sizeof(err)), *again;
	char *first, *second;

	ck_assert_msg(c != NULL, "%s: %s", conf, err);
	first = print_cfg(c);
	again = cfg_load_string("printed.conf", first, err, sizeof(err));
	ck_assert_msg(again != NULL, "%s printed: %s\n%s", conf, err, first);
	second = print_cfg(again);
	ck_assert_str_eq(body(second), body(first));
	assert_same_config(c, again);
	free(first);
	free(second);
	cfg_unload(again);
	cfg_unload(c);
}
END_TEST

START_TEST(test_bad_message)
{
	const char *conf = bad_files[_i];
	char err[512] = "", *text = slurp(conf), *want, *nl;
	struct cfg *c;

	ck_assert_msg(text != NULL, "%s: %s", conf, strerror(errno));
	ck_assert_msg(strncmp(text, "# expect: ", 10) == 0, "%s has no '# expect: ' line", conf);
	want = text + 10;
	nl = strchr(want, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	/* From inside bad/, so that messages name the file as its expect line does. */
	ck_assert_int_eq(chdir("bad"), 0);
	c = cfg_load(conf + 4, err, sizeof(err));
	ck_assert_int_eq(chdir(".."), 0);
	ck_assert_msg(c == NULL, "%s loaded", conf);
	ck_assert_str_eq(err, want);
	free(text);
}
END_TEST

/* The brief asks for one bad file per kind of mistake, at least twenty. */
START_TEST(test_bad_count)
{
	ck_assert_int_ge(n_bad, 20);
	ck_assert_int_ge(n_good, 5);
}
END_TEST

static struct cfg *load(const char *text)
{
	char err[512] = "";
	struct cfg *c = cfg_load_string("t.conf", text, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

static void assert_fails(const char *text, const char *want)
{
	char err[512] = "";
	struct cfg *c = cfg_load_string("t.conf", text, err, sizeof(err));

	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, want);
}

START_TEST(test_defaults)
{
	struct cfg *c =
	    load("pseudowire \"to-office-b\" { remote = \"198.18.0.2\" pw-id = 7 "
		 "bridge = br0 }\nl2tp-client \"x\" { connect-to = 198.18.0.1 user = u }");
	const struct cfg_pseudowire *pw = &c->pw[0];
	const struct cfg_l2tp_client *cl = &c->client[0];

	ck_assert_str_eq(c->name, "t");
	ck_assert_str_eq(c->status_socket, "/run/l2pwd/t.sock");
	ck_assert_int_eq(c->log_level, LOG_INFO);
	ck_assert_int_eq(c->fastpath, CFG_FASTPATH_AUTO);
	ck_assert_int_eq(pw->mode, CFG_PW_DYNAMIC);
	ck_assert_int_eq(pw->encap, CFG_ENCAP_UDP);
	ck_assert_uint_eq(pw->port, 1701);
	ck_assert_uint_eq(pw->cookie_length, 4);
	ck_assert_int_eq(pw->l2_sublayer, CFG_SUBLAYER_DEFAULT);
	ck_assert_uint_eq(pw->hello_interval, 60);
	ck_assert_str_eq(pw->interface, "pw-to-office-b");
	ck_assert_int_eq(pw->remote.ss.ss_family, AF_INET);
	ck_assert_int_eq(pw->local.ss.ss_family, AF_UNSPEC);
	ck_assert_int_eq(pw->line, 1);
	ck_assert_uint_eq(cl->max_mtu, 1460);
	ck_assert_uint_eq(cl->max_mru, 1460);
	ck_assert_uint_eq(cl->keepalive_timeout, 60);
	ck_assert_uint_eq(cl->allow,
			  CFG_AUTH_PAP | CFG_AUTH_CHAP | CFG_AUTH_MSCHAP1 | CFG_AUTH_MSCHAP2);
	ck_assert_str_eq(cl->profile, "default-encryption");
	ck_assert_str_eq(cl->interface, "l2tp-x");
	ck_assert_int_eq(cl->line, 2);
	ck_assert_int_eq(c->server.enabled, 0);
	ck_assert_int_eq(c->server.line, 0);
	ck_assert_uint_eq(c->server.max_mtu, 1450);
	ck_assert_uint_eq(c->server.keepalive_timeout, 30);
	ck_assert_uint_eq(c->server.port, 1701);
	ck_assert_uint_eq(c->server.authentication, CFG_AUTH_MSCHAP1 | CFG_AUTH_MSCHAP2);
	ck_assert_str_eq(c->server.default_profile, "default-encryption");
	ck_assert_str_eq(c->server.listen.text, "0.0.0.0");
	cfg_unload(c);
}
END_TEST

START_TEST(test_builtin_profiles)
{
	struct cfg *c = load("");
	const struct cfg_ppp_profile *d = cfg_profile_find(c, "default"),
				     *e = cfg_profile_find(c, "default-encryption");

	ck_assert_uint_eq(c->n_profile, 2);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(d->use_encryption, CFG_ENC_DEFAULT);
	ck_assert_int_eq(e->use_encryption, CFG_ENC_YES);
	ck_assert(d->builtin && e->builtin);
	ck_assert_ptr_null(cfg_profile_find(c, "other"));
	cfg_unload(c);

	/* An override changes only the keys it sets. */
	c = load("ppp-profile \"default-encryption\" { bridge = br1 }\n"
		 "ppp-profile \"default\" { use-encryption = required }");
	e = cfg_profile_find(c, "default-encryption");
	d = cfg_profile_find(c, "default");
	ck_assert_uint_eq(c->n_profile, 2);
	ck_assert_int_eq(e->use_encryption, CFG_ENC_YES);
	ck_assert_str_eq(e->bridge, "br1");
	ck_assert_int_eq(e->builtin, 0);
	ck_assert_int_eq(e->line, 1);
	ck_assert_int_eq(d->use_encryption, CFG_ENC_REQUIRED);
	ck_assert_str_eq(d->bridge, "");
	cfg_unload(c);
}
END_TEST

/* l2pwd.conf(5): "pw-" + title, [A-Za-z0-9_.-] kept, long ones cut and tagged. */
START_TEST(test_derived_ifnames)
{
	struct cfg *c = load("bridge = br0\n"
			     "pseudowire \"to office:b\" { remote = 198.18.0.2 pw-id = 1 }\n"
			     "pseudowire \"123456789012\" { remote = 198.18.0.2 pw-id = 2 }\n"
			     "pseudowire \"1234567890123\" { remote = 198.18.0.2 pw-id = 3 }\n"
			     "pseudowire \"1234567890124\" { remote = 198.18.0.2 pw-id = 4 }\n");

	ck_assert_str_eq(c->pw[0].interface, "pw-to-office-b");
	ck_assert_str_eq(c->pw[1].interface, "pw-123456789012");
	ck_assert_uint_eq(strlen(c->pw[2].interface), 15);
	ck_assert_uint_eq(strlen(c->pw[3].interface), 15);
	ck_assert(strncmp(c->pw[2].interface, "pw-1234567-", 11) == 0);
	ck_assert_str_ne(c->pw[2].interface, c->pw[3].interface);
	cfg_unload(c);
}
END_TEST

START_TEST(test_equal_detects_changes)
{
	const char *text = "bridge = br0\npseudowire \"p\" { remote = 198.18.0.2 pw-id = 1 }\n"
			   "l2tp-client \"c\" { connect-to = 198.18.0.1 user = u }\n"
			   "ppp-secret \"s\" { password = x }\n";
	struct cfg *a = load(text), *b = load(text);

	ck_assert(cfg_pseudowire_equal(&a->pw[0], &b->pw[0]));
	b->pw[0].port = 1702;
	ck_assert(!cfg_pseudowire_equal(&a->pw[0], &b->pw[0]));
	b->pw[0].port = a->pw[0].port;
	b->pw[0].line = 99; /* lines are not configuration */
	ck_assert(cfg_pseudowire_equal(&a->pw[0], &b->pw[0]));
	b->pw[0].title[0] = 'q';
	ck_assert(!cfg_pseudowire_equal(&a->pw[0], &b->pw[0]));
	ck_assert(cfg_l2tp_client_equal(&a->client[0], &b->client[0]));
	b->client[0].allow &= ~CFG_AUTH_PAP;
	ck_assert(!cfg_l2tp_client_equal(&a->client[0], &b->client[0]));
	ck_assert(cfg_ppp_secret_equal(&a->secret[0], &b->secret[0]));
	b->secret[0].password[0] = 'y';
	ck_assert(!cfg_ppp_secret_equal(&a->secret[0], &b->secret[0]));
	ck_assert(cfg_l2tp_server_equal(&a->server, &b->server));
	b->server.hide_avps = 1;
	ck_assert(!cfg_l2tp_server_equal(&a->server, &b->server));
	cfg_unload(a);
	cfg_unload(b);
}
END_TEST

/*
 * Lines stay exact after every comment style (libconfuse 3.3 alone counts a
 * '#' line three times), and a comment inside a list is accepted.
 */
START_TEST(test_comment_lines)
{
	struct cfg *c = load("# one\n// two\n/* three\nfour */\nl2tp-server { authentication = "
			     "{pap, # five\nchap} }\n");

	ck_assert_int_eq(c->server.line, 5);
	ck_assert_uint_eq(c->server.authentication, CFG_AUTH_PAP | CFG_AUTH_CHAP);
	cfg_unload(c);
	assert_fails("# a\n# b\n/* c\n*/ fastpath = \"x#y\" # z\n",
		     "t.conf:4: fastpath \"x#y\" is not one of auto, xdp, tc or off");
	assert_fails("name = \"a/*b\"\n", "t.conf:1: name \"a/*b\" is not a site name "
					  "(1..63 of A-Z a-z 0-9 . _ -)");
}
END_TEST

/* Printing escapes what libconfuse would expand or end a string on. */
START_TEST(test_string_escapes)
{
	struct cfg *c = load("ppp-secret \"u\" { password = \"a\\\"b\\\\c\\$d\\${HOME}\\n\\x01\" "
			     "caller-id = '${HOME}' }");
	struct cfg *again;
	char *printed;

	ck_assert_str_eq(c->secret[0].password, "a\"b\\c$d${HOME}\n\x01");
	ck_assert_str_eq(c->secret[0].caller_id, "${HOME}");
	printed = print_cfg(c);
	ck_assert_ptr_nonnull(strstr(printed, "\"a\\\"b\\\\c\\$d\\${HOME}\\n\\x01\""));
	again = load(printed);
	ck_assert_str_eq(again->secret[0].password, c->secret[0].password);
	ck_assert_str_eq(again->secret[0].caller_id, "${HOME}");
	free(printed);
	cfg_unload(again);
	cfg_unload(c);
}
END_TEST

START_TEST(test_file_errors)
{
	char err[512], path[] = "/tmp/l2pw-test-cfg-XXXXXX";
	int fd;

	ck_assert_ptr_null(cfg_load("/nonexistent/x.conf", err, sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/x.conf: No such file or directory");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "name = a\n\0name = b\n", 19), 19);
	close(fd);
	ck_assert_ptr_null(cfg_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ": has a NUL byte"));
	unlink(path);
	/* A short buffer gets a cut message, no buffer none. */
	ck_assert_ptr_null(cfg_load_string("t.conf", "fastpath = x", err, 8));
	ck_assert_str_eq(err, "t.conf:");
	ck_assert_ptr_null(cfg_load_string("t.conf", "fastpath = x", NULL, 0));
	cfg_unload(NULL);
}
END_TEST

/*
 * libconfuse's lexer echoes a '\\' it cannot match (one ending an open
 * string) to stdout, which would end up in `l2pwd -n` output: such text
 * must be refused before libconfuse reads it.
 */
START_TEST(test_nothing_on_stdout)
{
	static const char *const texts[] = {"name = \"abc\\", "name = 'abc\\", "\"\\"};
	char err[512];
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);

	ck_assert_ptr_nonnull(tmp);
	fflush(stdout);
	ck_assert_int_ge(dup2(fileno(tmp), STDOUT_FILENO), 0);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		ck_assert_ptr_null(cfg_load_string("t.conf", texts[i], err, sizeof(err)));
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	ck_assert_int_eq(lseek(fileno(tmp), 0, SEEK_END), 0);
	fclose(tmp);
}
END_TEST

START_TEST(test_enum_names)
{
	ck_assert_str_eq(cfg_fastpath_name(CFG_FASTPATH_TC), "tc");
	ck_assert_str_eq(cfg_encap_name(CFG_ENCAP_IP), "ip");
	ck_assert_str_eq(cfg_pw_mode_name(CFG_PW_STATIC), "static");
	ck_assert_str_eq(cfg_encryption_name(CFG_ENC_REQUIRED), "required");
	ck_assert_str_eq(cfg_auth_name(CFG_AUTH_MSCHAP2), "mschap2");
	ck_assert_str_eq(cfg_fastpath_name((enum cfg_fastpath)42), "?");
}
END_TEST

static int list_dir(const char *dir, char **out, int max)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort), k = 0;

	if (n < 0) {
		perror(dir);
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(ents[i]->d_name);

		if (len > 5 && strcmp(ents[i]->d_name + len - 5, ".conf") == 0 && k < max) {
			out[k] = malloc(strlen(dir) + len + 2);
			sprintf(out[k++], "%s/%s", dir, ents[i]->d_name);
		}
		free(ents[i]);
	}
	free(ents);
	return k;
}

/* Into tests/cfg, so that file names in messages are short and fixed. */
static void enter_data_dir(void)
{
	const char *top = getenv("L2PW_SRCDIR");

	if (top && chdir(top) != 0) {
		perror(top);
		exit(1);
	}
	if (chdir("tests/cfg") != 0) {
		perror("tests/cfg (run from the top of the tree, or set L2PW_SRCDIR)");
		exit(1);
	}
}

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *files = tcase_create("files"), *api = tcase_create("api");

	tcase_add_loop_test(files, test_good_golden, 0, n_good);
	tcase_add_loop_test(files, test_good_roundtrip, 0, n_good);
	tcase_add_loop_test(files, test_bad_message, 0, n_bad);
	tcase_add_test(files, test_bad_count);
	tcase_add_test(api, test_defaults);
	tcase_add_test(api, test_builtin_profiles);
	tcase_add_test(api, test_derived_ifnames);
	tcase_add_test(api, test_equal_detects_changes);
	tcase_add_test(api, test_comment_lines);
	tcase_add_test(api, test_string_escapes);
	tcase_add_test(api, test_file_errors);
	tcase_add_test(api, test_nothing_on_stdout);
	tcase_add_test(api, test_enum_names);
	suite_add_tcase(s, files);
	suite_add_tcase(s, api);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	enter_data_dir();
	n_good = list_dir("good", good_files, MAX_FILES - 2);
	good_files[n_good++] = strdup("../../examples/site-to-site/office-a.conf");
	good_files[n_good++] = strdup("../../examples/site-to-site/office-b.conf");
	n_bad = list_dir("bad", bad_files, MAX_FILES);
	sr = srunner_create(cfg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (int i = 0; i < n_good; i++)
		free(good_files[i]);
	for (int i = 0; i < n_bad; i++)
		free(bad_files[i]);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
