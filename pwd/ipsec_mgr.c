/*
 * The IPsec manager: which swanctl run comes next (see ipsec_mgr.h).
 *
 * Why polling at all: charon tells vici clients about SA changes only through
 * event streams, which swanctl cannot hand to us without a long-lived
 * process; a `swanctl --list-sas --noblock` every few seconds is cheap, needs
 * no library, and also notices a charon that died (the run fails to connect).
 */
#include <stdlib.h>
#include <string.h>

#include "ipsec_mgr.h"
#include "log.h"

const char *ipsec_mgr_state_name(enum ipsec_mgr_state s)
{
	switch (s) {
	case IPSEC_MGR_IDLE:
		return "idle";
	case IPSEC_MGR_LOADING:
		return "loading";
	case IPSEC_MGR_READY:
		return "ready";
	case IPSEC_MGR_DOWN:
		return "down";
	default:
		return "?";
	}
}

const char *ipsec_mgr_event_name(enum ipsec_mgr_event e)
{
	switch (e) {
	case IPSEC_MGR_EV_CONFIG:
		return "config";
	case IPSEC_MGR_EV_LOAD_OK:
		return "load-ok";
	case IPSEC_MGR_EV_LOAD_FAILED:
		return "load-failed";
	case IPSEC_MGR_EV_LIST_OK:
		return "list-ok";
	case IPSEC_MGR_EV_VICI_LOST:
		return "vici-lost";
	case IPSEC_MGR_EV_NOT_LOADED:
		return "not-loaded";
	case IPSEC_MGR_EV_RETRY:
		return "retry";
	default:
		return "?";
	}
}

const char *ipsec_conn_state_name(enum ipsec_conn_state s)
{
	switch (s) {
	case IPSEC_CONN_CONNECTING:
		return "connecting";
	case IPSEC_CONN_INSTALLED:
		return "installed";
	case IPSEC_CONN_FAILED:
		return "failed";
	default:
		return "?";
	}
}

void ipsec_mgr_init(struct ipsec_mgr *m)
{
	memset(m, 0, sizeof(*m));
	m->state = IPSEC_MGR_IDLE;
	m->retry_ms = IPSEC_MGR_RETRY_MIN_MS;
}

void ipsec_mgr_free(struct ipsec_mgr *m)
{
	free(m->conns);
	m->conns = NULL;
	m->n_conns = m->cap_conns = 0;
}

static struct ipsec_mgr_conn *mgr_conn(const struct ipsec_mgr *m, const char *name)
{
	for (size_t i = 0; name && i < m->n_conns; i++)
		if (strcmp(m->conns[i].name, name) == 0)
			return &m->conns[i];
	return NULL;
}

const struct ipsec_mgr_conn *ipsec_mgr_find(const struct ipsec_mgr *m, const char *name)
{
	return mgr_conn(m, name);
}

static void reason_set(char *dst, const char *reason)
{
	strncpy(dst, reason && *reason ? reason : "swanctl failed", IPSEC_MGR_REASON_MAX - 1);
	dst[IPSEC_MGR_REASON_MAX - 1] = '\0';
}

/* Every connection loses what charon had: it is gone or will be reloaded. */
static void mgr_forget_sas(struct ipsec_mgr *m)
{
	for (size_t i = 0; i < m->n_conns; i++) {
		struct ipsec_mgr_conn *c = &m->conns[i];

		if (c->state == IPSEC_CONN_INSTALLED)
			log_info("ipsec %s: installed -> connecting (%s)", c->name,
				 m->reason[0] ? m->reason : "charon restarted");
		c->state = IPSEC_CONN_CONNECTING;
		memset(&c->sa, 0, sizeof(c->sa));
		c->esp[0] = '\0';
		c->listed = 0;
		c->loaded = 0;
		c->child_missing_since = 0;
	}
	m->list_len = 0;
	m->list[0] = '\0';
}

static uint32_t backoff_next(uint32_t cur, uint32_t max)
{
	return cur * 2 > max ? max : cur * 2;
}

/*
 * The one transition function: the state change and its side effects.
 * reason: for LOAD_FAILED and VICI_LOST.
 */
static void mgr_transition(struct ipsec_mgr *m, enum ipsec_mgr_state to, enum ipsec_mgr_event ev,
			   const char *reason, uint64_t now)
{
	enum ipsec_mgr_state from = m->state;
	char was[IPSEC_MGR_REASON_MAX];

	memcpy(was, m->reason, sizeof(was));
	switch (to) {
	case IPSEC_MGR_LOADING:
		m->need_load = m->need_load || ev != IPSEC_MGR_EV_LOAD_OK;
		if (from == IPSEC_MGR_DOWN || ev == IPSEC_MGR_EV_NOT_LOADED)
			mgr_forget_sas(m);
		break;
	case IPSEC_MGR_READY:
		if (from != IPSEC_MGR_READY) {
			for (size_t i = 0; i < m->n_conns; i++) {
				struct ipsec_mgr_conn *c = &m->conns[i];

				c->loaded = 1;
				if (c->next_initiate < now + IPSEC_MGR_START_GRACE_MS)
					c->next_initiate = now + IPSEC_MGR_START_GRACE_MS;
			}
			m->next_poll = now;
			m->retry_ms = IPSEC_MGR_RETRY_MIN_MS;
			m->reason[0] = '\0';
		}
		break;
	case IPSEC_MGR_DOWN:
		reason_set(m->reason, reason);
		m->retry_at = now + m->retry_ms;
		m->retry_ms = backoff_next(m->retry_ms, IPSEC_MGR_RETRY_MAX_MS);
		if (from != IPSEC_MGR_DOWN)
			mgr_forget_sas(m);
		break;
	case IPSEC_MGR_IDLE:
		break;
	default:
		return;
	}
	m->state = to;
	/* A retry that fails the same way again is no news: debug only. */
	if (to == IPSEC_MGR_DOWN && from == IPSEC_MGR_LOADING && strcmp(was, m->reason) == 0) {
		log_debug("ipsec: still down: %s", m->reason);
		return;
	}
	if (from == IPSEC_MGR_DOWN && ev == IPSEC_MGR_EV_RETRY) {
		log_debug("ipsec: down -> loading on retry");
		return;
	}
	if (from != to) {
		if (to == IPSEC_MGR_DOWN)
			log_warnx("ipsec: %s -> %s on %s: %s, retrying in %u s",
				  ipsec_mgr_state_name(from), ipsec_mgr_state_name(to),
				  ipsec_mgr_event_name(ev), m->reason,
				  (unsigned)((m->retry_at - now + 999) / 1000));
		else
			log_info("ipsec: %s -> %s on %s", ipsec_mgr_state_name(from),
				 ipsec_mgr_state_name(to), ipsec_mgr_event_name(ev));
	}
}

/* The one dispatcher: which state an event leads to from where we are. */
static void ipsec_mgr_event(struct ipsec_mgr *m, enum ipsec_mgr_event ev, const char *reason,
			    uint64_t now)
{
	switch (ev) {
	case IPSEC_MGR_EV_CONFIG:
	case IPSEC_MGR_EV_NOT_LOADED:
	case IPSEC_MGR_EV_RETRY:
		mgr_transition(m, IPSEC_MGR_LOADING, ev, reason, now);
		break;
	case IPSEC_MGR_EV_LOAD_OK:
		/* A newer set arrived while this LOAD ran: load again first. */
		mgr_transition(m, m->need_load ? IPSEC_MGR_LOADING : IPSEC_MGR_READY, ev, reason,
			       now);
		break;
	case IPSEC_MGR_EV_LOAD_FAILED:
	case IPSEC_MGR_EV_VICI_LOST:
		mgr_transition(m, IPSEC_MGR_DOWN, ev, reason, now);
		break;
	case IPSEC_MGR_EV_LIST_OK:
		mgr_transition(m, m->state, ev, reason, now);
		break;
	default:
		break;
	}
}

int ipsec_mgr_set(struct ipsec_mgr *m, const struct ipsec_mgr_want *w, size_t n, uint64_t now)
{
	struct ipsec_mgr_conn *nc = n ? calloc(n, sizeof(*nc)) : NULL;
	int changed = n != m->n_conns;

	if (n && !nc)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct ipsec_mgr_conn *old = mgr_conn(m, w[i].name);
		struct ipsec_mgr_conn *c = &nc[i];

		if (old) {
			*c = *old;
			if (old->text_hash != w[i].text_hash) {
				c->terminate = old->loaded || old->state == IPSEC_CONN_INSTALLED;
				c->reason[0] = '\0';
				c->init_backoff_ms = 0;
				c->next_initiate = 0;
				changed = 1;
			}
		} else {
			memset(c, 0, sizeof(*c));
			memcpy(c->name, w[i].name, strnlen(w[i].name, IPSEC_NAME_MAX));
			c->state = IPSEC_CONN_CONNECTING;
			changed = 1;
		}
		c->text_hash = w[i].text_hash;
		c->initiator = w[i].initiator;
	}
	free(m->conns);
	m->conns = nc;
	m->n_conns = m->cap_conns = n;
	if (changed || m->state == IPSEC_MGR_IDLE)
		ipsec_mgr_event(m, IPSEC_MGR_EV_CONFIG, NULL, now);
	return 0;
}

static void job_fill(struct ipsec_mgr_job *j, enum ipsec_op op, const char *name, unsigned t)
{
	memset(j, 0, sizeof(*j));
	j->op = op;
	if (name)
		memcpy(j->name, name, strnlen(name, IPSEC_NAME_MAX));
	j->timeout_s = t;
}

/* An initiator with no IKE_SA (or IKE up but no child for too long). */
static int may_initiate(const struct ipsec_mgr_conn *c, uint64_t now)
{
	if (!c->initiator || !c->listed || c->initiating || c->state == IPSEC_CONN_INSTALLED ||
	    now < c->next_initiate)
		return 0;
	if (c->sa.ike == IPSEC_IKE_NONE)
		return 1;
	return c->child_missing_since && now >= c->child_missing_since + IPSEC_MGR_CHILD_WAIT_MS;
}

int ipsec_mgr_next(struct ipsec_mgr *m, uint64_t now, struct ipsec_mgr_job *j)
{
	if (m->state == IPSEC_MGR_DOWN && !m->ctl_busy && now >= m->retry_at)
		ipsec_mgr_event(m, IPSEC_MGR_EV_RETRY, NULL, now);
	if (!m->ctl_busy) {
		if (m->state == IPSEC_MGR_LOADING && m->need_load) {
			m->need_load = 0;
			m->ctl_busy = 1;
			m->ctl_op = IPSEC_OP_LOAD;
			job_fill(j, IPSEC_OP_LOAD, NULL, IPSEC_MGR_LOAD_TIMEOUT_S);
			return 1;
		}
		if (m->state == IPSEC_MGR_READY) {
			for (size_t i = 0; i < m->n_conns; i++) {
				struct ipsec_mgr_conn *c = &m->conns[i];

				if (!c->terminate)
					continue;
				c->terminate = 0;
				m->ctl_busy = 1;
				m->ctl_op = IPSEC_OP_TERMINATE;
				job_fill(j, IPSEC_OP_TERMINATE, c->name, IPSEC_MGR_TERM_TIMEOUT_S);
				return 1;
			}
			if (m->n_conns && now >= m->next_poll) {
				m->ctl_busy = 1;
				m->ctl_op = IPSEC_OP_LIST_SAS;
				job_fill(j, IPSEC_OP_LIST_SAS, NULL, IPSEC_MGR_LIST_TIMEOUT_S);
				return 1;
			}
		}
	}
	if (m->state != IPSEC_MGR_READY)
		return 0;
	for (size_t i = 0; i < m->n_conns; i++) {
		struct ipsec_mgr_conn *c = &m->conns[i];

		if (!may_initiate(c, now))
			continue;
		c->initiating = 1;
		job_fill(j, IPSEC_OP_INITIATE, c->name, IPSEC_MGR_INIT_TIMEOUT_S);
		return 1;
	}
	return 0;
}

/* The latest list says how each connection is doing. */
static void mgr_update_conns(struct ipsec_mgr *m, uint64_t now)
{
	for (size_t i = 0; i < m->n_conns; i++) {
		struct ipsec_mgr_conn *c = &m->conns[i];
		enum ipsec_conn_state was = c->state;

		ipsec_parse_sas(m->list, m->list_len, c->name, &c->sa);
		c->listed = 1;
		if (c->sa.child_installed) {
			c->state = IPSEC_CONN_INSTALLED;
			c->reason[0] = '\0';
			c->init_backoff_ms = 0;
			c->next_initiate = 0;
			ipsec_sa_keywords(&c->sa, c->esp, sizeof(c->esp));
		} else {
			c->state = c->reason[0] ? IPSEC_CONN_FAILED : IPSEC_CONN_CONNECTING;
			c->esp[0] = '\0';
		}
		if (c->sa.ike == IPSEC_IKE_ESTABLISHED && !c->sa.child_installed) {
			if (!c->child_missing_since)
				c->child_missing_since = now ? now : 1; /* 0 means "not missing" */
		} else {
			c->child_missing_since = 0;
		}
		if (was == c->state)
			continue;
		if (c->state == IPSEC_CONN_INSTALLED)
			log_info("ipsec %s: %s -> installed (ESP %s, %s, %s)", c->name,
				 ipsec_conn_state_name(was), c->esp, c->sa.child_mode,
				 c->sa.ike_version == 1 ? "IKEv1" : "IKEv2");
		else
			log_info("ipsec %s: %s -> %s%s%s", c->name, ipsec_conn_state_name(was),
				 ipsec_conn_state_name(c->state), c->reason[0] ? ": " : "",
				 c->reason);
	}
}

static int all_installed(const struct ipsec_mgr *m)
{
	for (size_t i = 0; i < m->n_conns; i++)
		if (m->conns[i].state != IPSEC_CONN_INSTALLED)
			return 0;
	return 1;
}

enum mgr_failure { MGR_FAIL_OTHER, MGR_FAIL_VICI, MGR_FAIL_NOT_LOADED };

/* ipsec_explain()'s wording decides what a failure means for the site. */
static enum mgr_failure classify(const char *reason)
{
	if (!reason)
		return MGR_FAIL_OTHER;
	if (strncmp(reason, "charon not reachable", 20) == 0 ||
	    strncmp(reason, "swanctl not runnable", 20) == 0)
		return MGR_FAIL_VICI;
	if (strstr(reason, " not loaded in charon"))
		return MGR_FAIL_NOT_LOADED;
	return MGR_FAIL_OTHER;
}

static void initiate_done(struct ipsec_mgr *m, struct ipsec_mgr_conn *c, int ok,
			  const char *reason, uint64_t now)
{
	c->initiating = 0;
	c->listed = 0; /* its sa is stale now: wait for the next list */
	if (m->state == IPSEC_MGR_READY && !m->ctl_busy)
		m->next_poll = now;
	if (ok) {
		c->reason[0] = '\0';
		c->init_backoff_ms = 0;
		return;
	}
	switch (classify(reason)) {
	case MGR_FAIL_VICI:
		ipsec_mgr_event(m, IPSEC_MGR_EV_VICI_LOST, reason, now);
		return;
	case MGR_FAIL_NOT_LOADED:
		ipsec_mgr_event(m, IPSEC_MGR_EV_NOT_LOADED, reason, now);
		return;
	case MGR_FAIL_OTHER:
	default:
		break;
	}
	c->init_backoff_ms = c->init_backoff_ms
				 ? backoff_next(c->init_backoff_ms, IPSEC_MGR_INIT_MAX_MS)
				 : IPSEC_MGR_INIT_MIN_MS;
	c->next_initiate = now + c->init_backoff_ms;
	if (strcmp(c->reason, reason ? reason : "") != 0)
		log_warnx("ipsec %s: %s, retrying in %u s", c->name, reason ? reason : "failed",
			  c->init_backoff_ms / 1000);
	reason_set(c->reason, reason);
	if (c->state != IPSEC_CONN_INSTALLED)
		c->state = IPSEC_CONN_FAILED;
}

void ipsec_mgr_done(struct ipsec_mgr *m, enum ipsec_op op, const char *name, int ok,
		    const char *out, size_t len, const char *reason, uint64_t now)
{
	struct ipsec_mgr_conn *c;

	switch (op) {
	case IPSEC_OP_LOAD:
		m->ctl_busy = 0;
		ipsec_mgr_event(m, ok ? IPSEC_MGR_EV_LOAD_OK : IPSEC_MGR_EV_LOAD_FAILED, reason,
				now);
		break;
	case IPSEC_OP_LIST_SAS:
		m->ctl_busy = 0;
		if (!ok) {
			ipsec_mgr_event(m, IPSEC_MGR_EV_VICI_LOST, reason, now);
			break;
		}
		if (m->state == IPSEC_MGR_DOWN)
			break; /* an INITIATE found charon gone meanwhile */
		if (len > IPSEC_OUT_MAX)
			len = IPSEC_OUT_MAX;
		if (out && len)
			memcpy(m->list, out, len);
		m->list_len = out ? len : 0;
		m->list[m->list_len] = '\0';
		mgr_update_conns(m, now);
		m->next_poll =
		    now + (all_installed(m) ? IPSEC_MGR_POLL_MS : IPSEC_MGR_POLL_FAST_MS);
		ipsec_mgr_event(m, IPSEC_MGR_EV_LIST_OK, NULL, now);
		break;
	case IPSEC_OP_TERMINATE:
		m->ctl_busy = 0;
		c = mgr_conn(m, name);
		if (c && c->next_initiate < now + IPSEC_MGR_START_GRACE_MS)
			c->next_initiate = now + IPSEC_MGR_START_GRACE_MS;
		/* "no SA to terminate" is fine; charon gone is not */
		if (!ok && classify(reason) == MGR_FAIL_VICI)
			ipsec_mgr_event(m, IPSEC_MGR_EV_VICI_LOST, reason, now);
		else if (m->state == IPSEC_MGR_READY)
			m->next_poll = now;
		break;
	case IPSEC_OP_INITIATE:
		c = mgr_conn(m, name);
		if (c)
			initiate_done(m, c, ok, reason, now);
		break;
	default:
		break;
	}
}

static void earliest(uint64_t *best, uint64_t t)
{
	if (t && (!*best || t < *best))
		*best = t;
}

uint64_t ipsec_mgr_deadline(const struct ipsec_mgr *m, uint64_t now)
{
	uint64_t best = 0;

	switch (m->state) {
	case IPSEC_MGR_DOWN:
		if (!m->ctl_busy)
			earliest(&best, m->retry_at ? m->retry_at : now);
		break;
	case IPSEC_MGR_LOADING:
		if (m->need_load && !m->ctl_busy)
			earliest(&best, now);
		break;
	case IPSEC_MGR_READY:
		if (!m->ctl_busy && m->n_conns)
			earliest(&best, m->next_poll ? m->next_poll : now);
		for (size_t i = 0; i < m->n_conns; i++) {
			const struct ipsec_mgr_conn *c = &m->conns[i];

			if (c->terminate && !m->ctl_busy)
				earliest(&best, now);
			if (!c->initiator || !c->listed || c->initiating ||
			    c->state == IPSEC_CONN_INSTALLED)
				continue;
			if (c->sa.ike == IPSEC_IKE_NONE)
				earliest(&best, c->next_initiate > now ? c->next_initiate : now);
			else if (c->child_missing_since)
				earliest(&best, c->child_missing_since + IPSEC_MGR_CHILD_WAIT_MS);
		}
		break;
	case IPSEC_MGR_IDLE:
	default:
		break;
	}
	return best;
}

int ipsec_mgr_installed(const struct ipsec_mgr *m, const char *name)
{
	const struct ipsec_mgr_conn *c = mgr_conn(m, name);

	return c && m->state != IPSEC_MGR_DOWN && c->state == IPSEC_CONN_INSTALLED;
}

int ipsec_mgr_peer_installed(const struct ipsec_mgr *m, const char *name, const char *peer)
{
	struct ipsec_sa_state st;

	if (!mgr_conn(m, name) || m->state == IPSEC_MGR_DOWN || !m->list_len || !peer)
		return 0;
	ipsec_parse_sas_from(m->list, m->list_len, name, peer, &st);
	return st.child_installed;
}

static void copy_out(char *out, size_t len, const char *s)
{
	if (!out || !len)
		return;
	strncpy(out, s, len - 1);
	out[len - 1] = '\0';
}

void ipsec_mgr_describe(const struct ipsec_mgr *m, const char *name, const char *peer,
			char *out, size_t len, char *esp, size_t esplen)
{
	const struct ipsec_mgr_conn *c = mgr_conn(m, name);

	copy_out(esp, esplen, "");
	if (!c) {
		copy_out(out, len, "off");
		return;
	}
	/* down, or retrying after being down: the reason until it works */
	if (m->state == IPSEC_MGR_DOWN || (m->state == IPSEC_MGR_LOADING && m->reason[0])) {
		copy_out(out, len, m->reason);
		return;
	}
	if (peer) {
		struct ipsec_sa_state st;
		char kw[48];

		ipsec_parse_sas_from(m->list, m->list_len, name, peer, &st);
		if (!st.child_installed) {
			copy_out(out, len, "connecting");
			return;
		}
		ipsec_sa_keywords(&st, kw, sizeof(kw));
		copy_out(out, len, "installed");
		copy_out(esp, esplen, kw);
		return;
	}
	switch (c->state) {
	case IPSEC_CONN_INSTALLED:
		copy_out(out, len, "installed");
		copy_out(esp, esplen, c->esp);
		break;
	case IPSEC_CONN_FAILED:
		copy_out(out, len, c->reason);
		break;
	case IPSEC_CONN_CONNECTING:
	default:
		copy_out(out, len, "connecting");
		break;
	}
}
