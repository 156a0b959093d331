/*
 * Running swanctl without blocking the daemon: fork + exec, output on a
 * non-blocking pipe the event loop watches, a hard time limit that lives in
 * the child (alarm(2) survives execve), so a hung charon cannot keep a swanctl
 * around forever even if the daemon's own timer never fires.
 *
 * The caller must not reap children with waitpid(-1, ...): the job reaps its
 * own pid in ipsec_job_finish().
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "ipsec.h"

#define IPSEC_ARGV_MAX 16

static const char *op_word(enum ipsec_op op)
{
	switch (op) {
	case IPSEC_OP_LOAD:
		return "--load-all";
	case IPSEC_OP_INITIATE:
		return "--initiate";
	case IPSEC_OP_TERMINATE:
		return "--terminate";
	case IPSEC_OP_LIST_SAS:
		return "--list-sas";
	default:
		return NULL;
	}
}

/* execvp() wants char *const argv[]: the words are copied into one block. */
struct ipsec_argv {
	char *v[IPSEC_ARGV_MAX];
	int n;
	char mem[8192];
	size_t used;
	int err;
};

static void arg(struct ipsec_argv *a, const char *s)
{
	size_t n = strlen(s) + 1;

	if (a->err || a->n >= IPSEC_ARGV_MAX - 1 || n > sizeof(a->mem) - a->used) {
		a->err = 1;
		return;
	}
	memcpy(a->mem + a->used, s, n);
	a->v[a->n++] = a->mem + a->used;
	a->v[a->n] = NULL;
	a->used += n;
}

static int build_argv(struct ipsec_argv *a, const struct ipsec_ctl *ctl, const struct ipsec_job *j,
		      unsigned timeout_s)
{
	char num[16];

	memset(a, 0, sizeof(*a));
	arg(a, ctl->swanctl ? ctl->swanctl : "swanctl");
	arg(a, op_word(j->op));
	switch (j->op) {
	case IPSEC_OP_LOAD:
		arg(a, "--noprompt");
		arg(a, "--file");
		if (ctl->swanctl_conf) {
			arg(a, ctl->swanctl_conf);
		} else {
			char conf[4096];

			if (snprintf(conf, sizeof(conf), "%s/swanctl.conf", ctl->dir) >=
			    (int)sizeof(conf))
				return -1;
			arg(a, conf);
		}
		break;
	case IPSEC_OP_INITIATE:
		arg(a, "--child");
		arg(a, j->name);
		/* both name the IKE_SA and give swanctl its own timeout */
		/* fallthrough */
	case IPSEC_OP_TERMINATE:
		arg(a, "--ike");
		arg(a, j->name);
		/* swanctl detaches after this and says so, before our alarm kills it */
		snprintf(num, sizeof(num), "%u", timeout_s > 1 ? timeout_s - 1 : 1);
		arg(a, "--timeout");
		arg(a, num);
		break;
	case IPSEC_OP_LIST_SAS:
		/* no name: every SA, one run for all of a site's connections */
		if (j->name[0]) {
			arg(a, "--ike");
			arg(a, j->name);
		}
		arg(a, "--noblock");
		break;
	default:
		return -1;
	}
	arg(a, "--uri");
	arg(a, ctl->vici_uri);
	return a->err ? -1 : 0;
}

/* In the child: never returns. */
static void child_exec(int wfd, char *const *argv, unsigned timeout_s)
{
	sigset_t all;
	int null, sig;
	char msg[512];

	/* The daemon blocks signals for its signalfd; swanctl needs defaults. */
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != STDIN_FILENO)
		dup2(null, STDIN_FILENO);
	if (dup2(wfd, STDOUT_FILENO) < 0 || dup2(wfd, STDERR_FILENO) < 0)
		_exit(126);
	closefrom(3);
	alarm(timeout_s);
	execvp(argv[0], argv);
	snprintf(msg, sizeof(msg), "exec %s: %s\n", argv[0], strerror(errno));
	if (write(STDERR_FILENO, msg, strlen(msg)) < 0)
		_exit(127);
	_exit(127);
}

int ipsec_job_start(struct ipsec_job *j, const struct ipsec_ctl *ctl, enum ipsec_op op,
		    const char *name, unsigned timeout_s)
{
	struct ipsec_argv a;
	int p[2];

	memset(j, 0, sizeof(*j));
	j->fd = -1;
	j->pid = -1;
	j->op = op;
	j->deadline_s = timeout_s ? timeout_s : 1;
	if (!ctl || !ctl->vici_uri || (op == IPSEC_OP_LOAD && !ctl->dir && !ctl->swanctl_conf) ||
	    (op != IPSEC_OP_LOAD && op != IPSEC_OP_LIST_SAS && (!name || !*name)) ||
	    (name && strlen(name) > IPSEC_NAME_MAX)) {
		errno = EINVAL;
		return -1;
	}
	if (name)
		snprintf(j->name, sizeof(j->name), "%s", name);
	if (build_argv(&a, ctl, j, j->deadline_s) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	j->pid = fork();
	if (j->pid < 0) {
		int saved = errno;

		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	if (j->pid == 0)
		child_exec(p[1], a.v, j->deadline_s);
	close(p[1]);
	j->fd = p[0];
	if (fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) | O_NONBLOCK) < 0) {
		int saved = errno;

		ipsec_job_finish(j);
		errno = saved;
		return -1;
	}
	return 0;
}

int ipsec_job_read(struct ipsec_job *j)
{
	char scratch[4096];

	for (;;) {
		char *dst = scratch;
		size_t room = sizeof(scratch);
		ssize_t n;

		if (j->len < IPSEC_OUT_MAX) {
			dst = j->out + j->len;
			room = IPSEC_OUT_MAX - j->len;
		}
		n = read(j->fd, dst, room);
		if (n == 0) {
			j->eof = 1;
			return 0;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 1 : -1;
		}
		if (dst == scratch) {
			j->dropped += (size_t)n;
		} else {
			j->len += (size_t)n;
			j->out[j->len] = '\0';
		}
	}
}

int ipsec_job_finish(struct ipsec_job *j)
{
	pid_t r;

	if (j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
	}
	if (j->pid <= 0)
		return -1;
	/* After EOF the child is exiting (its alarm bounds even that); before
	 * it, the caller has given up on it. */
	r = j->eof ? 0 : waitpid(j->pid, &j->status, WNOHANG);
	if (r == 0) {
		if (!j->eof) {
			kill(j->pid, SIGKILL);
			j->timed_out = 1;
		}
		while ((r = waitpid(j->pid, &j->status, 0)) < 0 && errno == EINTR)
			;
	}
	j->pid = -1;
	if (r < 0) {
		/* someone else reaped it: we only have the output */
		j->status = -1;
		return -1;
	}
	if (WIFSIGNALED(j->status) && WTERMSIG(j->status) == SIGALRM)
		j->timed_out = 1;
	return WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0 ? 0 : -1;
}

int ipsec_job_run(struct ipsec_job *j, const struct ipsec_ctl *ctl, enum ipsec_op op,
		  const char *name, unsigned timeout_s)
{
	struct pollfd pfd;
	int r;

	if (ipsec_job_start(j, ctl, op, name, timeout_s) < 0)
		return -1;
	pfd.fd = j->fd;
	pfd.events = POLLIN;
	/* The child's alarm bounds this loop: EOF comes at the latest then. */
	while ((r = ipsec_job_read(j)) == 1) {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			break;
	}
	return ipsec_job_finish(j);
}
