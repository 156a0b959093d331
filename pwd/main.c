/*
 * l2pwd: the site daemon.  Foreground always (systemd style); logs to stderr
 * and, with -s, to syslog.
 *
 *	l2pwd -c FILE [-n] [-s] [-d] [-V]
 *
 * Exit status: 0 after a clean shutdown or a successful -n, 1 when start-up
 * fails, 2 for a usage or config error.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "evloop.h"
#include "log.h"
#include "site.h"
#include "status.h"

#ifndef L2PW_VERSION
#define L2PW_VERSION "0.1"
#endif

struct main_ctx {
	struct evloop *loop;
	struct site *site;
	const char *file;
	int debug;
	int stopping;
};

static void main_usage(void)
{
	fprintf(stderr, "usage: l2pwd -c FILE [-n] [-s] [-d] [-V]\n");
	exit(2);
}

static void main_stopped(void *arg)
{
	struct main_ctx *m = arg;

	evloop_break(m->loop);
}

static void main_on_term(int signo, void *arg)
{
	struct main_ctx *m = arg;

	if (m->stopping) {
		/* A second signal: do not wait for the peers' acknowledgements. */
		log_info("signal %s again: exiting now", strsignal(signo));
		evloop_break(m->loop);
		return;
	}
	m->stopping = 1;
	log_info("signal %s: shutting down", strsignal(signo));
	site_stop(m->site, main_stopped, m);
}

static void main_on_hup(int signo, void *arg)
{
	struct main_ctx *m = arg;
	char err[512];
	struct cfg *c;

	(void)signo;
	if (m->stopping)
		return;
	log_info("SIGHUP: reloading %s", m->file);
	c = cfg_load(m->file, err, sizeof(err));
	if (!c) {
		log_warnx("reload failed, keeping the running config: %s", err);
		return;
	}
	site_reload(m->site, c);
	if (m->debug)
		log_setlevel(LOG_DEBUG);
}

int main(int argc, char **argv)
{
	struct main_ctx m = {0};
	struct status_server *status;
	struct cfg *c;
	char err[512];
	int ch, check_only = 0, use_syslog = 0;

	while ((ch = getopt(argc, argv, "c:nsdVh")) != -1) {
		switch (ch) {
		case 'c':
			m.file = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'd':
			m.debug = 1;
			break;
		case 'V':
			printf("l2pwd %s\n", L2PW_VERSION);
			return 0;
		default:
			main_usage();
		}
	}
	if (!m.file || optind != argc)
		main_usage();

	c = cfg_load(m.file, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (check_only) {
		cfg_write(c, stdout);
		cfg_unload(c);
		return 0;
	}

	log_init("l2pwd", m.debug ? LOG_DEBUG : c->log_level, use_syslog);
	/* A status client that goes away mid-answer must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	m.loop = evloop_new();
	if (!m.loop)
		fatal("event loop");
	m.site = site_new(m.loop, c);
	if (!m.site)
		fatalx("cannot set up the site");
	if (evloop_signal(m.loop, SIGTERM, main_on_term, &m) == -1 ||
	    evloop_signal(m.loop, SIGINT, main_on_term, &m) == -1 ||
	    evloop_signal(m.loop, SIGHUP, main_on_hup, &m) == -1)
		fatal("signals");
	status = status_server_new(m.loop, c->status_socket, site_status_provider(m.site));
	if (!status)
		fatal("status socket %s", c->status_socket);
	log_info("l2pwd %s: site %s, config %s, status socket %s", L2PW_VERSION, c->name, m.file,
		 c->status_socket);
	if (site_start(m.site) == -1)
		fatalx("nothing to run");

	if (evloop_run(m.loop) == -1)
		log_warnx("event loop failed");

	status_server_free(status);
	site_free(m.site); /* closes the TAPs, which removes them */
	evloop_free(m.loop);
	log_info("exited");
	return 0;
}
