/*
 * The event loop: epoll over every fd, one timerfd programmed to the earliest
 * deadline of a binary min-heap of ev_timers, one signalfd.
 *
 * Callbacks may free objects whose events are still pending in the current
 * epoll batch: evloop_io_del() clears such entries, so a stale pointer is
 * never followed.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"

#define EVLOOP_BATCH 64

struct evloop_sig {
	void (*cb)(int signo, void *arg);
	void *arg;
};

struct evloop {
	int epfd;
	int broken;
	uint64_t now;

	/* Events of the batch being dispatched; entries of deleted ios are NULLed. */
	struct epoll_event ev[EVLOOP_BATCH];
	int n_ev;

	struct ev_io timer_io;
	struct ev_timer **heap; /* 1-based: heap[1] is the earliest */
	size_t heap_len, heap_cap;
	uint64_t seq;
	uint64_t programmed; /* deadline the timerfd holds; UINT64_MAX: none */

	struct ev_io sig_io;
	sigset_t sigmask;
	struct evloop_sig sig[_NSIG];
};

static uint64_t evloop_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t evloop_now(struct evloop *l)
{
	return l->now;
}

/* Heap order: deadline, then arm order (so equal deadlines fire FIFO). */
static int evloop_timer_before(const struct ev_timer *a, const struct ev_timer *b)
{
	if (a->at != b->at)
		return a->at < b->at;
	return a->seq < b->seq;
}

static void evloop_heap_set(struct evloop *l, size_t i, struct ev_timer *t)
{
	l->heap[i] = t;
	t->heap_idx = i;
}

static void evloop_heap_up(struct evloop *l, size_t i)
{
	struct ev_timer *t = l->heap[i];

	while (i > 1 && evloop_timer_before(t, l->heap[i / 2])) {
		evloop_heap_set(l, i, l->heap[i / 2]);
		i /= 2;
	}
	evloop_heap_set(l, i, t);
}

static void evloop_heap_down(struct evloop *l, size_t i)
{
	struct ev_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i;

		if (c > l->heap_len)
			break;
		if (c + 1 <= l->heap_len && evloop_timer_before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!evloop_timer_before(l->heap[c], t))
			break;
		evloop_heap_set(l, i, l->heap[c]);
		i = c;
	}
	evloop_heap_set(l, i, t);
}

static void evloop_heap_remove(struct evloop *l, struct ev_timer *t)
{
	size_t i = t->heap_idx;
	struct ev_timer *last = l->heap[l->heap_len--];

	t->heap_idx = 0;
	if (last == t)
		return;
	evloop_heap_set(l, i, last);
	if (i > 1 && evloop_timer_before(last, l->heap[i / 2]))
		evloop_heap_up(l, i);
	else
		evloop_heap_down(l, i);
}

void evloop_timer_init(struct ev_timer *t, void (*cb)(struct ev_timer *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
}

void evloop_timer_set(struct evloop *l, struct ev_timer *t, uint64_t at)
{
	if (at)
		evloop_timer_arm(l, t, at);
	else
		evloop_timer_disarm(l, t);
}

int evloop_timer_armed(const struct ev_timer *t)
{
	return t->heap_idx != 0;
}

void evloop_timer_disarm(struct evloop *l, struct ev_timer *t)
{
	if (t->heap_idx)
		evloop_heap_remove(l, t);
}

void evloop_timer_arm(struct evloop *l, struct ev_timer *t, uint64_t at)
{
	/*
	 * A deadline already past is "now": clamping keeps the heap order
	 * (deadline, seq) such that a timer re-armed from a callback sorts
	 * after every older expired one and waits for the next iteration.
	 */
	if (at < l->now)
		at = l->now;
	if (t->heap_idx) {
		evloop_heap_remove(l, t);
	} else if (l->heap_len == l->heap_cap) {
		size_t cap = l->heap_cap ? 2 * l->heap_cap : 64;
		struct ev_timer **h = realloc(l->heap, (cap + 1) * sizeof(*h));

		if (!h)
			fatal("evloop: timer heap");
		l->heap = h;
		l->heap_cap = cap;
	}
	t->at = at;
	t->seq = ++l->seq;
	l->heap_len++;
	evloop_heap_set(l, l->heap_len, t);
	evloop_heap_up(l, l->heap_len);
}

/* Program the timerfd for the earliest deadline, if it changed. */
static void evloop_timer_program(struct evloop *l)
{
	struct itimerspec its;
	uint64_t at = l->heap_len ? l->heap[1]->at : UINT64_MAX;

	if (at == l->programmed)
		return;
	memset(&its, 0, sizeof(its));
	if (at != UINT64_MAX) {
		its.it_value.tv_sec = at / 1000;
		its.it_value.tv_nsec = (at % 1000) * 1000000;
		if (at == 0) /* all-zero would disarm */
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(l->timer_io.fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		log_warn("evloop: timerfd_settime");
	l->programmed = at;
}

static void evloop_timers_fire(struct ev_io *io, uint32_t events)
{
	struct evloop *l = io->arg;
	uint64_t expirations, seq_limit = l->seq;

	(void)events;
	if (read(io->fd, &expirations, sizeof(expirations)) == -1 && errno != EAGAIN)
		log_warn("evloop: timerfd read");
	l->programmed = UINT64_MAX;
	/* Only timers armed before this round: a callback re-arming for now waits. */
	while (l->heap_len && l->heap[1]->at <= l->now && l->heap[1]->seq <= seq_limit) {
		struct ev_timer *t = l->heap[1];

		evloop_heap_remove(l, t);
		t->cb(t);
		if (l->broken)
			break;
	}
}

static void evloop_signals_fire(struct ev_io *io, uint32_t events)
{
	struct evloop *l = io->arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int signo = (int)si.ssi_signo;

		if (signo > 0 && signo < _NSIG && l->sig[signo].cb)
			l->sig[signo].cb(signo, l->sig[signo].arg);
	}
}

struct evloop *evloop_new(void)
{
	struct evloop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->programmed = UINT64_MAX;
	sigemptyset(&l->sigmask);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd == -1)
		goto free_l;
	l->timer_io.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timer_io.fd == -1)
		goto close_ep;
	l->timer_io.cb = evloop_timers_fire;
	l->timer_io.arg = l;
	l->sig_io.fd = signalfd(-1, &l->sigmask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (l->sig_io.fd == -1)
		goto close_timer;
	l->sig_io.cb = evloop_signals_fire;
	l->sig_io.arg = l;
	if (evloop_io_add(l, &l->timer_io, EPOLLIN) == -1 ||
	    evloop_io_add(l, &l->sig_io, EPOLLIN) == -1)
		goto close_sig;
	l->now = evloop_clock();
	return l;

close_sig:
	close(l->sig_io.fd);
close_timer:
	close(l->timer_io.fd);
close_ep:
	close(l->epfd);
free_l:
	free(l);
	return NULL;
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	/* Hand the signals back to their default dispositions. */
	sigprocmask(SIG_UNBLOCK, &l->sigmask, NULL);
	close(l->sig_io.fd);
	close(l->timer_io.fd);
	close(l->epfd);
	free(l->heap);
	free(l);
}

int evloop_io_add(struct evloop *l, struct ev_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev);
}

int evloop_io_mod(struct evloop *l, struct ev_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

int evloop_io_del(struct evloop *l, struct ev_io *io)
{
	int rc = epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);

	/* The owner may free io right after this: forget its pending events. */
	for (int i = 0; i < l->n_ev; i++)
		if (l->ev[i].data.ptr == io)
			l->ev[i].data.ptr = NULL;
	return rc;
}

int evloop_signal(struct evloop *l, int signo, void (*cb)(int signo, void *arg), void *arg)
{
	sigset_t one;

	if (signo <= 0 || signo >= _NSIG) {
		errno = EINVAL;
		return -1;
	}
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (sigprocmask(SIG_BLOCK, &one, NULL) == -1)
		return -1;
	sigaddset(&l->sigmask, signo);
	if (signalfd(l->sig_io.fd, &l->sigmask, 0) == -1)
		return -1;
	l->sig[signo].cb = cb;
	l->sig[signo].arg = arg;
	return 0;
}

void evloop_break(struct evloop *l)
{
	l->broken = 1;
}

int evloop_run(struct evloop *l)
{
	l->broken = 0;
	while (!l->broken) {
		int n;

		evloop_timer_program(l);
		n = epoll_wait(l->epfd, l->ev, EVLOOP_BATCH, -1);
		l->now = evloop_clock();
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("evloop: epoll_wait");
			return -1;
		}
		l->n_ev = n;
		for (int i = 0; i < n && !l->broken; i++) {
			struct ev_io *io = l->ev[i].data.ptr;

			if (io)
				io->cb(io, l->ev[i].events);
		}
		l->n_ev = 0;
	}
	return 0;
}
