/* Event loop: timer order, disarm, re-arm from callbacks, io and signal delivery. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"

struct rec {
	struct evloop *l;
	int order[16];
	int n;
	int stop_after;
};

struct tt {
	struct ev_timer t;
	struct rec *r;
	int id;
	int rearm; /* times left to re-arm for "now" */
};

static void tt_cb(struct ev_timer *t)
{
	struct tt *x = t->arg;

	x->r->order[x->r->n++] = x->id;
	if (x->rearm > 0) {
		x->rearm--;
		evloop_timer_arm(x->r->l, t, evloop_now(x->r->l));
	}
	if (x->r->n == x->r->stop_after)
		evloop_break(x->r->l);
}

START_TEST(test_timer_order)
{
	struct rec r = {.l = evloop_new(), .stop_after = 4};
	struct tt t[5];
	uint64_t now = evloop_now(r.l);
	const uint64_t at[5] = {40, 10, 30, 20, 25};

	ck_assert_ptr_nonnull(r.l);
	for (int i = 0; i < 5; i++) {
		t[i] = (struct tt){.r = &r, .id = i};
		evloop_timer_init(&t[i].t, tt_cb, &t[i]);
		evloop_timer_arm(r.l, &t[i].t, now + at[i]);
		ck_assert(evloop_timer_armed(&t[i].t));
	}
	/* Disarmed timers never fire; the rest fire by deadline. */
	evloop_timer_disarm(r.l, &t[4].t);
	ck_assert(!evloop_timer_armed(&t[4].t));
	ck_assert_int_eq(evloop_run(r.l), 0);
	ck_assert_int_eq(r.n, 4);
	ck_assert_int_eq(r.order[0], 1);
	ck_assert_int_eq(r.order[1], 3);
	ck_assert_int_eq(r.order[2], 2);
	ck_assert_int_eq(r.order[3], 0);
	ck_assert(evloop_now(r.l) >= now + 40);
	for (int i = 0; i < 5; i++)
		ck_assert(!evloop_timer_armed(&t[i].t));
	evloop_free(r.l);
}
END_TEST

START_TEST(test_timer_rearm_in_callback)
{
	struct rec r = {.l = evloop_new(), .stop_after = 5};
	struct tt a = {.r = &r, .id = 1, .rearm = 3}, b = {.r = &r, .id = 2};
	uint64_t now = evloop_now(r.l);

	evloop_timer_init(&a.t, tt_cb, &a);
	evloop_timer_init(&b.t, tt_cb, &b);
	/* Deadlines in the past fire on the next iteration. */
	evloop_timer_arm(r.l, &a.t, 0);
	evloop_timer_arm(r.l, &b.t, now);
	ck_assert_int_eq(evloop_run(r.l), 0);
	/* a re-arms itself for "now" three times: each waits its turn behind b. */
	ck_assert_int_eq(r.n, 5);
	ck_assert_int_eq(r.order[0], 1);
	ck_assert_int_eq(r.order[1], 2);
	ck_assert_int_eq(r.order[2], 1);
	ck_assert_int_eq(r.order[3], 1);
	ck_assert_int_eq(r.order[4], 1);
	evloop_free(r.l);
}
END_TEST

/* Re-arming a pending timer moves it; a callback may disarm another due timer. */
struct pair {
	struct ev_timer a, b;
	struct evloop *l;
	int a_fired, b_fired;
};

static void pair_a(struct ev_timer *t)
{
	struct pair *p = t->arg;

	p->a_fired++;
	evloop_timer_disarm(p->l, &p->b);
	evloop_break(p->l);
}

static void pair_b(struct ev_timer *t)
{
	struct pair *p = t->arg;

	p->b_fired++;
}

START_TEST(test_timer_disarm_from_callback)
{
	struct pair p = {.l = evloop_new()};
	uint64_t now = evloop_now(p.l);

	evloop_timer_init(&p.a, pair_a, &p);
	evloop_timer_init(&p.b, pair_b, &p);
	evloop_timer_arm(p.l, &p.b, now + 5);
	evloop_timer_arm(p.l, &p.a, now + 5000);
	evloop_timer_arm(p.l, &p.a, now + 1); /* moved earlier */
	ck_assert_int_eq(evloop_run(p.l), 0);
	ck_assert_int_eq(p.a_fired, 1);
	ck_assert_int_eq(p.b_fired, 0);
	ck_assert(!evloop_timer_armed(&p.b));
	evloop_free(p.l);
}
END_TEST

START_TEST(test_timer_many)
{
	/* Heap growth and order with many random deadlines. */
	struct evloop *l = evloop_new();
	enum { N = 500 };
	static struct ev_timer t[N];
	uint64_t now = evloop_now(l), last = 0;

	srandom(7);
	for (int i = 0; i < N; i++) {
		evloop_timer_init(&t[i], NULL, NULL);
		evloop_timer_arm(l, &t[i], now + 1000 + (uint64_t)(random() % 100000));
	}
	for (int i = 0; i < N; i += 3)
		evloop_timer_disarm(l, &t[i]);
	for (int i = 0; i < N; i += 7)
		evloop_timer_arm(l, &t[i], now + 1000 + (uint64_t)(random() % 100000));
	/* Drain by disarming the earliest each time: deadlines must not decrease. */
	for (;;) {
		struct ev_timer *min = NULL;

		for (int i = 0; i < N; i++)
			if (evloop_timer_armed(&t[i]) && (!min || t[i].at < min->at))
				min = &t[i];
		if (!min)
			break;
		ck_assert(min->at >= last);
		last = min->at;
		evloop_timer_disarm(l, min);
	}
	evloop_free(l);
}
END_TEST

struct iot {
	struct evloop *l;
	struct ev_io a, b;
	int pa[2], pb[2];
	int a_calls, b_calls;
};

/* a's callback deletes b while b's event is pending in the same batch. */
static void iot_a(struct ev_io *io, uint32_t events)
{
	struct iot *x = io->arg;
	char c;

	ck_assert(events & EPOLLIN);
	ck_assert_int_eq(read(io->fd, &c, 1), 1);
	ck_assert_int_eq(c, 'a');
	x->a_calls++;
	evloop_io_del(x->l, &x->b);
	evloop_break(x->l);
}

static void iot_b(struct ev_io *io, uint32_t events)
{
	struct iot *x = io->arg;

	(void)events;
	x->b_calls++;
	evloop_io_del(x->l, &x->a);
	evloop_break(x->l);
}

START_TEST(test_io)
{
	struct iot x = {.l = evloop_new()};

	ck_assert_int_eq(pipe(x.pa), 0);
	ck_assert_int_eq(pipe(x.pb), 0);
	x.a = (struct ev_io){.fd = x.pa[0], .cb = iot_a, .arg = &x};
	x.b = (struct ev_io){.fd = x.pb[0], .cb = iot_b, .arg = &x};
	ck_assert_int_eq(evloop_io_add(x.l, &x.a, EPOLLIN), 0);
	ck_assert_int_eq(evloop_io_add(x.l, &x.b, EPOLLIN), 0);
	ck_assert_int_eq(write(x.pa[1], "a", 1), 1);
	ck_assert_int_eq(write(x.pb[1], "b", 1), 1);
	ck_assert_int_eq(evloop_run(x.l), 0);
	/* Exactly one ran: whichever came first removed the other's pending event. */
	ck_assert_int_eq(x.a_calls + x.b_calls, 1);
	/* Re-add what was deleted; mod to EPOLLOUT on the write end works too. */
	if (x.a_calls) {
		ck_assert_int_eq(evloop_io_add(x.l, &x.b, EPOLLIN), 0);
		x.b.cb = iot_b;
		ck_assert_int_eq(evloop_run(x.l), 0);
		ck_assert_int_eq(x.b_calls, 1);
	}
	ck_assert_int_eq(evloop_io_mod(x.l, x.a_calls ? &x.a : &x.b, EPOLLIN), x.a_calls ? -1 : 0);
	evloop_free(x.l);
	close(x.pa[0]);
	close(x.pa[1]);
	close(x.pb[0]);
	close(x.pb[1]);
}
END_TEST

static int sig_seen;

static void on_sig(int signo, void *arg)
{
	struct evloop *l = arg;

	sig_seen = signo;
	evloop_break(l);
}

START_TEST(test_signal)
{
	struct evloop *l = evloop_new();

	ck_assert_int_eq(evloop_signal(l, SIGUSR1, on_sig, l), 0);
	ck_assert_int_eq(evloop_signal(l, 0, on_sig, l), -1);
	/* Blocked now: raise() queues it for the signalfd instead of killing us. */
	ck_assert_int_eq(raise(SIGUSR1), 0);
	ck_assert_int_eq(evloop_run(l), 0);
	ck_assert_int_eq(sig_seen, SIGUSR1);
	evloop_free(l);
}
END_TEST

static Suite *evloop_suite(void)
{
	Suite *s = suite_create("evloop");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_timer_order);
	tcase_add_test(tc, test_timer_rearm_in_callback);
	tcase_add_test(tc, test_timer_disarm_from_callback);
	tcase_add_test(tc, test_timer_many);
	tcase_add_test(tc, test_io);
	tcase_add_test(tc, test_signal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(evloop_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
