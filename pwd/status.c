/*
 * The status socket server.  Every client is a non-blocking socket in the
 * daemon's one event loop, so nothing a client does (stall mid-line, never
 * read, flood requests, send garbage) may block the loop or grow memory
 * without bound:
 *
 *  - input: one request line of at most CTL_PROTO_REQ_MAX bytes is buffered;
 *    a longer line gets an error answer and the connection is closed;
 *  - output: while more than STATUS_OUT_HIGH bytes of answers wait for a
 *    client that does not read, its requests are not read either, so its
 *    buffer holds at most that plus one answer;
 *  - clients: at most STATUS_CLIENTS_MAX; one more is told so and closed;
 *  - time: a client silent for the idle timeout (STATUS_IDLE_MS) is closed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "ctl_proto.h"
#include "evloop.h"
#include "log.h"
#include "status.h"

#define STATUS_CLIENTS_MAX     64
#define STATUS_OUT_HIGH	       (64u << 10)
#define STATUS_IDLE_MS	       (5 * 60 * 1000)
#define STATUS_ACCEPT_RETRY_MS 1000

struct status_client {
	struct status_server *srv;
	struct ev_io io;
	struct ev_timer idle;
	uint32_t events; /* what io is registered for */
	int eof;	 /* the peer shut down its sending side */
	int closing;	 /* close once out is flushed; read nothing more */
	uint8_t in[CTL_PROTO_REQ_MAX];
	size_t in_len;
	char *out; /* answers not yet written: out[out_off..out_len) */
	size_t out_len, out_off, out_cap;
};

struct status_server {
	struct evloop *loop;
	struct ev_io lio;
	struct ev_timer accept_retry;
	int listening; /* lio registered */
	struct sockaddr_un sun;
	struct status_provider p;
	struct status_client *clients[STATUS_CLIENTS_MAX];
	struct log_ratelimit rl;
	uint64_t idle_ms;
};

static void status_client_io(struct ev_io *io, uint32_t events);

/* ---- JSON answers ---- */

/*
 * Strings come from fixed-size arrays the provider filled: never trust the
 * NUL, and keep the document valid even if a name is not UTF-8 (jansson
 * refuses such strings), replacing non-ASCII bytes rather than dropping the key.
 */
static json_t *status_jstr(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap), i;
	char tmp[128];
	json_t *j;

	j = json_stringn(s, n);
	if (j)
		return j;
	if (n > sizeof(tmp))
		n = sizeof(tmp);
	for (i = 0; i < n; i++)
		tmp[i] = (s[i] > 0 && s[i] < 0x7f) ? s[i] : '?';
	return json_stringn(tmp, n);
}

static json_t *status_jint(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

#define STR(key, field) json_object_set_new(o, key, status_jstr(r->field, sizeof(r->field)))
#define INT(key, field) json_object_set_new(o, key, status_jint(r->field))

static json_t *status_iface_json(const struct status_iface *r)
{
	json_t *o = json_object(), *drops = json_object();
	size_t i;

	if (!o || !drops)
		goto fail;
	/* The contract keys of DESIGN.md, in its order. */
	STR("name", name);
	STR("kind", kind);
	STR("status", status);
	INT("uptime", uptime);
	INT("idle-time", idle_time);
	STR("encoding", encoding);
	INT("mtu", mtu);
	INT("mru", mru);
	INT("mrru", mrru);
	STR("local-address", local_address);
	STR("remote-address", remote_address);
	INT("tunnel-id", tunnel_id);
	INT("peer-tunnel-id", peer_tunnel_id);
	INT("session-id", session_id);
	INT("peer-session-id", peer_session_id);
	STR("user", user);
	INT("rx-packets", rx_packets);
	INT("rx-bytes", rx_bytes);
	INT("tx-packets", tx_packets);
	INT("tx-bytes", tx_bytes);
	INT("rx-errors", rx_errors);
	INT("rx-dropped", rx_dropped);
	INT("tx-dropped", tx_dropped);
	STR("fastpath", fastpath);
	INT("fastpath-rx-packets", fastpath_rx_packets);
	INT("fastpath-tx-packets", fastpath_tx_packets);
	/* Extra keys. */
	STR("mode", mode);
	STR("encap", encap);
	INT("cookie-length", cookie_length);
	STR("l2-sublayer", l2_sublayer);
	STR("pw-type", pw_type);
	INT("pw-id", pw_id);
	STR("bridge", bridge);
	for (i = 0; i < sizeof(r->drops) / sizeof(r->drops[0]); i++) {
		char name[sizeof(r->drops[0].name) + 1];
		size_t n = strnlen(r->drops[i].name, sizeof(r->drops[i].name));

		if (n == 0)
			continue;
		memcpy(name, r->drops[i].name, n);
		name[n] = '\0';
		json_object_set_new(drops, name, status_jint(r->drops[i].count));
	}
	json_object_set_new(o, "drops", drops);
	STR("last-error", last_error);
	STR("ipsec", ipsec);
	STR("ipsec-sa", ipsec_sa);
	json_object_set_new(o, "multilink",
			    json_pack("{s:I,s:I,s:I,s:I}", "reassembled",
				      (json_int_t)r->multilink.reassembled, "lost-fragments",
				      (json_int_t)r->multilink.lost_fragments, "discarded-partials",
				      (json_int_t)r->multilink.discarded, "timeouts",
				      (json_int_t)r->multilink.timeouts));
	return o;
fail:
	json_decref(o);
	json_decref(drops);
	return NULL;
}

#undef STR
#undef INT

static json_t *status_error(const char *msg)
{
	return json_pack("{s:s}", "error", msg);
}

static json_t *status_doc(const struct status_server *s)
{
	const char *site = s->p.site_name ? s->p.site_name(s->p.ctx) : NULL;
	json_t *doc, *arr = json_array();
	size_t n = s->p.count(s->p.ctx), i;

	if (!arr)
		return NULL;
	for (i = 0; i < n; i++) {
		struct status_iface r;

		memset(&r, 0, sizeof(r));
		if (s->p.get(s->p.ctx, i, &r) == -1)
			continue; /* went away while we were listing */
		json_array_append_new(arr, status_iface_json(&r));
	}
	doc = json_object();
	if (!doc) {
		json_decref(arr);
		return NULL;
	}
	json_object_set_new(doc, "site", json_string(site ? site : ""));
	json_object_set_new(doc, "interfaces", arr);
	if (s->p.site_drop) {
		json_t *drops = json_object();
		char name[32];
		uint64_t count;

		for (i = 0; drops && s->p.site_drop(s->p.ctx, i, name, sizeof(name), &count) == 0;
		     i++)
			json_object_set_new(drops, name, status_jint(count));
		if (drops)
			json_object_set_new(doc, "drops", drops);
	}
	return doc;
}

static json_t *status_monitor(const struct status_server *s, const char *name)
{
	size_t n = s->p.count(s->p.ctx), i;
	char msg[96];

	for (i = 0; i < n; i++) {
		struct status_iface r;

		memset(&r, 0, sizeof(r));
		if (s->p.get(s->p.ctx, i, &r) == -1)
			continue;
		if (strncmp(r.name, name, sizeof(r.name)) == 0 && strlen(name) < sizeof(r.name))
			return status_iface_json(&r);
	}
	snprintf(msg, sizeof(msg), "no such interface: %.64s", name);
	return status_error(msg);
}

/* One request line (without its newline) -> one answer document. */
static json_t *status_answer(const struct status_server *s, struct buf *line)
{
	json_error_t jerr;
	json_t *req, *ans;
	const char *cmd, *name;
	char msg[240];

	req =
	    json_loadb((const char *)buf_cur(line), buf_left(line), JSON_REJECT_DUPLICATES, &jerr);
	if (!req) {
		snprintf(msg, sizeof(msg), "bad JSON at column %d: %s", jerr.column, jerr.text);
		return status_error(msg);
	}
	if (!json_is_object(req)) {
		ans = status_error("request must be a JSON object");
		goto out;
	}
	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd) {
		ans = status_error("request needs a string \"cmd\"");
	} else if (strcmp(cmd, "status") == 0) {
		ans = status_doc(s);
	} else if (strcmp(cmd, "monitor") == 0) {
		name = json_string_value(json_object_get(req, "name"));
		ans = name ? status_monitor(s, name)
			   : status_error("monitor needs a string \"name\"");
	} else {
		snprintf(msg, sizeof(msg), "unknown command: %.64s (try status, monitor)", cmd);
		ans = status_error(msg);
	}
out:
	json_decref(req);
	return ans;
}

/* ---- clients ---- */

static void status_client_free(struct status_client *c)
{
	struct status_server *s = c->srv;
	size_t i;

	evloop_io_del(s->loop, &c->io);
	evloop_timer_disarm(s->loop, &c->idle);
	close(c->io.fd);
	for (i = 0; i < STATUS_CLIENTS_MAX; i++)
		if (s->clients[i] == c)
			s->clients[i] = NULL;
	free(c->out);
	free(c);
}

static int status_client_queue(struct status_client *c, json_t *doc)
{
	char *txt;
	size_t n;

	if (!doc)
		doc = status_error("out of memory");
	txt = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!txt)
		return -1;
	n = strlen(txt);
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_cap - c->out_len < n + 1) {
		size_t cap = c->out_len + n + 1;
		char *p;

		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
			cap = c->out_len + n + 1;
		}
		if (cap > c->out_cap) {
			p = realloc(c->out, cap);
			if (!p) {
				free(txt);
				return -1;
			}
			c->out = p;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, txt, n);
	c->out[c->out_len + n] = '\n';
	c->out_len += n + 1;
	free(txt);
	return 0;
}

/* Write what the socket takes now; -1 when the client is gone. */
static int status_client_flush(struct status_client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->io.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->out_off += (size_t)w;
	}
	/* Drained: give the memory of a big answer back. */
	if (c->out_cap > STATUS_OUT_HIGH) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	c->out_off = c->out_len = 0;
	return 0;
}

static size_t status_client_pending(const struct status_client *c)
{
	return c->out_len - c->out_off;
}

/*
 * Answer complete lines in the input buffer while the output is below its
 * high-water mark, keeping a partial one.  *more is set when complete lines
 * are left for later.
 */
static int status_client_parse(struct status_client *c, int *more)
{
	struct buf b, line;
	int found = 1; /* "maybe": not looked, because the output is full */

	buf_init(&b, c->in, c->in_len);
	while (status_client_pending(c) <= STATUS_OUT_HIGH &&
	       (found = (ctl_proto_next_line(&b, &line) == 0))) {
		if (buf_left(&line) == 0)
			continue; /* blank lines are not requests */
		if (status_client_queue(c, status_answer(c->srv, &line)) == -1)
			return -1;
	}
	memmove(c->in, c->in + b.off, c->in_len - b.off);
	c->in_len -= b.off;
	*more = found;
	if (!found && c->in_len == sizeof(c->in)) {
		char msg[80];

		snprintf(msg, sizeof(msg), "request line longer than %d bytes",
			 CTL_PROTO_REQ_MAX - 1);
		c->closing = 1;
		c->in_len = 0;
		return status_client_queue(c, status_error(msg));
	}
	if (!found && c->eof && c->in_len > 0) {
		/* A last request without its newline (`printf ... | nc -U`). */
		buf_init(&line, c->in, c->in_len);
		c->in_len = 0;
		if (status_client_queue(c, status_answer(c->srv, &line)) == -1)
			return -1;
	}
	return 0;
}

static int status_client_read(struct status_client *c)
{
	int more;

	while (!c->eof && c->in_len < sizeof(c->in)) {
		ssize_t r =
		    recv(c->io.fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		if (r == 0)
			c->eof = 1;
		c->in_len += (size_t)r;
		/* Parse as we go so a burst of small requests never fills the buffer. */
		if (status_client_parse(c, &more) == -1)
			return -1;
		if (c->closing || status_client_pending(c) > STATUS_OUT_HIGH)
			break;
	}
	return 0;
}

/* Register for what the client's state needs; -1 when it is done. */
static int status_client_update(struct status_client *c)
{
	uint32_t want = 0;

	if (c->eof && c->in_len == 0 && status_client_pending(c) == 0)
		return -1;
	if (c->closing && status_client_pending(c) == 0)
		return -1;
	if (!c->eof && !c->closing && status_client_pending(c) <= STATUS_OUT_HIGH)
		want |= EPOLLIN;
	if (status_client_pending(c))
		want |= EPOLLOUT;
	if (want != c->events) {
		if (evloop_io_mod(c->srv->loop, &c->io, want) == -1)
			return -1;
		c->events = want;
	}
	return 0;
}

static void status_client_io(struct ev_io *io, uint32_t events)
{
	struct status_client *c = io->arg;
	struct status_server *s = c->srv;
	int more;

	evloop_timer_arm(s->loop, &c->idle, evloop_now(s->loop) + s->idle_ms);
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (status_client_read(c) == -1)
			goto drop;
	}
	/*
	 * Answer what is buffered and write; when writing drained the output,
	 * lines held back by the high-water mark are next.  Bounded: every
	 * round consumes buffered lines and none are read meanwhile.
	 */
	do {
		if (status_client_parse(c, &more) == -1 || status_client_flush(c) == -1)
			goto drop;
	} while (more && status_client_pending(c) == 0);
	if (status_client_update(c) == -1)
		goto drop;
	return;
drop:
	status_client_free(c);
}

static void status_client_idle(struct ev_timer *t)
{
	struct status_client *c = t->arg;

	log_debug("status: closing a client silent for %llu ms",
		  (unsigned long long)c->srv->idle_ms);
	status_client_free(c);
}

static void status_refuse(int fd)
{
	static const char msg[] = "{\"error\":\"too many clients\"}\n";

	/* Best effort: a fresh socket has room for one short line. */
	if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("status: refusing a client: %s", strerror(errno));
	close(fd);
}

static void status_accept_retry(struct ev_timer *t)
{
	struct status_server *s = t->arg;

	if (!s->listening && evloop_io_add(s->loop, &s->lio, EPOLLIN) == 0)
		s->listening = 1;
}

static void status_accept(struct ev_io *io, uint32_t events)
{
	struct status_server *s = io->arg;
	struct status_client *c;
	uint32_t suppressed;
	size_t slot;
	int fd;

	(void)events;
	for (;;) {
		fd = accept4(s->lio.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/*
			 * Out of fds or memory: with a level-triggered loop the
			 * pending connection would wake us forever, so stop
			 * listening for a second instead of spinning.
			 */
			if (log_ratelimit_ok(&s->rl, evloop_now(s->loop), &suppressed))
				log_warn("status: accept (%u suppressed)", suppressed);
			if (evloop_io_del(s->loop, &s->lio) == 0)
				s->listening = 0;
			evloop_timer_arm(s->loop, &s->accept_retry,
					 evloop_now(s->loop) + STATUS_ACCEPT_RETRY_MS);
			return;
		}
		for (slot = 0; slot < STATUS_CLIENTS_MAX; slot++)
			if (!s->clients[slot])
				break;
		if (slot == STATUS_CLIENTS_MAX) {
			if (log_ratelimit_ok(&s->rl, evloop_now(s->loop), &suppressed))
				log_warnx(
				    "status: %d clients already, refusing one (%u suppressed)",
				    STATUS_CLIENTS_MAX, suppressed);
			status_refuse(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			status_refuse(fd);
			continue;
		}
		c->srv = s;
		c->io.fd = fd;
		c->io.cb = status_client_io;
		c->io.arg = c;
		c->events = EPOLLIN;
		evloop_timer_init(&c->idle, status_client_idle, c);
		if (evloop_io_add(s->loop, &c->io, EPOLLIN) == -1) {
			log_warn("status: registering a client");
			close(fd);
			free(c);
			continue;
		}
		evloop_timer_arm(s->loop, &c->idle, evloop_now(s->loop) + s->idle_ms);
		s->clients[slot] = c;
	}
}

/* ---- the listening socket ---- */

/* mkdir -p of path's parent, 0755 for what we create. */
static int status_mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t i, n = strlen(path);

	if (n >= sizeof(dir))
		return -1;
	memcpy(dir, path, n + 1);
	for (i = n; i > 0 && dir[i] != '/'; i--)
		;
	if (i == 0)
		return 0; /* relative name in the cwd, or directly under / */
	dir[i] = '\0';
	for (i = 1; dir[i]; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			return -1;
		dir[i] = '/';
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * A socket file left by a daemon that died is replaced; one a live daemon
 * still answers on is not (two daemons for one site would fight), and a file
 * that is not a socket is never deleted.
 */
static int status_remove_stale(const struct sockaddr_un *sun)
{
	struct stat st;
	int fd, live;

	if (lstat(sun->sun_path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	/* Non-blocking: a hung daemon with a full backlog must not hang our start (EAGAIN). */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	live = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 || errno == EAGAIN;
	close(fd);
	if (live) {
		errno = EADDRINUSE;
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

struct status_server *status_server_new(struct evloop *l, const char *path,
					const struct status_provider *p)
{
	struct status_server *s;
	mode_t old;
	int fd, err;

	if (!l || !path || !p || !p->count || !p->get) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = l;
	s->p = *p;
	s->idle_ms = STATUS_IDLE_MS;
	s->sun.sun_family = AF_UNIX;
	if (strlen(path) == 0 || strlen(path) >= sizeof(s->sun.sun_path)) {
		errno = ENAMETOOLONG;
		goto err_free;
	}
	strcpy(s->sun.sun_path, path);
	if (status_mkdir_parent(path) == -1 || status_remove_stale(&s->sun) == -1)
		goto err_free;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err_free;
	/* Create it 0660 from the start: no window in which others may connect. */
	old = umask(0117);
	err = bind(fd, (const struct sockaddr *)&s->sun, sizeof(s->sun));
	umask(old);
	if (err == -1)
		goto err_close;
	if (chmod(path, 0660) == -1)
		goto err_unlink;
	/* Owner root when we are root (we made it, so it is ours already otherwise). */
	if (geteuid() == 0 && chown(path, 0, (gid_t)-1) == -1)
		goto err_unlink;
	if (listen(fd, 16) == -1)
		goto err_unlink;
	s->lio.fd = fd;
	s->lio.cb = status_accept;
	s->lio.arg = s;
	evloop_timer_init(&s->accept_retry, status_accept_retry, s);
	if (evloop_io_add(l, &s->lio, EPOLLIN) == -1)
		goto err_unlink;
	s->listening = 1;
	return s;

err_unlink:
	err = errno;
	unlink(path);
	errno = err;
err_close:
	err = errno;
	close(fd);
	errno = err;
err_free:
	err = errno;
	free(s);
	errno = err;
	return NULL;
}

void status_server_set_idle_timeout(struct status_server *s, uint64_t ms)
{
	s->idle_ms = ms ? ms : STATUS_IDLE_MS;
}

void status_server_free(struct status_server *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < STATUS_CLIENTS_MAX; i++)
		if (s->clients[i])
			status_client_free(s->clients[i]);
	if (s->listening)
		evloop_io_del(s->loop, &s->lio);
	evloop_timer_disarm(s->loop, &s->accept_retry);
	close(s->lio.fd);
	unlink(s->sun.sun_path);
	free(s);
}
