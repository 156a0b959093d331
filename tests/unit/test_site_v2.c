/*
 * The l2tp-server's user handling that needs no sockets: the ppp-secret
 * lookup (disabled, unknown) and the dynamic port names RouterOS calls
 * <l2tp-USER> (sanitized, at most 15 bytes, unique among the site's ports
 * and the secrets' fixed interface names).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "check_main.h"
#include "site_priv.h"

static const char conf[] = "name = \"hq\"\n"
			   "l2tp-server { enabled = yes }\n"
			   "ppp-secret \"alice\" { password = \"a\" }\n"
			   "ppp-secret \"bob\" { password = \"b\" disabled = yes }\n"
			   "ppp-secret \"carol\" { password = \"c\" interface = \"l2tp-dave\" }\n";

static struct site *fake_site(void)
{
	char err[256];
	struct site *s = calloc(1, sizeof(*s));

	ck_assert_ptr_nonnull(s);
	s->cfg = cfg_load_string("test", conf, err, sizeof(err));
	ck_assert_msg(s->cfg != NULL, "%s", err);
	return s;
}

static void fake_site_free(struct site *s)
{
	while (s->v2_tunnels) {
		struct v2_tunnel *t = s->v2_tunnels;

		s->v2_tunnels = t->next;
		while (t->sessions) {
			struct ppp_session *ps = t->sessions;

			t->sessions = ps->next;
			free(ps);
		}
		free(t);
	}
	cfg_unload(s->cfg);
	free(s);
}

/* A live session holding the port name. */
static void hold_name(struct site *s, const char *name)
{
	struct v2_tunnel *t = s->v2_tunnels;
	struct ppp_session *ps = calloc(1, sizeof(*ps));

	if (!t) {
		t = calloc(1, sizeof(*t));
		ck_assert_ptr_nonnull(t);
		s->v2_tunnels = t;
	}
	ck_assert_ptr_nonnull(ps);
	snprintf(ps->ifname, sizeof(ps->ifname), "%s", name);
	ps->next = t->sessions;
	t->sessions = ps;
}

START_TEST(test_secret_lookup)
{
	struct site *s = fake_site();
	const char *why = "";

	ck_assert_ptr_nonnull(l2tp_server_secret(s, "alice", &why));
	ck_assert_ptr_null(l2tp_server_secret(s, "bob", &why));
	ck_assert_str_eq(why, "user disabled");
	ck_assert_ptr_null(l2tp_server_secret(s, "mallory", &why));
	ck_assert_str_eq(why, "unknown user");
	/* Names are exact: no prefix or case folding. */
	ck_assert_ptr_null(l2tp_server_secret(s, "Alice", &why));
	ck_assert_ptr_null(l2tp_server_secret(s, "alic", &why));
	fake_site_free(s);
}
END_TEST

START_TEST(test_dynamic_names)
{
	struct site *s = fake_site();
	char name[CFG_IFNAME_MAX];

	ppp_session_dynamic_name(s, "alice", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-alice");
	hold_name(s, "l2tp-alice");
	ppp_session_dynamic_name(s, "alice", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-alice-2");
	hold_name(s, "l2tp-alice-2");
	ppp_session_dynamic_name(s, "alice", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-alice-3");

	/* Characters a Linux interface name cannot hold, or that confuse tools. */
	ppp_session_dynamic_name(s, "a b/c:d", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-a_b_c_d");

	/* At most 15 bytes (IFNAMSIZ - 1), the suffix included. */
	ppp_session_dynamic_name(s, "averyveryverylonguser", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-averyveryv");
	ck_assert_uint_eq(strlen(name), 15);
	hold_name(s, "l2tp-averyveryv");
	ppp_session_dynamic_name(s, "averyveryverylonguser", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-averyver-2");
	ck_assert_uint_eq(strlen(name), 15);

	/* A secret's fixed interface is reserved even while nobody uses it. */
	ppp_session_dynamic_name(s, "dave", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-dave-2");
	fake_site_free(s);
}
END_TEST

/* A dead session's name is free again: its port is already gone. */
START_TEST(test_dead_session_frees_name)
{
	struct site *s = fake_site();
	char name[CFG_IFNAME_MAX];

	hold_name(s, "l2tp-alice");
	s->v2_tunnels->sessions->dead = 1;
	ppp_session_dynamic_name(s, "alice", name, sizeof(name));
	ck_assert_str_eq(name, "l2tp-alice");
	fake_site_free(s);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("site_v2");
	TCase *tc = tcase_create("users");

	tcase_add_test(tc, test_secret_lookup);
	tcase_add_test(tc, test_dynamic_names);
	tcase_add_test(tc, test_dead_session_frees_name);
	suite_add_tcase(su, tc);
	return check_main_run(su);
}
