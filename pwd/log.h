/*
 * Logging, after OpenBSD bgpd: log_warn() appends strerror(errno), log_warnx()
 * does not; fatal()/fatalx() exit and are for start-up only.  Messages go to
 * stderr (and syslog with log_init(..., 1)).  Levels are syslog's.
 *
 * Peer-caused errors go through a struct log_ratelimit so a hostile or broken
 * peer cannot flood the log; every such event also bumps its own counter
 * (counted by the caller), whether it is logged or not.
 */
#ifndef L2PW_LOG_H
#define L2PW_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

#define L2PW_PRINTF(a, b) __attribute__((format(printf, a, b)))

void log_init(const char *ident, int level, int use_syslog);
void log_setlevel(int level);
int log_getlevel(void);
/* "error" | "warning" | "info" | "debug" -> LOG_*; -1 when unknown. */
int log_level_from_name(const char *name);
const char *log_level_name(int level);

void log_vlog(int level, const char *fmt, va_list ap) L2PW_PRINTF(2, 0);
void log_msg(int level, const char *fmt, ...) L2PW_PRINTF(2, 3);
void log_warn(const char *fmt, ...) L2PW_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) L2PW_PRINTF(1, 2);
void log_info(const char *fmt, ...) L2PW_PRINTF(1, 2);
void log_debug(const char *fmt, ...) L2PW_PRINTF(1, 2);
__attribute__((noreturn)) void fatal(const char *fmt, ...) L2PW_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) L2PW_PRINTF(1, 2);

/* At most one message per interval; the next one says how many were suppressed. */
struct log_ratelimit {
	uint64_t last_ms;
	uint32_t suppressed;
};

#define LOG_RATELIMIT_MS 5000

/*
 * Returns 1 when a message may be logged now (and then *suppressed holds how
 * many were held back since the last one), 0 when it must be dropped.
 */
int log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now_ms, uint32_t *suppressed);

#endif
