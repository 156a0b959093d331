/*
 * Human-readable numbers for l2pwctl's tables and monitor view.  Each writes a
 * NUL-terminated string into out (truncated to n bytes) and returns out.
 */
#ifndef L2PW_CTL_FMT_H
#define L2PW_CTL_FMT_H

#include <stddef.h>
#include <stdint.h>

/* RouterOS style, zero units left out: 0s, 59s, 1m, 1h2m3s, 2d4h, 3w1d5s. */
char *ctl_fmt_duration(uint64_t secs, char *out, size_t n);
/* 0 B, 1023 B, 1.0 KiB, 12.3 MiB, ... EiB (binary units). */
char *ctl_fmt_bytes(uint64_t bytes, char *out, size_t n);
/* 0 .. 9999 as is, then 10.0k, 1.2M, 3.4G, 5.6T (decimal units). */
char *ctl_fmt_count(uint64_t v, char *out, size_t n);

#endif
