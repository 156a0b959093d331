/*
 * swanctl.conf(5) text for one L2TP tunnel, and the files in ipsec-dir.
 *
 * What a connection looks like, and why:
 * - One IKE connection and one CHILD_SA per tunnel, both named after it, so
 *   status and `swanctl --list-sas --ike NAME` find them.
 * - Selectors: `dynamic[udp/1701]` on both sides.  "dynamic" is the IKE
 *   endpoint address, which for L2TP/IPsec is the L2TP underlay address by
 *   construction (IKE and L2TP leave by the same route), and it stays right
 *   behind NAT, where a literal A/32 of a NATed peer would never match.  IP
 *   protocol 115 (RFC 3931 section 4.1.1) is `dynamic[115]`.  Ports: the L2TP
 *   port on the side that listens, any port ("[udp]") where the caller said 0,
 *   e.g. a client's ephemeral source port.
 * - Proposals: what RouterOS, Windows and strongSwan peers all have in common.
 *   IKE: AES-128/256 with SHA-256/SHA-1 and MODP-2048/1024 (RouterOS'
 *   default profile is sha1 + aes-128 + modp2048/modp1024; Windows L2TP/IPsec
 *   offers aes256-sha1-modp1024).  ESP: AES-GCM-16 first, then AES-CBC with
 *   SHA-256/SHA-1, each without and with PFS groups (RouterOS' default proposal
 *   asks for pfs-group modp1024; Windows never does PFS).
 * - The initiator traps (or starts) its child and restarts it on DPD; the
 *   responder only answers.  Rekeying: IKE 4 h, CHILD 1 h (strongSwan's
 *   defaults, written out so the file says what runs).
 * - The PSK is hex-encoded: swanctl reads "0x..." as hex and "0s..." as Base64,
 *   so a literal secret starting that way would otherwise change meaning, and
 *   hex needs no quoting.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipsec.h"

#define IPSEC_IKE_PROPOSALS "aes128-aes256-sha256-sha1-modp2048-modp1024"
#define IPSEC_ESP_PROPOSALS                                                                        \
	"aes128gcm16-aes256gcm16, aes128-aes256-sha256-sha1, "                                     \
	"aes128gcm16-aes256gcm16-modp2048-modp1024, aes128-aes256-sha256-sha1-modp2048-modp1024"

/* Text builder: appends until full, remembers that it was; check once. */
struct ipsec_text {
	char *p;
	size_t cap;
	size_t len;
	int err;
};

static void text_add(struct ipsec_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void text_add(struct ipsec_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= t->cap - t->len) {
		t->err = 1;
		t->p[t->len] = '\0';
		return;
	}
	t->len += (size_t)n;
}

static int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '_' || ch == '.';
}

/* swanctl section names end at whitespace, '{', '}', '=', '#' and '"'; we
 * allow a strict subset that also makes a safe file name (no leading dot). */
static int name_ok(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;

	if (n == 0 || n > IPSEC_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!name_char_ok(s[i]))
			return 0;
	return 1;
}

int ipsec_conn_name(const char *ifname, char *out, size_t len)
{
	int n;

	if (!ifname || !*ifname)
		return -1;
	n = snprintf(out, len, "l2pw-%s", ifname);
	if (n < 0 || (size_t)n >= len || !name_ok(out))
		return -1;
	return 0;
}

static int is_set(const char *s)
{
	return s && *s;
}

/* AF_INET, AF_INET6, or 0 when s is not a numeric address. */
static int addr_family(const char *s)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, s, a) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, a) == 1)
		return AF_INET6;
	return 0;
}

int ipsec_conn_check(const struct ipsec_conn *c, char *err, size_t errlen)
{
	int lf = 0, rf = 0;
	size_t i, n;

	if (!name_ok(c->name))
		return errf(err, errlen,
			    "ipsec connection name \"%s\" must be 1-%d of [A-Za-z0-9._-]",
			    c->name ? c->name : "", IPSEC_NAME_MAX);
	if (c->ike_version < 0 || c->ike_version > 2)
		return errf(err, errlen, "IKE version %d: 1, 2 or 0 (either)", c->ike_version);
	if (c->ike_version == 0 && c->role != IPSEC_ROLE_RESPONDER)
		return errf(err, errlen, "an initiator must pick IKEv1 or IKEv2");
	if (is_set(c->local_addr) && !(lf = addr_family(c->local_addr)))
		return errf(err, errlen, "local address \"%s\" is not a numeric IPv4/IPv6 address",
			    c->local_addr);
	if (is_set(c->remote_addr) && !(rf = addr_family(c->remote_addr)))
		return errf(err, errlen, "remote address \"%s\" is not a numeric IPv4/IPv6 address",
			    c->remote_addr);
	if (lf && rf && lf != rf)
		return errf(err, errlen, "local %s and remote %s are of different families",
			    c->local_addr, c->remote_addr);
	if (!rf && c->role == IPSEC_ROLE_INITIATOR)
		return errf(err, errlen, "an initiator needs the remote address");
	n = c->secret ? strlen(c->secret) : 0;
	if (n == 0)
		return errf(err, errlen, "ipsec-secret is empty");
	if (n > IPSEC_SECRET_MAX)
		return errf(err, errlen, "ipsec-secret is longer than %d bytes", IPSEC_SECRET_MAX);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c->secret[i];

		if (ch < 0x20 || ch == 0x7f)
			return errf(err, errlen,
				    "ipsec-secret has a control character (0x%02x) at byte %zu", ch,
				    i);
	}
	switch (c->mode) {
	case IPSEC_MODE_TRANSPORT:
	case IPSEC_MODE_TUNNEL:
		break;
	default:
		return errf(err, errlen, "unknown ipsec mode %d", (int)c->mode);
	}
	switch (c->proto) {
	case IPSEC_PROTO_UDP:
	case IPSEC_PROTO_L2TPIP:
		break;
	default:
		return errf(err, errlen, "unknown L2TP transport %d", (int)c->proto);
	}
	return 0;
}

/* "dynamic[udp/1701]", "dynamic[udp]" or "dynamic[115]" */
static void text_ts(struct ipsec_text *t, const struct ipsec_conn *c, uint16_t port)
{
	if (c->proto == IPSEC_PROTO_L2TPIP)
		text_add(t, "dynamic[%d]", IPSEC_L2TP_IPPROTO);
	else if (port)
		text_add(t, "dynamic[udp/%u]", port);
	else
		text_add(t, "dynamic[udp]");
}

int ipsec_conn_render(const struct ipsec_conn *c, char *out, size_t len, char *err, size_t errlen)
{
	struct ipsec_text t = {.p = out, .cap = len};
	int init = c->role == IPSEC_ROLE_INITIATOR;
	unsigned dpd = c->dpd_delay ? c->dpd_delay : 30;
	size_t i;

	if (!out || len == 0)
		return errf(err, errlen, "no room for the swanctl text");
	out[0] = '\0';
	if (ipsec_conn_check(c, err, errlen) < 0)
		return -1;

	text_add(&t, "# Written by l2pwd for L2TP/IPsec; changes are overwritten.\n");
	text_add(&t, "connections {\n\t%s {\n", c->name);
	text_add(&t, "\t\tversion = %d\n", c->ike_version);
	text_add(&t, "\t\tlocal_addrs = %s\n", is_set(c->local_addr) ? c->local_addr : "%any");
	text_add(&t, "\t\tremote_addrs = %s\n", is_set(c->remote_addr) ? c->remote_addr : "%any");
	text_add(&t, "\t\tproposals = %s\n", IPSEC_IKE_PROPOSALS);
	if (c->ike_version != 2)
		text_add(&t, "\t\taggressive = no\n");
	text_add(&t, "\t\tmobike = no\n");
	text_add(&t, "\t\tdpd_delay = %us\n", dpd);
	text_add(&t, "\t\trekey_time = 4h\n");
	if (init)
		text_add(&t, "\t\tkeyingtries = %d\n", c->start == IPSEC_START_START ? 0 : 1);
	text_add(&t, "\t\tlocal {\n\t\t\tauth = psk\n");
	if (is_set(c->local_addr))
		text_add(&t, "\t\t\tid = %s\n", c->local_addr);
	text_add(&t, "\t\t}\n\t\tremote {\n\t\t\tauth = psk\n");
	text_add(&t, "\t\t\tid = %s\n", is_set(c->remote_addr) ? c->remote_addr : "%any");
	text_add(&t, "\t\t}\n\t\tchildren {\n\t\t\t%s {\n", c->name);
	text_add(&t, "\t\t\t\tmode = %s\n", c->mode == IPSEC_MODE_TUNNEL ? "tunnel" : "transport");
	text_add(&t, "\t\t\t\tlocal_ts = ");
	text_ts(&t, c, c->local_port);
	text_add(&t, "\n\t\t\t\tremote_ts = ");
	text_ts(&t, c, c->remote_port);
	text_add(&t, "\n\t\t\t\tesp_proposals = %s\n", IPSEC_ESP_PROPOSALS);
	text_add(&t, "\t\t\t\trekey_time = 1h\n");
	if (init && c->start == IPSEC_START_START) {
		text_add(&t, "\t\t\t\tstart_action = start\n");
		text_add(&t, "\t\t\t\tdpd_action = restart\n");
		text_add(&t, "\t\t\t\tclose_action = restart\n");
	} else if (init) {
		text_add(&t, "\t\t\t\tstart_action = trap\n");
		text_add(&t, "\t\t\t\tdpd_action = trap\n");
		text_add(&t, "\t\t\t\tclose_action = trap\n");
	} else {
		text_add(&t, "\t\t\t\tstart_action = none\n");
		text_add(&t, "\t\t\t\tdpd_action = clear\n");
		text_add(&t, "\t\t\t\tclose_action = none\n");
	}
	text_add(&t, "\t\t\t}\n\t\t}\n\t}\n}\n");

	/* A secret for any peer has no owner: IKEv1 main mode looks the PSK up
	 * before the peer has said who it is, and any peer may come. */
	text_add(&t, "secrets {\n\tike-%s {\n", c->name);
	if (is_set(c->remote_addr)) {
		if (is_set(c->local_addr))
			text_add(&t, "\t\tid-local = %s\n", c->local_addr);
		text_add(&t, "\t\tid-remote = %s\n", c->remote_addr);
	}
	text_add(&t, "\t\tsecret = 0x");
	for (i = 0; c->secret[i]; i++)
		text_add(&t, "%02x", (unsigned char)c->secret[i]);
	text_add(&t, "\n\t}\n}\n");

	if (t.err) {
		out[0] = '\0';
		return errf(err, errlen, "swanctl text for %s does not fit in %zu bytes", c->name,
			    len);
	}
	return (int)t.len;
}

/* ---- files ---- */

static int path_join(char *out, size_t len, const char *dir, const char *sub, const char *name,
		     const char *suffix)
{
	int n = snprintf(out, len, "%s/%s%s%s%s", dir, sub, *sub ? "/" : "", name, suffix);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Write text to path atomically (temporary file, fsync, rename), mode 0600. */
static int write_atomic(const char *path, const char *text, char *err, size_t errlen)
{
	char tmp[4096];
	size_t len = strlen(text), off = 0;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errf(err, errlen, "%s: %s", tmp, strerror(errno));
	/* an old file of ours may have had a wider mode */
	if (fchmod(fd, 0600) < 0)
		goto fail;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
	return errf(err, errlen, "%s: %s", path, strerror(saved));
}

static int mkdir_private(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return errf(err, errlen, "mkdir %s: %s", path, strerror(errno));
	if (lstat(path, &st) < 0)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	}
	/* The files hold secrets: nobody else reads the directory. */
	if ((st.st_mode & 077) && chmod(path, 0700) < 0)
		return errf(err, errlen, "chmod %s: %s", path, strerror(errno));
	return 0;
}

int ipsec_dir_prepare(const char *dir, char *err, size_t errlen)
{
	char path[4096];

	if (mkdir_private(dir, err, errlen) < 0)
		return -1;
	if (path_join(path, sizeof(path), dir, "", "conf.d", "") < 0)
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	if (mkdir_private(path, err, errlen) < 0)
		return -1;
	if (path_join(path, sizeof(path), dir, "", "swanctl.conf", "") < 0)
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	/* Relative includes are resolved against this file's directory. */
	return write_atomic(path,
			    "# Written by l2pwd: every L2TP/IPsec connection of this site.\n"
			    "# swanctl --load-all --file THIS loads them and unloads whatever\n"
			    "# else charon holds; see examples/site-to-site/ipsec/README.md.\n"
			    "include conf.d/*.conf\n",
			    err, errlen);
}

int ipsec_dir_clean(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct dirent *de;
	DIR *d;

	if (path_join(path, sizeof(path), dir, "", "conf.d", "") < 0)
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : errf(err, errlen, "%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 5, ".conf") != 0 || de->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			int saved = errno;

			closedir(d);
			errno = saved;
			return errf(err, errlen, "%s/%s: %s", path, de->d_name, strerror(saved));
		}
	}
	closedir(d);
	return 0;
}

/* dir/conf.d/NAME.conf, for a name that cannot leave conf.d. */
static int conn_path(char *path, size_t len, const char *dir, const char *name, char *err,
		     size_t errlen)
{
	if (!name_ok(name)) {
		errno = EINVAL;
		return errf(err, errlen, "bad ipsec connection name \"%s\"", name ? name : "");
	}
	if (path_join(path, len, dir, "conf.d", name, ".conf") < 0)
		return errf(err, errlen, "%s: %s", dir, strerror(errno));
	return 0;
}

int ipsec_conn_write(const char *dir, const char *name, const char *text, char *err, size_t errlen)
{
	char path[4096];

	if (conn_path(path, sizeof(path), dir, name, err, errlen) < 0)
		return -1;
	return write_atomic(path, text, err, errlen);
}

int ipsec_conn_remove(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];

	if (conn_path(path, sizeof(path), dir, name, err, errlen) < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return errf(err, errlen, "%s: %s", path, strerror(errno));
	return 0;
}
