/*
 * Site configuration: the libconfuse schema of DESIGN.md turned into plain,
 * validated structs.  cfg_load() parses and validates everything up front, so
 * the daemon never sees a bad value; cfg_write() writes the normalized form
 * (`l2pwd -n`), which parses back to the same struct.
 *
 * Ownership: cfg_load() returns a struct cfg the caller frees with cfg_unload();
 * every string and array inside belongs to it.
 *
 * What a loaded config guarantees: every char * is non-NULL ("" when
 * unset); derived defaults are filled in (name, status_socket, ipsec_dir,
 * each pseudowire's and client's interface, each pseudowire's bridge);
 * every value is in its documented range and the cross-checks of
 * l2pwd.conf(5) hold (e.g. static pseudowires have all four ids, and their
 * cookies when cookie_length > 0; dynamic ones have a pw_id and no ids or
 * cookies; interface names are unique; every profile named exists).
 *
 * The names cfg_free and cfg_print belong to libconfuse, which this module
 * links: defining them here would replace libconfuse's own.
 */
#ifndef L2PW_CFG_H
#define L2PW_CFG_H

#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define CFG_NAME_MAX 64
#define CFG_IFNAME_MAX 16 /* IFNAMSIZ, including the NUL */

enum cfg_fastpath { CFG_FASTPATH_AUTO, CFG_FASTPATH_XDP, CFG_FASTPATH_TC, CFG_FASTPATH_OFF };
enum cfg_pw_mode { CFG_PW_DYNAMIC, CFG_PW_STATIC };
enum cfg_encap { CFG_ENCAP_UDP, CFG_ENCAP_IP };
enum cfg_pw_type { CFG_PW_ETHERNET, CFG_PW_ETHERNET_VLAN };
enum cfg_sublayer { CFG_SUBLAYER_NONE, CFG_SUBLAYER_DEFAULT };
enum cfg_digest { CFG_DIGEST_MD5, CFG_DIGEST_SHA1 };
enum cfg_ipsec { CFG_IPSEC_NO, CFG_IPSEC_YES, CFG_IPSEC_REQUIRE };
enum cfg_ipsec_mode { CFG_IPSEC_TRANSPORT, CFG_IPSEC_TUNNEL };
enum cfg_encryption { CFG_ENC_DEFAULT, CFG_ENC_NO, CFG_ENC_YES, CFG_ENC_REQUIRED };
enum cfg_service { CFG_SERVICE_ANY, CFG_SERVICE_L2TP };

/* Authentication methods, as bits (l2tp-server authentication, l2tp-client allow). */
#define CFG_AUTH_PAP (1u << 0)
#define CFG_AUTH_CHAP (1u << 1)
#define CFG_AUTH_MSCHAP1 (1u << 2)
#define CFG_AUTH_MSCHAP2 (1u << 3)

/* An underlay address as given in the config; family AF_UNSPEC when absent. */
struct cfg_addr {
	struct sockaddr_storage ss; /* port 0; the port lives beside it */
	socklen_t len;
	char text[64]; /* as normalized for printing */
};

struct cfg_ipsec_opts {
	enum cfg_ipsec use;
	char *secret;
	enum cfg_ipsec_mode mode;
};

struct cfg_pseudowire {
	char *title; /* section title, e.g. "to-office-b" */
	int line;    /* where the section starts, for messages */
	enum cfg_pw_mode mode;
	struct cfg_addr remote;
	struct cfg_addr local; /* AF_UNSPEC: chosen by the kernel */
	enum cfg_encap encap;
	uint16_t port;
	uint32_t pw_id;
	enum cfg_pw_type pw_type;
	uint16_t vlan_id;
	uint8_t cookie_length; /* 0, 4 or 8 */
	enum cfg_sublayer l2_sublayer;
	int sequencing;
	char *secret; /* "" when unset */
	enum cfg_digest digest;
	uint32_t hello_interval;
	struct cfg_ipsec_opts ipsec;
	char interface[CFG_IFNAME_MAX];
	char bridge[CFG_IFNAME_MAX];
	int disabled;
	/* static mode (all 0 in dynamic mode) */
	uint32_t tunnel_id, peer_tunnel_id, session_id, peer_session_id;
	uint8_t cookie[8], peer_cookie[8]; /* cookie_length bytes of each are used */
};

struct cfg_l2tp_server {
	int line; /* where the section starts; 0 when the file has none */
	int enabled;
	struct cfg_addr listen;
	uint16_t port;
	uint32_t authentication; /* CFG_AUTH_* bits */
	char *default_profile;
	uint32_t max_mtu, max_mru, mrru;
	uint32_t keepalive_timeout;
	char *tunnel_secret;
	int hide_avps;
	uint32_t hello_interval;
	struct cfg_ipsec_opts ipsec;
};

struct cfg_l2tp_client {
	char *title;
	int line;
	struct cfg_addr connect_to;
	uint16_t port;
	char *user, *password, *profile;
	uint32_t allow; /* CFG_AUTH_* bits */
	uint32_t max_mtu, max_mru, mrru;
	uint32_t keepalive_timeout;
	int dial_on_demand;
	char *tunnel_secret;
	int hide_avps;
	uint32_t hello_interval;
	struct cfg_ipsec_opts ipsec;
	char interface[CFG_IFNAME_MAX];
	int disabled;
};

struct cfg_ppp_profile {
	char *title;
	int line; /* 0 for a built-in that the file does not override */
	char bridge[CFG_IFNAME_MAX]; /* "" = no BCP */
	enum cfg_encryption use_encryption;
	int builtin;
};

struct cfg_ppp_secret {
	char *title; /* the user name */
	int line;
	char *password;
	enum cfg_service service;
	char *caller_id; /* "" = any */
	char *profile;   /* "default" means the l2tp-server's default_profile, as in RouterOS */
	char interface[CFG_IFNAME_MAX]; /* "" = dynamic */
	int disabled;
};

struct cfg {
	char *file;
	char *name;
	char *status_socket;
	int log_level; /* LOG_ERR .. LOG_DEBUG */
	char bridge[CFG_IFNAME_MAX];
	char wan_interface[CFG_IFNAME_MAX];
	enum cfg_fastpath fastpath;
	char *ipsec_vici;
	char *ipsec_dir;

	struct cfg_pseudowire *pw;
	size_t n_pw;
	struct cfg_l2tp_server server;
	struct cfg_l2tp_client *client;
	size_t n_client;
	struct cfg_ppp_profile *profile; /* built-ins "default", "default-encryption" first */
	size_t n_profile;
	struct cfg_ppp_secret *secret;
	size_t n_secret;
};

/*
 * Parse and validate FILE.  On error returns NULL and writes one line
 * "FILE:LINE: message" naming the bad value into err (size errlen; the line
 * has no trailing newline).  FILE is used in messages exactly as given.
 * The site name defaults to FILE's base name without ".conf".
 *
 * Not thread-safe: libconfuse's lexer keeps its state in globals, so loads
 * must not run concurrently (the daemon loads from its one thread).
 * No file other than FILE is opened: `include` is not part of the schema.
 */
struct cfg *cfg_load(const char *file, char *err, size_t errlen);
/* Same, from a NUL-terminated string (tests, fuzzing); name is used in messages. */
struct cfg *cfg_load_string(const char *name, const char *text, char *err, size_t errlen);
/* Frees c and everything in it; NULL is accepted. */
void cfg_unload(struct cfg *c);
/*
 * The normalized config: every key with its effective value, stable order,
 * valid libconfuse syntax that cfg_load() parses back to the same struct.
 * Secrets and passwords are printed as they are (see l2pwd.conf(5)).
 */
void cfg_write(const struct cfg *c, FILE *out);

/* The profile called name (built-ins included), or NULL. */
const struct cfg_ppp_profile *cfg_profile_find(const struct cfg *c, const char *name);

/*
 * 1 when every configured value is the same (the line numbers aside): what
 * SIGHUP uses to keep unchanged tunnels running.
 */
int cfg_pseudowire_equal(const struct cfg_pseudowire *a, const struct cfg_pseudowire *b);
int cfg_l2tp_server_equal(const struct cfg_l2tp_server *a, const struct cfg_l2tp_server *b);
int cfg_l2tp_client_equal(const struct cfg_l2tp_client *a, const struct cfg_l2tp_client *b);
int cfg_ppp_profile_equal(const struct cfg_ppp_profile *a, const struct cfg_ppp_profile *b);
int cfg_ppp_secret_equal(const struct cfg_ppp_secret *a, const struct cfg_ppp_secret *b);

/* Enum names as they appear in the config file ("?" for a bad value). */
const char *cfg_fastpath_name(enum cfg_fastpath v);
const char *cfg_encap_name(enum cfg_encap v);
const char *cfg_pw_mode_name(enum cfg_pw_mode v);
const char *cfg_encryption_name(enum cfg_encryption v);
/* "pap", "chap", "mschap1" or "mschap2" for one CFG_AUTH_* bit. */
const char *cfg_auth_name(uint32_t bit);

#endif
