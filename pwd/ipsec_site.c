/*
 * use-ipsec in the running daemon (see ipsec_site.h): the glue between the
 * site, the pure IPsec manager and swanctl child processes.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "evloop.h"
#include "ipsec.h"
#include "ipsec_mgr.h"
#include "ipsec_site.h"
#include "log.h"
#include "netlink.h"
#include "site_priv.h"
#include "status.h"
#include "transport.h"

#define IPSEC_SITE_KILL_GRACE_MS  2000 /* beyond the job's own alarm */
#define IPSEC_SITE_LOGGED_PEERS	  64   /* "once per peer" memory */
#define IPSEC_SITE_EXIT_TIMEOUT_S 5
#define IPSEC_SITE_SA_PEER_MS	  30000 /* a yes-server's IPsec client: sa_peer_mark() */

/* One swanctl child on the loop. */
struct ipsec_run {
	struct ipsec_run *next;
	struct ipsec_site *is;
	struct ev_io io;
	struct ev_timer kill;
	struct ipsec_job job;
};

/* What we wrote for one connection, and its drop counter. */
struct ipsec_site_conn {
	char name[IPSEC_NAME_MAX + 1];
	uint64_t hash;
	int installed; /* as last told to the site */
	uint64_t not_ipsec;
};

struct ipsec_site {
	struct site *site;
	struct ipsec_mgr m;
	struct ev_timer timer;
	struct ipsec_run *runs;
	struct ipsec_site_conn *conns;
	size_t n_conns;
	char vici[512];
	char dir[512];
	int dir_ready;
	int tun_ifindex;       /* IPSEC_SITE_TUN's, 0 when absent */
	struct netlink *links; /* link monitor: charon's TUN going (NULL: none) */
	struct ev_io links_io;
	uint64_t server_not_ipsec;
	struct sockaddr_storage logged[IPSEC_SITE_LOGGED_PEERS];
	size_t n_logged;
	struct log_ratelimit rl_more_peers;
	/* the last per-peer answer of the l2tp-server's connection (kernel ESP) */
	struct sockaddr_storage cache_peer;
	const char *cache_list; /* m.list at the time, with cache_gen */
	uint64_t cache_gen, list_gen;
	int cache_ok;
	uint64_t poll_soon_at; /* a held-back server reply asked for a LIST_SAS */
	/* a yes-server's clients whose L2TP came through an SA (sa_peer_mark) */
	struct sockaddr_storage sa_peers[IPSEC_SITE_LOGGED_PEERS];
	uint64_t sa_peer_seen[IPSEC_SITE_LOGGED_PEERS]; /* last protected packet */
	size_t n_sa_peers;
};

static void ipsec_site_kick(struct ipsec_site *is);

/* FNV-1a: a change in a connection's text means TERMINATE after LOAD. */
static uint64_t text_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

static struct ipsec_site_conn *site_conn(struct ipsec_site *is, const char *name)
{
	for (size_t i = 0; i < is->n_conns; i++)
		if (strcmp(is->conns[i].name, name) == 0)
			return &is->conns[i];
	return NULL;
}

static void ipsec_ctl_of(const struct ipsec_site *is, struct ipsec_ctl *ctl)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->vici_uri = is->vici;
	ctl->dir = is->dir;
}

/* ---- swanctl children ---- */

static const char *op_name(enum ipsec_op op)
{
	switch (op) {
	case IPSEC_OP_LOAD:
		return "load";
	case IPSEC_OP_INITIATE:
		return "initiate";
	case IPSEC_OP_TERMINATE:
		return "terminate";
	case IPSEC_OP_LIST_SAS:
		return "list-sas";
	default:
		return "?";
	}
}

static void run_end(struct ipsec_run *r)
{
	struct ipsec_site *is = r->is;
	struct evloop *l = is->site->loop;
	char reason[IPSEC_MGR_REASON_MAX] = "";
	int ok;

	if (r->job.fd >= 0)
		evloop_io_del(l, &r->io);
	evloop_timer_disarm(l, &r->kill);
	ok = ipsec_job_finish(&r->job) == 0;
	if (!ok)
		ipsec_parse_error(&r->job, reason, sizeof(reason));
	log_debug("ipsec: swanctl %s %s%s%s", op_name(r->job.op), r->job.name, ok ? "ok" : "failed: ",
		  reason);
	for (struct ipsec_run **pp = &is->runs; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	if (r->job.op == IPSEC_OP_LIST_SAS && ok) {
		is->tun_ifindex = (int)if_nametoindex(IPSEC_SITE_TUN);
		is->list_gen++;
	}
	ipsec_mgr_done(&is->m, r->job.op, r->job.name, ok, r->job.out, r->job.len, reason,
		       evloop_now(l));
	free(r);
	ipsec_site_kick(is);
}

static void run_readable(struct ev_io *io, uint32_t events)
{
	struct ipsec_run *r = io->arg;

	(void)events;
	if (ipsec_job_read(&r->job) == 1)
		return;
	run_end(r);
}

static void run_kill(struct ev_timer *t)
{
	run_end(t->arg);
}

static void run_start(struct ipsec_site *is, const struct ipsec_mgr_job *j)
{
	struct evloop *l = is->site->loop;
	struct ipsec_run *r = calloc(1, sizeof(*r));
	struct ipsec_ctl ctl;
	char reason[IPSEC_MGR_REASON_MAX];

	ipsec_ctl_of(is, &ctl);
	if (!r || ipsec_job_start(&r->job, &ctl, j->op, j->name, j->timeout_s) < 0) {
		snprintf(reason, sizeof(reason), "cannot run swanctl: %s", strerror(errno));
		free(r);
		ipsec_mgr_done(&is->m, j->op, j->name, 0, NULL, 0, reason, evloop_now(l));
		return;
	}
	r->is = is;
	r->io = (struct ev_io){.fd = r->job.fd, .cb = run_readable, .arg = r};
	evloop_timer_init(&r->kill, run_kill, r);
	r->next = is->runs;
	is->runs = r;
	if (evloop_io_add(l, &r->io, EPOLLIN) < 0) {
		/* run_end() from the timer kills and reaps it */
		evloop_timer_arm(l, &r->kill, evloop_now(l));
		return;
	}
	evloop_timer_arm(l, &r->kill,
			 evloop_now(l) + (uint64_t)j->timeout_s * 1000 + IPSEC_SITE_KILL_GRACE_MS);
}

/* Tell the site when a connection's SA came or went. */
static void notify(struct ipsec_site *is)
{
	int changed = 0;

	for (size_t i = 0; i < is->n_conns; i++) {
		struct ipsec_site_conn *c = &is->conns[i];
		int now = ipsec_mgr_installed(&is->m, c->name);

		if (now != c->installed) {
			c->installed = now;
			changed = 1;
		}
	}
	if (changed)
		site_ipsec_changed(is->site);
}

static void ipsec_site_kick(struct ipsec_site *is)
{
	struct evloop *l = is->site->loop;
	uint64_t now = evloop_now(l), at;
	struct ipsec_mgr_job j;
	int guard = 0;

	while (guard++ < 64 && ipsec_mgr_next(&is->m, now, &j))
		run_start(is, &j);
	at = ipsec_mgr_deadline(&is->m, now);
	evloop_timer_set(l, &is->timer, at && at <= now ? now + 100 : at);
	notify(is);
}

static void ipsec_site_timer(struct ev_timer *t)
{
	ipsec_site_kick(t->arg);
}

/* ---- charon's TUN ---- */

/*
 * kernel-libipsec's TUN lives exactly as long as charon: when charon dies
 * (SIGKILL, crash) the kernel removes it and, with it, the routes that sent
 * our L2TP into the SAs, so from that moment L2TP to the peer would leave in
 * clear.  The next LIST_SAS (up to IPSEC_MGR_POLL_MS away) is far too late:
 * the link monitor tells us at once.  Only marks: the site hears of it from
 * the timer (ipsec_site_kick), never from inside a send.
 */
static void charon_gone(struct ipsec_site *is, const char *why)
{
	struct evloop *l = is->site->loop;
	char reason[IPSEC_MGR_REASON_MAX];

	is->tun_ifindex = 0;
	if (is->m.state == IPSEC_MGR_DOWN || is->m.state == IPSEC_MGR_IDLE)
		return;
	snprintf(reason, sizeof(reason), "charon gone (its TUN %s %s)", IPSEC_SITE_TUN, why);
	ipsec_mgr_charon_gone(&is->m, reason, evloop_now(l));
	is->list_gen++; /* server_peer_installed()'s cached answer is stale */
	evloop_timer_arm(l, &is->timer, evloop_now(l));
}

static void links_event(int ifindex, const char *name, int gone, void *arg)
{
	struct ipsec_site *is = arg;

	/* A (re)started charon's TUN: what ipsec_site_rx_ok() counts as protected. */
	if (!gone && strcmp(name, IPSEC_SITE_TUN) == 0)
		is->tun_ifindex = ifindex;
	if (gone && is->tun_ifindex &&
	    (ifindex == is->tun_ifindex || strcmp(name, IPSEC_SITE_TUN) == 0))
		charon_gone(is, "went down");
}

/* Read the queued link notices; 1 when charon turned out to be gone. */
static int links_read(struct ipsec_site *is)
{
	int was = is->tun_ifindex;

	if (netlink_link_monitor_read(is->links, links_event, is) < 0 && errno == ENOBUFS &&
	    is->tun_ifindex && (int)if_nametoindex(IPSEC_SITE_TUN) != is->tun_ifindex)
		charon_gone(is, "vanished"); /* notices lost: look for ourselves */
	return was && !is->tun_ifindex;
}

static void links_readable(struct ev_io *io, uint32_t events)
{
	(void)events;
	links_read(io->arg);
}

/* Without the monitor the next LIST_SAS still notices: log and go on. */
static void links_open(struct ipsec_site *is)
{
	struct evloop *l = is->site->loop;

	is->links = netlink_link_monitor_open();
	if (!is->links) {
		log_warn("ipsec: cannot watch links (charon's death shows at the next SA poll)");
		return;
	}
	is->links_io = (struct ev_io){.fd = netlink_fd(is->links), .cb = links_readable, .arg = is};
	if (evloop_io_add(l, &is->links_io, EPOLLIN) < 0) {
		log_warn("ipsec: cannot watch links (charon's death shows at the next SA poll)");
		netlink_close(is->links);
		is->links = NULL;
	}
}

/* ---- connections from the config ---- */

struct ipsec_site_want {
	struct ipsec_mgr_want *w;
	struct ipsec_site_conn *c;
	char (*names)[IPSEC_NAME_MAX + 1];
	size_t n, cap;
};

static void want_add(struct ipsec_site *is, struct ipsec_site_want *sw, const char *title,
		     const struct ipsec_conn *conn)
{
	char text[2048], err[160];
	struct ipsec_site_conn *old;
	size_t i = sw->n;

	if (ipsec_conn_render(conn, text, sizeof(text), err, sizeof(err)) < 0) {
		log_warnx("%s: use-ipsec: %s", title, err);
		return;
	}
	if (i == sw->cap)
		return;
	snprintf(sw->names[i], sizeof(sw->names[i]), "%s", conn->name);
	sw->w[i].name = sw->names[i];
	sw->w[i].text_hash = text_hash(text);
	sw->w[i].initiator = conn->role == IPSEC_ROLE_INITIATOR;
	memset(&sw->c[i], 0, sizeof(sw->c[i]));
	snprintf(sw->c[i].name, sizeof(sw->c[i].name), "%s", conn->name);
	sw->c[i].hash = sw->w[i].text_hash;
	old = site_conn(is, conn->name);
	if (old) {
		sw->c[i].installed = old->installed;
		sw->c[i].not_ipsec = old->not_ipsec;
	}
	if (!is->dir_ready)
		return;
	if (!old || old->hash != sw->c[i].hash) {
		if (ipsec_conn_write(is->dir, conn->name, text, err, sizeof(err)) < 0) {
			log_warnx("%s: use-ipsec: %s", title, err);
			return;
		}
		log_info("%s: swanctl connection %s written (%s, %s mode)", title, conn->name,
			 conn->role == IPSEC_ROLE_INITIATOR ? "initiator" : "responder",
			 conn->mode == IPSEC_MODE_TUNNEL ? "tunnel" : "transport");
	}
	sw->n++;
}

/* Every section of c that wants IPsec. */
static size_t wanted_count(const struct cfg *c)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_pw; i++)
		n += !c->pw[i].disabled && c->pw[i].ipsec.use != CFG_IPSEC_NO;
	for (size_t i = 0; i < c->n_client; i++)
		n += !c->client[i].disabled && c->client[i].ipsec.use != CFG_IPSEC_NO;
	return n + (c->server.enabled && c->server.ipsec.use != CFG_IPSEC_NO);
}

static struct ipsec_site *ipsec_site_new(struct site *s)
{
	struct ipsec_site *is = calloc(1, sizeof(*is));
	char err[256];

	if (!is)
		return NULL;
	is->site = s;
	ipsec_mgr_init(&is->m);
	evloop_timer_init(&is->timer, ipsec_site_timer, is);
	snprintf(is->dir, sizeof(is->dir), "%s", s->cfg->ipsec_dir);
	links_open(is);
	/* Known before the first LIST_SAS: a client's L2TP that came through
	 * its SA in between must not be refused as clear (ipsec_site_rx_ok). */
	is->tun_ifindex = (int)if_nametoindex(IPSEC_SITE_TUN);
	/* A directory we cannot write shows as a LOAD failure: keep going. */
	if (ipsec_dir_prepare(is->dir, err, sizeof(err)) < 0 ||
	    ipsec_dir_clean(is->dir, err, sizeof(err)) < 0)
		log_warnx("ipsec-dir: %s", err);
	else
		is->dir_ready = 1;
	return is;
}

void ipsec_site_apply(struct site *s)
{
	const struct cfg *c = s->cfg;
	struct ipsec_site *is = s->ipsec;
	struct ipsec_site_want sw = {0};
	size_t n = wanted_count(c);
	char err[160];

	if (!is && n == 0)
		return;
	if (!is) {
		is = s->ipsec = ipsec_site_new(s);
		if (!is) {
			log_warnx("ipsec: out of memory");
			return;
		}
	}
	if (strcmp(is->dir, c->ipsec_dir) != 0)
		log_warnx("reload: ipsec-dir change needs a restart; keeping %s", is->dir);
	snprintf(is->vici, sizeof(is->vici), "%s", c->ipsec_vici);
	sw.cap = n;
	sw.w = calloc(n ? n : 1, sizeof(*sw.w));
	sw.c = calloc(n ? n : 1, sizeof(*sw.c));
	sw.names = calloc(n ? n : 1, sizeof(*sw.names));
	if (!sw.w || !sw.c || !sw.names) {
		log_warnx("ipsec: out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->n_pw; i++) {
		struct ipsec_conn conn;
		char name[IPSEC_NAME_MAX + 1], title[96];

		if (c->pw[i].disabled ||
		    ipsec_conn_from_pw(&c->pw[i], &conn, name, sizeof(name)) < 0)
			continue;
		snprintf(title, sizeof(title), "pseudowire %s", c->pw[i].title);
		want_add(is, &sw, title, &conn);
	}
	for (size_t i = 0; i < c->n_client; i++) {
		struct ipsec_conn conn;
		char name[IPSEC_NAME_MAX + 1], title[96];

		if (c->client[i].disabled ||
		    ipsec_conn_from_client(&c->client[i], &conn, name, sizeof(name)) < 0)
			continue;
		snprintf(title, sizeof(title), "l2tp-client %s", c->client[i].title);
		want_add(is, &sw, title, &conn);
	}
	{
		struct ipsec_conn conn;

		if (ipsec_conn_from_server(&c->server, &conn) == 0)
			want_add(is, &sw, "l2tp-server", &conn);
	}
	/* Files of connections no longer wanted go before the LOAD. */
	for (size_t i = 0; i < is->n_conns; i++) {
		size_t k;

		for (k = 0; k < sw.n; k++)
			if (strcmp(sw.c[k].name, is->conns[i].name) == 0)
				break;
		if (k < sw.n)
			continue;
		if (ipsec_conn_remove(is->dir, is->conns[i].name, err, sizeof(err)) < 0)
			log_warnx("ipsec: %s", err);
		else
			log_info("ipsec: swanctl connection %s removed", is->conns[i].name);
	}
	if (ipsec_mgr_set(&is->m, sw.w, sw.n, evloop_now(s->loop)) < 0) {
		log_warnx("ipsec: out of memory");
		goto out;
	}
	free(is->conns);
	is->conns = sw.c;
	is->n_conns = sw.n;
	sw.c = NULL;
	ipsec_site_kick(is);
out:
	free(sw.w);
	free(sw.c);
	free(sw.names);
}

void ipsec_site_free(struct site *s)
{
	struct ipsec_site *is = s->ipsec;
	struct ipsec_job j;
	struct ipsec_ctl ctl;
	char err[160];

	if (!is)
		return;
	evloop_timer_disarm(s->loop, &is->timer);
	if (is->links) {
		evloop_io_del(s->loop, &is->links_io);
		netlink_close(is->links);
	}
	while (is->runs) {
		struct ipsec_run *r = is->runs;

		is->runs = r->next;
		if (r->job.fd >= 0)
			evloop_io_del(s->loop, &r->io);
		evloop_timer_disarm(s->loop, &r->kill);
		ipsec_job_finish(&r->job);
		free(r);
	}
	/* Unload: charon deletes the SAs of connections it no longer has. */
	if (is->dir_ready && is->n_conns) {
		for (size_t i = 0; i < is->n_conns; i++)
			if (ipsec_conn_remove(is->dir, is->conns[i].name, err, sizeof(err)) < 0)
				log_warnx("ipsec: %s", err);
		ipsec_ctl_of(is, &ctl);
		if (ipsec_job_run(&j, &ctl, IPSEC_OP_LOAD, NULL, IPSEC_SITE_EXIT_TIMEOUT_S) < 0) {
			ipsec_parse_error(&j, err, sizeof(err));
			log_warnx("ipsec: unloading the connections: %s", err);
		} else {
			log_info("ipsec: %zu connection%s unloaded", is->n_conns,
				 is->n_conns == 1 ? "" : "s");
		}
	}
	ipsec_mgr_free(&is->m);
	free(is->conns);
	free(is);
	s->ipsec = NULL;
}

/* ---- which section a peer belongs to ---- */

/* The policy for L2TP with peer: the strongest use-ipsec of the sections
 * that name it, and (for require) the connection that must protect it. */
struct ipsec_policy {
	enum cfg_ipsec use;
	char conn[IPSEC_NAME_MAX + 1]; /* "" for none */
	int server;		       /* the l2tp-server's: per-peer SA */
	int any_installed;	       /* one of the naming sections' SAs is up */
	char what[96];		       /* "pseudowire X", for the log */
};

static void policy_add(struct ipsec_site *is, struct ipsec_policy *p, const char *ifname,
		       enum cfg_ipsec use, const char *what, const char *title)
{
	char name[IPSEC_NAME_MAX + 1];

	if (use == CFG_IPSEC_NO || ipsec_conn_name(ifname, name, sizeof(name)) < 0)
		return;
	if (ipsec_mgr_installed(&is->m, name))
		p->any_installed = 1;
	if (use > p->use || !p->conn[0]) {
		p->use = use > p->use ? use : p->use;
		snprintf(p->conn, sizeof(p->conn), "%s", name);
		snprintf(p->what, sizeof(p->what), "%s %s", what, title);
	}
}

static void policy_of(struct ipsec_site *is, const struct sockaddr *peer, int v3, int v2,
		      struct ipsec_policy *p)
{
	const struct cfg *c = is->site->cfg;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; v3 && i < c->n_pw; i++) {
		const struct cfg_pseudowire *pw = &c->pw[i];

		if (!pw->disabled &&
		    transport_addr_equal(peer, (const struct sockaddr *)&pw->remote.ss))
			policy_add(is, p, pw->interface, pw->ipsec.use, "pseudowire", pw->title);
	}
	for (size_t i = 0; v2 && i < c->n_client; i++) {
		const struct cfg_l2tp_client *cl = &c->client[i];

		if (!cl->disabled &&
		    transport_addr_equal(peer, (const struct sockaddr *)&cl->connect_to.ss))
			policy_add(is, p, cl->interface, cl->ipsec.use, "l2tp-client", cl->title);
	}
	if (v2 && !p->conn[0] && c->server.enabled && c->server.ipsec.use != CFG_IPSEC_NO) {
		p->use = c->server.ipsec.use;
		p->server = 1;
		snprintf(p->conn, sizeof(p->conn), "%s", IPSEC_SERVER_CONN);
		snprintf(p->what, sizeof(p->what), "l2tp-server");
	}
}

static int server_peer_installed(struct ipsec_site *is, const struct sockaddr *peer);
static void peer_store(struct sockaddr_storage *dst, const struct sockaddr *peer);

static int sa_peer_idx(const struct ipsec_site *is, const struct sockaddr *peer)
{
	for (size_t i = 0; i < is->n_sa_peers; i++)
		if (transport_addr_equal(peer, (const struct sockaddr *)&is->sa_peers[i]))
			return (int)i;
	return -1;
}

/*
 * A yes-server serves clients with and without IPsec; one whose L2TP came
 * through an SA is answered only through one, so a reply that beats the SA's
 * route, or a client whose SA is gone, gets nothing in clear.  Forgotten when
 * the client comes in clear and sent nothing protected for
 * IPSEC_SITE_SA_PEER_MS (reconfigured without IPsec): a clear packet or two
 * right after its SA died (its daemon not knowing yet) does not count.
 * Bounded like the log memory: past it, a client is answered like a clear one.
 */
static void sa_peer_mark(struct ipsec_site *is, const struct sockaddr *peer, int prot)
{
	uint64_t now = evloop_now(is->site->loop);
	int i = sa_peer_idx(is, peer);

	if (prot && i < 0 && is->n_sa_peers < IPSEC_SITE_LOGGED_PEERS) {
		i = (int)is->n_sa_peers++;
		peer_store(&is->sa_peers[i], peer);
	}
	if (prot && i >= 0) {
		is->sa_peer_seen[i] = now;
	} else if (!prot && i >= 0 && now - is->sa_peer_seen[i] > IPSEC_SITE_SA_PEER_MS) {
		is->n_sa_peers--;
		is->sa_peers[i] = is->sa_peers[is->n_sa_peers];
		is->sa_peer_seen[i] = is->sa_peer_seen[is->n_sa_peers];
	}
}

/* A server reply held back for want of the client's SA: list the SAs now
 * (at most once a second) rather than at the next regular poll. */
static void poll_soon(struct ipsec_site *is)
{
	uint64_t now = evloop_now(is->site->loop);

	if (is->m.state != IPSEC_MGR_READY || now < is->poll_soon_at)
		return;
	is->poll_soon_at = now + 1000;
	if (is->m.next_poll > now)
		is->m.next_poll = now;
	evloop_timer_arm(is->site->loop, &is->timer, now);
}

/* via_sa: set when the answer 1 rests on an installed SA. */
static int may_send(struct ipsec_site *is, const struct sockaddr *peer, int *via_sa)
{
	struct ipsec_policy p;

	*via_sa = 0;
	policy_of(is, peer, 1, 1, &p);
	/*
	 * A require-server's clients all came through an SA, so it answers them
	 * only through theirs (a yes-server those that came so: sa_peer_mark()).
	 * Its reply can beat its own route into kernel-libipsec's TUN (the
	 * client's SA is up first), and a client's SA can go while its tunnel
	 * still lives.  The L2TP engine resends what is held back.
	 */
	if (p.server && (p.use == CFG_IPSEC_REQUIRE || sa_peer_idx(is, peer) >= 0)) {
		if (server_peer_installed(is, peer)) {
			*via_sa = 1;
			return 1;
		}
		poll_soon(is);
		return 0;
	}
	*via_sa = p.use != CFG_IPSEC_NO && !p.server && p.any_installed;
	return p.use == CFG_IPSEC_NO || p.server || p.any_installed;
}

int ipsec_site_may_send(struct site *s, const struct sockaddr *peer)
{
	struct ipsec_site *is = s->ipsec;
	int via_sa;

	if (!is)
		return 1;
	if (!may_send(is, peer, &via_sa))
		return 0;
	/*
	 * The TUN's notice may be queued behind the frame being sent (one loop
	 * pass serves both): read it first.  One recv per L2TP packet, only on
	 * the libipsec path, which costs far more per packet anyway.
	 */
	if (via_sa && is->links && is->tun_ifindex && links_read(is))
		return may_send(is, peer, &via_sa);
	return 1;
}

int ipsec_site_peer_ready(struct site *s, const struct sockaddr *peer)
{
	return ipsec_site_may_send(s, peer);
}

static void peer_store(struct sockaddr_storage *dst, const struct sockaddr *peer)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, peer,
	       peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					   : sizeof(struct sockaddr_in));
}

/* Kernel ESP, and the require-server's sends: is the peer's SA on the server
 * connection installed?  One answer cached per LIST_SAS, for the burst of
 * packets from one peer. */
static int server_peer_installed(struct ipsec_site *is, const struct sockaddr *peer)
{
	char addr[64];

	if (is->cache_gen == is->list_gen &&
	    transport_addr_equal(peer, (const struct sockaddr *)&is->cache_peer))
		return is->cache_ok;
	transport_addr_text(peer, addr, sizeof(addr));
	is->cache_ok = ipsec_mgr_peer_installed(&is->m, IPSEC_SERVER_CONN, addr);
	is->cache_gen = is->list_gen;
	peer_store(&is->cache_peer, peer);
	return is->cache_ok;
}

static int peer_logged(struct ipsec_site *is, const struct sockaddr *peer)
{
	for (size_t i = 0; i < is->n_logged; i++)
		if (transport_addr_equal(peer, (const struct sockaddr *)&is->logged[i]))
			return 1;
	if (is->n_logged < IPSEC_SITE_LOGGED_PEERS) {
		peer_store(&is->logged[is->n_logged++], peer);
		return 0;
	}
	return -1; /* too many to remember: rate-limited instead */
}

int ipsec_site_rx_ok(struct site *s, struct transport *t, const struct sockaddr *from, int v2)
{
	struct ipsec_site *is = s->ipsec;
	struct ipsec_policy p;
	int ifindex, prot, logged;
	char addr[64];
	uint32_t suppressed = 0;

	if (!is)
		return 1;
	policy_of(is, from, !v2, v2, &p);
	if (p.use != CFG_IPSEC_REQUIRE && !(p.server && p.use == CFG_IPSEC_YES))
		return 1;
	ifindex = transport_rx_ifindex(t);
	if (is->tun_ifindex)
		prot = ifindex == is->tun_ifindex; /* libipsec: decrypted out of its TUN */
	else if (p.server)
		prot = server_peer_installed(is, from);
	else
		prot = ipsec_mgr_installed(&is->m, p.conn);
	if (p.use == CFG_IPSEC_YES)
		sa_peer_mark(is, from, prot);
	if (prot || p.use != CFG_IPSEC_REQUIRE)
		return 1;
	if (p.server) {
		is->server_not_ipsec++;
	} else {
		struct ipsec_site_conn *c = site_conn(is, p.conn);

		if (c)
			c->not_ipsec++;
	}
	logged = peer_logged(is, from);
	if (logged == 0 ||
	    (logged < 0 &&
	     log_ratelimit_ok(&is->rl_more_peers, evloop_now(s->loop), &suppressed))) {
		transport_addr_text(from, addr, sizeof(addr));
		log_warnx("%s: dropped L2TP from %s: not protected by IPsec (use-ipsec = require)",
			  p.what, addr);
	}
	return 0;
}

/* ---- status ---- */

static void row_esp(struct status_iface *o, const char *esp)
{
	char enc[sizeof(o->encoding)];
	int n;

	if (!*esp)
		return;
	/* too long for the field: the ESP part is the one that stays whole */
	if (o->encoding[0] && strcmp(o->encoding, "none") != 0)
		n = snprintf(enc, sizeof(enc), "ESP %s, %s", esp, o->encoding);
	else
		n = snprintf(enc, sizeof(enc), "ESP %s", esp);
	if (n < 0)
		return;
	memcpy(o->encoding, enc, sizeof(enc));
}

static void row_drop(struct status_iface *o, uint64_t count)
{
	size_t n = sizeof(o->drops) / sizeof(o->drops[0]);

	for (size_t i = 0; i < n; i++) {
		if (o->drops[i].name[0] && strcmp(o->drops[i].name, "not-ipsec") != 0)
			continue;
		snprintf(o->drops[i].name, sizeof(o->drops[i].name), "not-ipsec");
		o->drops[i].count += count;
		return;
	}
}

/* "IKEv2 ESTABLISHED, CHILD INSTALLED TUNNEL-in-UDP ESP:AES_GCM_16-128, 198.18.0.1 - 198.18.0.2, in 9 / out 7 packets" */
static void row_sa(struct status_iface *o, const struct ipsec_sa_state *st)
{
	int n;

	if (st->ike == IPSEC_IKE_NONE)
		return;
	n = snprintf(o->ipsec_sa, sizeof(o->ipsec_sa),
		 "IKEv%d %s, CHILD %s %s %s, %s - %s, in %llu / out %llu packets",
		 st->ike_version ? st->ike_version : 2, st->ike_state,
		 st->child_state[0] ? st->child_state : "none", st->child_mode, st->esp, st->local,
		 st->remote, (unsigned long long)st->packets_in,
		 (unsigned long long)st->packets_out);
	if (n < 0)
		o->ipsec_sa[0] = '\0';
}

/* The client at address text addr came through an SA (sa_peer_mark()). */
static int sa_peer_text(const struct ipsec_site *is, const char *addr)
{
	char a[64];

	for (size_t i = 0; i < is->n_sa_peers; i++) {
		transport_addr_text((const struct sockaddr *)&is->sa_peers[i], a, sizeof(a));
		if (strcmp(a, addr) == 0)
			return 1;
	}
	return 0;
}

void ipsec_site_row(struct site *s, struct status_iface *o)
{
	struct ipsec_site *is = s->ipsec;
	const struct cfg *c = s->cfg;
	enum cfg_ipsec use = CFG_IPSEC_NO;
	char name[IPSEC_NAME_MAX + 1] = "", esp[48];
	const char *peer = NULL;
	struct ipsec_sa_state st;

	snprintf(o->ipsec, sizeof(o->ipsec), "off");
	if (strcmp(o->kind, "l2tpv3") == 0) {
		for (size_t i = 0; i < c->n_pw; i++)
			if (strcmp(c->pw[i].interface, o->name) == 0)
				use = c->pw[i].ipsec.use;
	} else if (strcmp(o->kind, "l2tp-client") == 0) {
		for (size_t i = 0; i < c->n_client; i++)
			if (strcmp(c->client[i].interface, o->name) == 0)
				use = c->client[i].ipsec.use;
	} else if (strcmp(o->kind, "l2tp-server") == 0 && c->server.enabled) {
		use = c->server.ipsec.use;
		peer = o->remote_address;
		snprintf(name, sizeof(name), "%s", IPSEC_SERVER_CONN);
	}
	if (use == CFG_IPSEC_NO || !is)
		return;
	if (!peer && ipsec_conn_name(o->name, name, sizeof(name)) < 0)
		return;
	ipsec_mgr_describe(&is->m, name, peer, o->ipsec, sizeof(o->ipsec), esp, sizeof(esp));
	/* A yes-server also serves clients that come without IPsec (RouterOS):
	 * such a session is up and waits for no SA, so "connecting" would lie. */
	if (peer && use == CFG_IPSEC_YES && strcmp(o->status, "connected") == 0 &&
	    strcmp(o->ipsec, "connecting") == 0 && !sa_peer_text(is, peer))
		snprintf(o->ipsec, sizeof(o->ipsec), "client without IPsec");
	row_esp(o, esp);
	/* Waiting for an SA that failed: that is why it is not connecting. */
	if (strcmp(o->status, "connecting") == 0 && strcmp(o->ipsec, "connecting") != 0 &&
	    strcmp(o->ipsec, "installed") != 0) {
		size_t n = strlen(o->ipsec);

		/* too long: the gist before " at URI" / " (details)"; ipsec keeps all */
		if (n >= sizeof(o->status)) {
			const char *at = strstr(o->ipsec, " at "), *par = strstr(o->ipsec, " (");

			if (at && (!par || at < par))
				par = at;
			n = par ? (size_t)(par - o->ipsec) : n;
			if (n >= sizeof(o->status))
				n = sizeof(o->status) - 1;
		}
		memcpy(o->status, o->ipsec, n);
		o->status[n] = '\0';
		if (!o->last_error[0] &&
		    snprintf(o->last_error, sizeof(o->last_error), "IPsec: %s", o->ipsec) < 0)
			o->last_error[0] = '\0';
	}
	if (is->m.state != IPSEC_MGR_DOWN && is->m.list_len) {
		ipsec_parse_sas_from(is->m.list, is->m.list_len, name, peer, &st);
		row_sa(o, &st);
	}
	if (!peer) {
		struct ipsec_site_conn *sc = site_conn(is, name);

		row_drop(o, sc ? sc->not_ipsec : 0);
	}
}

int ipsec_site_drop(struct site *s, size_t i, char *name, size_t namelen, uint64_t *count)
{
	const struct cfg *c = s->cfg;

	if (i != 0 || !c->server.enabled || c->server.ipsec.use == CFG_IPSEC_NO)
		return -1;
	snprintf(name, namelen, "not-ipsec");
	*count = s->ipsec ? s->ipsec->server_not_ipsec : 0;
	return 0;
}
