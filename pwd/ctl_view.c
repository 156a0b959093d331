#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_fmt.h"
#include "ctl_view.h"

/* ---- reading interface objects leniently: a missing key shows as "" or 0 ---- */

static const char *jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static uint64_t jnum(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v < 0 ? 0 : (uint64_t)v;
}

enum {
	COL_NAME,
	COL_KIND,
	COL_STATUS,
	COL_UPTIME,
	COL_REMOTE,
	COL_IDS,
	COL_RXP,
	COL_RXB,
	COL_TXP,
	COL_TXB,
	COL_N
};

static const char *const col_head[COL_N] = {"NAME",    "KIND",	   "STATUS",  "UPTIME",
					    "REMOTE",  "TUN/SESS", "RX-PKTS", "RX-BYTES",
					    "TX-PKTS", "TX-BYTES"};
/* Numbers read best right-aligned. */
static const int col_right[COL_N] = {[COL_RXP] = 1, [COL_RXB] = 1, [COL_TXP] = 1, [COL_TXB] = 1};

#define CELL 64

static void status_row(const json_t *o, char cells[COL_N][CELL])
{
	snprintf(cells[COL_NAME], CELL, "%s", jstr(o, "name"));
	snprintf(cells[COL_KIND], CELL, "%s", jstr(o, "kind"));
	snprintf(cells[COL_STATUS], CELL, "%s", jstr(o, "status"));
	if (jnum(o, "uptime") || strcmp(jstr(o, "status"), "connected") == 0)
		ctl_fmt_duration(jnum(o, "uptime"), cells[COL_UPTIME], CELL);
	else
		snprintf(cells[COL_UPTIME], CELL, "-");
	snprintf(cells[COL_REMOTE], CELL, "%s",
		 *jstr(o, "remote-address") ? jstr(o, "remote-address") : "-");
	if (jnum(o, "tunnel-id") || jnum(o, "session-id"))
		snprintf(cells[COL_IDS], CELL, "%" PRIu64 "/%" PRIu64, jnum(o, "tunnel-id"),
			 jnum(o, "session-id"));
	else
		snprintf(cells[COL_IDS], CELL, "-"); /* no ids before the session is set up */
	ctl_fmt_count(jnum(o, "rx-packets"), cells[COL_RXP], CELL);
	ctl_fmt_bytes(jnum(o, "rx-bytes"), cells[COL_RXB], CELL);
	ctl_fmt_count(jnum(o, "tx-packets"), cells[COL_TXP], CELL);
	ctl_fmt_bytes(jnum(o, "tx-bytes"), cells[COL_TXB], CELL);
}

static void status_print_line(FILE *out, char cells[COL_N][CELL], const int width[COL_N])
{
	int i;

	for (i = 0; i < COL_N; i++) {
		const char *sep = i + 1 < COL_N ? "  " : "\n";

		if (i + 1 == COL_N && !col_right[i])
			fprintf(out, "%s%s", cells[i], sep);
		else
			fprintf(out, col_right[i] ? "%*s%s" : "%-*s%s", width[i], cells[i], sep);
	}
}

int ctl_view_status(FILE *out, const json_t *doc)
{
	const json_t *ifs = json_object_get(doc, "interfaces");
	char(*rows)[COL_N][CELL];
	int width[COL_N];
	size_t n, i;
	int c;

	if (!json_is_array(ifs))
		return -1;
	n = json_array_size(ifs);
	fprintf(out, "site %s: %zu interface%s\n", jstr(doc, "site"), n, n == 1 ? "" : "s");
	if (n == 0)
		return 0;
	rows = calloc(n + 1, sizeof(*rows));
	if (!rows)
		return -1;
	for (c = 0; c < COL_N; c++) {
		snprintf(rows[0][c], CELL, "%s", col_head[c]);
		width[c] = (int)strlen(col_head[c]);
	}
	for (i = 0; i < n; i++) {
		status_row(json_array_get(ifs, i), rows[i + 1]);
		for (c = 0; c < COL_N; c++)
			if ((int)strlen(rows[i + 1][c]) > width[c])
				width[c] = (int)strlen(rows[i + 1][c]);
	}
	for (i = 0; i <= n; i++)
		status_print_line(out, rows[i], width);
	free(rows);
	return 0;
}

enum mon_fmt { MON_STR, MON_NUM, MON_DURATION, MON_BYTES };

static const struct {
	const char *key;
	enum mon_fmt fmt;
} mon_keys[] = {
    {"name", MON_STR},
    {"kind", MON_STR},
    {"mode", MON_STR},
    {"status", MON_STR},
    {"uptime", MON_DURATION},
    {"idle-time", MON_DURATION},
    {"encoding", MON_STR},
    {"mtu", MON_NUM},
    {"mru", MON_NUM},
    {"mrru", MON_NUM},
    {"local-address", MON_STR},
    {"remote-address", MON_STR},
    {"encap", MON_STR},
    {"tunnel-id", MON_NUM},
    {"peer-tunnel-id", MON_NUM},
    {"session-id", MON_NUM},
    {"peer-session-id", MON_NUM},
    {"pw-id", MON_NUM},
    {"pw-type", MON_STR},
    {"cookie-length", MON_NUM},
    {"l2-sublayer", MON_STR},
    {"user", MON_STR},
    {"bridge", MON_STR},
    {"rx-packets", MON_NUM},
    {"rx-bytes", MON_BYTES},
    {"tx-packets", MON_NUM},
    {"tx-bytes", MON_BYTES},
    {"rx-errors", MON_NUM},
    {"rx-dropped", MON_NUM},
    {"tx-dropped", MON_NUM},
    {"fastpath", MON_STR},
    {"ipsec", MON_STR},
    {"ipsec-sa", MON_STR},
};

#define MON_KEY_WIDTH 16

void ctl_view_monitor(FILE *out, const json_t *o)
{
	json_t *drops = json_object_get(o, "drops");
	size_t n_drops;
	const char *key;
	json_t *v;
	size_t i;
	char val[256];

	for (i = 0; i < sizeof(mon_keys) / sizeof(mon_keys[0]); i++) {
		const json_t *j = json_object_get(o, mon_keys[i].key);
		uint64_t n = jnum(o, mon_keys[i].key);

		if (!j)
			continue;
		switch (mon_keys[i].fmt) {
		case MON_STR:
			/* Like RouterOS, show only what applies: "" means not applicable. */
			if (!*jstr(o, mon_keys[i].key))
				continue;
			snprintf(val, sizeof(val), "%s", jstr(o, mon_keys[i].key));
			break;
		case MON_NUM:
			snprintf(val, sizeof(val), "%" PRIu64, n);
			break;
		case MON_DURATION:
			ctl_fmt_duration(n, val, sizeof(val));
			break;
		case MON_BYTES: {
			char h[32];

			snprintf(val, sizeof(val), "%" PRIu64 " (%s)", n,
				 ctl_fmt_bytes(n, h, sizeof(h)));
			break;
		}
		default:
			val[0] = '\0';
			break;
		}
		fprintf(out, "%*s: %s\n", MON_KEY_WIDTH, mon_keys[i].key, val);
	}
	/* Only the reasons that happened: the daemon lists every one it counts. */
	fprintf(out, "%*s:", MON_KEY_WIDTH, "drops");
	n_drops = 0;
	json_object_foreach(drops, key, v)
	{
		if (json_integer_value(v) == 0)
			continue;
		fprintf(out, " %s=%" JSON_INTEGER_FORMAT, key, json_integer_value(v));
		n_drops++;
	}
	fprintf(out, "%s\n", n_drops ? "" : " none");
	fprintf(out, "%*s: %s\n", MON_KEY_WIDTH, "last-error",
		*jstr(o, "last-error") ? jstr(o, "last-error") : "-");
	/* Multilink reassembly, where MRRU was negotiated (RouterOS shows mrru alone). */
	if (jnum(o, "mrru")) {
		const json_t *ml = json_object_get(o, "multilink");

		fprintf(out, "%*s: reassembled=%" PRIu64 " lost-fragments=%" PRIu64
			     " discarded-partials=%" PRIu64 " timeouts=%" PRIu64 "\n",
			MON_KEY_WIDTH, "multilink", jnum(ml, "reassembled"),
			jnum(ml, "lost-fragments"), jnum(ml, "discarded-partials"),
			jnum(ml, "timeouts"));
	}
}
