/*
 * The IPsec manager of one site: which swanctl run comes next, and what the
 * site's connections look like in charon.  Pure, like the protocol engines:
 * no fork, no files, no clock.  The caller (pwd/ipsec_site.c) feeds it the
 * wanted connections, the time, and the results of the swanctl jobs it asked
 * for; it answers with the next job to start and the time it wants to be
 * asked again.  tests/unit/test_ipsec_mgr.c drives it with a fake clock.
 *
 * Site states (one dispatcher, ipsec_mgr_event(); transitions logged as
 * "ipsec: A -> B on EVENT"):
 *
 *   IDLE     no connection wanted yet
 *   LOADING  a LOAD of the whole ipsec-dir is wanted or running (start-up,
 *            SIGHUP, after charon came back)
 *   READY    loaded: LIST_SAS every IPSEC_MGR_POLL_MS (IPSEC_MGR_POLL_FAST_MS
 *            while some connection is not installed), INITIATE for
 *            initiators without an IKE_SA, with a capped backoff
 *   DOWN     charon or swanctl not usable (vici gone, swanctl missing, load
 *            refused): every connection is "not installed", the reason is
 *            shown; retried with a capped backoff, always by a full LOAD,
 *            because a restarted charon holds nothing of ours
 *
 * One LOAD / LIST_SAS / TERMINATE job at a time (the "control" job); INITIATE
 * jobs run beside it, at most one per connection (an unanswered IKE_SA can
 * keep swanctl waiting for its whole timeout).
 *
 * Ownership: struct ipsec_mgr lives in the caller's storage; ipsec_mgr_free()
 * releases the connection table.  Strings passed in are copied.
 */
#ifndef L2PW_IPSEC_MGR_H
#define L2PW_IPSEC_MGR_H

#include <stddef.h>
#include <stdint.h>

#include "ipsec.h"

#define IPSEC_MGR_POLL_MS	  5000	/* LIST_SAS while everything is installed */
#define IPSEC_MGR_POLL_FAST_MS	  2000	/* ... while something is not */
#define IPSEC_MGR_RETRY_MIN_MS	  1000	/* DOWN: first retry */
#define IPSEC_MGR_RETRY_MAX_MS	  15000 /* DOWN: backoff cap */
#define IPSEC_MGR_INIT_MIN_MS	  2000	/* INITIATE after a failed one */
#define IPSEC_MGR_INIT_MAX_MS	  15000
#define IPSEC_MGR_CHILD_WAIT_MS	  10000 /* IKE up without CHILD_SA this long: INITIATE */
/* After a LOAD, charon's own start_action=start goes first: an INITIATE of
 * ours before its IKE_SA shows in a list would make a second IKE_SA. */
#define IPSEC_MGR_START_GRACE_MS  3000
#define IPSEC_MGR_LOAD_TIMEOUT_S  10
#define IPSEC_MGR_LIST_TIMEOUT_S  5
#define IPSEC_MGR_INIT_TIMEOUT_S  10
#define IPSEC_MGR_TERM_TIMEOUT_S  5
#define IPSEC_MGR_REASON_MAX	  128

enum ipsec_mgr_state {
	IPSEC_MGR_IDLE,
	IPSEC_MGR_LOADING,
	IPSEC_MGR_READY,
	IPSEC_MGR_DOWN,
};

enum ipsec_mgr_event {
	IPSEC_MGR_EV_CONFIG,	  /* the wanted set changed (start-up, SIGHUP) */
	IPSEC_MGR_EV_LOAD_OK,	  /* LOAD exited 0 */
	IPSEC_MGR_EV_LOAD_FAILED, /* LOAD failed: reason given */
	IPSEC_MGR_EV_LIST_OK,	  /* LIST_SAS exited 0: output given */
	IPSEC_MGR_EV_VICI_LOST,	  /* a job found charon unreachable or swanctl missing */
	IPSEC_MGR_EV_NOT_LOADED,  /* charon does not know one of ours: it restarted */
	IPSEC_MGR_EV_RETRY,	  /* DOWN's backoff expired */
};

/* A connection as charon has it, from the latest LIST_SAS. */
enum ipsec_conn_state {
	IPSEC_CONN_CONNECTING, /* no installed CHILD_SA yet (or any more) */
	IPSEC_CONN_INSTALLED,
	IPSEC_CONN_FAILED, /* the last INITIATE failed: reason */
};

/* What the caller wants: one per swanctl connection it wrote. */
struct ipsec_mgr_want {
	const char *name;
	uint64_t text_hash; /* of the rendered file: a change means TERMINATE after LOAD */
	int initiator;	    /* we INITIATE it (pseudowire's lower end, l2tp-client) */
};

struct ipsec_mgr_conn {
	char name[IPSEC_NAME_MAX + 1];
	uint64_t text_hash;
	int initiator;
	int loaded;	    /* charon has this text (a LOAD with it succeeded) */
	int terminate;	    /* text changed while an SA may exist: TERMINATE once loaded */
	int listed;	    /* a LIST_SAS since the last LOAD saw (or missed) it */
	int initiating;	    /* an INITIATE job runs */
	enum ipsec_conn_state state;
	struct ipsec_sa_state sa;   /* from the latest LIST_SAS */
	char esp[48];		    /* "aes128gcm16" while installed */
	char reason[IPSEC_MGR_REASON_MAX]; /* why the last INITIATE failed */
	uint64_t child_missing_since;	   /* IKE up, no CHILD_SA, since (0: n/a) */
	uint64_t next_initiate;
	uint32_t init_backoff_ms;
};

/* The next job to start; name "" for LOAD and the all-SA LIST_SAS. */
struct ipsec_mgr_job {
	enum ipsec_op op;
	char name[IPSEC_NAME_MAX + 1];
	unsigned timeout_s;
};

struct ipsec_mgr {
	enum ipsec_mgr_state state;
	struct ipsec_mgr_conn *conns;
	size_t n_conns, cap_conns;
	int need_load;	/* a LOAD is owed (set while LOADING, also mid-LOAD) */
	int ctl_busy;	/* the control job runs */
	enum ipsec_op ctl_op;
	uint64_t next_poll;
	uint64_t retry_at;
	uint32_t retry_ms;
	char reason[IPSEC_MGR_REASON_MAX]; /* DOWN: why */
	/* the latest successful LIST_SAS, for per-peer questions (l2tp-server) */
	char list[IPSEC_OUT_MAX + 1];
	size_t list_len;
};

void ipsec_mgr_init(struct ipsec_mgr *m);
void ipsec_mgr_free(struct ipsec_mgr *m);

/*
 * Replace the wanted set (copied).  Connections that are new, gone or whose
 * text changed make a LOAD owed (EV_CONFIG).  Returns 0, or -1 when out of
 * memory (the old set stays).
 */
int ipsec_mgr_set(struct ipsec_mgr *m, const struct ipsec_mgr_want *w, size_t n, uint64_t now);

/*
 * The next job to start now, if any: returns 1 and fills j, else 0.  The
 * caller starts it and reports its end with ipsec_mgr_done() (also when it
 * could not be started).  Call repeatedly until it returns 0.
 */
int ipsec_mgr_next(struct ipsec_mgr *m, uint64_t now, struct ipsec_mgr_job *j);

/*
 * A job ended.  ok: swanctl exited 0.  out/len: its output (LIST_SAS: the SA
 * list).  reason: ipsec_parse_error()'s text when !ok ("" or NULL otherwise).
 */
void ipsec_mgr_done(struct ipsec_mgr *m, enum ipsec_op op, const char *name, int ok,
		    const char *out, size_t len, const char *reason, uint64_t now);

/* When to call ipsec_mgr_next() again at the latest (0: nothing planned). */
uint64_t ipsec_mgr_deadline(const struct ipsec_mgr *m, uint64_t now);

/* ---- questions ---- */

/* NULL when not wanted. */
const struct ipsec_mgr_conn *ipsec_mgr_find(const struct ipsec_mgr *m, const char *name);
/* The connection has an INSTALLED CHILD_SA (and charon is reachable). */
int ipsec_mgr_installed(const struct ipsec_mgr *m, const char *name);
/* The connection has an INSTALLED CHILD_SA with peer (numeric address). */
int ipsec_mgr_peer_installed(const struct ipsec_mgr *m, const char *name, const char *peer);
/*
 * The status "ipsec" value of a connection: "installed", "connecting", or a
 * reason (site DOWN, last INITIATE failure).  peer non-NULL: that peer's SA
 * on a responder connection (l2tp-server rows).  esp (may be NULL): the
 * algorithm keywords while installed, else "".
 */
void ipsec_mgr_describe(const struct ipsec_mgr *m, const char *name, const char *peer,
			char *out, size_t len, char *esp, size_t esplen);

const char *ipsec_mgr_state_name(enum ipsec_mgr_state s);
const char *ipsec_mgr_event_name(enum ipsec_mgr_event e);
const char *ipsec_conn_state_name(enum ipsec_conn_state s);

#endif
