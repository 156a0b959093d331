/*
 * l2pwctl: ask a running l2pwd about its interfaces, through the daemon's
 * status socket (newline-delimited JSON, see l2pwctl(8)).  Subcommands live in
 * one table, WireGuard style.  Exit status: 0 ok, 1 daemon unreachable or an
 * error answer, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl_client.h"
#include "ctl_proto.h"
#include "ctl_view.h"

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

/* Send one request on c; the answer, or NULL after printing why (error answers too). */
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
	if (json) {
		rc = ctl_print_json(doc);
	} else {
		rc = ctl_view_status(stdout, doc);
		if (rc == -1)
			fprintf(stderr, "%s: the daemon's answer has no \"interfaces\" list\n",
				prog);
	}
	json_decref(doc);
	return rc == 0 ? CTL_EXIT_OK : CTL_EXIT_FAIL;
}

/* ---- monitor ---- */

static void on_stop(int signo)
{
	stop_signal = signo;
}

/* Sleep a second, or less when a signal asks us to stop. */
static void monitor_wait(void)
{
	struct timespec ts = {.tv_sec = 1};

	while (!stop_signal && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * Redraw in place without flicker: cursor home, each line overwritten and
 * cleared to its end, then whatever the last frame left below cleared too.
 */
static void monitor_redraw(const json_t *o, const char *name)
{
	char *txt = NULL, *line, *nl;
	size_t len = 0;
	FILE *f = open_memstream(&txt, &len);

	if (!f)
		return;
	ctl_view_monitor(f, o);
	fprintf(f, "\n-- %s monitor %s: Ctrl-C to quit --\n", prog, name);
	if (fclose(f) != 0) {
		free(txt);
		return;
	}
	fputs("\033[H", stdout);
	for (line = txt; (nl = strchr(line, '\n')); line = nl + 1)
		printf("%.*s\033[K\n", (int)(nl - line), line);
	fputs("\033[J", stdout);
	free(txt);
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
				monitor_redraw(o1, name);
			else {
				if (!once && !first)
					putchar('\n'); /* blocks apart when piped */
				ctl_view_monitor(stdout, o1);
			}
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
