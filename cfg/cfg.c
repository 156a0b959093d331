/*
 * Loading: libconfuse tokenizes the file against the schema of
 * cfg_schema.c, then each section is converted into the structs of cfg.h,
 * row by row (cfg_value.c), and checked (cfg_check.c).  The first problem
 * stops the load with one "FILE:LINE: message".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

/* Files larger than this are refused: a site config is a few kilobytes. */
#define CFG_FILE_MAX (1 << 20)

/*
 * The load in progress.  libconfuse's error and validation callbacks get
 * only its own cfg_t, with no user pointer, so they find the load through
 * this.  It is set only inside cfg_load_string(), which is not reentrant
 * anyway: libconfuse's lexer keeps its state in globals.
 */
static struct cfg_loadctx *cfg_current;

int cfg_error_at(struct cfg_loadctx *p, int line, const char *prefix, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->failed)
		return -1;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s%s", p->name, line > 0 ? line : 1, prefix, msg);
	return -1;
}

static int line_cmp(const void *a, const void *b)
{
	const struct cfg_line *x = a, *y = b;

	if (x->opt != y->opt)
		return (uintptr_t)x->opt < (uintptr_t)y->opt ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * libconfuse calls this after it stores a value: first the default, when
 * it creates the section (the lexer then stands at the section's '{'), then
 * each value the file gives.  The first record of an option is thus the
 * line of its section, the last the line of its value.
 */
static int cfg_parse_record(cfg_t *node, cfg_opt_t *opt)
{
	struct cfg_loadctx *p = cfg_current;

	if (!p)
		return 0;
	if (p->n_lines == p->cap_lines) {
		size_t cap = p->cap_lines ? p->cap_lines * 2 : 256;
		struct cfg_line *n = realloc(p->lines, cap * sizeof(*n));

		if (!n) {
			p->oom = 1;
			return -1;
		}
		p->lines = n;
		p->cap_lines = cap;
	}
	p->lines[p->n_lines] = (struct cfg_line){opt, p->n_lines, node->line};
	p->n_lines++;
	p->sorted = 0;
	return 0;
}

/* The first (first != 0) or last line recorded for opt; 0 when none. */
static int line_of(struct cfg_loadctx *p, const cfg_opt_t *opt, int first)
{
	size_t lo = 0, hi = p->n_lines;
	int line = 0;

	if (!p->sorted) {
		qsort(p->lines, p->n_lines, sizeof(*p->lines), line_cmp);
		p->sorted = 1;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)p->lines[mid].opt < (uintptr_t)opt)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->n_lines && p->lines[lo].opt == opt; lo++) {
		line = p->lines[lo].line;
		if (first)
			break;
	}
	return line;
}

static cfg_opt_t *sec_opt(const struct cfg_sec *s, const char *key)
{
	for (cfg_opt_t *o = s->node->opts; o->name; o++)
		if (strcmp(o->name, key) == 0)
			return o;
	return NULL;
}

int cfg_sec_keyline(const struct cfg_sec *s, const char *key)
{
	cfg_opt_t *o = sec_opt(s, key);
	int line = o ? line_of(s->p, o, 0) : 0;

	return line > 0 ? line : s->line;
}

int cfg_sec_isset(const struct cfg_sec *s, const char *key)
{
	cfg_opt_t *o = sec_opt(s, key);

	return o && (o->flags & CFGF_MODIFIED);
}

int cfg_sec_error(const struct cfg_sec *s, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cfg_error_at(s->p, cfg_sec_keyline(s, key), s->prefix, "%s", msg);
}

/* `pseudowire "to-b": `, `l2tp-server: ` or "" for the top level. */
static void prefix_make(char *buf, size_t len, const char *name, const char *title)
{
	char q[80];

	if (!name || !*name || strcmp(name, "root") == 0)
		buf[0] = '\0';
	else if (title)
		snprintf(buf, len, "%s \"%s\": ", name, cfg_quote_msg(q, sizeof(q), title));
	else
		snprintf(buf, len, "%s: ", name);
}

/* libconfuse's own messages (syntax, unknown keys), with our file name and prefix. */
static void cfg_parse_errfunc(cfg_t *node, const char *fmt, va_list ap)
{
	char msg[512], prefix[160];

	if (!cfg_current)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	prefix_make(prefix, sizeof(prefix), node ? node->name : NULL, node ? node->title : NULL);
	cfg_error_at(cfg_current, node ? node->line : 0, prefix, "%s", msg);
}

static void sec_init(struct cfg_sec *s, struct cfg_loadctx *p, cfg_t *node,
		     const struct cfg_section *kind)
{
	s->p = p;
	s->node = node;
	s->kind = kind;
	prefix_make(s->prefix, sizeof(s->prefix), kind->name, kind->titled ? node->title : NULL);
	s->line = node->opts[0].name ? line_of(p, &node->opts[0], 1) : 0;
	if (s->line <= 0)
		s->line = 1;
}

static int title_check(const struct cfg_sec *s)
{
	if (!s->node->title || !*s->node->title)
		return cfg_error_at(s->p, s->line, s->prefix, "the title is empty");
	if (strlen(s->node->title) >= CFG_NAME_MAX)
		return cfg_error_at(s->p, s->line, s->prefix, "the title is longer than %d bytes",
				    CFG_NAME_MAX - 1);
	return 0;
}

/* Grows *arr by one zeroed element of size sz; returns it or NULL. */
static void *array_add(void *arr, size_t *n, size_t sz)
{
	void **a = arr;
	char *grown = realloc(*a, (*n + 1) * sz);

	if (!grown)
		return NULL;
	*a = grown;
	memset(grown + *n * sz, 0, sz);
	return grown + (*n)++ * sz;
}

/*
 * The common head of pseudowire, l2tp-client and ppp-secret: the title
 * checked, a new element of *arr with its title, line and every row.
 */
static void *section_add(const struct cfg_sec *s, void *arr, size_t *n)
{
	const struct cfg_section *k = s->kind;
	char *e;

	if (title_check(s) < 0)
		return NULL;
	e = array_add(arr, n, k->size);
	if (!e) {
		cfg_error_at(s->p, s->line, s->prefix, "out of memory");
		return NULL;
	}
	*(int *)(e + k->line_off) = s->line;
	*(char **)(e + k->title_off) = strdup(s->node->title);
	if (!*(char **)(e + k->title_off)) {
		cfg_error_at(s->p, s->line, s->prefix, "out of memory");
		return NULL;
	}
	return cfg_fields_load(s, e, 0) < 0 ? NULL : e;
}

static int load_pw(struct cfg_loadctx *p, struct cfg *c, cfg_t *node)
{
	struct cfg_pseudowire *pw;
	struct cfg_sec s;

	sec_init(&s, p, node, &cfg_sec_pw);
	pw = section_add(&s, &c->pw, &c->n_pw);
	return pw ? cfg_check_pw(&s, c, pw) : -1;
}

/*
 * parse() creates the first l2tp-server section, with every default, before
 * the file is read; the file's own, if any, is the second.  (Creating it
 * after the file would make libconfuse parse the defaults with whatever
 * state its lexer was left in.)
 */
static int load_server(struct cfg_loadctx *p, struct cfg *c, cfg_t *root)
{
	unsigned int n = cfg_size(root, cfg_sec_server.name);
	struct cfg_sec s;

	if (n > 2) {
		sec_init(&s, p, cfg_getnsec(root, cfg_sec_server.name, 2), &cfg_sec_server);
		return cfg_error_at(p, s.line, s.prefix, "a second l2tp-server section");
	}
	sec_init(&s, p, cfg_getnsec(root, cfg_sec_server.name, n - 1), &cfg_sec_server);
	c->server.line = n == 2 ? s.line : 0;
	if (cfg_fields_load(&s, &c->server, 0) < 0)
		return -1;
	return cfg_check_server(&s, c);
}

static int load_client(struct cfg_loadctx *p, struct cfg *c, cfg_t *node)
{
	struct cfg_l2tp_client *cl;
	struct cfg_sec s;

	sec_init(&s, p, node, &cfg_sec_client);
	cl = section_add(&s, &c->client, &c->n_client);
	return cl ? cfg_check_client(&s, c, cl) : -1;
}

/* RouterOS's two built-in profiles; a ppp-profile section may change them. */
static int profiles_builtin(struct cfg *c)
{
	static const struct {
		const char *title;
		enum cfg_encryption enc;
	} builtin[] = {{"default", CFG_ENC_DEFAULT}, {"default-encryption", CFG_ENC_YES}};

	for (size_t i = 0; i < 2; i++) {
		struct cfg_ppp_profile *pr = array_add(&c->profile, &c->n_profile, sizeof(*pr));

		if (!pr || !(pr->title = strdup(builtin[i].title)))
			return -1;
		pr->use_encryption = builtin[i].enc;
		pr->builtin = 1;
	}
	return 0;
}

/*
 * An override of a built-in keeps the built-in's value for every key it
 * does not set ("default-encryption" stays encrypted when only the bridge is
 * given), so it reads like editing the built-in in RouterOS.
 */
static int load_profile(struct cfg_loadctx *p, struct cfg *c, cfg_t *node)
{
	struct cfg_ppp_profile *pr = NULL;
	struct cfg_sec s;
	int over = 0;

	sec_init(&s, p, node, &cfg_sec_profile);
	if (title_check(&s) < 0)
		return -1;
	for (size_t i = 0; i < c->n_profile && !pr; i++)
		if (c->profile[i].builtin && strcmp(c->profile[i].title, node->title) == 0)
			pr = &c->profile[i];
	if (pr) {
		over = 1;
		pr->builtin = 0;
	} else {
		pr = array_add(&c->profile, &c->n_profile, sizeof(*pr));
		if (!pr || !(pr->title = strdup(node->title)))
			return cfg_error_at(p, s.line, s.prefix, "out of memory");
	}
	pr->line = s.line;
	return cfg_fields_load(&s, pr, over);
}

static int load_secret(struct cfg_loadctx *p, struct cfg *c, cfg_t *node)
{
	struct cfg_ppp_secret *sec;
	struct cfg_sec s;

	sec_init(&s, p, node, &cfg_sec_secret);
	sec = section_add(&s, &c->secret, &c->n_secret);
	return sec ? cfg_check_secret(&s, c, sec) : -1;
}

static int load_each(struct cfg_loadctx *p, struct cfg *c, cfg_t *root, const char *name,
		     int (*load)(struct cfg_loadctx *, struct cfg *, cfg_t *))
{
	unsigned int n = cfg_size(root, name);

	for (unsigned int i = 0; i < n; i++)
		if (load(p, c, cfg_getnsec(root, name, i)) < 0)
			return -1;
	return 0;
}

/* The order cfg_check.c relies on: what a section refers to is loaded before it. */
static int convert(struct cfg_loadctx *p, struct cfg *c, cfg_t *root)
{
	struct cfg_sec s = {.p = p, .node = root, .kind = &cfg_sec_root, .line = 1};

	if (!(c->file = strdup(p->name)) || profiles_builtin(c) < 0)
		return cfg_error_at(p, 0, "", "out of memory");
	if (cfg_fields_load(&s, c, 0) < 0 || cfg_check_root(&s, c) < 0)
		return -1;
	if (load_each(p, c, root, cfg_sec_profile.name, load_profile) < 0 ||
	    load_each(p, c, root, cfg_sec_pw.name, load_pw) < 0 || load_server(p, c, root) < 0 ||
	    load_each(p, c, root, cfg_sec_client.name, load_client) < 0 ||
	    load_each(p, c, root, cfg_sec_secret.name, load_secret) < 0)
		return -1;
	return 0;
}

static cfg_t *parse(struct cfg_loadctx *p, const char *text)
{
	cfg_opt_t *opts = cfg_schema_opts(cfg_parse_record);
	char *bare = strdup(text);
	cfg_t *root = NULL;
	const char *unclosed;
	int line, rc;

	if (opts && bare)
		root = cfg_init(opts, CFGF_NONE);
	cfg_schema_free(opts);
	if (root && !cfg_setopt(root, cfg_getopt(root, cfg_sec_server.name), NULL)) {
		cfg_free(root);
		root = NULL;
	}
	if (!root) {
		free(bare);
		cfg_error_at(p, 0, "", "out of memory");
		return NULL;
	}
	cfg_set_error_function(root, cfg_parse_errfunc);
	line = cfg_comments_blank(bare, &unclosed);
	/* Not even parsed: libconfuse mishandles what is open at the end. */
	if (unclosed) {
		rc = cfg_error_at(p, line, "", "%s", unclosed);
	} else {
		/* libconfuse tests errno for ERANGE after strtol without clearing it. */
		errno = 0;
		rc = cfg_parse_buf(root, bare) == CFG_SUCCESS ? 0 : -1;
	}
	free(bare);
	if (rc < 0 || p->failed || p->oom) {
		if (p->oom)
			cfg_error_at(p, root->line, "", "out of memory");
		cfg_error_at(p, root->line, "", "syntax error");
		cfg_free(root);
		return NULL;
	}
	return root;
}

struct cfg *cfg_load_string(const char *name, const char *text, char *err, size_t errlen)
{
	char dummy[1];
	struct cfg_loadctx p = {
	    .name = name, .err = errlen ? err : dummy, .errlen = errlen ? errlen : sizeof(dummy)};
	struct cfg *c = NULL;
	cfg_t *root;

	p.err[0] = '\0';
	cfg_current = &p;
	root = parse(&p, text);
	if (root) {
		c = calloc(1, sizeof(*c));
		if (!c)
			cfg_error_at(&p, 0, "", "out of memory");
		else if (convert(&p, c, root) < 0 || p.failed) {
			cfg_unload(c);
			c = NULL;
		}
		cfg_free(root);
	}
	cfg_current = NULL;
	free(p.lines);
	return c;
}

/*
 * The file is read here, not by libconfuse, so that no search path or
 * tilde expansion applies and a NUL byte cannot hide the rest of the file.
 */
static char *read_file(const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char *text = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	text = malloc(CFG_FILE_MAX + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	n = fread(text, 1, CFG_FILE_MAX + 1, f);
	if (ferror(f) || n > CFG_FILE_MAX || memchr(text, '\0', n)) {
		snprintf(err, errlen, "%s: %s", file,
			 ferror(f)	    ? strerror(errno)
			 : n > CFG_FILE_MAX ? "larger than 1 MiB"
					    : "has a NUL byte");
		free(text);
		text = NULL;
		goto out;
	}
	text[n] = '\0';
out:
	fclose(f);
	return text;
}

struct cfg *cfg_load(const char *file, char *err, size_t errlen)
{
	char dummy[1];
	char *text = read_file(file, errlen ? err : dummy, errlen ? errlen : sizeof(dummy));
	struct cfg *c;

	if (!text)
		return NULL;
	c = cfg_load_string(file, text, err, errlen);
	free(text);
	return c;
}

/* Frees the strings of n elements of a titled kind, then the array. */
static void array_free(const struct cfg_section *k, void *arr, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *e = (char *)arr + i * k->size;

		cfg_fields_free(k, e);
		free(*(char **)(e + k->title_off));
	}
	free(arr);
}

void cfg_unload(struct cfg *c)
{
	if (!c)
		return;
	array_free(&cfg_sec_pw, c->pw, c->n_pw);
	array_free(&cfg_sec_client, c->client, c->n_client);
	array_free(&cfg_sec_profile, c->profile, c->n_profile);
	array_free(&cfg_sec_secret, c->secret, c->n_secret);
	cfg_fields_free(&cfg_sec_server, &c->server);
	cfg_fields_free(&cfg_sec_root, c);
	free(c->file);
	free(c);
}

const struct cfg_ppp_profile *cfg_profile_find(const struct cfg *c, const char *name)
{
	for (size_t i = 0; i < c->n_profile; i++)
		if (strcmp(c->profile[i].title, name) == 0)
			return &c->profile[i];
	return NULL;
}

/* Titles are part of what is compared: a renamed section is a new one. */
static int title_equal(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

int cfg_pseudowire_equal(const struct cfg_pseudowire *a, const struct cfg_pseudowire *b)
{
	return title_equal(a->title, b->title) && cfg_fields_equal(&cfg_sec_pw, a, b);
}

int cfg_l2tp_server_equal(const struct cfg_l2tp_server *a, const struct cfg_l2tp_server *b)
{
	return cfg_fields_equal(&cfg_sec_server, a, b);
}

int cfg_l2tp_client_equal(const struct cfg_l2tp_client *a, const struct cfg_l2tp_client *b)
{
	return title_equal(a->title, b->title) && cfg_fields_equal(&cfg_sec_client, a, b);
}

int cfg_ppp_profile_equal(const struct cfg_ppp_profile *a, const struct cfg_ppp_profile *b)
{
	return title_equal(a->title, b->title) && cfg_fields_equal(&cfg_sec_profile, a, b);
}

int cfg_ppp_secret_equal(const struct cfg_ppp_secret *a, const struct cfg_ppp_secret *b)
{
	return title_equal(a->title, b->title) && cfg_fields_equal(&cfg_sec_secret, a, b);
}
