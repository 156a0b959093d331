/*
 * The client side of the status socket (see ctl_proto.h), used by l2pwctl and
 * by tests: connect, send one request line, read one answer line.
 *
 * Ownership: ctl_client_open() returns a client the caller frees with
 * ctl_client_close() (NULL accepted); ctl_client_call() returns a new
 * reference the caller json_decref()s.
 */
#ifndef L2PW_CTL_CLIENT_H
#define L2PW_CTL_CLIENT_H

#include <stddef.h>

#include <jansson.h>

struct ctl_client;

/*
 * The one socket in dir matching *.sock, copied into out.  Returns 0, or -1
 * with a message in err: none found, or several (all of them listed).
 */
int ctl_client_find_socket(const char *dir, char *out, size_t outlen, char *err, size_t errlen);

/* Returns NULL with a message in err when the daemon cannot be reached. */
struct ctl_client *ctl_client_open(const char *path, char *err, size_t errlen);
void ctl_client_close(struct ctl_client *c);

/*
 * Send req (one JSON value, written compactly plus '\n') and wait up to
 * timeout_ms for the answer line.  Returns the parsed answer, or NULL with a
 * message in err (timeout, connection closed, answer too long or not JSON).
 * An {"error": ...} answer is returned like any other: the caller looks.
 */
json_t *ctl_client_call(struct ctl_client *c, const json_t *req, int timeout_ms, char *err,
			size_t errlen);

#endif
