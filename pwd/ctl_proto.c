#include "ctl_proto.h"

int ctl_proto_next_line(struct buf *b, struct buf *line)
{
	size_t n = buf_left(b), len;
	uint8_t c;

	for (len = 0; len < n; len++) {
		if (buf_peek_n8(b, len, &c) == -1)
			return -1;
		if (c == '\n')
			break;
	}
	if (len == n)
		return -1;
	if (buf_get_sub(b, line, len) == -1 || buf_skip(b, 1) == -1)
		return -1;
	/* Tolerate CRLF from tools such as `socat ... CRLF` or telnet-like clients. */
	if (len > 0 && buf_peek_n8(line, len - 1, &c) == 0 && c == '\r')
		line->len--;
	return 0;
}
