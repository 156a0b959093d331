/*
 * Dynamic pseudowires: control connections to the configured peers, glued to
 * the pure engine (l2tp_tunnel.h) through its ops table.
 *
 * Every site both initiates to its peers and accepts their SCCRQs
 * (site_input.c, where crossing SCCRQs are settled by the engine's tie
 * breaker, RFC 3931 §5.4.3).  The control connection initiator opens sessions for its
 * pseudowires; the responder opens, after SITE_RESPONDER_OPEN_MS, those the
 * initiator did not ask for (asymmetric configs).  An SCCRQ from a peer that
 * already has a tunnel with us means it restarted: the new tunnel is
 * accepted, sessions move to it as they come up, and the stale tunnel is
 * closed once nothing uses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "l2tp.h"
#include "ipsec_site.h"
#include "l2tp_tunnel.h"
#include "pw.h"
#include "site_priv.h"
#include "transport.h"

static const struct cfg_pseudowire *group_cfg(const struct site_group *g)
{
	return g->pws[0]->cfg;
}

static uint64_t ctl_now(const struct site *s)
{
	return evloop_now(s->loop);
}

/* Status line of a pw that has no session yet (a bridge problem takes precedence). */
static void ctl_pw_status(struct pw *p, const char *status)
{
	if (p->bridged)
		pw_set_status(p, status);
}

static int group_has_pw(const struct site_group *g, const struct pw *p)
{
	for (size_t i = 0; i < g->n_pws; i++)
		if (g->pws[i] == p)
			return 1;
	return 0;
}

struct site_tunnel *site_ctl_find_tunnel(struct site *s, uint32_t local_id)
{
	for (struct site_group *g = s->groups; g; g = g->next)
		for (struct site_tunnel *t = g->tunnels; t; t = t->next)
			if (t->local_id == local_id)
				return t;
	return NULL;
}

/* The newest established tunnel of a group: where sessions belong. */
static struct site_tunnel *group_current(const struct site_group *g)
{
	for (struct site_tunnel *t = g->tunnels; t; t = t->next)
		if (t->established && !t->down)
			return t;
	return NULL;
}

int site_group_has_live_tunnel(const struct site_group *g)
{
	for (struct site_tunnel *t = g->tunnels; t; t = t->next)
		if (!t->down)
			return 1;
	return 0;
}

/* Run the group's sessions pass at `at`, or earlier if it is due earlier anyway. */
static void group_sessions_at(struct site_group *g, uint64_t at)
{
	if (evloop_timer_armed(&g->sessions_timer) && g->sessions_timer.at <= at)
		return;
	evloop_timer_arm(g->site->loop, &g->sessions_timer, at);
}

static void group_stale_add(struct site_group *g, struct l2tp_session *sess)
{
	for (size_t i = 0; i < g->n_stale; i++)
		if (g->stale[i] == sess)
			return;
	if (g->n_stale < sizeof(g->stale) / sizeof(g->stale[0]))
		g->stale[g->n_stale++] = sess;
	group_sessions_at(g, ctl_now(g->site));
}

static void group_stale_del(struct site_group *g, struct l2tp_session *sess)
{
	for (size_t i = 0; i < g->n_stale; i++) {
		if (g->stale[i] == sess) {
			g->stale[i] = g->stale[--g->n_stale];
			return;
		}
	}
}

/* Reconnect with backoff: 1 s doubling to 30 s, +-25% jitter. */
void site_group_schedule_connect(struct site_group *g)
{
	uint32_t jitter, delay;

	if (g->site->stopping || g->n_pws == 0)
		return;
	if (g->backoff_ms < SITE_RECONNECT_MIN_MS)
		g->backoff_ms = SITE_RECONNECT_MIN_MS;
	site_random(&jitter, sizeof(jitter));
	delay = g->backoff_ms - g->backoff_ms / 4 + jitter % (g->backoff_ms / 2 + 1);
	evloop_timer_arm(g->site->loop, &g->connect_timer, ctl_now(g->site) + delay);
	log_debug("tunnel to %s: reconnecting in %u ms", g->remote_text, delay);
	g->backoff_ms =
	    g->backoff_ms * 2 > SITE_RECONNECT_MAX_MS ? SITE_RECONNECT_MAX_MS : g->backoff_ms * 2;
}

/* The engine is done with t (or never got going): free it after this callback. */
void site_tunnel_kill(struct site_tunnel *t)
{
	t->down = 1;
	t->closed = 1;
	evloop_timer_disarm(t->group->site->loop, &t->eng_timer);
	evloop_timer_arm(t->group->site->loop, &t->reap_timer, ctl_now(t->group->site));
}

/* A pw loses its session (tunnel down, CDN, replaced). */
static void ctl_pw_session_gone(struct site *s, struct pw *p, const char *why)
{
	if (p->up) {
		site_hash_del(s, p);
		pw_data_down(p, why);
		log_info("session %s down: %s", p->title, why);
	}
	p->session = NULL;
	p->tunnel = NULL;
	ctl_pw_status(p, s->stopping ? "disconnected" : "connecting");
}

/* ---- engine ops ---- */

static void ops_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct site_tunnel *t = ctx;

	if (transport_send_ctrl(t->group->tr, (const struct sockaddr *)&t->peer, t->peer_len, pkt,
				len) == -1)
		log_debug("tunnel to %s: send: %s", t->peer_text, strerror(errno));
}

static void ops_arm_timer(void *ctx, uint64_t at_ms)
{
	struct site_tunnel *t = ctx;

	evloop_timer_set(t->group->site->loop, &t->eng_timer, t->closed ? 0 : at_ms);
}

static void ops_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	site_random(out, len);
}

static void ops_log(void *ctx, int level, const char *msg)
{
	struct site_tunnel *t = ctx;

	log_msg(site_log_level(level), "tunnel to %s: %s", t->peer_text, msg);
}

static void ops_tunnel_up(void *ctx, struct l2tp_tunnel *eng)
{
	struct site_tunnel *t = ctx;
	struct site_group *g = t->group;
	const char *host = l2tp_tunnel_peer_host_name(eng);

	t->established = 1;
	t->established_at = ctl_now(g->site);
	g->backoff_ms = SITE_RECONNECT_MIN_MS;
	evloop_timer_disarm(g->site->loop, &g->connect_timer);
	log_info("tunnel to %s up (%s, local id %u, peer id %u, peer host %s)", t->peer_text,
		 t->initiator ? "initiator" : "responder", t->local_id, l2tp_tunnel_peer_id(eng),
		 host && host[0] ? host : "?");
	/* Sessions: the initiator asks at once, the responder waits (sessions_timer). */
	group_sessions_at(g, ctl_now(g->site));
}

static void ops_tunnel_down(void *ctx, struct l2tp_tunnel *eng, const char *why)
{
	struct site_tunnel *t = ctx;
	struct site_group *g = t->group;
	struct site *s = g->site;

	(void)eng;
	if (t->down)
		return;
	t->down = 1;
	if (!why || !why[0])
		why = "no reason given";
	if (t->established)
		log_info("tunnel to %s down: %s", t->peer_text, why);
	else
		log_info("tunnel to %s failed: %s", t->peer_text, why);
	for (size_t i = 0; i < g->n_pws; i++) {
		struct pw *p = g->pws[i];

		if (p->opening_tunnel == t) {
			p->opening = NULL;
			p->opening_tunnel = NULL;
		}
		if (p->tunnel == t)
			ctl_pw_session_gone(s, p, why);
	}
	/* Superseded sessions of this tunnel die with it. */
	for (size_t i = g->n_stale; i-- > 0;)
		if (l2tp_session_tunnel(g->stale[i]) == t->eng)
			g->stale[i] = g->stale[--g->n_stale];
	if (!site_group_has_live_tunnel(g))
		site_group_schedule_connect(g);
	else
		group_sessions_at(g, ctl_now(s));
	site_check_stopped(s);
}

static void ops_tunnel_closed(void *ctx, struct l2tp_tunnel *eng)
{
	struct site_tunnel *t = ctx;

	(void)eng;
	site_tunnel_kill(t);
	site_check_stopped(t->group->site);
}

static uint16_t ctl_pw_type(const struct cfg_pseudowire *c)
{
	return c->pw_type == CFG_PW_ETHERNET_VLAN ? L2TP_PWTYPE_ETH_VLAN : L2TP_PWTYPE_ETH;
}

static void ctl_session_params(struct site *s, struct pw *p, struct l2tp_session_params *out)
{
	const struct cfg_pseudowire *c = p->cfg;

	memset(out, 0, sizeof(*out));
	out->local_session_id = site_alloc_session_id(s);
	out->pw_type = ctl_pw_type(c);
	out->remote_end_id = c->pw_id;
	/* RFC 3931 §5.4.4 Assigned Cookie: the cookie we require, random per session. */
	out->cookie_len = c->cookie_length;
	site_random(out->cookie, out->cookie_len);
	out->l2spec_default = c->l2_sublayer == CFG_SUBLAYER_DEFAULT;
	out->data_seq = c->sequencing;
	out->user = p;
}

static int ops_session_request(void *ctx, struct l2tp_tunnel *eng, uint32_t remote_end_id,
			       uint16_t pw_type, struct l2tp_session_params *out, const char **why)
{
	struct site_tunnel *t = ctx;
	struct site_group *g = t->group;
	struct site *s = g->site;
	struct pw *p = NULL;
	uint32_t suppressed;

	(void)eng;
	for (size_t i = 0; i < g->n_pws; i++)
		if (g->pws[i]->cfg->pw_id == remote_end_id)
			p = g->pws[i];
	if (s->stopping)
		*why = "shutting down";
	else if (!p)
		*why = "no pseudowire with this pw-id";
	else if (ctl_pw_type(p->cfg) != pw_type)
		*why = "pw-type mismatch";
	else
		*why = NULL;
	if (*why) {
		if (log_ratelimit_ok(&s->rl_refused_session, ctl_now(s), &suppressed))
			log_warnx("tunnel to %s: refused session for pw-id %u: %s (%u similar "
				  "suppressed)",
				  t->peer_text, remote_end_id, *why, suppressed);
		return -1;
	}
	ctl_session_params(s, p, out);
	return 0;
}

static void ops_session_up(void *ctx, struct l2tp_session *sess)
{
	struct site_tunnel *t = ctx;
	struct site_group *g = t->group;
	struct site *s = g->site;
	struct pw *p = l2tp_session_user(sess);
	const struct l2tp_session_info *in = l2tp_session_info(sess);
	struct pw_session_params sp;

	if (!p || !group_has_pw(g, p) || s->stopping) {
		group_stale_add(g, sess);
		return;
	}
	if (p->opening && p->opening != sess)
		group_stale_add(g, p->opening);
	p->opening = NULL;
	p->opening_tunnel = NULL;
	if (p->session && p->session != sess) {
		group_stale_add(g, p->session);
		if (p->up)
			site_hash_del(s, p);
		pw_data_down(p, "replaced by a new session");
		log_info("session %s moves to the new tunnel to %s", p->title, t->peer_text);
	} else if (p->up) {
		site_hash_del(s, p);
		pw_data_down(p, "replaced");
	}
	memset(&sp, 0, sizeof(sp));
	sp.local_session_id = in->local_session_id;
	sp.peer_session_id = in->peer_session_id;
	sp.tunnel_id = t->local_id;
	sp.peer_tunnel_id = l2tp_tunnel_peer_id(t->eng);
	sp.tx_cookie_len = in->peer_cookie_len;
	memcpy(sp.tx_cookie, in->peer_cookie, sizeof(sp.tx_cookie));
	sp.rx_cookie_len = in->cookie_len;
	memcpy(sp.rx_cookie, in->cookie, sizeof(sp.rx_cookie));
	sp.l2spec_default = in->l2spec_default;
	sp.seq_tx = in->seq_tx;
	sp.seq_rx = in->seq_rx;
	sp.transport = g->tr;
	/* Data follows control: the peer's address and, on UDP, the port it uses. */
	sp.peer = t->peer;
	sp.peer_len = t->peer_len;
	if (transport_encap(g->tr) == TRANSPORT_IP)
		transport_addr_set_port(&sp.peer, 0);
	p->session = sess;
	p->tunnel = t;
	p->retry_ms = 0;
	p->retry_at = 0;
	if (pw_data_up(p, &sp) == -1) {
		group_stale_add(g, sess);
		p->session = NULL;
		p->tunnel = NULL;
		return;
	}
	site_hash_add(s, p);
	log_info("session %s up (tunnel to %s, pw-id %u, session id %u, peer session id %u)",
		 p->title, t->peer_text, p->cfg->pw_id, sp.local_session_id, sp.peer_session_id);
	/* Retire whatever this replaced. */
	group_sessions_at(g, ctl_now(s));
}

static void ops_session_down(void *ctx, struct l2tp_session *sess, const char *why)
{
	struct site_tunnel *t = ctx;
	struct site_group *g = t->group;
	struct site *s = g->site;
	struct pw *p = l2tp_session_user(sess);

	group_stale_del(g, sess);
	if (!p || !group_has_pw(g, p))
		return;
	if (!why || !why[0])
		why = "no reason given";
	if (p->opening == sess) {
		uint32_t suppressed;

		p->opening = NULL;
		p->opening_tunnel = NULL;
		if (log_ratelimit_ok(&s->rl_refused_session, ctl_now(s), &suppressed))
			log_warnx("session %s: not established: %s (%u similar suppressed)",
				  p->title, why, suppressed);
		snprintf(p->last_error, sizeof(p->last_error), "%s", why);
		/* A peer that keeps refusing is asked less and less often. */
		p->retry_ms = p->retry_ms ? p->retry_ms * 2 : SITE_SESSION_RETRY_MS;
		if (p->retry_ms > SITE_SESSION_RETRY_MAX_MS)
			p->retry_ms = SITE_SESSION_RETRY_MAX_MS;
		p->retry_at = ctl_now(s) + p->retry_ms;
	} else if (p->session == sess) {
		ctl_pw_session_gone(s, p, why);
		p->retry_at = ctl_now(s) + SITE_SESSION_RETRY_MS;
	} else {
		return;
	}
	if (!s->stopping)
		group_sessions_at(g, p->retry_at);
}

static const struct l2tp_tunnel_ops ctl_ops = {
    .send = ops_send,
    .arm_timer = ops_arm_timer,
    .random = ops_random,
    .log = ops_log,
    .tunnel_up = ops_tunnel_up,
    .tunnel_down = ops_tunnel_down,
    .session_request = ops_session_request,
    .session_up = ops_session_up,
    .session_down = ops_session_down,
    .tunnel_closed = ops_tunnel_closed,
};

/* ---- tunnels ---- */

static void tunnel_eng_timer(struct ev_timer *et)
{
	struct site_tunnel *t = et->arg;

	if (!t->closed)
		l2tp_tunnel_timeout(t->eng, ctl_now(t->group->site));
}

static void group_maybe_free(struct site_group *g);

static void tunnel_reap(struct ev_timer *et)
{
	struct site_tunnel *t = et->arg;
	struct site_group *g = t->group;
	struct evloop *l = g->site->loop;

	for (struct site_tunnel **pp = &g->tunnels; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	evloop_timer_disarm(l, &t->eng_timer);
	evloop_timer_disarm(l, &t->reap_timer);
	l2tp_tunnel_free(t->eng);
	free(t);
	group_maybe_free(g);
}

struct site_tunnel *site_tunnel_new(struct site_group *g, int initiator,
				    const struct sockaddr *peer, socklen_t peer_len)
{
	struct site *s = g->site;
	const struct cfg_pseudowire *c = group_cfg(g);
	struct site_tunnel *t = calloc(1, sizeof(*t));
	struct l2tp_tunnel_params pp;

	if (!t)
		return NULL;
	t->group = g;
	t->initiator = initiator;
	t->created = ctl_now(s);
	memcpy(&t->peer, peer, peer_len < sizeof(t->peer) ? peer_len : sizeof(t->peer));
	t->peer_len = peer_len;
	transport_addr_text(peer, t->peer_text, sizeof(t->peer_text));
	do
		site_random(&t->local_id, sizeof(t->local_id));
	while (t->local_id == 0 || site_ctl_find_tunnel(s, t->local_id));
	evloop_timer_init(&t->eng_timer, tunnel_eng_timer, t);
	evloop_timer_init(&t->reap_timer, tunnel_reap, t);

	l2tp_tunnel_params_default(&pp);
	pp.version = 3;
	pp.initiator = initiator;
	snprintf(pp.host_name, sizeof(pp.host_name), "%s", s->cfg->name);
	pp.router_id = s->router_id;
	pp.secret = c->secret && c->secret[0] ? c->secret : NULL;
	pp.digest = c->digest == CFG_DIGEST_SHA1 ? L2TP_DIGEST_SHA1 : L2TP_DIGEST_MD5;
	pp.hello_interval_s = c->hello_interval;
	pp.pw_caps[0] = L2TP_PWTYPE_ETH;
	pp.pw_caps[1] = L2TP_PWTYPE_ETH_VLAN;
	pp.n_pw_caps = 2;
	t->eng = l2tp_tunnel_new(&pp, t->local_id, &ctl_ops, t);
	if (!t->eng) {
		free(t);
		return NULL;
	}
	t->next = g->tunnels;
	g->tunnels = t;
	return t;
}

static void group_connect_timer(struct ev_timer *et)
{
	struct site_group *g = et->arg;
	struct site_tunnel *t;

	if (g->site->stopping || g->n_pws == 0 || site_group_has_live_tunnel(g))
		return;
	/* use-ipsec: no SCCRQ before the SA; site_ipsec_changed() calls again. */
	if (!ipsec_site_peer_ready(g->site, (const struct sockaddr *)&g->remote)) {
		log_debug("tunnel to %s: waiting for its IPsec SA", g->remote_text);
		return;
	}
	t = site_tunnel_new(g, 1, (const struct sockaddr *)&g->remote, g->remote_len);
	if (!t) {
		log_warnx("tunnel to %s: out of memory", g->remote_text);
		site_group_schedule_connect(g);
		return;
	}
	log_info("tunnel to %s connecting (%s, local id %u)", g->remote_text, transport_name(g->tr),
		 t->local_id);
	/* The next attempt, should this one fail, waits longer. */
	if (g->backoff_ms < SITE_RECONNECT_MIN_MS)
		g->backoff_ms = SITE_RECONNECT_MIN_MS;
	l2tp_tunnel_start(t->eng, ctl_now(g->site));
}

/* Open missing sessions on the current tunnel; close superseded ones. */
static void group_sessions_timer(struct ev_timer *et)
{
	struct site_group *g = et->arg;
	struct site *s = g->site;
	struct site_tunnel *cur = group_current(g);
	uint64_t now = ctl_now(s), next = 0;

	while (g->n_stale) {
		struct l2tp_session *sess = g->stale[--g->n_stale];

		l2tp_session_close(sess, L2TP_CDN_ADMIN, "superseded", now);
	}
	if (s->stopping || !cur)
		return;
	if (!cur->initiator && now < cur->established_at + SITE_RESPONDER_OPEN_MS) {
		group_sessions_at(g, cur->established_at + SITE_RESPONDER_OPEN_MS);
		return;
	}
	for (size_t i = 0; i < g->n_pws; i++) {
		struct pw *p = g->pws[i];
		struct l2tp_session_params sp;

		if ((p->session && p->tunnel == cur) || p->opening)
			continue;
		if (p->retry_at > now) {
			if (!next || p->retry_at < next)
				next = p->retry_at;
			continue;
		}
		ctl_session_params(s, p, &sp);
		p->opening = l2tp_session_open(cur->eng, &sp, now);
		if (p->opening) {
			p->opening_tunnel = cur;
			log_debug("session %s: ICRQ to %s (pw-id %u)", p->title, cur->peer_text,
				  p->cfg->pw_id);
		}
	}
	if (next)
		group_sessions_at(g, next);
	/* Older tunnels nothing uses any more are closed (the peer restarted). */
	for (struct site_tunnel *o = cur->next; o; o = o->next) {
		int used = 0;

		if (o->down)
			continue;
		for (size_t i = 0; i < g->n_pws; i++)
			if (g->pws[i]->tunnel == o || g->pws[i]->opening_tunnel == o)
				used = 1;
		if (used)
			continue;
		log_info("tunnel to %s (local id %u) replaced by a newer one: closing",
			 o->peer_text, o->local_id);
		l2tp_tunnel_stop(o->eng, L2TP_STOPCCN_GENERAL_REQUEST, "replaced", now);
	}
}

/* ---- groups ---- */

static int group_matches(const struct site_group *g, const struct cfg_pseudowire *c)
{
	const struct cfg_pseudowire *k = group_cfg(g);

	return transport_addr_equal((const struct sockaddr *)&k->remote.ss,
				    (const struct sockaddr *)&c->remote.ss) &&
	       k->local.ss.ss_family == c->local.ss.ss_family &&
	       (c->local.ss.ss_family == AF_UNSPEC ||
		transport_addr_equal((const struct sockaddr *)&k->local.ss,
				     (const struct sockaddr *)&c->local.ss)) &&
	       k->encap == c->encap && (c->encap == CFG_ENCAP_IP || k->port == c->port) &&
	       strcmp(k->secret ? k->secret : "", c->secret ? c->secret : "") == 0 &&
	       k->digest == c->digest;
}

static void group_maybe_free(struct site_group *g)
{
	struct site *s = g->site;

	if (g->n_pws || g->tunnels)
		return;
	for (struct site_group **pp = &s->groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	evloop_timer_disarm(s->loop, &g->connect_timer);
	evloop_timer_disarm(s->loop, &g->sessions_timer);
	transport_put(g->tr);
	free(g->pws);
	free(g);
}

int site_ctl_add(struct site *s, struct pw *p, struct transport *tr)
{
	const struct cfg_pseudowire *c = p->cfg;
	struct site_group *g;
	struct pw **pws;

	if (!tr)
		return -1;
	for (g = s->groups; g; g = g->next)
		if (g->n_pws && g->tr == tr && group_matches(g, c))
			break;
	if (g) {
		transport_put(tr); /* the group holds one reference */
	} else {
		g = calloc(1, sizeof(*g));
		if (!g) {
			transport_put(tr);
			return -1;
		}
		g->site = s;
		g->tr = tr;
		memcpy(&g->remote, &c->remote.ss, sizeof(g->remote));
		g->remote_len = c->remote.len;
		transport_addr_set_port(&g->remote, c->encap == CFG_ENCAP_UDP ? c->port : 0);
		snprintf(g->remote_text, sizeof(g->remote_text), "%s", c->remote.text);
		evloop_timer_init(&g->connect_timer, group_connect_timer, g);
		evloop_timer_init(&g->sessions_timer, group_sessions_timer, g);
		g->next = s->groups;
		s->groups = g;
	}
	pws = realloc(g->pws, (g->n_pws + 1) * sizeof(*pws));
	if (!pws) {
		group_maybe_free(g);
		return -1;
	}
	g->pws = pws;
	g->pws[g->n_pws++] = p;
	p->group = g;
	ctl_pw_status(p, "connecting");
	if (!site_group_has_live_tunnel(g))
		evloop_timer_arm(s->loop, &g->connect_timer, ctl_now(s));
	else if (group_current(g))
		group_sessions_at(g, ctl_now(s));
	return 0;
}

void site_ctl_remove(struct site *s, struct pw *p)
{
	struct site_group *g = p->group;
	uint64_t now = ctl_now(s);

	if (!g)
		return;
	if (p->opening) {
		struct l2tp_session *o = p->opening;

		p->opening = NULL;
		l2tp_session_close(o, L2TP_CDN_ADMIN, "pseudowire removed", now);
	}
	if (p->session) {
		struct l2tp_session *o = p->session;

		ctl_pw_session_gone(s, p, "pseudowire removed");
		l2tp_session_close(o, L2TP_CDN_ADMIN, "pseudowire removed", now);
	}
	for (size_t i = 0; i < g->n_pws; i++) {
		if (g->pws[i] == p) {
			g->pws[i] = g->pws[--g->n_pws];
			break;
		}
	}
	p->group = NULL;
	if (g->n_pws == 0) {
		/* Nobody left on this control connection: close it. */
		for (struct site_tunnel *t = g->tunnels; t; t = t->next)
			if (!t->down)
				l2tp_tunnel_stop(t->eng, L2TP_STOPCCN_GENERAL_REQUEST,
						 "no pseudowires left", now);
		group_maybe_free(g);
	}
}

size_t site_ctl_stop_all(struct site *s)
{
	uint64_t now = ctl_now(s);

	for (struct site_group *g = s->groups; g; g = g->next) {
		evloop_timer_disarm(s->loop, &g->connect_timer);
		for (struct site_tunnel *t = g->tunnels; t; t = t->next) {
			enum l2tp_tunnel_state st = l2tp_tunnel_state(t->eng);

			if (t->down)
				continue;
			/* Waiting for an SCCRP: the peer has no id for us to StopCCN. */
			if (st == L2TP_TUNNEL_ESTABLISHED || st == L2TP_TUNNEL_WAIT_CTL_CONN) {
				t->stopped = 1;
				l2tp_tunnel_stop(t->eng, L2TP_STOPCCN_SHUTTING_DOWN,
						 "shutting down", now);
			} else {
				site_tunnel_kill(t);
			}
		}
	}
	return site_ctl_live_tunnels(s);
}

/* Tunnels whose shutdown StopCCN is not acknowledged yet. */
size_t site_ctl_live_tunnels(const struct site *s)
{
	size_t n = 0;

	for (const struct site_group *g = s->groups; g; g = g->next)
		for (const struct site_tunnel *t = g->tunnels; t; t = t->next)
			if (t->stopped && !t->closed &&
			    l2tp_tunnel_state(t->eng) != L2TP_TUNNEL_CLOSED)
				n++;
	return n;
}

void site_ctl_free_all(struct site *s)
{
	while (s->groups) {
		struct site_group *g = s->groups;

		while (g->tunnels) {
			struct site_tunnel *t = g->tunnels;

			g->tunnels = t->next;
			evloop_timer_disarm(s->loop, &t->eng_timer);
			evloop_timer_disarm(s->loop, &t->reap_timer);
			l2tp_tunnel_free(t->eng);
			free(t);
		}
		g->n_pws = 0;
		group_maybe_free(g);
	}
}
