/*
 * L2TP/IPsec through strongSwan: swanctl connections for the daemon's tunnels,
 * and a thin runner for swanctl itself.
 *
 * Three layers, each usable alone:
 *
 * 1. Rendering (pure): ipsec_conn_render() turns one struct ipsec_conn into the
 *    swanctl.conf(5) text of one connection + its PSK, the file the daemon keeps
 *    in its ipsec-dir.  No I/O, golden-tested.
 *
 * 2. Files: ipsec_dir_prepare() creates ipsec-dir with its top-level
 *    swanctl.conf (which includes conf.d/NAME.conf); ipsec_conn_write() /
 *    ipsec_conn_remove() put one connection's file into conf.d/ (mode 0600,
 *    written to a temporary name and renamed, so swanctl never reads half a file).
 *
 * 3. Running swanctl (struct ipsec_job): fork + exec with stdout and stderr on
 *    one pipe the caller's event loop watches; the child carries an alarm(2) so
 *    it dies on its own after the job's time limit even if the caller forgets it.
 *    The output is parsed by pure functions (ipsec_parse_sas(),
 *    ipsec_parse_error()) that read it through struct buf: it is external input.
 *
 * Why loading is "all or nothing": `swanctl --load-conns` and `--load-creds`
 * make charon hold exactly what the file names: they unload every connection,
 * shared secret and private key loaded over vici that the file does not list
 * (strongSwan 5.9, checked on this machine).  So the daemon always loads its
 * whole directory, never a single file, and unloading a tunnel is "remove its
 * file, load again".  The same rule means the charon at ipsec-vici must not be
 * fed by anyone else's `swanctl --load-all` with a different file: either give
 * l2pwd a charon of its own (examples/site-to-site/ipsec/README.md), or make the
 * system's /etc/swanctl/swanctl.conf include ipsec-dir's conf.d and pass that
 * file as ipsec_ctl.swanctl_conf so both sides load the same union.
 *
 * How the daemon uses it (pwd/ipsec_mgr.{h,c} decides, pwd/ipsec_site.c runs it;
 * checked against charon 5.9.8 here: tests/netns/ipsec/, and the SIGHUP cases):
 *  - start-up: ipsec_dir_prepare(), ipsec_dir_clean(); for every section with
 *    use-ipsec != no: ipsec_conn_from_pw/client/server(), ipsec_conn_render(),
 *    ipsec_conn_write(); then ONE IPSEC_OP_LOAD job for the whole directory.
 *    With IPSEC_START_START charon negotiates by itself (tens of ms here).
 *  - SIGHUP: rewrite changed files, remove dropped ones (ipsec_conn_remove()),
 *    one LOAD.  A removed connection's SAs are deleted by that LOAD (charon
 *    tears down what it unloads); a changed one keeps its old SA until
 *    IPSEC_OP_TERMINATE, so terminate the ones whose text changed.
 *  - while up: IPSEC_OP_LIST_SAS per connection now and then, re-INITIATE when
 *    there is no IKE_SA (see enum ipsec_start), ipsec_sa_describe() or
 *    ipsec_parse_error() into the interface status.
 *  - use-ipsec = require: an initiator sends its first L2TP message only once
 *    its CHILD_SA is INSTALLED; the server accepts a peer's L2TP only while
 *    ipsec_parse_sas_from(..., peer address) says INSTALLED.
 *  - shutdown: remove the files, one LOAD (that deletes the SAs).
 *
 * Kernels without ESP (the test machines): charon's kernel-libipsec plugin does
 * tunnel mode only, so such sites set ipsec-mode = tunnel; the selectors stay
 * host-to-host UDP 1701 (or IP 115), only the ESP mode differs.
 */
#ifndef L2PW_IPSEC_H
#define L2PW_IPSEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IPSEC_L2TP_PORT	   1701
#define IPSEC_L2TP_IPPROTO 115 /* RFC 3931 section 4.1.1: L2TPv3 over IP */

/* Longest connection name we generate (swanctl has no limit; ifnames are 15). */
#define IPSEC_NAME_MAX 63
/* Longest PSK accepted; RouterOS and strongSwan take far longer, this is sanity. */
#define IPSEC_SECRET_MAX 255

enum ipsec_mode {
	IPSEC_MODE_TRANSPORT, /* what Windows, iOS and RouterOS use for L2TP/IPsec */
	IPSEC_MODE_TUNNEL,    /* host-to-host tunnel: works with kernel-libipsec */
};

enum ipsec_proto {
	IPSEC_PROTO_UDP,    /* L2TP over UDP (port local_port / remote_port) */
	IPSEC_PROTO_L2TPIP, /* L2TPv3 over IP protocol 115 */
};

enum ipsec_role {
	IPSEC_ROLE_INITIATOR, /* pseudowire or l2tp-client: we know the peer */
	IPSEC_ROLE_RESPONDER, /* l2tp-server: any peer (remote_addr NULL) may come */
};

/*
 * When the initiator negotiates.  kernel-libipsec raises no acquires (it drops
 * the packet: "could not find an outbound IPsec SA for reqid {1}"), so TRAP
 * only works with the kernel's own ESP; START works everywhere and, with
 * close_action/dpd_action = restart and endless keyingtries, keeps the SA up:
 * it is what the daemon should use.  START is not enough on its own: charon
 * retries unanswered IKE forever (keyingtries = 0) but gives up for good on a
 * NO_PROPOSAL_CHOSEN (the peer has not loaded its side yet) or an
 * AUTHENTICATION_FAILED.  So while a tunnel wants IPsec the daemon polls
 * IPSEC_OP_LIST_SAS (e.g. every hello-interval) and runs IPSEC_OP_INITIATE
 * with a backoff when there is no IKE_SA, putting ipsec_parse_error()'s
 * reason into the interface status meanwhile.
 */
enum ipsec_start {
	IPSEC_START_TRAP,  /* negotiate when the first L2TP packet needs the SA */
	IPSEC_START_START, /* negotiate as soon as the connection is loaded */
};

struct ipsec_conn {
	/* swanctl connection, child and secret names; [A-Za-z0-9._-], 1..IPSEC_NAME_MAX.
	 * Use ipsec_conn_name() to derive it from the interface name. */
	const char *name;
	/* 2 = IKEv2 (default for l2pwd peers), 1 = IKEv1 (RouterOS and Windows L2TP
	 * clients/servers), 0 = either: only for IPSEC_ROLE_RESPONDER. */
	int ike_version;
	enum ipsec_role role;
	enum ipsec_start start; /* initiator only; a responder never starts */
	enum ipsec_mode mode;
	enum ipsec_proto proto;
	/* Underlay addresses, numeric IPv4 or IPv6.  local_addr NULL or "": charon
	 * picks the source (%any).  remote_addr NULL or "": only for a responder
	 * (remote_addrs = %any, the selector follows the peer's address). */
	const char *local_addr;
	const char *remote_addr;
	/* IPSEC_PROTO_UDP: ports for the selectors, 0 = any port (e.g. a client's
	 * ephemeral source port).  Ignored for IPSEC_PROTO_L2TPIP. */
	uint16_t local_port;
	uint16_t remote_port;
	/* The PSK (ipsec-secret): 1..IPSEC_SECRET_MAX bytes, no control characters.
	 * It is written hex-encoded ("0x..."), so any other byte is safe and a
	 * secret that happens to start with "0x" or "0s" keeps its literal meaning. */
	const char *secret;
	/* Dead peer detection interval in seconds; 0 = 30. */
	unsigned dpd_delay;
};

/*
 * "l2pw-" + the interface name (pseudowire TAP or PPP interface), checked for
 * the name's character set.  Returns 0, or -1 when out is too small or the
 * interface name has characters swanctl names cannot carry.
 */
int ipsec_conn_name(const char *ifname, char *out, size_t len);

/*
 * Check c (names, addresses, families, secret, role/version combinations).
 * Returns 0 or -1 with a one-line reason in err (which may be NULL).
 */
int ipsec_conn_check(const struct ipsec_conn *c, char *err, size_t errlen);

/*
 * The swanctl.conf text for c: one connection with one child, and its secret.
 * Returns the length written (excluding the NUL), or -1 when c is invalid (reason
 * in err) or out is too small (err says so).  2048 bytes are always enough.
 */
int ipsec_conn_render(const struct ipsec_conn *c, char *out, size_t len, char *err, size_t errlen);

/*
 * From the config (pwd/ipsec_cfg.c): fill c for a section with use-ipsec yes
 * or require.  Strings in c point into the section and into name (namelen >=
 * IPSEC_NAME_MAX + 1), which must outlive c.  Return -1 when the section has
 * use-ipsec = no (or the server is disabled).  The policy:
 *  - pseudowire: IKEv2, L2TP port or IP 115 both ways, IPSEC_START_START; when
 *    local and remote are both set, the lower address initiates and the higher
 *    one is IPSEC_ROLE_RESPONDER (one IKE_SA per pair, not two);
 *  - l2tp-client: IKEv1 main mode (RouterOS/Windows servers), any local port,
 *    IPSEC_START_START;
 *  - l2tp-server: IPSEC_ROLE_RESPONDER for any peer, IKEv1 or IKEv2, named
 *    IPSEC_SERVER_CONN.
 * ipsec_conn_render() still checks the result (e.g. a client without
 * connect-to address has no remote).
 */
#define IPSEC_SERVER_CONN "l2pw-l2tp-server"
struct cfg_pseudowire;
struct cfg_l2tp_client;
struct cfg_l2tp_server;
int ipsec_conn_from_pw(const struct cfg_pseudowire *pw, struct ipsec_conn *c, char *name,
		       size_t namelen);
int ipsec_conn_from_client(const struct cfg_l2tp_client *cl, struct ipsec_conn *c, char *name,
			   size_t namelen);
int ipsec_conn_from_server(const struct cfg_l2tp_server *srv, struct ipsec_conn *c);

/*
 * Files.  dir is the daemon's ipsec-dir.  All return 0 or -1 with errno set and
 * a reason in err.  ipsec_dir_prepare() creates dir (0700) and dir/conf.d, and
 * (re)writes dir/swanctl.conf; it does not remove old connection files (the
 * daemon calls ipsec_dir_clean() at start-up for that).
 */
int ipsec_dir_prepare(const char *dir, char *err, size_t errlen);
int ipsec_dir_clean(const char *dir, char *err, size_t errlen);
int ipsec_conn_write(const char *dir, const char *name, const char *text, char *err, size_t errlen);
/* Removing a file that is not there is not an error. */
int ipsec_conn_remove(const char *dir, const char *name, char *err, size_t errlen);

/* ---- running swanctl ---- */

/* Where swanctl finds things; strings are borrowed for the call only. */
struct ipsec_ctl {
	const char *swanctl;	  /* binary; NULL = "swanctl" from PATH */
	const char *vici_uri;	  /* ipsec-vici, e.g. "unix:///var/run/charon.vici" */
	const char *dir;	  /* ipsec-dir */
	const char *swanctl_conf; /* NULL = dir/swanctl.conf (see top of file) */
};

enum ipsec_op {
	IPSEC_OP_LOAD,	    /* --load-all: the whole dir (conns, secrets) */
	IPSEC_OP_INITIATE,  /* --initiate --child NAME --timeout T */
	IPSEC_OP_TERMINATE, /* --terminate --ike NAME --timeout T */
	IPSEC_OP_LIST_SAS,  /* --list-sas [--ike NAME] --noblock; name NULL or "": all */
};

/* The child's output kept for parsing; more is read and dropped (counted). */
#define IPSEC_OUT_MAX 16384

/*
 * One swanctl run.  Lives in the caller's storage; ipsec_job_start() fills it.
 * The caller's event loop watches fd (readable: call ipsec_job_read()) and arms
 * a timer for deadline_s; on EOF or timeout it calls ipsec_job_finish().
 * Ownership: the job owns fd and the child until ipsec_job_finish() (which
 * closes fd, kills the child if it still runs, and reaps it).
 */
struct ipsec_job {
	enum ipsec_op op;
	pid_t pid;
	int fd;		     /* read end of the child's stdout+stderr, O_NONBLOCK */
	unsigned deadline_s; /* the child gets SIGALRM after this long */
	int status;	     /* wait status, valid after ipsec_job_finish() */
	int timed_out;	     /* killed by its alarm or by ipsec_job_finish() */
	int eof;	     /* ipsec_job_read() saw the end of the output */
	size_t len;	     /* bytes in out */
	size_t dropped;	     /* output beyond IPSEC_OUT_MAX */
	char name[IPSEC_NAME_MAX + 1];
	char out[IPSEC_OUT_MAX + 1]; /* NUL-terminated */
};

/*
 * Start swanctl for op (name: the connection, unused for IPSEC_OP_LOAD) with
 * time limit timeout_s (>= 1; for INITIATE/TERMINATE swanctl's own --timeout is
 * one second less so it reports before the alarm).  Returns 0, or -1 with errno
 * (fork/pipe failures; a missing swanctl binary shows as exit status 127 and the
 * text "exec swanctl: ..." in out).
 */
int ipsec_job_start(struct ipsec_job *j, const struct ipsec_ctl *ctl, enum ipsec_op op,
		    const char *name, unsigned timeout_s);
/*
 * Read what is there.  Returns 1 when the child may write more (wait for the fd
 * again), 0 at EOF (call ipsec_job_finish()), -1 on a read error.
 */
int ipsec_job_read(struct ipsec_job *j);
/*
 * End the job: close fd; before EOF SIGKILL the child (timed_out = 1); reap it
 * (blocking, but after EOF or a kill the child is on its way out).  Returns 0 when
 * swanctl exited 0, else -1.
 */
int ipsec_job_finish(struct ipsec_job *j);
/* Synchronous convenience (start-up, tests): start, read until EOF, finish. */
int ipsec_job_run(struct ipsec_job *j, const struct ipsec_ctl *ctl, enum ipsec_op op,
		  const char *name, unsigned timeout_s);

/* ---- reading swanctl's answers (pure, external input) ---- */

enum ipsec_ike_state {
	IPSEC_IKE_NONE, /* no IKE_SA of that name */
	IPSEC_IKE_CONNECTING,
	IPSEC_IKE_ESTABLISHED,
	IPSEC_IKE_OTHER, /* REKEYING, DELETING, PASSIVE, ... (text in ike_state) */
};

struct ipsec_sa_state {
	enum ipsec_ike_state ike;
	char ike_state[24];  /* swanctl's word, "" when none */
	int ike_version;     /* 1, 2, 0 unknown */
	int child_installed; /* a CHILD_SA of that name is INSTALLED */
	char child_state[24];
	char child_mode[24]; /* "TUNNEL", "TRANSPORT", "TUNNEL-in-UDP", ... */
	char esp[64];	     /* "ESP:AES_GCM_16-128" as swanctl prints it */
	char local[64];	     /* underlay addresses of the IKE_SA */
	char remote[64];
	uint64_t bytes_in, packets_in, bytes_out, packets_out;
	/* parser counters: lines that did not look like swanctl's (dropped) */
	unsigned bad_lines;
};

/*
 * Parse `swanctl --list-sas --ike NAME` output (plain format) for the IKE_SA and
 * CHILD_SA called name.  Returns 0 (st filled; ike == IPSEC_IKE_NONE when absent),
 * never fails on odd input: lines it cannot read are counted in bad_lines.
 */
int ipsec_parse_sas(const char *out, size_t len, const char *name, struct ipsec_sa_state *st);
/*
 * The same, counting only IKE_SAs with the peer at underlay address remote
 * (numeric, any spelling).  For the l2tp-server's one connection with many
 * clients, and for use-ipsec = require: accept a peer's L2TP only while it has
 * an INSTALLED child here (with kernel-libipsec nothing else stops clear UDP
 * 1701 from that peer; with kernel ESP the inbound policy also drops it).
 */
int ipsec_parse_sas_from(const char *out, size_t len, const char *name, const char *remote,
			 struct ipsec_sa_state *st);

/*
 * A short reason for status from a failed job's output and exit status, e.g.
 * "charon not reachable at unix:///run/charon.vici (No such file or directory)",
 * "IKE authentication failed (wrong ipsec-secret?)", "no IPsec proposal chosen",
 * "peer 198.18.0.2 not answering IKE", "swanctl not installed",
 * "swanctl timed out after 10s".  Always writes a NUL-terminated string.
 */
void ipsec_parse_error(const struct ipsec_job *j, char *reason, size_t len);
/*
 * The same from the parts: the output, swanctl's exit code (-1 when it was
 * killed by a signal), whether it hit its time limit, and that limit.
 */
void ipsec_explain(const char *out, size_t len, int exit_code, int timed_out, unsigned timeout_s,
		   char *reason, size_t rlen);

/* "ESP AES_GCM_16-128" (for status "encoding") from a parsed state; "" if none. */
void ipsec_sa_describe(const struct ipsec_sa_state *st, char *out, size_t len);
/*
 * The same algorithm in swanctl.conf(5) proposal keywords, the words admins
 * write on both strongSwan and RouterOS: "ESP:AES_GCM_16-128" -> "aes128gcm16",
 * "ESP:AES_CBC-256/HMAC_SHA2_256_128/MODP_2048" -> "aes256-sha256-modp2048".
 * Unknown parts are kept, lower-cased.  "" when st has no installed child.
 */
void ipsec_sa_keywords(const struct ipsec_sa_state *st, char *out, size_t len);

#endif
