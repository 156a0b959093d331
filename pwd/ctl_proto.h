/*
 * The status socket protocol, shared by the server (status.c) and the client
 * (ctl_client.c, l2pwctl): newline-delimited JSON over a Unix stream socket.
 * A request is one JSON object on one line, at most CTL_PROTO_REQ_MAX bytes
 * including the newline; each request gets exactly one answer line.  The
 * protocol is written down for other tools in man/l2pwctl.8.
 */
#ifndef L2PW_CTL_PROTO_H
#define L2PW_CTL_PROTO_H

#include <stddef.h>

#include "buf.h"

/* Longest request line, newline included; longer ones are refused. */
#define CTL_PROTO_REQ_MAX 4096
/* Longest answer a client accepts: the status of thousands of interfaces. */
#define CTL_PROTO_ANSWER_MAX (16u << 20)
/* Where l2pwctl looks for sockets when -s is not given. */
#define CTL_PROTO_SOCKET_DIR "/run/l2pwd"

/*
 * Carve the next complete line off b: on success *line reads the bytes before
 * the '\n' (a trailing '\r' is dropped too), b is advanced past the '\n', and 0
 * is returned.  Returns -1 and leaves b untouched when no '\n' is left.
 */
int ctl_proto_next_line(struct buf *b, struct buf *line);

#endif
