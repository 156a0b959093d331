/*
 * The l2tp-server section (RouterOS /interface l2tp-server server): an
 * L2TPv2 LNS on listen:port accepting any number of tunnels and calls (RFC
 * 2661 §5.1, §5.4), a PPP link as authenticator per call, the user looked up
 * in the ppp-secret sections, and the port of each user on the bridge its
 * profile names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ppp.h"
#include "site_priv.h"
#include "transport.h"

void l2tp_server_start(struct site *s)
{
	const struct cfg_l2tp_server *c = &s->cfg->server;
	const struct sockaddr *local = NULL;
	int family = AF_INET;

	s->server.cfg = c;
	if (!c->enabled)
		return;
	if (c->listen.ss.ss_family != AF_UNSPEC) {
		local = (const struct sockaddr *)&c->listen.ss;
		family = c->listen.ss.ss_family;
		/* The wildcard address shares the socket with clients and pseudowires. */
		if ((family == AF_INET && strcmp(c->listen.text, "0.0.0.0") == 0) ||
		    (family == AF_INET6 && strcmp(c->listen.text, "::") == 0))
			local = NULL;
	}
	s->server.tr = transport_get(s->loop, family, local, local ? c->listen.len : 0,
				     TRANSPORT_UDP, c->port, &site_transport_ops, s);
	if (!s->server.tr) {
		log_warn("l2tp-server: cannot listen on %s:%u", local ? c->listen.text : "0.0.0.0",
			 c->port);
		return;
	}
	log_info("l2tp-server: listening on %s", transport_name(s->server.tr));
}

void l2tp_server_stop(struct site *s)
{
	for (struct v2_tunnel *t = s->v2_tunnels; t; t = t->next) {
		if (t->client || t->stopped || t->closed)
			continue;
		while (t->sessions)
			ppp_session_free(t->sessions);
		v2_tunnel_stop(t, "l2tp-server stopped");
	}
	transport_put(s->server.tr);
	s->server.tr = NULL;
}

const struct cfg_ppp_secret *l2tp_server_secret(struct site *s, const char *user, const char **why)
{
	for (size_t i = 0; i < s->cfg->n_secret; i++) {
		const struct cfg_ppp_secret *sec = &s->cfg->secret[i];

		if (strcmp(sec->title, user) != 0)
			continue;
		if (sec->disabled) {
			*why = "user disabled";
			return NULL;
		}
		/* service is l2tp or any: both admit an L2TP call. */
		if (sec->service != CFG_SERVICE_L2TP && sec->service != CFG_SERVICE_ANY) {
			*why = "service not allowed";
			return NULL;
		}
		return sec;
	}
	*why = "unknown user";
	return NULL;
}

int l2tp_server_call_request(struct v2_tunnel *t, uint16_t *sid, struct ppp_session **out,
			     const char **why)
{
	struct site *s = t->site;
	int taken;

	if (!s->server.tr || s->stopping) {
		*why = s->stopping ? "shutting down" : "l2tp-server disabled";
		s->server.refused_calls++;
		return -1;
	}
	do {
		site_random(sid, sizeof(*sid));
		taken = *sid == 0;
		for (struct ppp_session *ps = t->sessions; ps && !taken; ps = ps->next)
			taken = ps->sid == *sid;
	} while (taken);
	*out = ppp_session_new(t, *sid, 1, NULL);
	if (!*out) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

/* A user's profile in config c ("default" is the server's default-profile); NULL if none. */
static const struct cfg_ppp_profile *server_profile(const struct cfg *c,
						    const struct cfg_ppp_secret *sec)
{
	const char *name = sec->profile;

	if (strcmp(name, "default") == 0)
		name = c->server.default_profile;
	return cfg_profile_find(c, name);
}

static const char *server_bridge(struct site *s, const struct cfg_ppp_secret *sec)
{
	const struct cfg_ppp_profile *p = server_profile(s->cfg, sec);

	return p ? p->bridge : "";
}

int l2tp_server_session_up(struct ppp_session *ps)
{
	struct site *s = ps->site;
	const char *why = "";
	const struct cfg_ppp_secret *sec = l2tp_server_secret(s, ps->user, &why);

	if (!sec) {
		ppp_session_kill(ps, why);
		return -1;
	}
	/* RouterOS: a user who connects again replaces the session they had. */
	for (struct v2_tunnel *t = s->v2_tunnels; t; t = t->next) {
		for (struct ppp_session *o = t->sessions; o; o = o->next) {
			if (o == ps || !o->server || o->dead || strcmp(o->user, ps->user) != 0 ||
			    !o->ifname[0])
				continue;
			log_info("l2tp-server: user %s: already connected (interface %s from %s), "
				 "dropping the old session",
				 ps->user, o->ifname, o->tun->peer_text);
			ppp_session_kill(o, "replaced by a new session");
		}
	}
	snprintf(ps->bridge, sizeof(ps->bridge), "%s", server_bridge(s, sec));
	if (sec->interface[0])
		snprintf(ps->ifname, sizeof(ps->ifname), "%s", sec->interface);
	else
		ppp_session_dynamic_name(s, ps->user, ps->ifname, sizeof(ps->ifname));
	return 0;
}

/* Reload: a session whose secret or bridge changed is dropped; the rest stay. */
void l2tp_server_reload_sessions(struct site *s, const struct cfg *old)
{
	for (struct v2_tunnel *t = s->v2_tunnels; t; t = t->next) {
		for (struct ppp_session *ps = t->sessions; ps; ps = ps->next) {
			const struct cfg_ppp_secret *o = NULL, *n;
			const char *why = "";

			if (!ps->server || ps->dead || !ps->ifname[0])
				continue;
			for (size_t i = 0; i < old->n_secret; i++)
				if (strcmp(old->secret[i].title, ps->user) == 0)
					o = &old->secret[i];
			n = l2tp_server_secret(s, ps->user, &why);
			if (n && o && cfg_ppp_secret_equal(o, n) && server_profile(old, o) &&
			    server_profile(s->cfg, n) &&
			    cfg_ppp_profile_equal(server_profile(old, o),
						  server_profile(s->cfg, n)))
				continue;
			log_info(
			    "l2tp-server: user %s: ppp-secret or profile changed, dropping the "
			    "session",
			    ps->user);
			ppp_session_kill(ps, "ppp-secret changed");
		}
	}
}
