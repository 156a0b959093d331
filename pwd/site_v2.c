/*
 * L2TPv2 control connections of the site (RFC 2661): the engine glue, the
 * tunnel and session hashes, demultiplexing of received v2 packets, start,
 * reload, shutdown and status of the l2tp-client / l2tp-server sections.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "l2tp.h"
#include "l2tp_data.h"
#include "l2tp_tunnel.h"
#include "log.h"
#include "ppp.h"
#include "site_priv.h"
#include "status.h"
#include "transport.h"

static size_t v2_slot(uint32_t key)
{
	return (size_t)((key * 2654435761u) >> 24) % V2_HASH_SIZE;
}

static uint32_t v2_skey(uint16_t tid, uint16_t sid)
{
	return (uint32_t)tid << 16 | sid;
}

static struct v2_tunnel *v2_tunnel_find(const struct site *s, uint16_t id)
{
	for (struct v2_tunnel *t = s->v2_thash[v2_slot(id)]; t; t = t->hash_next)
		if (t->local_id == id)
			return t;
	return NULL;
}

static struct ppp_session *v2_session_find(const struct site *s, uint16_t tid, uint16_t sid)
{
	for (struct ppp_session *ps = s->v2_shash[v2_slot(v2_skey(tid, sid))]; ps;
	     ps = ps->hash_next)
		if (ps->sid == sid && ps->tun->local_id == tid)
			return ps;
	return NULL;
}

void v2_hash_add(struct site *s, struct ppp_session *ps)
{
	size_t i = v2_slot(v2_skey(ps->tun->local_id, ps->sid));

	if (ps->hashed)
		return;
	ps->hash_next = s->v2_shash[i];
	s->v2_shash[i] = ps;
	ps->hashed = 1;
}

void v2_hash_del(struct site *s, struct ppp_session *ps)
{
	struct ppp_session **pp = &s->v2_shash[v2_slot(v2_skey(ps->tun->local_id, ps->sid))];

	for (; ps->hashed && *pp; pp = &(*pp)->hash_next) {
		if (*pp == ps) {
			*pp = ps->hash_next;
			ps->hash_next = NULL;
			ps->hashed = 0;
			return;
		}
	}
}

/* ---- engine ops ---- */

static void v2_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct v2_tunnel *t = ctx;

	transport_send_ctrl(t->tr, (const struct sockaddr *)&t->peer, t->peer_len, pkt, len);
}

static void v2_arm(void *ctx, uint64_t at)
{
	struct v2_tunnel *t = ctx;

	evloop_timer_set(t->site->loop, &t->eng_timer, at);
}

static void v2_random(void *ctx, void *out, size_t len)
{
	(void)ctx;
	site_random(out, len);
}

static void v2_log(void *ctx, int level, const char *msg)
{
	struct v2_tunnel *t = ctx;

	snprintf(t->last_msg, sizeof(t->last_msg), "%s", msg);
	log_msg(site_log_level(level), "%s: %s", t->who, msg);
}

static void v2_tunnel_up(void *ctx, struct l2tp_tunnel *eng)
{
	struct v2_tunnel *t = ctx;

	t->up = 1;
	if (t->client)
		log_info("l2tp-client %s: tunnel to %s up (tunnel id %u, peer tunnel id %u)",
			 t->client->title, t->peer_text, t->local_id, l2tp_tunnel_peer_id(eng));
	else
		log_info("l2tp-server: tunnel from %s up (tunnel id %u, peer tunnel id %u, "
			 "host \"%s\")",
			 t->peer_text, t->local_id, l2tp_tunnel_peer_id(eng),
			 l2tp_tunnel_peer_host_name(eng));
}

static void v2_tunnel_down(void *ctx, struct l2tp_tunnel *eng, const char *why)
{
	struct v2_tunnel *t = ctx;

	(void)eng;
	t->down = 1;
	if (t->is_client)
		log_info("%s: tunnel to %s down: %s", t->who, t->peer_text, why);
	else
		log_info("%s down: %s", t->who, why);
	if (t->client && t->client->tun == t)
		l2tp_client_dropped(t->client, why);
	site_check_stopped(t->site);
}

static void v2_tunnel_closed(void *ctx, struct l2tp_tunnel *eng)
{
	struct v2_tunnel *t = ctx;

	(void)eng;
	t->closed = 1;
	evloop_timer_arm(t->site->loop, &t->reap_timer, evloop_now(t->site->loop));
	site_check_stopped(t->site);
}

static int v2_call_request(void *ctx, struct l2tp_tunnel *eng, const struct l2tp_v2_call *call,
			   struct l2tp_session_params *out, const char **why)
{
	struct v2_tunnel *t = ctx;
	struct ppp_session *ps;
	uint16_t sid;

	(void)eng;
	(void)call;
	if (t->client || l2tp_server_call_request(t, &sid, &ps, why) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->local_session_id = sid;
	out->user = ps;
	return 0;
}

static int v2_session_request(void *ctx, struct l2tp_tunnel *eng, uint32_t remote_end_id,
			      uint16_t pw_type, struct l2tp_session_params *out, const char **why)
{
	(void)ctx;
	(void)eng;
	(void)remote_end_id;
	(void)pw_type;
	(void)out;
	*why = "not an L2TPv2 call";
	return -1;
}

static void v2_session_up(void *ctx, struct l2tp_session *ls)
{
	struct ppp_session *ps = l2tp_session_user(ls);

	(void)ctx;
	if (ps)
		ppp_session_call_up(ps, ls);
}

static void v2_session_down(void *ctx, struct l2tp_session *ls, const char *why)
{
	struct ppp_session *ps = l2tp_session_user(ls);

	(void)ctx;
	/* Not ours any more (replaced), or being freed right now (ppp_session_free). */
	if (!ps || (ps->ls && ps->ls != ls) || (!ps->ls && ps->dead))
		return;
	ppp_session_call_down(ps, why);
}

static const struct l2tp_tunnel_ops v2_ops = {
    .send = v2_send,
    .arm_timer = v2_arm,
    .random = v2_random,
    .log = v2_log,
    .tunnel_up = v2_tunnel_up,
    .tunnel_down = v2_tunnel_down,
    .session_request = v2_session_request,
    .session_up = v2_session_up,
    .session_down = v2_session_down,
    .tunnel_closed = v2_tunnel_closed,
    .call_request = v2_call_request,
};

static void v2_eng_timer(struct ev_timer *et)
{
	struct v2_tunnel *t = et->arg;

	l2tp_tunnel_timeout(t->eng, evloop_now(t->site->loop));
}

static void v2_tunnel_free(struct v2_tunnel *t)
{
	struct site *s = t->site;
	struct v2_tunnel **pp;

	while (t->sessions)
		ppp_session_free(t->sessions);
	for (pp = &s->v2_thash[v2_slot(t->local_id)]; *pp; pp = &(*pp)->hash_next)
		if (*pp == t) {
			*pp = t->hash_next;
			break;
		}
	for (pp = &s->v2_tunnels; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	if (t->client && t->client->tun == t)
		t->client->tun = NULL;
	evloop_timer_disarm(s->loop, &t->eng_timer);
	evloop_timer_disarm(s->loop, &t->reap_timer);
	l2tp_tunnel_free(t->eng);
	transport_put(t->tr);
	free(t);
}

static void v2_reap_timer(struct ev_timer *et)
{
	struct v2_tunnel *t = et->arg;
	struct site *s = t->site;

	v2_tunnel_free(t);
	site_check_stopped(s);
}

static uint16_t v2_alloc_tunnel_id(struct site *s)
{
	uint16_t id;

	do
		site_random(&id, sizeof(id));
	while (id == 0 || v2_tunnel_find(s, id));
	return id;
}

struct v2_tunnel *v2_tunnel_new(struct site *s, struct transport *tr, const struct sockaddr *peer,
				socklen_t peer_len, struct l2tp_client *client)
{
	struct l2tp_tunnel_params p;
	struct v2_tunnel *t = calloc(1, sizeof(*t));
	size_t i;

	if (!t)
		return NULL;
	l2tp_tunnel_params_default(&p);
	p.version = 2;
	p.initiator = client != NULL;
	snprintf(p.host_name, sizeof(p.host_name), "%s", s->cfg->name);
	if (client) {
		p.secret = client->cfg->tunnel_secret;
		p.hide_avps = client->cfg->hide_avps;
		p.hello_interval_s = client->cfg->hello_interval;
	} else {
		p.secret = s->cfg->server.tunnel_secret;
		p.hide_avps = s->cfg->server.hide_avps;
		p.hello_interval_s = s->cfg->server.hello_interval;
	}
	t->site = s;
	t->client = client;
	t->tr = tr;
	t->local_id = v2_alloc_tunnel_id(s);
	memcpy(&t->peer, peer, peer_len < sizeof(t->peer) ? peer_len : sizeof(t->peer));
	t->peer_len = peer_len;
	transport_addr_text(peer, t->peer_text, sizeof(t->peer_text));
	t->is_client = client != NULL;
	if (client)
		snprintf(t->who, sizeof(t->who), "l2tp-client %s", client->title);
	else
		snprintf(t->who, sizeof(t->who), "l2tp-server: tunnel from %s", t->peer_text);
	evloop_timer_init(&t->eng_timer, v2_eng_timer, t);
	evloop_timer_init(&t->reap_timer, v2_reap_timer, t);
	t->eng = l2tp_tunnel_new(&p, t->local_id, &v2_ops, t);
	if (!t->eng) {
		free(t);
		return NULL;
	}
	i = v2_slot(t->local_id);
	t->hash_next = s->v2_thash[i];
	s->v2_thash[i] = t;
	t->next = s->v2_tunnels;
	s->v2_tunnels = t;
	return t; /* the caller's transport reference is the tunnel's now */
}

void v2_tunnel_stop(struct v2_tunnel *t, const char *why)
{
	if (!t)
		return;
	if (t->client && t->client->tun == t)
		t->client->tun = NULL;
	t->client = NULL; /* its client may be freed next */
	if (t->closed || t->stopped)
		return;
	t->stopped = 1;
	if (t->down)
		return; /* StopCCN exchanged already: tunnel_closed reaps it */
	/* Waiting for an SCCRP: the peer has no id for us to StopCCN. */
	if (l2tp_tunnel_state(t->eng) == L2TP_TUNNEL_IDLE ||
	    l2tp_tunnel_state(t->eng) == L2TP_TUNNEL_WAIT_CTL_REPLY ||
	    l2tp_tunnel_state(t->eng) == L2TP_TUNNEL_CLOSED) {
		t->closed = 1;
		evloop_timer_arm(t->site->loop, &t->reap_timer, evloop_now(t->site->loop));
		return;
	}
	/* RFC 2661 §4.4.2 Result Code 6: "Requester is being shut down" (clear fits reload). */
	l2tp_tunnel_stop(t->eng, 6, why, evloop_now(t->site->loop));
}

/* ---- input ---- */

static void v2_drop_log(struct site *s, const struct sockaddr *from, const char *what, unsigned a,
			unsigned b)
{
	uint32_t suppressed;
	char addr[64];

	if (!log_ratelimit_ok(&s->rl_v2, evloop_now(s->loop), &suppressed))
		return;
	transport_addr_text(from, addr, sizeof(addr));
	log_warnx("L2TPv2 %s %u/%u from %s dropped (%u similar suppressed)", what, a, b, addr,
		  suppressed);
}

/*
 * A first SCCRQ the engine could not use (counted and logged there): tell
 * the client with a StopCCN rather than leave it retransmitting.  Hidden
 * AVPs that do not decode mean the client has another tunnel-secret (RFC
 * 2661 §4.3): that is a tunnel authentication failure.
 */
static void v2_refuse_sccrq(struct v2_tunnel *t, const struct l2tp_ctrl_peek *pk)
{
	struct site *s = t->site;
	const char *why = t->last_msg[0] ? t->last_msg : "SCCRQ refused";
	uint32_t suppressed;

	if (strstr(why, "hidden AVP") || strstr(why, "secret"))
		why = "tunnel authentication failed: hidden AVPs do not decode (wrong "
		      "tunnel-secret?)";
	if (log_ratelimit_ok(&s->rl_v2, evloop_now(s->loop), &suppressed))
		log_warnx("%s: %s (%u similar suppressed)", t->who, why, suppressed);
	site_refuse_ctrl(t->tr, (const struct sockaddr *)&t->peer, t->peer_len, L2TP_VERSION_2,
			 pk->assigned_id, why);
	v2_tunnel_stop(t, "refused");
}

static void v2_ctrl_input(struct site *s, struct transport *tr, const struct sockaddr *from,
			  socklen_t fromlen, const uint8_t *pkt, size_t len)
{
	struct l2tp_ctrl_peek pk;
	struct v2_tunnel *t;

	if (l2tp_ctrl_peek(pkt, len, &pk) == -1) {
		s->v2_drop_malformed++;
		return;
	}
	if (pk.conn_id == 0) {
		if (pk.msg_type != L2TP_MSG_SCCRQ) {
			s->v2_drop_unknown_tunnel++;
			return;
		}
		/* A retransmitted SCCRQ belongs to the tunnel it already created. */
		for (t = s->v2_tunnels; t; t = t->next)
			if (!t->client && !t->closed && t->tr == tr && pk.assigned_id &&
			    l2tp_tunnel_peer_id(t->eng) == pk.assigned_id &&
			    transport_addr_equal(from, (const struct sockaddr *)&t->peer)) {
				l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop));
				return;
			}
		if (!s->server.tr || s->stopping) {
			s->refused_peers++;
			v2_drop_log(s, from, "SCCRQ (no l2tp-server) tunnel", pk.assigned_id, 0);
			site_refuse_ctrl(tr, from, fromlen, L2TP_VERSION_2, pk.assigned_id,
					 s->stopping ? "shutting down" : "no l2tp-server here");
			return;
		}
		transport_hold(tr);
		t = v2_tunnel_new(s, tr, from, fromlen, NULL);
		if (!t) {
			transport_put(tr);
			return;
		}
		if (l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop)) == -1 &&
		    l2tp_tunnel_state(t->eng) == L2TP_TUNNEL_IDLE) {
			v2_refuse_sccrq(t, &pk);
			return;
		}
		log_info(
		    "l2tp-server: tunnel from %s: SCCRQ accepted (tunnel id %u, peer tunnel id "
		    "%u)",
		    t->peer_text, t->local_id, pk.assigned_id);
		return;
	}
	t = v2_tunnel_find(s, (uint16_t)pk.conn_id);
	if (!t || t->closed || !transport_addr_equal(from, (const struct sockaddr *)&t->peer)) {
		s->v2_drop_unknown_tunnel++;
		v2_drop_log(s, from, "control message for unknown tunnel", pk.conn_id,
			    pk.session_id);
		return;
	}
	/* RFC 2661 §8.1: the LNS may answer from another port; follow it. */
	memcpy(&t->peer, from, fromlen < sizeof(t->peer) ? fromlen : sizeof(t->peer));
	t->peer_len = fromlen;
	l2tp_tunnel_input(t->eng, pkt, len, evloop_now(s->loop));
	/* The templates name the peer's port; a closing tunnel takes its calls out. */
	for (struct ppp_session *ps = t->sessions; ps; ps = ps->next)
		ppp_fast_sync(ps);
}

void site_v2_input(struct site *s, struct transport *tr, const struct sockaddr *from,
		   socklen_t fromlen, const uint8_t *pkt, size_t len)
{
	struct l2tp_v2_data_hdr h;
	struct buf b, payload;
	enum l2tp_data_drop why;
	struct ppp_session *ps;
	uint8_t flags;

	buf_init(&b, pkt, len);
	if (buf_peek_n8(&b, 0, &flags) == -1) {
		s->v2_drop_malformed++;
		return;
	}
	if (flags & 0x80) { /* T: control message (RFC 2661 §3.1) */
		v2_ctrl_input(s, tr, from, fromlen, pkt, len);
		return;
	}
	if (l2tp_v2_data_parse(&b, &h, &payload, &why) == -1) {
		s->v2_drop_malformed++;
		return;
	}
	ps = v2_session_find(s, h.tunnel_id, h.session_id);
	if (!ps || !transport_addr_equal(from, (const struct sockaddr *)&ps->tun->peer)) {
		s->v2_drop_unknown_session++;
		v2_drop_log(s, from, "data for unknown session", h.tunnel_id, h.session_id);
		return;
	}
	ppp_session_input(ps, &payload);
}

/* ---- the site's side: start, reload, stop, status ---- */

void site_v2_start(struct site *s)
{
	l2tp_server_start(s);
	for (size_t i = 0; i < s->cfg->n_client; i++)
		l2tp_client_start(s, &s->cfg->client[i]);
}

static const struct cfg_l2tp_client *v2_client_find(const struct cfg *c, const char *title)
{
	for (size_t i = 0; i < c->n_client; i++)
		if (strcmp(c->client[i].title, title) == 0)
			return &c->client[i];
	return NULL;
}

/* 1 when the client's profile is the same in both configs (a missing one never is). */
static int v2_client_profile_same(const struct cfg *a, const struct cfg_l2tp_client *ca,
				  const struct cfg *b, const struct cfg_l2tp_client *cb)
{
	const struct cfg_ppp_profile *pa = cfg_profile_find(a, ca->profile);
	const struct cfg_ppp_profile *pb = cfg_profile_find(b, cb->profile);

	return pa && pb && cfg_ppp_profile_equal(pa, pb);
}

/* Called with s->cfg = c already and old still loaded. */
void site_v2_reload(struct site *s, struct cfg *old, struct cfg *c)
{
	struct l2tp_client *cl, *next;
	size_t kept = 0, stopped = 0, started = 0;

	for (cl = s->clients; cl; cl = next) {
		const struct cfg_l2tp_client *n = v2_client_find(c, cl->title);

		next = cl->next;
		if (n && cfg_l2tp_client_equal(cl->cfg, n) &&
		    v2_client_profile_same(old, cl->cfg, c, n)) {
			cl->cfg = n;
			kept++;
			continue;
		}
		log_info("reload: l2tp-client %s %s", cl->title,
			 n ? "changed, restarting" : "removed");
		l2tp_client_free(cl);
		stopped++;
	}
	for (size_t i = 0; i < c->n_client; i++) {
		for (cl = s->clients; cl; cl = cl->next)
			if (cl->cfg == &c->client[i])
				break;
		if (cl)
			continue;
		l2tp_client_start(s, &c->client[i]);
		started++;
	}
	if (!cfg_l2tp_server_equal(&old->server, &c->server)) {
		log_info("reload: l2tp-server changed, restarting");
		l2tp_server_stop(s);
		l2tp_server_start(s);
	} else {
		s->server.cfg = &c->server;
		l2tp_server_reload_sessions(s, old);
	}
	log_info("reload: l2tp-client: %zu unchanged, %zu stopped, %zu started", kept, stopped,
		 started);
}

size_t site_v2_stop_all(struct site *s)
{
	while (s->clients)
		l2tp_client_free(s->clients);
	for (struct v2_tunnel *t = s->v2_tunnels; t; t = t->next) {
		/* CDN for every call, then StopCCN (RFC 2661 §5.7, §5.1). */
		while (t->sessions)
			ppp_session_free(t->sessions);
		v2_tunnel_stop(t, "shutting down");
	}
	transport_put(s->server.tr);
	s->server.tr = NULL;
	return site_v2_live_tunnels(s);
}

size_t site_v2_live_tunnels(const struct site *s)
{
	size_t n = 0;

	for (const struct v2_tunnel *t = s->v2_tunnels; t; t = t->next)
		if (t->stopped && !t->closed && l2tp_tunnel_state(t->eng) != L2TP_TUNNEL_CLOSED)
			n++;
	return n;
}

void site_v2_free_all(struct site *s)
{
	while (s->clients)
		l2tp_client_free(s->clients);
	while (s->v2_tunnels)
		v2_tunnel_free(s->v2_tunnels);
	transport_put(s->server.tr);
	s->server.tr = NULL;
}

/*
 * Rows: every l2tp-client, every authenticated l2tp-server session, and
 * every ppp-secret with a static interface that nobody holds (RouterOS
 * lists those l2tp-server interfaces while they are down).
 */
static int v2_secret_online(const struct site *s, const struct cfg_ppp_secret *sec)
{
	for (const struct v2_tunnel *t = s->v2_tunnels; t; t = t->next)
		for (const struct ppp_session *ps = t->sessions; ps; ps = ps->next)
			if (ps->server && !ps->dead && ps->ifname[0] &&
			    strcmp(ps->ifname, sec->interface) == 0)
				return 1;
	return 0;
}

static size_t v2_rows(struct site *s, size_t want, struct status_iface *out, int *found)
{
	size_t n = 0;

	*found = 0;
	for (struct l2tp_client *cl = s->clients; cl; cl = cl->next, n++) {
		if (out && n == want) {
			l2tp_client_status(cl, out);
			*found = 1;
			return n;
		}
	}
	for (struct v2_tunnel *t = s->v2_tunnels; t; t = t->next) {
		for (struct ppp_session *ps = t->sessions; ps; ps = ps->next) {
			if (!ps->server || ps->dead || !ps->ifname[0])
				continue;
			if (out && n == want) {
				ppp_session_status(ps, out);
				*found = 1;
				return n;
			}
			n++;
		}
	}
	for (size_t i = 0; s->cfg->server.enabled && i < s->cfg->n_secret; i++) {
		const struct cfg_ppp_secret *sec = &s->cfg->secret[i];

		if (!sec->interface[0] || v2_secret_online(s, sec))
			continue;
		if (out && n == want) {
			snprintf(out->name, sizeof(out->name), "%s", sec->interface);
			snprintf(out->kind, sizeof(out->kind), "l2tp-server");
			snprintf(out->status, sizeof(out->status), "%s",
				 sec->disabled ? "disabled" : "disconnected");
			snprintf(out->user, sizeof(out->user), "%s", sec->title);
			snprintf(out->encoding, sizeof(out->encoding), "none");
			snprintf(out->fastpath, sizeof(out->fastpath), "off");
			*found = 1;
			return n;
		}
		n++;
	}
	return n;
}

size_t site_v2_status_count(struct site *s)
{
	int found;

	return v2_rows(s, 0, NULL, &found);
}

int site_v2_status_get(struct site *s, size_t i, struct status_iface *out)
{
	int found;

	memset(out, 0, sizeof(*out));
	v2_rows(s, i, out, &found);
	return found ? 0 : -1;
}
