/* Formatting shared by the PPP engines (see cplog.h). */
#include <stdio.h>

#include "cplog.h"

void cplog_emit(void (*log)(void *ctx, int level, const char *msg), void *ctx, int level,
		const char *prefix, const char *fmt, va_list ap)
{
	char msg[256];
	int n;

	if (!log)
		return;
	n = snprintf(msg, sizeof(msg), "%s: ", prefix);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	log(ctx, level, msg);
}

void cplog_printable(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t i, o = 0;

	if (!cap)
		return;
	for (i = 0; i < n && o + 1 < cap; i++)
		dst[o++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '.';
	dst[o] = '\0';
}
