#include <stdio.h>

#include "ctl_fmt.h"

char *ctl_fmt_duration(uint64_t secs, char *out, size_t n)
{
	static const struct {
		char unit;
		uint64_t secs;
	} units[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
	size_t i, len = 0;

	if (n == 0)
		return out;
	out[0] = '\0';
	if (secs == 0) {
		snprintf(out, n, "0s");
		return out;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t q = secs / units[i].secs;
		int w;

		if (q == 0)
			continue;
		secs -= q * units[i].secs;
		w = snprintf(out + len, n - len, "%llu%c", (unsigned long long)q, units[i].unit);
		if (w < 0 || (size_t)w >= n - len)
			break; /* truncated: out stays NUL-terminated */
		len += (size_t)w;
	}
	return out;
}

/* value / 1k^i with one decimal, from the largest unit that gives >= 1. */
static char *ctl_fmt_scaled(uint64_t v, unsigned base, const char *const *units, size_t nunits,
			    const char *sep, char *out, size_t n)
{
	double d = (double)v;
	size_t i = 0;

	while (d >= base && i + 1 < nunits) {
		d /= base;
		i++;
	}
	if (i == 0)
		snprintf(out, n, "%llu%s%s", (unsigned long long)v, sep, units[0]);
	else
		snprintf(out, n, "%.1f%s%s", d, sep, units[i]);
	return out;
}

char *ctl_fmt_bytes(uint64_t bytes, char *out, size_t n)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

	return ctl_fmt_scaled(bytes, 1024, units, sizeof(units) / sizeof(units[0]), " ", out, n);
}

char *ctl_fmt_count(uint64_t v, char *out, size_t n)
{
	static const char *const units[] = {"", "k", "M", "G", "T", "P", "E"};

	if (v < 10000) {
		snprintf(out, n, "%llu", (unsigned long long)v);
		return out;
	}
	return ctl_fmt_scaled(v, 1000, units, sizeof(units) / sizeof(units[0]), "", out, n);
}
