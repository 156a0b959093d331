/*
 * The configuration schema of DESIGN.md: one row per key, with its type,
 * default and range.  Names and defaults follow MikroTik RouterOS's
 * /interface l2tp-server and l2tp-client menus where RouterOS has the key.
 * l2pwd.conf(5) documents every row; keep the two in step.
 */
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

/* Enum names, in the order the man page lists them. */
static const struct cfg_enum names_mode[] = {
	{ "dynamic", CFG_PW_DYNAMIC }, { "static", CFG_PW_STATIC }, { NULL, 0 }
};
static const struct cfg_enum names_encap[] = {
	{ "udp", CFG_ENCAP_UDP }, { "ip", CFG_ENCAP_IP }, { NULL, 0 }
};
static const struct cfg_enum names_pw_type[] = {
	{ "ethernet", CFG_PW_ETHERNET }, { "ethernet-vlan", CFG_PW_ETHERNET_VLAN }, { NULL, 0 }
};
static const struct cfg_enum names_sublayer[] = {
	{ "none", CFG_SUBLAYER_NONE }, { "default", CFG_SUBLAYER_DEFAULT }, { NULL, 0 }
};
static const struct cfg_enum names_digest[] = {
	{ "md5", CFG_DIGEST_MD5 }, { "sha1", CFG_DIGEST_SHA1 }, { NULL, 0 }
};
static const struct cfg_enum names_ipsec[] = {
	{ "no", CFG_IPSEC_NO }, { "yes", CFG_IPSEC_YES }, { "require", CFG_IPSEC_REQUIRE },
	{ NULL, 0 }
};
static const struct cfg_enum names_ipsec_mode[] = {
	{ "transport", CFG_IPSEC_TRANSPORT }, { "tunnel", CFG_IPSEC_TUNNEL }, { NULL, 0 }
};
static const struct cfg_enum names_fastpath[] = {
	{ "auto", CFG_FASTPATH_AUTO }, { "xdp", CFG_FASTPATH_XDP }, { "tc", CFG_FASTPATH_TC },
	{ "off", CFG_FASTPATH_OFF },   { NULL, 0 }
};
/* The same names as log.h's log_level_from_name(). */
static const struct cfg_enum names_log_level[] = {
	{ "error", LOG_ERR }, { "warning", LOG_WARNING }, { "info", LOG_INFO },
	{ "debug", LOG_DEBUG }, { NULL, 0 }
};
static const struct cfg_enum names_encryption[] = {
	{ "default", CFG_ENC_DEFAULT }, { "no", CFG_ENC_NO }, { "yes", CFG_ENC_YES },
	{ "required", CFG_ENC_REQUIRED }, { NULL, 0 }
};
static const struct cfg_enum names_service[] = {
	{ "any", CFG_SERVICE_ANY }, { "l2tp", CFG_SERVICE_L2TP }, { NULL, 0 }
};
/* Strongest first: the order cfg_write() lists them in, as RouterOS does. */
const struct cfg_enum cfg_names_auth[] = {
	{ "mschap2", CFG_AUTH_MSCHAP2 }, { "mschap1", CFG_AUTH_MSCHAP1 }, { "chap", CFG_AUTH_CHAP },
	{ "pap", CFG_AUTH_PAP },	 { NULL, 0 }
};

#define MEMBER(st, m) .off = offsetof(st, m), .size = sizeof(((st *)0)->m)
#define U32MAX 4294967295u

#define STR(st, k, m, d) { .key = k, .type = CFG_FT_STR, MEMBER(st, m), .def = d }
#define IFNAME(st, k, m) { .key = k, .type = CFG_FT_IFNAME, MEMBER(st, m), .def = "" }
#define ADDR(st, k, m, d) { .key = k, .type = CFG_FT_ADDR, MEMBER(st, m), .def = d }
#define BOOL(st, k, m) { .key = k, .type = CFG_FT_BOOL, MEMBER(st, m), .def = "no" }
#define ENUM(st, k, m, d, n) { .key = k, .type = CFG_FT_ENUM, MEMBER(st, m), .def = d, .names = n }
#define AUTH(st, k, m, d)                                                                     \
	{ .key = k, .type = CFG_FT_AUTH, MEMBER(st, m), .def = d, .names = cfg_names_auth }
#define UINT(st, k, m, d, lo, hi)                                                             \
	{ .key = k, .type = CFG_FT_UINT, MEMBER(st, m), .def = d, .min = lo, .max = hi }
/* 0 means "unset" (or "off"); anything else must be in lo..hi. */
#define UINT0(st, k, m, lo, hi)                                                               \
	{ .key = k, .type = CFG_FT_UINT, MEMBER(st, m), .def = "0", .min = lo, .max = hi,      \
	  .zero_ok = 1 }
#define COOKIE(st, k, m) { .key = k, .type = CFG_FT_COOKIE, MEMBER(st, m), .def = "" }

/* The IPsec keys, the same in the three sections that have them. */
#define IPSEC(st)                                                                             \
	ENUM(st, "use-ipsec", ipsec.use, "no", names_ipsec),                                  \
		STR(st, "ipsec-secret", ipsec.secret, ""),                                    \
		ENUM(st, "ipsec-mode", ipsec.mode, "transport", names_ipsec_mode)

/* PPP link keys of RouterOS's l2tp-server and l2tp-client. */
#define PPP_LINK(st, mtu, keepalive)                                                          \
	UINT(st, "max-mtu", max_mtu, mtu, 64, 65535), UINT(st, "max-mru", max_mru, mtu, 64, 65535), \
		UINT0(st, "mrru", mrru, 1500, 65535),                                         \
		UINT(st, "keepalive-timeout", keepalive_timeout, keepalive, 0, 86400)

#define HELLO(st) UINT(st, "hello-interval", hello_interval, "60", 1, 3600)

/*
 * "" defaults are derived after parsing: name from the file name,
 * status-socket and ipsec-dir from the name.
 */
static const struct cfg_field root_fields[] = {
	STR(struct cfg, "name", name, ""),
	STR(struct cfg, "status-socket", status_socket, ""),
	ENUM(struct cfg, "log-level", log_level, "info", names_log_level),
	IFNAME(struct cfg, "bridge", bridge),
	IFNAME(struct cfg, "wan-interface", wan_interface),
	ENUM(struct cfg, "fastpath", fastpath, "auto", names_fastpath),
	STR(struct cfg, "ipsec-vici", ipsec_vici, "unix:///var/run/charon.vici"),
	STR(struct cfg, "ipsec-dir", ipsec_dir, ""),
};

/*
 * mode and cookie-length come before cookie and peer-cookie: the cookie
 * parser reads them from the struct.
 */
#define PW struct cfg_pseudowire
static const struct cfg_field pw_fields[] = {
	ENUM(PW, "mode", mode, "dynamic", names_mode),
	ADDR(PW, "remote", remote, ""),
	ADDR(PW, "local", local, ""),
	ENUM(PW, "encap", encap, "udp", names_encap),
	UINT(PW, "port", port, "1701", 1, 65535),
	UINT0(PW, "pw-id", pw_id, 1, U32MAX),
	ENUM(PW, "pw-type", pw_type, "ethernet", names_pw_type),
	UINT0(PW, "vlan-id", vlan_id, 1, 4094),
	{ .key = "cookie-length", .type = CFG_FT_UINT, MEMBER(PW, cookie_length), .def = "4",
	  .max = 8, .only = 1u << 0 | 1u << 4 | 1u << 8 },
	ENUM(PW, "l2-sublayer", l2_sublayer, "default", names_sublayer),
	BOOL(PW, "sequencing", sequencing),
	STR(PW, "secret", secret, ""),
	ENUM(PW, "digest", digest, "md5", names_digest),
	HELLO(PW),
	IPSEC(PW),
	IFNAME(PW, "interface", interface),
	IFNAME(PW, "bridge", bridge),
	BOOL(PW, "disabled", disabled),
	UINT0(PW, "tunnel-id", tunnel_id, 1, U32MAX),
	UINT0(PW, "peer-tunnel-id", peer_tunnel_id, 1, U32MAX),
	UINT0(PW, "session-id", session_id, 1, U32MAX),
	UINT0(PW, "peer-session-id", peer_session_id, 1, U32MAX),
	COOKIE(PW, "cookie", cookie),
	COOKIE(PW, "peer-cookie", peer_cookie),
};
#undef PW

#define SRV struct cfg_l2tp_server
static const struct cfg_field server_fields[] = {
	BOOL(SRV, "enabled", enabled),
	ADDR(SRV, "listen", listen, "0.0.0.0"),
	UINT(SRV, "port", port, "1701", 1, 65535),
	AUTH(SRV, "authentication", authentication, "{mschap1, mschap2}"),
	STR(SRV, "default-profile", default_profile, "default-encryption"),
	PPP_LINK(SRV, "1450", "30"),
	STR(SRV, "tunnel-secret", tunnel_secret, ""),
	BOOL(SRV, "hide-avps", hide_avps),
	HELLO(SRV),
	IPSEC(SRV),
};
#undef SRV

#define CLI struct cfg_l2tp_client
static const struct cfg_field client_fields[] = {
	ADDR(CLI, "connect-to", connect_to, ""),
	UINT(CLI, "port", port, "1701", 1, 65535),
	STR(CLI, "user", user, ""),
	STR(CLI, "password", password, ""),
	STR(CLI, "profile", profile, "default-encryption"),
	AUTH(CLI, "allow", allow, "{mschap2, mschap1, chap, pap}"),
	PPP_LINK(CLI, "1460", "60"),
	BOOL(CLI, "dial-on-demand", dial_on_demand),
	STR(CLI, "tunnel-secret", tunnel_secret, ""),
	BOOL(CLI, "hide-avps", hide_avps),
	HELLO(CLI),
	IPSEC(CLI),
	IFNAME(CLI, "interface", interface),
	BOOL(CLI, "disabled", disabled),
};
#undef CLI

static const struct cfg_field profile_fields[] = {
	IFNAME(struct cfg_ppp_profile, "bridge", bridge),
	ENUM(struct cfg_ppp_profile, "use-encryption", use_encryption, "default", names_encryption),
};

#define SEC struct cfg_ppp_secret
static const struct cfg_field secret_fields[] = {
	STR(SEC, "password", password, ""),
	ENUM(SEC, "service", service, "any", names_service),
	STR(SEC, "caller-id", caller_id, ""),
	STR(SEC, "profile", profile, "default"),
	IFNAME(SEC, "interface", interface),
	BOOL(SEC, "disabled", disabled),
};
#undef SEC

#define SECTION(n, f, st)                                                                     \
	.name = n, .fields = f, .n_fields = sizeof(f) / sizeof(f[0]), .size = sizeof(st)
#define TITLED(st) .titled = 1, .title_off = offsetof(st, title), .line_off = offsetof(st, line)
const struct cfg_section cfg_sec_root = { SECTION("", root_fields, struct cfg) };
const struct cfg_section cfg_sec_server = { SECTION("l2tp-server", server_fields,
						    struct cfg_l2tp_server) };
const struct cfg_section cfg_sec_pw = { SECTION("pseudowire", pw_fields, struct cfg_pseudowire),
					TITLED(struct cfg_pseudowire),
					.iface_off = offsetof(struct cfg_pseudowire, interface) };
const struct cfg_section cfg_sec_client = { SECTION("l2tp-client", client_fields,
						    struct cfg_l2tp_client),
					    TITLED(struct cfg_l2tp_client),
					    .iface_off = offsetof(struct cfg_l2tp_client, interface) };
const struct cfg_section cfg_sec_profile = { SECTION("ppp-profile", profile_fields,
						     struct cfg_ppp_profile),
					     TITLED(struct cfg_ppp_profile) };
const struct cfg_section cfg_sec_secret = { SECTION("ppp-secret", secret_fields,
						    struct cfg_ppp_secret),
					    TITLED(struct cfg_ppp_secret),
					    .iface_off = offsetof(struct cfg_ppp_secret, interface) };

static const struct cfg_section *const subsections[] = {
	&cfg_sec_pw, &cfg_sec_server, &cfg_sec_client, &cfg_sec_profile, &cfg_sec_secret,
};
#define N_SUBSECTIONS (sizeof(subsections) / sizeof(subsections[0]))

const char *cfg_enum_name(const struct cfg_enum *names, int value)
{
	for (; names->name; names++)
		if (names->value == value)
			return names->name;
	return "?";
}

const char *cfg_enum_list(const struct cfg_enum *names, char *buf, size_t len)
{
	size_t n = 0, used = 0;

	while (names[n].name)
		n++;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int w = snprintf(buf + used, len - used, "%s%s", sep, names[i].name);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

const char *cfg_fastpath_name(enum cfg_fastpath v)
{
	return cfg_enum_name(names_fastpath, (int)v);
}

const char *cfg_encap_name(enum cfg_encap v)
{
	return cfg_enum_name(names_encap, (int)v);
}

const char *cfg_pw_mode_name(enum cfg_pw_mode v)
{
	return cfg_enum_name(names_mode, (int)v);
}

const char *cfg_encryption_name(enum cfg_encryption v)
{
	return cfg_enum_name(names_encryption, (int)v);
}

const char *cfg_auth_name(uint32_t bit)
{
	return cfg_enum_name(cfg_names_auth, (int)bit);
}

/*
 * The default as libconfuse's own parser reads it: lists verbatim, scalars
 * quoted (cfg_escape() makes any text safe).
 */
static char *default_text(const struct cfg_field *f)
{
	size_t need;
	char *s;

	if (f->type == CFG_FT_AUTH)
		return strdup(f->def);
	need = cfg_escape(NULL, 0, f->def) + 3;
	s = malloc(need);
	if (!s)
		return NULL;
	s[0] = '"';
	cfg_escape(s + 1, need - 2, f->def);
	strcat(s, "\"");
	return s;
}

/*
 * Each leaf gets record_line as its validation callback: libconfuse calls it
 * right after it stores a value, both for the user's value and for the
 * default it parses when it creates the section (when the lexer is at the
 * section's opening brace), which is how every value gets its line.
 */
static int leaves_fill(cfg_opt_t *o, const struct cfg_section *kind,
		       cfg_validate_callback_t record_line)
{
	for (size_t i = 0; i < kind->n_fields; i++) {
		const struct cfg_field *f = &kind->fields[i];

		o[i].name = f->key;
		o[i].type = CFGT_STR;
		o[i].flags = f->type == CFG_FT_AUTH ? CFGF_LIST : CFGF_NONE;
		o[i].def.parsed = default_text(f);
		o[i].validcb = record_line;
		if (!o[i].def.parsed)
			return -1;
	}
	return 0;
}

/*
 * Every section is CFGF_MULTI, l2tp-server too: then libconfuse creates it
 * (and so records its line) when the file opens it, and cfg.c can refuse a
 * second one instead of silently merging the two.
 */
cfg_opt_t *cfg_schema_opts(cfg_validate_callback_t record_line)
{
	size_t n = cfg_sec_root.n_fields;
	cfg_opt_t *o = calloc(n + N_SUBSECTIONS + 1, sizeof(*o));

	if (!o)
		return NULL;
	if (leaves_fill(o, &cfg_sec_root, record_line) < 0)
		goto fail;
	for (size_t i = 0; i < N_SUBSECTIONS; i++) {
		const struct cfg_section *k = subsections[i];
		cfg_opt_t *sub = calloc(k->n_fields + 1, sizeof(*sub));

		o[n + i].name = k->name;
		o[n + i].type = CFGT_SEC;
		o[n + i].flags = CFGF_MULTI | (k->titled ? CFGF_TITLE | CFGF_NO_TITLE_DUPES : 0);
		o[n + i].subopts = sub;
		if (!sub || leaves_fill(sub, k, record_line) < 0)
			goto fail;
	}
	return o;
fail:
	cfg_schema_free(o);
	return NULL;
}

/* Frees what cfg_schema_opts() allocated; names are the tables' own. */
void cfg_schema_free(cfg_opt_t *opts)
{
	if (!opts)
		return;
	for (size_t i = 0; opts[i].name; i++) {
		free(opts[i].def.parsed);
		cfg_schema_free(opts[i].subopts);
	}
	free(opts);
}
