/*
 * One value at a time, driven by the rows of cfg_schema.c: text from the
 * file -> checked struct member (with a message quoting the bad text), and
 * struct member -> text that reads back the same (cfg_write()).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_int.h"

size_t cfg_escape(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char tmp[5];

		/*
		 * libconfuse expands ${VAR} inside double quotes, so a '$' is
		 * escaped too: the printed file must not read the environment.
		 */
		if (ch == '"' || ch == '\\' || ch == '$')
			snprintf(tmp, sizeof(tmp), "\\%c", ch);
		else if (ch == '\n')
			snprintf(tmp, sizeof(tmp), "\\n");
		else if (ch == '\t')
			snprintf(tmp, sizeof(tmp), "\\t");
		else if (ch < 0x20 || ch == 0x7f)
			snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
		else
			snprintf(tmp, sizeof(tmp), "%c", ch);
		for (const char *t = tmp; *t; t++, n++)
			if (n + 1 < len)
				dst[n] = *t;
	}
	if (len)
		dst[n < len ? n : len - 1] = '\0';
	return n;
}

const char *cfg_quote_msg(char *buf, size_t len, const char *s)
{
	size_t cut = len < 80 ? len : 68;

	if (cfg_escape(buf, cut, s) >= cut && cut > 4)
		strcpy(buf + cut - 4, "...");
	return buf;
}

int cfg_ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CFG_IFNAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	/* What the kernel's dev_valid_name() refuses, plus control bytes. */
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ':')
			return 0;
	return 1;
}

/* FNV-1a, 32 bits: a stable tag for titles too long for IFNAMSIZ. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/*
 * prefix + title, bytes other than [A-Za-z0-9_.-] replaced by '-'; when that
 * is longer than 15 bytes, its first 10 bytes, '-' and 4 hex digits of the
 * title's FNV-1a hash, so two long titles sharing a beginning still differ.
 */
void cfg_ifname_derive(char out[CFG_IFNAME_MAX], const char *prefix, const char *title)
{
	char full[CFG_NAME_MAX * 2];
	size_t n = 0;

	for (const char *s = prefix; *s && n + 1 < sizeof(full); s++)
		full[n++] = *s;
	for (const char *s = title; *s && n + 1 < sizeof(full); s++)
		full[n++] = isalnum((unsigned char)*s) || strchr("_.-", *s) ? *s : '-';
	full[n] = '\0';
	if (strlen(title) + strlen(prefix) < CFG_IFNAME_MAX) {
		memcpy(out, full, n + 1);
		return;
	}
	snprintf(out, CFG_IFNAME_MAX, "%.10s-%04x", full, (unsigned)(fnv1a(title) & 0xffff));
}

/* Decimal only: "010" is ten, and "0x10" is refused rather than read as 16. */
static int parse_uint(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > 0xffffffffull)
			return -1;
	}
	*out = v;
	return 0;
}

/* "0, 4 or 8" from the bits of only. */
static const char *only_list(uint32_t only, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t v = 0; v < 32 && used < len; v++) {
		uint32_t rest = only >> v >> 1;
		int w;

		if (!(only >> v & 1))
			continue;
		w = snprintf(buf + used, len - used, "%s%u", !used ? "" : rest ? ", " : " or ", v);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

static int load_uint(const struct cfg_sec *s, const struct cfg_field *f, void *m, const char *v)
{
	char q[80], list[64];
	uint64_t n;

	if (parse_uint(v, &n) < 0)
		return cfg_sec_error(s, f->key, "%s \"%s\" is not a number", f->key,
				     cfg_quote_msg(q, sizeof(q), v));
	if (f->only && (n >= 32 || !(f->only >> n & 1)))
		return cfg_sec_error(s, f->key, "%s \"%s\" is not %s", f->key,
				     cfg_quote_msg(q, sizeof(q), v),
				     only_list(f->only, list, sizeof(list)));
	if ((n < f->min || n > f->max) && !(n == 0 && f->zero_ok))
		return cfg_sec_error(s, f->key, "%s \"%s\" is not %sin %u..%u", f->key,
				     cfg_quote_msg(q, sizeof(q), v), f->zero_ok ? "0 or " : "",
				     f->min, f->max);
	if (f->size == 1)
		*(uint8_t *)m = (uint8_t)n;
	else if (f->size == 2)
		*(uint16_t *)m = (uint16_t)n;
	else
		*(uint32_t *)m = (uint32_t)n;
	return 0;
}

static uint32_t get_uint(const struct cfg_field *f, const void *m)
{
	if (f->size == 1)
		return *(const uint8_t *)m;
	if (f->size == 2)
		return *(const uint16_t *)m;
	return *(const uint32_t *)m;
}

/* libconfuse's own boolean words, so old habits keep working. */
static int load_bool(const struct cfg_sec *s, const struct cfg_field *f, int *m, const char *v)
{
	static const char *const yes[] = {"yes", "true", "on"}, *const no[] = {"no", "false",
									       "off"};
	char q[80];

	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*m = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return cfg_sec_error(s, f->key, "%s \"%s\" is not yes or no", f->key,
			     cfg_quote_msg(q, sizeof(q), v));
}

static int enum_value(const struct cfg_enum *names, const char *v, int *out)
{
	for (; names->name; names++) {
		if (strcmp(names->name, v) == 0) {
			*out = names->value;
			return 0;
		}
	}
	return -1;
}

static int enum_error(const struct cfg_sec *s, const struct cfg_field *f, const char *v)
{
	char q[80], list[160];

	return cfg_sec_error(s, f->key, "%s \"%s\" is not one of %s", f->key,
			     cfg_quote_msg(q, sizeof(q), v),
			     cfg_enum_list(f->names, list, sizeof(list)));
}

static int load_enum(const struct cfg_sec *s, const struct cfg_field *f, int *m, const char *v)
{
	return enum_value(f->names, v, m) < 0 ? enum_error(s, f, v) : 0;
}

static int load_auth(const struct cfg_sec *s, const struct cfg_field *f, uint32_t *m)
{
	unsigned int n = cfg_size(s->node, f->key);
	uint32_t bits = 0;

	for (unsigned int i = 0; i < n; i++) {
		const char *v = cfg_getnstr(s->node, f->key, i);
		int bit;

		if (enum_value(f->names, v, &bit) < 0)
			return enum_error(s, f, v);
		bits |= (uint32_t)bit;
	}
	if (!bits)
		return cfg_sec_error(s, f->key, "%s names no method", f->key);
	*m = bits;
	return 0;
}

static int load_addr(const struct cfg_sec *s, const struct cfg_field *f, struct cfg_addr *a,
		     const char *v)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	char q[80];

	memset(a, 0, sizeof(*a));
	a->ss.ss_family = AF_UNSPEC;
	if (!*v)
		return 0;
	if (inet_pton(AF_INET, v, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		a->len = sizeof(*in);
		inet_ntop(AF_INET, &in->sin_addr, a->text, sizeof(a->text));
		return 0;
	}
	if (inet_pton(AF_INET6, v, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		a->len = sizeof(*in6);
		inet_ntop(AF_INET6, &in6->sin6_addr, a->text, sizeof(a->text));
		return 0;
	}
	return cfg_sec_error(s, f->key, "%s \"%s\" is not an IPv4 or IPv6 address", f->key,
			     cfg_quote_msg(q, sizeof(q), v));
}

static int load_ifname(const struct cfg_sec *s, const struct cfg_field *f, char *m, const char *v)
{
	char q[80];

	if (*v && !cfg_ifname_valid(v))
		return cfg_sec_error(s, f->key,
				     "%s \"%s\" is not an interface name (1..15 bytes, no '/', ':' "
				     "or whitespace)",
				     f->key, cfg_quote_msg(q, sizeof(q), v));
	snprintf(m, CFG_IFNAME_MAX, "%s", v);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * Static mode has no control connection to exchange cookies (the Assigned
 * Cookie AVP of RFC 3931), so both must be written out, cookie-length bytes each, like
 * `ip l2tp add session ... cookie HEX peer_cookie HEX`.
 */
static int load_cookie(const struct cfg_sec *s, const struct cfg_field *f, uint8_t *m,
		       const char *v)
{
	const struct cfg_pseudowire *pw = (const void *)(m - f->off);
	size_t len = pw->cookie_length, n = strlen(v);
	char q[80];

	if (pw->mode != CFG_PW_STATIC || len == 0) {
		if (!*v)
			return 0;
		return cfg_sec_error(s, f->key,
				     "%s \"%s\" needs mode static and cookie-length 4 or 8", f->key,
				     cfg_quote_msg(q, sizeof(q), v));
	}
	if (!*v)
		return cfg_sec_error(s, f->key, "mode static with cookie-length %zu needs %s", len,
				     f->key);
	if (n != 2 + 2 * len || v[0] != '0' || (v[1] != 'x' && v[1] != 'X'))
		goto bad;
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);

		if (hi < 0 || lo < 0)
			goto bad;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
bad:
	return cfg_sec_error(s, f->key,
			     "%s \"%s\" is not 0x and %zu hex digits (cookie-length %zu)", f->key,
			     cfg_quote_msg(q, sizeof(q), v), 2 * len, len);
}

static int load_str(char **m, const char *v)
{
	*m = strdup(v);
	return *m ? 0 : -1;
}

static int field_load(const struct cfg_sec *s, const struct cfg_field *f, void *base)
{
	char *m = (char *)base + f->off;
	const char *v = f->type == CFG_FT_AUTH ? NULL : cfg_getstr(s->node, f->key);

	if (f->type != CFG_FT_AUTH && !v)
		return cfg_sec_error(s, f->key, "%s has no value", f->key);
	switch (f->type) {
	case CFG_FT_STR:
		free(*(char **)m);
		*(char **)m = NULL;
		if (load_str((char **)m, v) < 0)
			return cfg_sec_error(s, f->key, "out of memory");
		return 0;
	case CFG_FT_IFNAME:
		return load_ifname(s, f, m, v);
	case CFG_FT_ADDR:
		return load_addr(s, f, (struct cfg_addr *)m, v);
	case CFG_FT_UINT:
		return load_uint(s, f, m, v);
	case CFG_FT_BOOL:
		return load_bool(s, f, (int *)m, v);
	case CFG_FT_ENUM:
		return load_enum(s, f, (int *)m, v);
	case CFG_FT_AUTH:
		return load_auth(s, f, (uint32_t *)m);
	case CFG_FT_COOKIE:
		return load_cookie(s, f, (uint8_t *)m, v);
	default:
		return cfg_sec_error(s, f->key, "internal error: no parser for %s", f->key);
	}
}

int cfg_fields_load(const struct cfg_sec *s, void *base, int only_set)
{
	for (size_t i = 0; i < s->kind->n_fields; i++) {
		const struct cfg_field *f = &s->kind->fields[i];

		if (only_set && !cfg_sec_isset(s, f->key))
			continue;
		if (field_load(s, f, base) < 0)
			return -1;
	}
	return 0;
}

void cfg_fields_free(const struct cfg_section *kind, void *base)
{
	for (size_t i = 0; i < kind->n_fields; i++) {
		if (kind->fields[i].type == CFG_FT_STR) {
			char **m = (char **)((char *)base + kind->fields[i].off);

			free(*m);
			*m = NULL;
		}
	}
}

static int field_equal(const struct cfg_field *f, const void *a, const void *b)
{
	const char *ma = (const char *)a + f->off, *mb = (const char *)b + f->off;

	switch (f->type) {
	case CFG_FT_STR: {
		const char *sa = *(char *const *)ma, *sb = *(char *const *)mb;

		return strcmp(sa ? sa : "", sb ? sb : "") == 0;
	}
	case CFG_FT_IFNAME:
		return strcmp(ma, mb) == 0;
	case CFG_FT_ADDR:
		/* The normalized text is the address, family included. */
		return strcmp(((const struct cfg_addr *)ma)->text,
			      ((const struct cfg_addr *)mb)->text) == 0;
	default:
		return memcmp(ma, mb, f->size) == 0;
	}
}

int cfg_fields_equal(const struct cfg_section *kind, const void *a, const void *b)
{
	for (size_t i = 0; i < kind->n_fields; i++)
		if (!field_equal(&kind->fields[i], a, b))
			return 0;
	return 1;
}

char *cfg_escaped(const char *s)
{
	size_t need = cfg_escape(NULL, 0, s) + 1;
	char *buf = malloc(need);

	if (buf)
		cfg_escape(buf, need, s);
	return buf;
}

static void print_quoted(FILE *out, const char *v)
{
	char *e = cfg_escaped(v);

	fprintf(out, "\"%s\"", e ? e : "");
	free(e);
}

static void print_auth(FILE *out, const struct cfg_field *f, uint32_t bits)
{
	const char *sep = "";

	fputc('{', out);
	for (const struct cfg_enum *e = f->names; e->name; e++) {
		if (bits & (uint32_t)e->value) {
			fprintf(out, "%s%s", sep, e->name);
			sep = ", ";
		}
	}
	fputc('}', out);
}

/* The same text load_cookie() reads: "" unless the cookie is in use. */
static void print_cookie(FILE *out, const struct cfg_field *f, const uint8_t *m)
{
	const struct cfg_pseudowire *pw = (const void *)((const char *)m - f->off);

	fputc('"', out);
	if (pw->mode == CFG_PW_STATIC && pw->cookie_length) {
		fputs("0x", out);
		for (size_t i = 0; i < pw->cookie_length && i < 8; i++)
			fprintf(out, "%02x", m[i]);
	}
	fputc('"', out);
}

static void field_print(const struct cfg_field *f, const void *base, FILE *out)
{
	const char *m = (const char *)base + f->off;

	switch (f->type) {
	case CFG_FT_STR: {
		const char *v = *(char *const *)m;

		print_quoted(out, v ? v : "");
		break;
	}
	case CFG_FT_IFNAME:
		print_quoted(out, m);
		break;
	case CFG_FT_ADDR:
		print_quoted(out, ((const struct cfg_addr *)m)->text);
		break;
	case CFG_FT_UINT:
		fprintf(out, "%u", get_uint(f, m));
		break;
	case CFG_FT_BOOL:
		fputs(*(const int *)m ? "yes" : "no", out);
		break;
	case CFG_FT_ENUM:
		print_quoted(out, cfg_enum_name(f->names, *(const int *)m));
		break;
	case CFG_FT_AUTH:
		print_auth(out, f, *(const uint32_t *)m);
		break;
	case CFG_FT_COOKIE:
		print_cookie(out, f, (const uint8_t *)m);
		break;
	default:
		fputs("\"\"", out);
		break;
	}
}

void cfg_fields_print(const struct cfg_section *kind, const void *base, FILE *out,
		      const char *indent)
{
	size_t width = 0;

	for (size_t i = 0; i < kind->n_fields; i++)
		if (strlen(kind->fields[i].key) > width)
			width = strlen(kind->fields[i].key);
	for (size_t i = 0; i < kind->n_fields; i++) {
		fprintf(out, "%s%-*s = ", indent, (int)width, kind->fields[i].key);
		field_print(&kind->fields[i], base, out);
		fputc('\n', out);
	}
}
