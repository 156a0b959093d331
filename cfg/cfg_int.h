/*
 * Inside the config module: one table of fields per section drives
 * everything.  The libconfuse schema (every key, its default), the
 * conversion of each value into the struct of cfg.h (with its check and its
 * message), printing and comparing are all generated from the same rows, so
 * a key cannot be parsed but not printed, or printed under another name.
 *
 * libconfuse only tokenizes: every leaf key is a libconfuse string (or a
 * string list), and this module parses numbers, booleans, addresses and
 * names itself so that each message can quote the bad value.
 */
#ifndef L2PW_CFG_INT_H
#define L2PW_CFG_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <confuse.h>

#include "cfg.h"
#include "log.h"

enum cfg_ftype {
	CFG_FT_STR,    /* char *, owned by the struct */
	CFG_FT_IFNAME, /* char[CFG_IFNAME_MAX]; "" is allowed here (derived or none) */
	CFG_FT_ADDR,   /* struct cfg_addr; "" is AF_UNSPEC */
	CFG_FT_UINT,   /* uint8_t/uint16_t/uint32_t (by size), min..max, 0 too if zero_ok */
	CFG_FT_BOOL,   /* int 0/1 */
	CFG_FT_ENUM,   /* an int-sized enum, by names */
	CFG_FT_AUTH,   /* uint32_t of CFG_AUTH_* bits, a libconfuse list */
	CFG_FT_COOKIE, /* uint8_t[8] of a pseudowire; length from its cookie-length */
};

struct cfg_enum {
	const char *name; /* NULL ends a table */
	int value;
};

struct cfg_field {
	const char *key;
	enum cfg_ftype type;
	size_t off, size;          /* of the member in the section's struct */
	const char *def;           /* default as written in a file (lists with braces) */
	uint32_t min, max;         /* CFG_FT_UINT */
	int zero_ok;               /* CFG_FT_UINT: 0 also accepted (meaning "unset") */
	uint32_t only;             /* CFG_FT_UINT: when not 0, the values 0..31 allowed, as bits */
	const struct cfg_enum *names; /* CFG_FT_ENUM and CFG_FT_AUTH */
};

/*
 * A section kind: its keyword, its rows, how libconfuse sees it, and where
 * its struct keeps the title, the line and the interface name (titled
 * kinds; iface_off 0 when the kind has no interface).
 */
struct cfg_section {
	const char *name; /* "pseudowire"; "" for the file's top level */
	const struct cfg_field *fields;
	size_t n_fields;
	int titled; /* pseudowire "title" { } */
	size_t size, title_off, line_off, iface_off;
};

extern const struct cfg_section cfg_sec_root, cfg_sec_pw, cfg_sec_server, cfg_sec_client,
	cfg_sec_profile, cfg_sec_secret;
extern const struct cfg_enum cfg_names_auth[];

/* The libconfuse option tree for the whole file; free with cfg_schema_free(). */
cfg_opt_t *cfg_schema_opts(cfg_validate_callback_t record_line);
void cfg_schema_free(cfg_opt_t *opts);

/* Where each libconfuse option got its value; see cfg_parse_record(). */
struct cfg_line {
	const cfg_opt_t *opt;
	size_t seq;
	int line;
};

/* One load in progress. */
struct cfg_loadctx {
	const char *name; /* the file name as given, for messages */
	char *err;
	size_t errlen;
	int failed;
	int oom;
	struct cfg_line *lines;
	size_t n_lines, cap_lines;
	int sorted;
};

/*
 * A section being converted: its libconfuse node, and the prefix of its
 * messages ("pseudowire \"to-b\": ", "l2tp-server: " or "").
 */
struct cfg_sec {
	struct cfg_loadctx *p;
	cfg_t *node;
	const struct cfg_section *kind;
	char prefix[160];
	int line; /* where the section starts (1 for the top level) */
};

/*
 * The first error wins: writes "NAME:LINE: PREFIX message" into p->err and
 * returns -1.  Later calls return -1 and keep the first message.
 */
int cfg_error_at(struct cfg_loadctx *p, int line, const char *prefix, const char *fmt, ...)
	L2PW_PRINTF(4, 5);
/* The same, at the line where key got its value in section s (or s's line). */
int cfg_sec_error(const struct cfg_sec *s, const char *key, const char *fmt, ...)
	L2PW_PRINTF(3, 4);
int cfg_sec_keyline(const struct cfg_sec *s, const char *key);
/* The user wrote key in this section (it is not libconfuse's default). */
int cfg_sec_isset(const struct cfg_sec *s, const char *key);

/*
 * Quote s for a libconfuse double-quoted string: \" \\ \$ \n \t and \xHH for
 * other control bytes, so the file reads back byte for byte.  Writes at most
 * len bytes including the NUL, returns the length it needs (snprintf-like).
 */
size_t cfg_escape(char *dst, size_t len, const char *s);
/* cfg_escape() into a new string the caller frees; NULL without memory. */
char *cfg_escaped(const char *s);
/* s quoted for a message: escaped, cut to 64 bytes with "..." ; buf >= 80. */
const char *cfg_quote_msg(char *buf, size_t len, const char *s);

/* Converts every row of s->kind into base (only the keys the file sets when only_set). */
int cfg_fields_load(const struct cfg_sec *s, void *base, int only_set);
void cfg_fields_free(const struct cfg_section *kind, void *base);
int cfg_fields_equal(const struct cfg_section *kind, const void *a, const void *b);
void cfg_fields_print(const struct cfg_section *kind, const void *base, FILE *out,
		      const char *indent);
const char *cfg_enum_name(const struct cfg_enum *names, int value);
/* "a, b or c" into buf. */
const char *cfg_enum_list(const struct cfg_enum *names, char *buf, size_t len);

/*
 * Replaces every comment byte of text by a space, newlines kept
 * (cfg_comment.c).  Returns 0, or the line of a string, comment or '{'
 * that is never closed, with *what saying which.
 */
int cfg_comments_blank(char *text, const char **what);

/* Interface names: 1..15 bytes, none of '/', ':', whitespace or control bytes. */
int cfg_ifname_valid(const char *name);
/* prefix + title, made a valid interface name (the rule is in l2pwd.conf(5)). */
void cfg_ifname_derive(char out[CFG_IFNAME_MAX], const char *prefix, const char *title);

/*
 * Checks across the fields of one section, and against the sections already
 * converted into c (cfg_check.c): sections are converted in the order
 * root, ppp-profile, pseudowire, l2tp-server, l2tp-client, ppp-secret.
 */
int cfg_check_root(const struct cfg_sec *s, struct cfg *c);
int cfg_check_pw(const struct cfg_sec *s, const struct cfg *c, struct cfg_pseudowire *pw);
int cfg_check_server(const struct cfg_sec *s, const struct cfg *c);
int cfg_check_client(const struct cfg_sec *s, const struct cfg *c, struct cfg_l2tp_client *cl);
int cfg_check_secret(const struct cfg_sec *s, const struct cfg *c,
		     const struct cfg_ppp_secret *sec);

#endif
