#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "ctl_client.h"
#include "ctl_proto.h"

struct ctl_client {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint8_t *in; /* bytes received, not yet an answer: in[0..len) */
	size_t len, cap;
};

int ctl_client_find_socket(const char *dir, char *out, size_t outlen, char *err, size_t errlen)
{
	char pattern[256];
	glob_t g;
	size_t i, used;
	int rc;

	snprintf(pattern, sizeof(pattern), "%s/*.sock", dir);
	rc = glob(pattern, 0, NULL, &g);
	if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
		snprintf(err, errlen,
			 "no status socket in %s (is l2pwd running? else use -s SOCKET)", dir);
		if (rc == 0)
			globfree(&g);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "cannot list %s: %s", pattern,
			 rc == GLOB_NOSPACE ? "out of memory" : "read error");
		return -1;
	}
	if (g.gl_pathc > 1) {
		used = (size_t)snprintf(err, errlen, "several daemons, choose one with -s:");
		for (i = 0; i < g.gl_pathc && used < errlen; i++)
			used += (size_t)snprintf(err + used, errlen - used, " %s", g.gl_pathv[i]);
		globfree(&g);
		return -1;
	}
	if (strlen(g.gl_pathv[0]) >= outlen) {
		snprintf(err, errlen, "socket path too long: %s", g.gl_pathv[0]);
		globfree(&g);
		return -1;
	}
	strcpy(out, g.gl_pathv[0]);
	globfree(&g);
	return 0;
}

struct ctl_client *ctl_client_open(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	struct ctl_client *c;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(c->path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* A Unix connect waits for backlog room up to SO_SNDTIMEO: bound it for a hung daemon. */
	if (c->fd >= 0)
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		snprintf(err, errlen, "%s: %s%s", path, strerror(errno),
			 errno == ENOENT || errno == ECONNREFUSED ? " (is l2pwd running?)" : "");
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return NULL;
	}
	return c;
}

void ctl_client_close(struct ctl_client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->in);
	free(c);
}

static int ctl_client_send(struct ctl_client *c, const json_t *req, char *err, size_t errlen)
{
	char *txt = json_dumps(req, JSON_COMPACT);
	size_t n, off = 0;
	int rc = 0;

	if (!txt) {
		snprintf(err, errlen, "cannot encode the request");
		return -1;
	}
	n = strlen(txt);
	txt[n] = '\n'; /* replaces the NUL: the line is sent with its length */
	while (off < n + 1) {
		ssize_t w = send(c->fd, txt + off, n + 1 - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	free(txt);
	return rc;
}

static int64_t ctl_client_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Take the first complete line off c->in and parse it; -1 when there is none yet. */
static int ctl_client_take(struct ctl_client *c, json_t **ans, char *err, size_t errlen)
{
	struct buf b, line;
	json_error_t jerr;

	buf_init(&b, c->in, c->len);
	if (ctl_proto_next_line(&b, &line) == -1)
		return -1;
	*ans = json_loadb((const char *)buf_cur(&line), buf_left(&line), 0, &jerr);
	if (!*ans)
		snprintf(err, errlen, "%s: answer is not JSON: %s", c->path, jerr.text);
	memmove(c->in, c->in + b.off, c->len - b.off);
	c->len -= b.off;
	return 0;
}

json_t *ctl_client_call(struct ctl_client *c, const json_t *req, int timeout_ms, char *err,
			size_t errlen)
{
	int64_t deadline = ctl_client_now_ms() + timeout_ms;
	json_t *ans = NULL;

	if (ctl_client_send(c, req, err, errlen) == -1)
		return NULL;
	while (ctl_client_take(c, &ans, err, errlen) == -1) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int64_t left = deadline - ctl_client_now_ms();
		ssize_t r;

		if (left <= 0) {
			snprintf(err, errlen, "%s: no answer within %d ms", c->path, timeout_ms);
			return NULL;
		}
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return NULL;
		}
		if (!pfd.revents)
			continue;
		if (c->cap - c->len < 65536) {
			size_t cap = c->cap ? c->cap * 2 : 65536;
			uint8_t *p;

			if (cap > CTL_PROTO_ANSWER_MAX) {
				snprintf(err, errlen, "%s: answer longer than %u bytes", c->path,
					 CTL_PROTO_ANSWER_MAX);
				return NULL;
			}
			p = realloc(c->in, cap);
			if (!p) {
				snprintf(err, errlen, "out of memory");
				return NULL;
			}
			c->in = p;
			c->cap = cap;
		}
		r = recv(c->fd, c->in + c->len, c->cap - c->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
			return NULL;
		}
		if (r == 0) {
			snprintf(err, errlen, "%s: the daemon closed the connection", c->path);
			return NULL;
		}
		c->len += (size_t)r;
	}
	return ans;
}
