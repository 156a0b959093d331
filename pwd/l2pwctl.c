/*
 * l2pwctl: ask a running l2pwd about its interfaces, through the daemon's
 * status socket (newline-delimited JSON, see l2pwctl(8)).  Subcommands live in
 * one table, WireGuard style.  Exit status: 0 ok, 1 daemon unreachable or an
 * error answer, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_client.h"
#include "ctl_fmt.h"
#include "ctl_proto.h"

#define CTL_TIMEOUT_MS 5000
#define CTL_EXIT_OK    0
#define CTL_EXIT_FAIL  1
#define CTL_EXIT_USAGE 2

static const char *prog = "l2pwctl";
static volatile sig_atomic_t stop_signal;

struct ctl_cmd {
	const char *name;
	int (*run)(const char *given_socket, int argc, char **argv);
	const char *usage;
	const char *help;
};

static const struct ctl_cmd ctl_cmds[];

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s [-s SOCKET] COMMAND [ARGS]\n\nCommands:\n", prog);
	for (i = 0; ctl_cmds[i].name; i++)
		fprintf(f, "  %-32s %s\n", ctl_cmds[i].usage, ctl_cmds[i].help);
	fprintf(f, "\nWithout -s, the one socket in %s/*.sock is used.\n", CTL_PROTO_SOCKET_DIR);
}

/* Connect and send one request; the answer, or NULL after printing why. */
static json_t *ctl_call(struct ctl_client *c, json_t *req)
{
	char err[512];
	json_t *ans = ctl_client_call(c, req, CTL_TIMEOUT_MS, err, sizeof(err));
	const char *e;

	json_decref(req);
	if (!ans) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return NULL;
	}
	e = json_string_value(json_object_get(ans, "error"));
	if (e || !json_is_object(ans)) {
		fprintf(stderr, "%s: %s\n", prog, e ? e : "the daemon's answer is not an object");
		json_decref(ans);
		return NULL;
	}
	return ans;
}

static int ctl_pick_socket(const char *given, char *out, size_t outlen);

/* given: the -s argument or NULL.  NULL after printing why. */
static struct ctl_client *ctl_open(const char *given)
{
	char err[1024], sock[256];
	struct ctl_client *c;

	if (ctl_pick_socket(given, sock, sizeof(sock)) == -1)
		return NULL;
	c = ctl_client_open(sock, err, sizeof(err));
	if (!c)
		fprintf(stderr, "%s: %s\n", prog, err);
	return c;
}

static int ctl_print_json(const json_t *doc)
{
	if (json_dumpf(doc, stdout, JSON_INDENT(2)) == -1)
		return -1;
	putchar('\n');
	return fflush(stdout) == EOF ? -1 : 0;
}

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

/*
 * The flags of status and monitor, anywhere among the arguments (GNU
 * permutation: `monitor NAME --once` and `monitor --once NAME` both work).
 * Returns the index of the first positional argument, -1 on a usage error,
 * -2 after printing help.  once == NULL: --once is not accepted.
 */
static int ctl_flags(int argc, char **argv, int *json, int *once)
{
	static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
					     {"once", no_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int o;

	while ((o = getopt_long(argc, argv, "joh", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			*json = 1;
			break;
		case 'o':
			if (!once) {
				fprintf(stderr, "%s: %s: --once is for monitor\n", prog, argv[0]);
				return -1;
			}
			*once = 1;
			break;
		case 'h':
			usage(stdout);
			return -2;
		default:
			return -1;
		}
	}
	return optind;
}

/* ---- status ---- */

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

static void status_print_line(char cells[COL_N][CELL], const int width[COL_N])
{
	int i;

	for (i = 0; i < COL_N; i++) {
		const char *sep = i + 1 < COL_N ? "  " : "\n";

		if (i + 1 == COL_N && !col_right[i])
			printf("%s%s", cells[i], sep);
		else
			printf(col_right[i] ? "%*s%s" : "%-*s%s", width[i], cells[i], sep);
	}
}

static int status_print_table(const json_t *doc)
{
	const json_t *ifs = json_object_get(doc, "interfaces");
	char(*rows)[COL_N][CELL];
	int width[COL_N];
	size_t n, i;
	int c;

	if (!json_is_array(ifs)) {
		fprintf(stderr, "%s: the daemon's answer has no \"interfaces\" list\n", prog);
		return -1;
	}
	n = json_array_size(ifs);
	printf("site %s: %zu interface%s\n", jstr(doc, "site"), n, n == 1 ? "" : "s");
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
		status_print_line(rows[i], width);
	free(rows);
	return 0;
}

static int cmd_status(const char *sock, int argc, char **argv)
{
	struct ctl_client *c;
	json_t *doc;
	int json = 0, rc;
	int first = ctl_flags(argc, argv, &json, NULL);

	if (first < 0)
		return first == -2 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	if (first != argc) {
		fprintf(stderr, "%s: status: unexpected argument '%s'\n", prog, argv[first]);
		return CTL_EXIT_USAGE;
	}
	c = ctl_open(sock);
	if (!c)
		return CTL_EXIT_FAIL;
	doc = ctl_call(c, json_pack("{s:s}", "cmd", "status"));
	ctl_client_close(c);
	if (!doc)
		return CTL_EXIT_FAIL;
	rc = json ? ctl_print_json(doc) : status_print_table(doc);
	json_decref(doc);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

/* ---- monitor ---- */

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
};

#define MON_KEY_WIDTH 16

static void monitor_print(const json_t *o)
{
	json_t *drops = json_object_get(o, "drops");
	size_t n_drops;
	const char *key;
	json_t *v;
	size_t i;
	char val[64];

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
		printf("%*s: %s\n", MON_KEY_WIDTH, mon_keys[i].key, val);
	}
	/* Only the reasons that happened: the daemon lists every one it counts. */
	printf("%*s:", MON_KEY_WIDTH, "drops");
	n_drops = 0;
	json_object_foreach(drops, key, v)
	{
		if (json_integer_value(v) == 0)
			continue;
		printf(" %s=%" JSON_INTEGER_FORMAT, key, json_integer_value(v));
		n_drops++;
	}
	printf("%s\n", n_drops ? "" : " none");
	printf("%*s: %s\n", MON_KEY_WIDTH, "last-error",
	       *jstr(o, "last-error") ? jstr(o, "last-error") : "-");
}

static void on_stop(int signo)
{
	stop_signal = signo;
}

/* Sleep until the next whole second of the redraw cadence, or a signal. */
static void monitor_wait(void)
{
	struct timespec ts = {.tv_sec = 1};

	while (!stop_signal && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int cmd_monitor(const char *sock, int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_stop};
	struct ctl_client *c;
	int json = 0, once = 0, tty, first, rc = CTL_EXIT_OK;
	int pos = ctl_flags(argc, argv, &json, &once);
	const char *name;

	if (pos < 0)
		return pos == -2 ? CTL_EXIT_OK : CTL_EXIT_USAGE;
	if (pos == argc) {
		fprintf(stderr, "%s: monitor: which interface? (see `%s status`)\n", prog, prog);
		return CTL_EXIT_USAGE;
	}
	if (pos + 1 != argc) {
		fprintf(stderr, "%s: monitor: unexpected argument '%s'\n", prog, argv[pos + 1]);
		return CTL_EXIT_USAGE;
	}
	name = argv[pos];
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	c = ctl_open(sock);
	if (!c)
		return CTL_EXIT_FAIL;
	tty = isatty(STDOUT_FILENO);
	for (first = 1; !stop_signal; first = 0) {
		json_t *o1 = ctl_call(c, json_pack("{s:s,s:s}", "cmd", "monitor", "name", name));

		if (!o1) {
			rc = CTL_EXIT_FAIL;
			break;
		}
		if (json) {
			/* --once: one pretty document; live: one compact document per line. */
			if (once)
				ctl_print_json(o1);
			else
				json_dumpf(o1, stdout, JSON_COMPACT);
			if (!once)
				putchar('\n');
		} else {
			if (tty && !once)
				fputs("\033[H\033[2J", stdout); /* home + clear: redraw in place */
			else if (!once && !first)
				putchar('\n'); /* blocks apart when piped */
			monitor_print(o1);
			if (tty && !once)
				printf("\n-- %s monitor %s: Ctrl-C to quit --\n", prog, name);
		}
		json_decref(o1);
		if (fflush(stdout) == EOF) {
			rc = CTL_EXIT_FAIL;
			break;
		}
		if (once)
			break;
		monitor_wait();
	}
	ctl_client_close(c);
	return rc;
}

static int cmd_help(const char *sock, int argc, char **argv)
{
	(void)sock;
	(void)argc;
	(void)argv;
	usage(stdout);
	return CTL_EXIT_OK;
}

static const struct ctl_cmd ctl_cmds[] = {
    {"status", cmd_status, "status [--json]", "one row per interface"},
    {"monitor", cmd_monitor, "monitor NAME [--once] [--json]",
     "live view of one interface, every second"},
    {"help", cmd_help, "help", "this text"},
    {NULL, NULL, NULL, NULL},
};

/* -s given, else the only socket the daemons left in the default directory. */
static int ctl_pick_socket(const char *given, char *out, size_t outlen)
{
	char err[1024];

	if (given) {
		snprintf(out, outlen, "%s", given);
		return 0;
	}
	if (ctl_client_find_socket(CTL_PROTO_SOCKET_DIR, out, outlen, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *given = NULL;
	size_t i;
	int o;

	while ((o = getopt(argc, argv, "+s:h")) != -1) {
		switch (o) {
		case 's':
			given = optarg;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		default:
			usage(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	for (i = 0; ctl_cmds[i].name; i++) {
		if (strcmp(argv[optind], ctl_cmds[i].name) != 0)
			continue;
		/* Each subcommand parses its own options from its name on. */
		argc -= optind;
		argv += optind;
		optind = 0; /* glibc: 0 resets getopt fully, permutation state included */
		return ctl_cmds[i].run(given, argc, argv);
	}
	fprintf(stderr, "%s: unknown command '%s'\n\n", prog, argv[optind]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
