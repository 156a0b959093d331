/*
 * The one event loop: epoll for file descriptors, one timerfd for every timer
 * (a min-heap of deadlines), signalfd for signals.  Single-threaded; callbacks
 * run from evloop_run() and may add/remove/arm anything, including themselves.
 *
 * Ownership: the loop never owns the ev_io/ev_timer structs it is given; they
 * are embedded in their owners, which must remove/disarm them before freeing.
 * Time: milliseconds of CLOCK_MONOTONIC, cached once per loop iteration.
 */
#ifndef L2PW_EVLOOP_H
#define L2PW_EVLOOP_H

#include <stddef.h>
#include <stdint.h>

struct evloop;

struct ev_io {
	int fd;
	void (*cb)(struct ev_io *io, uint32_t events); /* EPOLLIN/EPOLLOUT/EPOLLERR... */
	void *arg;
};

struct ev_timer {
	void (*cb)(struct ev_timer *t);
	void *arg;
	uint64_t at;	 /* deadline, ms; valid while armed */
	size_t heap_idx; /* private; 0 = not armed */
	uint64_t seq;	 /* private: arm order, so a timer re-armed for "now" from
			    its own callback waits for the next iteration */
};

struct evloop *evloop_new(void);
void evloop_free(struct evloop *l);
/* Run until evloop_break(); returns 0, or -1 on a fatal epoll error. */
int evloop_run(struct evloop *l);
void evloop_break(struct evloop *l);
uint64_t evloop_now(struct evloop *l);

int evloop_io_add(struct evloop *l, struct ev_io *io, uint32_t events);
int evloop_io_mod(struct evloop *l, struct ev_io *io, uint32_t events);
int evloop_io_del(struct evloop *l, struct ev_io *io);

void evloop_timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *), void *arg);
/* (Re)arm at an absolute deadline in ms; at <= now fires on the next iteration. */
void evloop_timer_arm(struct evloop *l, struct ev_timer *t, uint64_t at);
void evloop_timer_disarm(struct evloop *l, struct ev_timer *t);
/* The engines' timer convention: arm at `at`, or disarm when at is 0 ("no timer"). */
void evloop_timer_set(struct evloop *l, struct ev_timer *t, uint64_t at);
int evloop_timer_armed(const struct ev_timer *t);

/*
 * Deliver signo (blocked from then on) through the loop instead of a handler.
 * One callback per signal; a second call replaces it.
 */
int evloop_signal(struct evloop *l, int signo, void (*cb)(int signo, void *arg), void *arg);

#endif
