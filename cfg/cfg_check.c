/*
 * Checks that involve more than one value: derived defaults (names,
 * interfaces, bridges), keys that need or exclude one another, references
 * to profiles, and names or ids that must be unique.  Each section is
 * checked against those converted before it (cfg.c loads the top level,
 * then ppp-profile, pseudowire, l2tp-server, l2tp-client, ppp-secret).
 */
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

/* sun_path of struct sockaddr_un, NUL included. */
#define CFG_SOCKPATH_MAX 108

static int site_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= CFG_NAME_MAX)
		return 0;
	for (; *name; name++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    *name))
			return 0;
	return 1;
}

/* "/etc/l2pwd/office-a.conf" -> "office-a". */
static char *name_from_file(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	return strndup(base, n);
}

/* A derived default, or the value as given. */
static int derive_str(char **m, const char *fmt, const char *name)
{
	char buf[512];

	if (**m)
		return 0;
	snprintf(buf, sizeof(buf), fmt, name);
	free(*m);
	*m = strdup(buf);
	return *m ? 0 : -1;
}

static int path_check(const struct cfg_sec *s, const char *key, const char *v)
{
	char q[80];

	if (v[0] != '/' || strlen(v) >= CFG_SOCKPATH_MAX)
		return cfg_sec_error(s, key,
				     "%s \"%s\" is not an absolute path shorter than %d bytes", key,
				     cfg_quote_msg(q, sizeof(q), v), CFG_SOCKPATH_MAX);
	return 0;
}

int cfg_check_root(const struct cfg_sec *s, struct cfg *c)
{
	char q[80];

	if (!*c->name) {
		free(c->name);
		c->name = name_from_file(s->p->name);
		if (!c->name)
			return cfg_sec_error(s, "name", "out of memory");
		if (!site_name_valid(c->name))
			return cfg_sec_error(s, "name",
					     "no name given, and the file name gives \"%s\", which "
					     "is not a site name (1..63 of A-Z a-z 0-9 . _ -)",
					     cfg_quote_msg(q, sizeof(q), c->name));
	}
	if (!site_name_valid(c->name))
		return cfg_sec_error(s, "name",
				     "name \"%s\" is not a site name (1..63 of A-Z a-z 0-9 . _ -)",
				     cfg_quote_msg(q, sizeof(q), c->name));
	if (derive_str(&c->status_socket, "/run/l2pwd/%s.sock", c->name) < 0 ||
	    derive_str(&c->ipsec_dir, "/run/l2pwd/%s.swanctl", c->name) < 0)
		return cfg_sec_error(s, "name", "out of memory");
	if (path_check(s, "status-socket", c->status_socket) < 0 ||
	    path_check(s, "ipsec-dir", c->ipsec_dir) < 0)
		return -1;
	if (!*c->ipsec_vici)
		return cfg_sec_error(s, "ipsec-vici", "ipsec-vici is empty");
	if (c->fastpath == CFG_FASTPATH_XDP && !*c->wan_interface)
		return cfg_sec_error(s, "fastpath", "fastpath \"xdp\" needs wan-interface");
	if (*c->bridge && strcmp(c->bridge, c->wan_interface) == 0)
		return cfg_sec_error(s, "bridge", "bridge \"%s\" is also the wan-interface",
				     c->bridge);
	return 0;
}

/* RFC 2661 4.3: hidden AVPs are encrypted with the tunnel secret. */
static int hide_check(const struct cfg_sec *s, int hide, const char *secret)
{
	if (hide && !*secret)
		return cfg_sec_error(s, "hide-avps", "hide-avps needs tunnel-secret");
	return 0;
}

static int ipsec_check(const struct cfg_sec *s, const struct cfg_ipsec_opts *o)
{
	if (o->use != CFG_IPSEC_NO && !*o->secret)
		return cfg_sec_error(s, "use-ipsec", "use-ipsec \"%s\" needs ipsec-secret",
				     o->use == CFG_IPSEC_YES ? "yes" : "require");
	return 0;
}

static int profile_check(const struct cfg_sec *s, const struct cfg *c, const char *key,
			 const char *name)
{
	char q[80];

	if (!cfg_profile_find(c, name))
		return cfg_sec_error(s, key, "%s \"%s\" is not a ppp-profile", key,
				     cfg_quote_msg(q, sizeof(q), name));
	return 0;
}

/* The section that already uses interface name, described into buf; NULL if none. */
static const char *iface_owner(const struct cfg *c, const char *name, const void *self, char *buf,
			       size_t len)
{
	const struct {
		const struct cfg_section *kind;
		const void *arr;
		size_t n;
	} lists[] = {{&cfg_sec_pw, c->pw, c->n_pw},
		     {&cfg_sec_client, c->client, c->n_client},
		     {&cfg_sec_secret, c->secret, c->n_secret}};
	char q[80];

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		const struct cfg_section *k = lists[l].kind;

		for (size_t i = 0; i < lists[l].n; i++) {
			const char *e = (const char *)lists[l].arr + i * k->size;

			if (e == self || strcmp(e + k->iface_off, name) != 0)
				continue;
			snprintf(buf, len, "%s \"%s\" (line %d)", k->name,
				 cfg_quote_msg(q, sizeof(q), *(char *const *)(e + k->title_off)),
				 *(const int *)(e + k->line_off));
			return buf;
		}
	}
	return NULL;
}

/* A bridge the config names, which no port may be called. */
static int is_bridge(const struct cfg *c, const char *name)
{
	if (strcmp(c->bridge, name) == 0)
		return 1;
	for (size_t i = 0; i < c->n_pw; i++)
		if (strcmp(c->pw[i].bridge, name) == 0)
			return 1;
	for (size_t i = 0; i < c->n_profile; i++)
		if (strcmp(c->profile[i].bridge, name) == 0)
			return 1;
	return 0;
}

static int iface_check(const struct cfg_sec *s, const struct cfg *c, const char *name,
		       const void *self)
{
	char q[80], who[200];

	if (iface_owner(c, name, self, who, sizeof(who)))
		return cfg_sec_error(s, "interface", "interface \"%s\" is already used by %s",
				     cfg_quote_msg(q, sizeof(q), name), who);
	if (is_bridge(c, name))
		return cfg_sec_error(s, "interface", "interface \"%s\" is the name of a bridge",
				     cfg_quote_msg(q, sizeof(q), name));
	if (strcmp(c->wan_interface, name) == 0)
		return cfg_sec_error(s, "interface", "interface \"%s\" is the wan-interface",
				     cfg_quote_msg(q, sizeof(q), name));
	return 0;
}

static int pw_addr_check(const struct cfg_sec *s, const struct cfg_pseudowire *pw)
{
	if (pw->remote.ss.ss_family == AF_UNSPEC)
		return cfg_sec_error(s, "remote", "remote is required");
	if (pw->local.ss.ss_family != AF_UNSPEC &&
	    pw->local.ss.ss_family != pw->remote.ss.ss_family)
		return cfg_sec_error(s, "local",
				     "local \"%s\" and remote \"%s\" are not the same "
				     "address family",
				     pw->local.text, pw->remote.text);
	return 0;
}

/*
 * Static: the four ids of `ip l2tp add tunnel/session` are required.
 * Dynamic: they come from the control connection (RFC 3931), so giving
 * them would silently do nothing; the Remote End ID (pw-id, RFC 4667) is
 * what both sides must agree on instead.
 */
static int pw_mode_check(const struct cfg_sec *s, const struct cfg_pseudowire *pw)
{
	static const char *const keys[] = {"tunnel-id", "peer-tunnel-id", "session-id",
					   "peer-session-id"};
	const uint32_t ids[] = {pw->tunnel_id, pw->peer_tunnel_id, pw->session_id,
				pw->peer_session_id};

	for (size_t i = 0; i < 4; i++) {
		if (pw->mode == CFG_PW_STATIC && !ids[i])
			return cfg_sec_error(s, keys[i], "mode static needs %s", keys[i]);
		if (pw->mode == CFG_PW_DYNAMIC && ids[i])
			return cfg_sec_error(s, keys[i], "%s %u needs mode static", keys[i],
					     ids[i]);
	}
	if (pw->mode == CFG_PW_DYNAMIC && !pw->pw_id)
		return cfg_sec_error(s, "pw-id", "mode dynamic needs pw-id");
	return 0;
}

static int pw_frame_check(const struct cfg_sec *s, const struct cfg_pseudowire *pw)
{
	if (pw->pw_type == CFG_PW_ETHERNET_VLAN && !pw->vlan_id)
		return cfg_sec_error(s, "pw-type", "pw-type \"ethernet-vlan\" needs vlan-id");
	if (pw->pw_type == CFG_PW_ETHERNET && pw->vlan_id)
		return cfg_sec_error(s, "vlan-id", "vlan-id %u needs pw-type \"ethernet-vlan\"",
				     pw->vlan_id);
	/* RFC 3931 4.6: the sequence number lives in the default L2-Specific Sublayer. */
	if (pw->sequencing && pw->l2_sublayer == CFG_SUBLAYER_NONE)
		return cfg_sec_error(s, "sequencing", "sequencing needs l2-sublayer \"default\"");
	return 0;
}

static int same_addr(const struct cfg_addr *a, const struct cfg_addr *b)
{
	return strcmp(a->text, b->text) == 0;
}

/*
 * Dynamic pseudowires to one peer share its control connection, so their
 * pw-ids tell them apart.  Static ones are kernel sessions: session ids must
 * be unique, and sessions sharing a tunnel id must agree on the tunnel.
 */
static int pw_unique_check(const struct cfg_sec *s, const struct cfg *c,
			   const struct cfg_pseudowire *pw)
{
	char q[80];

	for (const struct cfg_pseudowire *o = c->pw; o < pw; o++) {
		const char *t = cfg_quote_msg(q, sizeof(q), o->title);

		if (pw->mode == CFG_PW_DYNAMIC && o->mode == CFG_PW_DYNAMIC &&
		    pw->pw_id == o->pw_id && same_addr(&pw->remote, &o->remote))
			return cfg_sec_error(s, "pw-id",
					     "pw-id %u to %s is already used by pseudowire \"%s\" "
					     "(line %d)",
					     pw->pw_id, pw->remote.text, t, o->line);
		if (pw->mode != CFG_PW_STATIC || o->mode != CFG_PW_STATIC)
			continue;
		if (pw->session_id == o->session_id)
			return cfg_sec_error(s, "session-id",
					     "session-id %u is already used by "
					     "pseudowire \"%s\" (line %d)",
					     pw->session_id, t, o->line);
		if (pw->tunnel_id == o->tunnel_id && (!same_addr(&pw->remote, &o->remote) ||
						      pw->peer_tunnel_id != o->peer_tunnel_id ||
						      pw->encap != o->encap || pw->port != o->port))
			return cfg_sec_error(s, "tunnel-id",
					     "tunnel-id %u is already used by "
					     "pseudowire \"%s\" (line %d) with another remote, "
					     "peer-tunnel-id, encap or port",
					     pw->tunnel_id, t, o->line);
	}
	return 0;
}

static int pw_port_check(const struct cfg_sec *s, const struct cfg *c, struct cfg_pseudowire *pw)
{
	char who[200];

	if (!*pw->interface)
		cfg_ifname_derive(pw->interface, "pw-", pw->title);
	if (!*pw->bridge)
		memcpy(pw->bridge, c->bridge, sizeof(pw->bridge));
	if (!*pw->bridge)
		return cfg_sec_error(s, "bridge", "no bridge: set bridge here or at the top level");
	/* The other way round from iface_check(): an earlier section's port. */
	if (iface_owner(c, pw->bridge, pw, who, sizeof(who)))
		return cfg_sec_error(s, "bridge", "bridge \"%s\" is the interface of %s", pw->bridge,
				     who);
	if (strcmp(pw->bridge, c->wan_interface) == 0)
		return cfg_sec_error(s, "bridge", "bridge \"%s\" is the wan-interface", pw->bridge);
	return iface_check(s, c, pw->interface, pw);
}

int cfg_check_pw(const struct cfg_sec *s, const struct cfg *c, struct cfg_pseudowire *pw)
{
	if (pw_addr_check(s, pw) < 0 || pw_mode_check(s, pw) < 0 || pw_frame_check(s, pw) < 0 ||
	    ipsec_check(s, &pw->ipsec) < 0 || pw_port_check(s, c, pw) < 0)
		return -1;
	return pw_unique_check(s, c, pw);
}

int cfg_check_server(const struct cfg_sec *s, const struct cfg *c)
{
	const struct cfg_l2tp_server *srv = &c->server;

	if (srv->listen.ss.ss_family == AF_UNSPEC)
		return cfg_sec_error(s, "listen", "listen is required");
	if (hide_check(s, srv->hide_avps, srv->tunnel_secret) < 0 ||
	    ipsec_check(s, &srv->ipsec) < 0)
		return -1;
	return profile_check(s, c, "default-profile", srv->default_profile);
}

int cfg_check_client(const struct cfg_sec *s, const struct cfg *c, struct cfg_l2tp_client *cl)
{
	if (cl->connect_to.ss.ss_family == AF_UNSPEC)
		return cfg_sec_error(s, "connect-to", "connect-to is required");
	if (!*cl->user)
		return cfg_sec_error(s, "user", "user is required");
	if (hide_check(s, cl->hide_avps, cl->tunnel_secret) < 0 || ipsec_check(s, &cl->ipsec) < 0 ||
	    profile_check(s, c, "profile", cl->profile) < 0)
		return -1;
	if (!*cl->interface)
		cfg_ifname_derive(cl->interface, "l2tp-", cl->title);
	return iface_check(s, c, cl->interface, cl);
}

int cfg_check_secret(const struct cfg_sec *s, const struct cfg *c, const struct cfg_ppp_secret *sec)
{
	if (profile_check(s, c, "profile", sec->profile) < 0)
		return -1;
	return *sec->interface ? iface_check(s, c, sec->interface, sec) : 0;
}
