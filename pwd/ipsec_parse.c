/*
 * Reading swanctl's output: SA state from `swanctl --list-sas`, and a short
 * reason from a failed run.  The text comes from another program (and, through
 * identities and names, partly from the IKE peer), so it is read through
 * struct buf like any packet: every line and field is bounded, anything
 * unexpected is counted and skipped, never trusted.
 *
 * The shapes (strongSwan 5.9 plain output, tests/unit/test_ipsec.c has real ones):
 *
 *   NAME: #1, ESTABLISHED, IKEv2, d698b6505c0fe279_i* dffdc6c81608054c_r
 *     local  '198.18.0.1' @ 198.18.0.1[4500]
 *     remote '198.18.0.2' @ 198.18.0.2[4500]
 *     ...
 *     CHILD: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128
 *       in  fbe1963d,      0 bytes,     0 packets
 *       out 60b5ddb6,      0 bytes,     0 packets
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "buf.h"
#include "ipsec.h"

/* The next line of all (without its '\n') as an independent reader. */
static int line_next(struct buf *all, struct buf *line)
{
	size_t n = 0;
	uint8_t ch;

	if (buf_left(all) == 0)
		return -1;
	while (buf_peek_n8(all, n, &ch) == 0 && ch != '\n')
		n++;
	if (buf_get_sub(all, line, n) < 0)
		return -1;
	buf_skip(all, 1); /* the '\n'; absent on the last line */
	return 0;
}

static size_t skip_spaces(struct buf *b)
{
	size_t n = 0;
	uint8_t ch;

	while (buf_peek_n8(b, 0, &ch) == 0 && ch == ' ') {
		buf_skip(b, 1);
		n++;
	}
	return n;
}

/* Consume lit if the line continues with it. */
static int expect(struct buf *b, const char *lit)
{
	size_t i, n = strlen(lit);
	uint8_t ch;

	for (i = 0; i < n; i++)
		if (buf_peek_n8(b, i, &ch) < 0 || ch != (uint8_t)lit[i])
			return -1;
	return buf_skip(b, n);
}

/* A word up to (not including) any byte of stops or the end of the line.
 * Fails when it is empty or does not fit out (NUL-terminated). */
static int word(struct buf *b, char *out, size_t outlen, const char *stops)
{
	size_t n = 0;
	uint8_t ch;

	while (buf_peek_n8(b, n, &ch) == 0 && !strchr(stops, ch) && ch != '\0')
		n++;
	if (n == 0 || n >= outlen)
		return -1;
	return buf_get_bytes(b, out, n) < 0 ? -1 : (out[n] = '\0', 0);
}

static int number(struct buf *b, uint64_t *v)
{
	uint64_t x = 0;
	size_t n = 0;
	uint8_t ch;

	while (buf_peek_n8(b, 0, &ch) == 0 && ch >= '0' && ch <= '9') {
		uint64_t d = (uint64_t)(ch - '0');

		if (x > (UINT64_MAX - d) / 10)
			return -1; /* more digits than any counter has */
		x = x * 10 + d;
		buf_skip(b, 1);
		n++;
	}
	if (n == 0)
		return -1;
	*v = x;
	return 0;
}

/* Does the line (from its cursor) start with lit?  Does not consume. */
static int starts(const struct buf *b, const char *lit)
{
	struct buf c = *b;

	return expect(&c, lit) == 0;
}

/* "NAME: #1, STATE, IKEv2, ..." */
static int ike_line(struct buf *l, char *name, size_t namelen, char *state, size_t statelen,
		    int *version)
{
	char ver[16];
	uint64_t id;

	if (word(l, name, namelen, ":") < 0 || expect(l, ": #") < 0 || number(l, &id) < 0 ||
	    expect(l, ", ") < 0 || word(l, state, statelen, ",") < 0 || expect(l, ", ") < 0 ||
	    word(l, ver, sizeof(ver), ", ") < 0)
		return -1;
	*version = strcmp(ver, "IKEv2") == 0 ? 2 : strcmp(ver, "IKEv1") == 0 ? 1 : 0;
	return 0;
}

/* "  local  'ID' @ ADDR[PORT]": the address after the last " @ " (an identity
 * may contain one). */
static int addr_line(struct buf *l, char *addr, size_t len)
{
	size_t i, at = 0;
	int found = 0;
	uint8_t a, b, c;

	for (i = 0; buf_peek_n8(l, i + 2, &c) == 0; i++)
		if (buf_peek_n8(l, i, &a) == 0 && buf_peek_n8(l, i + 1, &b) == 0 && a == ' ' &&
		    b == '@' && c == ' ') {
			at = i + 3;
			found = 1;
		}
	if (!found || buf_skip(l, at) < 0)
		return -1;
	return word(l, addr, len, "[ ");
}

/* "CHILD: #2, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128" */
static int child_line(struct buf *l, char *name, size_t namelen, struct ipsec_sa_state *cs)
{
	uint64_t v;

	if (word(l, name, namelen, ":") < 0 || expect(l, ": #") < 0 || number(l, &v) < 0 ||
	    expect(l, ", reqid ") < 0 || number(l, &v) < 0 || expect(l, ", ") < 0 ||
	    word(l, cs->child_state, sizeof(cs->child_state), ",") < 0 || expect(l, ", ") < 0 ||
	    word(l, cs->child_mode, sizeof(cs->child_mode), ",") < 0)
		return -1;
	cs->esp[0] = '\0';
	if (expect(l, ", ") == 0 && word(l, cs->esp, sizeof(cs->esp), ", ") < 0)
		return -1;
	return 0;
}

/* "in  SPI,      0 bytes,     0 packets[, 2s ago]" after "in"/"out" */
static int traffic_line(struct buf *l, uint64_t *bytes, uint64_t *packets)
{
	char spi[32];

	skip_spaces(l);
	if (word(l, spi, sizeof(spi), ",") < 0 || expect(l, ",") < 0)
		return -1;
	skip_spaces(l);
	if (number(l, bytes) < 0 || expect(l, " bytes,") < 0)
		return -1;
	skip_spaces(l);
	if (number(l, packets) < 0 || expect(l, " packets") < 0)
		return -1;
	return 0;
}

/* Which IKE_SA of one name to report: an INSTALLED child first (traffic flows
 * even while its IKE_SA is REKEYING or being replaced), then how far IKE got. */
static int ike_rank(const struct ipsec_sa_state *s)
{
	if (s->ike == IPSEC_IKE_NONE)
		return 0;
	if (s->child_installed)
		return s->ike == IPSEC_IKE_ESTABLISHED ? 5 : 4;
	if (s->ike == IPSEC_IKE_ESTABLISHED)
		return 3;
	return s->ike == IPSEC_IKE_CONNECTING ? 2 : 1;
}

static enum ipsec_ike_state ike_state_of(const char *w)
{
	if (strcmp(w, "ESTABLISHED") == 0)
		return IPSEC_IKE_ESTABLISHED;
	if (strcmp(w, "CONNECTING") == 0 || strcmp(w, "CREATED") == 0)
		return IPSEC_IKE_CONNECTING;
	return IPSEC_IKE_OTHER;
}

/* The same address, whatever its spelling (IPv6 has several). */
static int same_addr(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = strchr(a, ':') ? AF_INET6 : AF_INET, fb = strchr(b, ':') ? AF_INET6 : AF_INET;

	if (fa == fb && inet_pton(fa, a, x) == 1 && inet_pton(fb, b, y) == 1)
		return memcmp(x, y, fa == AF_INET ? 4 : 16) == 0;
	return strcmp(a, b) == 0;
}

/* Is the IKE_SA just read one we look for, and better than the best so far? */
static int better(const struct ipsec_sa_state *cur, const struct ipsec_sa_state *best,
		  const char *remote)
{
	if (remote && !same_addr(cur->remote, remote))
		return 0;
	return ike_rank(cur) > ike_rank(best);
}

int ipsec_parse_sas(const char *out, size_t len, const char *name, struct ipsec_sa_state *st)
{
	return ipsec_parse_sas_from(out, len, name, NULL, st);
}

int ipsec_parse_sas_from(const char *out, size_t len, const char *name, const char *remote,
			 struct ipsec_sa_state *st)
{
	struct ipsec_sa_state cur, best;
	struct buf all, l;
	char w[IPSEC_NAME_MAX + 2];
	int in_ike = 0, in_child = 0;
	unsigned bad = 0;

	memset(&best, 0, sizeof(best));
	memset(&cur, 0, sizeof(cur));
	buf_init(&all, out, out ? len : 0);
	while (line_next(&all, &l) == 0) {
		size_t indent = skip_spaces(&l);

		if (buf_left(&l) == 0)
			continue;
		if (indent == 0) {
			/* a new IKE_SA: keep the best one of ours seen so far */
			if (in_ike && better(&cur, &best, remote))
				best = cur;
			memset(&cur, 0, sizeof(cur));
			in_ike = in_child = 0;
			if (ike_line(&l, w, sizeof(w), cur.ike_state, sizeof(cur.ike_state),
				     &cur.ike_version) < 0) {
				bad++;
				continue;
			}
			if (strcmp(w, name) != 0)
				continue;
			in_ike = 1;
			cur.ike = ike_state_of(cur.ike_state);
			continue;
		}
		if (!in_ike)
			continue;
		if (indent == 2) {
			struct ipsec_sa_state cs = cur;

			in_child = 0;
			if (starts(&l, "local ")) {
				if (addr_line(&l, cur.local, sizeof(cur.local)) < 0)
					bad++;
			} else if (starts(&l, "remote ")) {
				if (addr_line(&l, cur.remote, sizeof(cur.remote)) < 0)
					bad++;
			} else if (child_line(&l, w, sizeof(w), &cs) == 0) {
				/* the first INSTALLED child of ours wins; during a rekey
				 * the old and new ones are listed */
				if (strcmp(w, name) == 0 && !cur.child_installed) {
					cur = cs;
					cur.child_installed =
					    strcmp(cs.child_state, "INSTALLED") == 0;
					cur.bytes_in = cur.packets_in = 0;
					cur.bytes_out = cur.packets_out = 0;
					in_child = 1;
				}
			}
			/* other two-space lines: algorithms, times, task lists */
			continue;
		}
		if (indent == 4 && in_child) {
			if (starts(&l, "in ")) {
				buf_skip(&l, 2);
				if (traffic_line(&l, &cur.bytes_in, &cur.packets_in) < 0)
					bad++;
			} else if (starts(&l, "out ")) {
				buf_skip(&l, 3);
				if (traffic_line(&l, &cur.bytes_out, &cur.packets_out) < 0)
					bad++;
			}
		}
	}
	if (in_ike && better(&cur, &best, remote))
		best = cur;
	*st = best;
	st->bad_lines = bad;
	return 0;
}

void ipsec_sa_describe(const struct ipsec_sa_state *st, char *out, size_t len)
{
	const char *esp = st->esp;

	if (!len)
		return;
	out[0] = '\0';
	if (!st->child_installed || !*esp)
		return;
	if (strncmp(esp, "ESP:", 4) == 0)
		snprintf(out, len, "ESP %s", esp + 4);
	else
		snprintf(out, len, "%s", esp);
}

/*
 * strongSwan's transform names (libstrongswan's enum names) to the proposal
 * keywords of swanctl.conf(5) "esp_proposals".  Only the shapes l2pwd
 * proposes and RouterOS/Windows peers pick; anything else passes through.
 */
static const struct {
	const char *name; /* the whole part, or its prefix before "-SIZE" / after "_" */
	const char *pre, *post; /* keyword = pre + (size or group) + post */
	int arg;		/* 1: the part carries a size or group number */
} ipsec_kw[] = {
    {"AES_GCM_16", "aes", "gcm16", 1},
    {"AES_GCM_12", "aes", "gcm12", 1},
    {"AES_GCM_8", "aes", "gcm8", 1},
    {"AES_CCM_16", "aes", "ccm16", 1},
    {"AES_CBC", "aes", "", 1},
    {"AES_CTR", "aes", "ctr", 1},
    {"CAMELLIA_CBC", "camellia", "", 1},
    {"CHACHA20_POLY1305", "chacha20poly1305", "", 0},
    {"3DES_CBC", "3des", "", 0},
    {"HMAC_SHA2_256_128", "sha256", "", 0},
    {"HMAC_SHA2_384_192", "sha384", "", 0},
    {"HMAC_SHA2_512_256", "sha512", "", 0},
    {"HMAC_SHA1_96", "sha1", "", 0},
    {"HMAC_MD5_96", "md5", "", 0},
    {"AES_XCBC_96", "aesxcbc", "", 0},
    {"MODP_", "modp", "", 1},
    {"ECP_", "ecp", "", 1},
    {"CURVE_25519", "curve25519", "", 0},
    {"CURVE_448", "curve448", "", 0},
};

static void ipsec_put(struct wbuf *w, const char *s)
{
	wbuf_add_bytes(w, s, strlen(s));
}

/* One part ("AES_GCM_16-128", "MODP_2048") as a keyword into w. */
static void ipsec_keyword(const char *p, size_t n, struct wbuf *w)
{
	size_t i;

	for (i = 0; i < sizeof(ipsec_kw) / sizeof(ipsec_kw[0]); i++) {
		const char *name = ipsec_kw[i].name;
		size_t nl = strlen(name), skip;

		if (nl > n || strncmp(p, name, nl) != 0)
			continue;
		if (!ipsec_kw[i].arg && nl != n)
			continue;
		/* MODP_2048: the number follows; AES_CBC-128: after a '-' */
		skip = name[nl - 1] == '_' ? nl : nl + 1;
		if (ipsec_kw[i].arg && name[nl - 1] != '_' && nl < n && p[nl] != '-')
			continue;
		ipsec_put(w, ipsec_kw[i].pre);
		if (ipsec_kw[i].arg && skip < n)
			wbuf_add_bytes(w, p + skip, n - skip);
		ipsec_put(w, ipsec_kw[i].post);
		return;
	}
	for (i = 0; i < n; i++) {
		char ch = p[i];

		ch = ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
		wbuf_add_bytes(w, &ch, 1);
	}
}

void ipsec_sa_keywords(const struct ipsec_sa_state *st, char *out, size_t len)
{
	const char *esp = st->esp, *part;
	struct wbuf w;

	if (!len)
		return;
	out[0] = '\0';
	if (!st->child_installed || !*esp || len < 2)
		return;
	if (strncmp(esp, "ESP:", 4) == 0)
		esp += 4;
	wbuf_init(&w, out, len - 1);
	for (part = esp; *part;) {
		size_t n = strcspn(part, "/");

		if (part != esp)
			wbuf_add_bytes(&w, "-", 1);
		ipsec_keyword(part, n, &w);
		part += n;
		if (*part == '/')
			part++;
	}
	if (w.err) {
		out[0] = '\0';
		return;
	}
	out[w.len] = '\0';
}

/* ---- reasons ---- */

/* Find lit anywhere in the text; on success r is positioned just after it. */
static int find(const struct buf *text, const char *lit, struct buf *r)
{
	struct buf all = *text, l;

	while (line_next(&all, &l) == 0) {
		while (buf_left(&l)) {
			if (expect(&l, lit) == 0) {
				*r = l;
				return 0;
			}
			buf_skip(&l, 1);
		}
	}
	return -1;
}

/* The rest of r's line, trimmed to fit. */
static void rest(struct buf *r, char *out, size_t len)
{
	size_t n = buf_left(r);

	if (n >= len)
		n = len - 1;
	buf_get_bytes(r, out, n);
	out[n] = '\0';
}

/* The last line that says "failed" or "error" (swanctl's own summary), else
 * the last non-empty line; --load-all's complaints about absent certificate
 * directories are noise. */
static void last_line(const struct buf *text, char *out, size_t len)
{
	struct buf all = *text, l, pick = {0}, failed = {0};
	int have = 0, have_failed = 0;

	while (line_next(&all, &l) == 0) {
		struct buf probe;

		if (buf_left(&l) == 0 || starts(&l, "opening directory"))
			continue;
		pick = l;
		have = 1;
		if (find(&l, "failed", &probe) == 0 || find(&l, "error", &probe) == 0) {
			failed = l;
			have_failed = 1;
		}
	}
	if (have_failed)
		pick = failed;
	if (have)
		rest(&pick, out, len);
	else
		out[0] = '\0';
}

void ipsec_explain(const char *out, size_t len, int exit_code, int timed_out, unsigned timeout_s,
		   char *reason, size_t rlen)
{
	struct buf text, r;
	char a[160], b[96];

	if (!rlen)
		return;
	reason[0] = '\0';
	buf_init(&text, out, out ? len : 0);
	if (exit_code == 127 && find(&text, "exec ", &r) == 0) {
		rest(&r, a, sizeof(a));
		snprintf(reason, rlen, "swanctl not runnable (exec %s)", a);
	} else if (find(&text, "connecting to '", &r) == 0 && word(&r, a, sizeof(a), "'") == 0 &&
		   expect(&r, "' failed: ") == 0) {
		rest(&r, b, sizeof(b));
		snprintf(reason, rlen, "charon not reachable at %s (%s)", a, b);
	} else if (find(&text, "AUTHENTICATION_FAILED", &r) == 0 ||
		   find(&text, "with pre-shared key failed", &r) == 0 ||
		   find(&text, "but MAC mismatched", &r) == 0 ||
		   find(&text, "decryption failed?", &r) == 0) {
		snprintf(reason, rlen, "IKE authentication failed (wrong ipsec-secret?)");
	} else if (find(&text, "no CHILD_SA built", &r) == 0 ||
		   find(&text, "failed to create SAD entry", &r) == 0) {
		/* IKE is up, the IPsec SA is not: libipsec peers refuse transport */
		snprintf(reason, rlen,
			 "peer refused the IPsec SA (ESP proposal or mode; kernels without ESP "
			 "need ipsec-mode = tunnel)");
	} else if (find(&text, "NO_PROPOSAL_CHOSEN", &r) == 0) {
		snprintf(reason, rlen,
			 "peer accepted no proposal (no matching connection or algorithms there)");
	} else if (find(&text, "TS_UNACCEPTABLE", &r) == 0) {
		snprintf(reason, rlen, "peer refused the L2TP traffic selectors (port/protocol?)");
	} else if (find(&text, "CHILD_SA config '", &r) == 0 && word(&r, a, sizeof(a), "'") == 0 &&
		   expect(&r, "' not found") == 0) {
		snprintf(reason, rlen, "connection %s not loaded in charon", a);
	} else if (find(&text, "loading connection '", &r) == 0 &&
		   word(&r, a, sizeof(a), "'") == 0 && expect(&r, "' failed: ") == 0) {
		rest(&r, b, sizeof(b));
		snprintf(reason, rlen, "charon rejected connection %s: %s", a, b);
	} else if (find(&text, "no matching SAs to terminate", &r) == 0) {
		snprintf(reason, rlen, "no SA to terminate");
	} else if ((find(&text, "not established after", &r) == 0 ||
		    find(&text, "giving up after", &r) == 0 || timed_out) &&
		   find(&text, "] to ", &r) == 0 && word(&r, a, sizeof(a), " [") == 0) {
		/* "initiating IKE_SA NAME[1] to ADDR" and nothing came back */
		snprintf(reason, rlen, "peer %s not answering IKE", a);
	} else if (timed_out) {
		snprintf(reason, rlen, "swanctl timed out after %us", timeout_s);
	} else if (find(&text, "parsing '", &r) == 0 && word(&r, a, sizeof(a), "'") == 0) {
		snprintf(reason, rlen, "swanctl could not parse %s", a);
	} else {
		last_line(&text, a, sizeof(a));
		if (*a)
			snprintf(reason, rlen, "swanctl: %s", a);
		else if (exit_code >= 0)
			snprintf(reason, rlen, "swanctl exited with status %d", exit_code);
		else
			snprintf(reason, rlen, "swanctl was killed");
	}
}

void ipsec_parse_error(const struct ipsec_job *j, char *reason, size_t len)
{
	int code = -1;

	if (j->status >= 0 && WIFEXITED(j->status))
		code = WEXITSTATUS(j->status);
	ipsec_explain(j->out, j->len, code, j->timed_out, j->deadline_s, reason, len);
}
