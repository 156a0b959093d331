/*
 * A real status server in the real event loop (in a thread), fed by a
 * provider with three made-up interfaces, and the real ctl_client calling
 * it.  Shared by tests/unit/test_status.c (the server and its document) and
 * tests/unit/test_status_ctl.c (l2pwctl's views over the same documents).
 *
 * srv_start()/srv_start_idle() and srv_stop() must pair up inside one Check
 * test: the server's state is this file's static globals, one server at a
 * time per test process.
 */
#ifndef L2PW_TEST_STATUS_SRV_H
#define L2PW_TEST_STATUS_SRV_H

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_client.h"
#include "evloop.h"
#include "status.h"

#define WAIT_MS 5000

/* ---- a provider with three interfaces; row 1 "vanishes" when asked ---- */

static struct status_iface rows[3];
static int vanish_row1;

static const char *fake_site(void *ctx)
{
	(void)ctx;
	return "office-a";
}

static size_t fake_count(void *ctx)
{
	(void)ctx;
	return 3;
}

static int fake_get(void *ctx, size_t i, struct status_iface *out)
{
	(void)ctx;
	if (i >= 3 || (i == 1 && vanish_row1))
		return -1;
	*out = rows[i];
	return 0;
}

static const struct status_provider provider = {
    .ctx = NULL, .site_name = fake_site, .count = fake_count, .get = fake_get};

static void fill_rows(void)
{
	struct status_iface *r = &rows[0];

	memset(rows, 0, sizeof(rows));
	snprintf(r->name, sizeof(r->name), "pw-office-b");
	snprintf(r->kind, sizeof(r->kind), "l2tpv3");
	snprintf(r->status, sizeof(r->status), "connected");
	r->uptime = 3723;
	r->idle_time = 2;
	snprintf(r->encoding, sizeof(r->encoding), "none");
	r->mtu = 1450;
	snprintf(r->local_address, sizeof(r->local_address), "198.18.0.1");
	snprintf(r->remote_address, sizeof(r->remote_address), "198.18.0.2");
	r->tunnel_id = 10;
	r->peer_tunnel_id = 20;
	r->session_id = 11;
	r->peer_session_id = 21;
	r->rx_packets = 1000;
	r->rx_bytes = 5000000000ull; /* > 2^32: must survive as a JSON integer */
	r->tx_packets = 900;
	r->tx_bytes = 123456;
	r->rx_errors = 1;
	r->rx_dropped = 3;
	snprintf(r->fastpath, sizeof(r->fastpath), "tc");
	r->fastpath_rx_packets = 990;
	r->fastpath_tx_packets = 850;
	snprintf(r->mode, sizeof(r->mode), "dynamic");
	snprintf(r->encap, sizeof(r->encap), "udp");
	r->cookie_length = 4;
	snprintf(r->l2_sublayer, sizeof(r->l2_sublayer), "default");
	snprintf(r->pw_type, sizeof(r->pw_type), "ethernet");
	r->pw_id = 100;
	snprintf(r->bridge, sizeof(r->bridge), "br-lan");
	snprintf(r->drops[0].name, sizeof(r->drops[0].name), "bad-cookie");
	r->drops[0].count = 3;
	snprintf(r->drops[2].name, sizeof(r->drops[2].name), "short");
	r->drops[2].count = 1;

	r = &rows[1];
	snprintf(r->name, sizeof(r->name), "pw-office-c");
	snprintf(r->kind, sizeof(r->kind), "l2tpv3");
	snprintf(r->status, sizeof(r->status), "connecting");
	snprintf(r->last_error, sizeof(r->last_error), "StopCCN: result 2");

	r = &rows[2];
	/* Every string field filled to the brim, without a NUL: must not overread. */
	memset(r, 'x', sizeof(*r));
	memset(&r->uptime, 0xff, sizeof(r->uptime)); /* > INT64_MAX: clamped */
	r->name[0] = (char)0xff;		     /* not UTF-8 */
}

/* ---- the server, running in its own thread ---- */

struct srv {
	struct evloop *loop;
	struct status_server *status;
	struct ev_io stop_io;
	int stop_pipe[2];
	pthread_t thread;
	char dir[32], path[100];
};

static struct srv srv;

static void stop_cb(struct ev_io *io, uint32_t events)
{
	(void)io;
	(void)events;
	evloop_break(srv.loop);
}

static void *srv_thread(void *arg)
{
	(void)arg;
	evloop_run(srv.loop);
	return NULL;
}

/* idle_ms: the server's idle timeout, 0 for its default. */
static void srv_start_idle(uint64_t idle_ms)
{
	fill_rows();
	vanish_row1 = 0;
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/test_status.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(srv.dir));
	/* A parent that does not exist yet: the server creates it. */
	snprintf(srv.path, sizeof(srv.path), "%s/run/l2pwd/site.sock", srv.dir);
	srv.loop = evloop_new();
	ck_assert_ptr_nonnull(srv.loop);
	srv.status = status_server_new(srv.loop, srv.path, &provider);
	ck_assert_msg(srv.status != NULL, "status_server_new: %s", strerror(errno));
	status_server_set_idle_timeout(srv.status, idle_ms);
	ck_assert_int_eq(pipe(srv.stop_pipe), 0);
	srv.stop_io.fd = srv.stop_pipe[0];
	srv.stop_io.cb = stop_cb;
	ck_assert_int_eq(evloop_io_add(srv.loop, &srv.stop_io, EPOLLIN), 0);
	ck_assert_int_eq(pthread_create(&srv.thread, NULL, srv_thread, NULL), 0);
}

static void srv_start(void)
{
	srv_start_idle(0);
}

static void srv_stop(void)
{
	char cmd[160];

	ck_assert_int_eq(write(srv.stop_pipe[1], "x", 1), 1);
	pthread_join(srv.thread, NULL);
	status_server_free(srv.status);
	ck_assert_int_eq(access(srv.path, F_OK), -1); /* unlinked */
	evloop_io_del(srv.loop, &srv.stop_io);
	evloop_free(srv.loop);
	close(srv.stop_pipe[0]);
	close(srv.stop_pipe[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv.dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- the well-behaved client: the real ctl_client code ---- */

static json_t *call(struct ctl_client *c, const char *req_text)
{
	char err[256];
	json_t *req = json_loads(req_text, 0, NULL), *ans;

	ck_assert_ptr_nonnull(req);
	ans = ctl_client_call(c, req, WAIT_MS, err, sizeof(err));
	json_decref(req);
	ck_assert_msg(ans != NULL, "call: %s", err);
	return ans;
}

static struct ctl_client *client(void)
{
	char err[256];
	struct ctl_client *c = ctl_client_open(srv.path, err, sizeof(err));

	ck_assert_msg(c != NULL, "open: %s", err);
	return c;
}

#endif
