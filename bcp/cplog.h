/*
 * Formatting shared by the PPP engines: log lines with a protocol prefix
 * handed to the owner's log callback, and peer-supplied text (Terminate
 * reasons, PAP/CHAP messages) made printable before anyone logs it.
 */
#ifndef L2PW_CPLOG_H
#define L2PW_CPLOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* "prefix: formatted" to log(ctx, level, ...); nothing when log is NULL. */
void cplog_emit(void (*log)(void *ctx, int level, const char *msg), void *ctx, int level,
		const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* Peer bytes as a NUL-terminated string; non-printable bytes become '.'. */
void cplog_printable(char *dst, size_t cap, const uint8_t *p, size_t n);

#endif
