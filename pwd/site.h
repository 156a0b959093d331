/*
 * A site: the running form of one config file.  It turns every pseudowire
 * section into a struct pw, groups dynamic pseudowires into control
 * connections (site_ctl.c), demultiplexes what the transports receive
 * (control messages by connection id, data by session id through one hash)
 * and answers the status socket.
 *
 * Ownership: site_new() takes the cfg and frees it with the site (or when a
 * reload replaces it).  Timers owned: per-pw bridge retries, per-group
 * reconnect, per-tunnel engine/deferred-free timers, the shutdown deadline.
 */
#ifndef L2PW_SITE_H
#define L2PW_SITE_H

#include "cfg.h"

struct evloop;
struct site;
struct status_provider;

/* Returns NULL (and logs why) when the netlink socket cannot be opened. */
struct site *site_new(struct evloop *l, struct cfg *c);
/* Create ports, open sockets, start connecting.  0, or -1 if nothing can run. */
int site_start(struct site *s);
/*
 * Apply a new config (SIGHUP): unchanged pseudowires keep running, changed
 * ones restart, removed ones are torn down, new ones start.  Takes c.
 */
void site_reload(struct site *s, struct cfg *c);
/*
 * Graceful stop: StopCCN on every control connection, then done(arg) once
 * they are acknowledged or after SITE_STOP_WAIT_MS, whichever comes first.
 */
#define SITE_STOP_WAIT_MS 1000
void site_stop(struct site *s, void (*done)(void *arg), void *arg);
/* Closes everything (TAPs removed).  NULL accepted. */
void site_free(struct site *s);
const struct status_provider *site_status_provider(struct site *s);

#endif
