/*
 * fastpath: libbpf skeleton loader for l2pwd's eBPF data path (loader.h).
 *
 * Order per skeleton (libbpf-bootstrap): open -> set rodata and map sizes ->
 * make the second and third object reuse the first object's maps -> load.
 * Attachments are recorded so fastpath_close() can undo exactly what this
 * object did and nothing else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "loader.h"

/* Generated code: keep our warning set for our code only. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "l2pw_rx.skel.h"
#include "l2pw_tc_rx.skel.h"
#include "l2pw_tx.skel.h"
#pragma GCC diagnostic pop

/* Our TC filter's identity on a clsact hook (any values unlikely to clash
 * with an administrator's filters). */
#define FASTPATH_TC_HANDLE 0x1701
#define FASTPATH_TC_PRIO   0x1701

/* tcx (Linux 6.6) attach types: newer than Debian's libbpf 1.1 headers.
 * bpf_link_create() passes them through to BPF_LINK_CREATE unchanged. */
#define FASTPATH_BPF_TCX_INGRESS 46
#define FASTPATH_BPF_TCX_EGRESS	 47

/* The maps every object defines and all share (l2pw_bpf.h). */
/* one name a line */
/* clang-format off */
static const char *const fastpath_shared_maps[] = {
	"l2pw_v3_sessions",
	"l2pw_v2_sessions",
	"l2pw_tx_sessions",
	"l2pw_ports",
	"l2pw_seq",
	"l2pw_stats",
	/* the last two keep their compiled-in sizes */
	"l2pw_udp_ports",
	"l2pw_reasons",
};
/* clang-format on */
#define FASTPATH_FIXED_SIZE_MAPS 2

/*
 * What this object attached to one device.  XDP and, where the kernel has
 * tcx, TC are BPF links: the kernel detaches them when the last fd closes,
 * so a daemon killed with -9 leaves nothing behind.  Without tcx, TC falls
 * back to a netlink cls_bpf filter (FASTPATH_TC_HANDLE/PRIO), which outlives
 * us; fastpath_cleanup_stale() removes such leftovers.
 */
struct fastpath_attach {
	int ifindex;
	enum fastpath_xdp_mode xdp;  /* FASTPATH_XDP_NONE: no XDP of ours */
	int xdp_link;		     /* its link fd */
	unsigned int tc_ingress : 1; /* TC_RX attached */
	unsigned int tc_egress : 1;  /* TC_TX attached */
	unsigned int tc_created : 1; /* we created the clsact qdisc */
	int tc_link[2];		     /* tcx link fd per point (ingress, egress); -1: netlink */
};

struct fastpath {
	struct l2pw_rx_bpf *rx;
	struct l2pw_tc_rx_bpf *tc_rx;
	struct l2pw_tx_bpf *tx;
	uint32_t max_sessions;
	int ncpus;
	struct l2pw_seq_state *seq; /* l2pw_seq, mmapped */
	size_t seq_len;
	struct fastpath_attach *att;
	size_t natt;
};

static int fastpath_share_maps(struct bpf_object *from, struct bpf_object *to)
{
	size_t i;
	int err;

	for (i = 0; i < sizeof(fastpath_shared_maps) / sizeof(fastpath_shared_maps[0]); i++) {
		struct bpf_map *src = bpf_object__find_map_by_name(from, fastpath_shared_maps[i]);
		struct bpf_map *dst = bpf_object__find_map_by_name(to, fastpath_shared_maps[i]);

		if (!src || !dst)
			return -ENOENT;
		err = bpf_map__reuse_fd(dst, bpf_map__fd(src));
		if (err)
			return err;
	}
	return 0;
}

static int fastpath_size_maps(struct bpf_object *obj, uint32_t max_sessions)
{
	size_t i;
	int err;

	for (i = 0; i + FASTPATH_FIXED_SIZE_MAPS <
		    sizeof(fastpath_shared_maps) / sizeof(fastpath_shared_maps[0]);
	     i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(obj, fastpath_shared_maps[i]);

		if (!m)
			return -ENOENT;
		err = bpf_map__set_max_entries(m, max_sessions);
		if (err)
			return err;
	}
	return 0;
}

struct fastpath *fastpath_open(const struct fastpath_opts *opts, int *errp)
{
	uint16_t port = opts && opts->udp_port ? opts->udp_port : L2PW_UDP_PORT;
	struct fastpath *fp;
	int err;

	fp = calloc(1, sizeof(*fp));
	if (!fp) {
		err = -ENOMEM;
		goto fail;
	}
	fp->max_sessions = opts && opts->max_sessions ? opts->max_sessions : L2PW_MAX_SESSIONS;
	fp->ncpus = libbpf_num_possible_cpus();
	if (fp->ncpus <= 0) {
		err = fp->ncpus ? fp->ncpus : -EINVAL;
		goto free_fp;
	}

	fp->rx = l2pw_rx_bpf__open();
	fp->tc_rx = l2pw_tc_rx_bpf__open();
	fp->tx = l2pw_tx_bpf__open();
	if (!fp->rx || !fp->tc_rx || !fp->tx) {
		err = -errno;
		goto destroy;
	}
	fp->rx->rodata->l2pw_udp_port = port;
	fp->tc_rx->rodata->l2pw_udp_port = port;
	fp->tx->rodata->l2pw_udp_port = port;

	err = fastpath_size_maps(fp->rx->obj, fp->max_sessions);
	if (err)
		goto destroy;
	err = l2pw_rx_bpf__load(fp->rx);
	if (err)
		goto destroy;
	err = fastpath_share_maps(fp->rx->obj, fp->tc_rx->obj);
	if (err)
		goto destroy;
	err = l2pw_tc_rx_bpf__load(fp->tc_rx);
	if (err)
		goto destroy;
	err = fastpath_share_maps(fp->rx->obj, fp->tx->obj);
	if (err)
		goto destroy;
	err = l2pw_tx_bpf__load(fp->tx);
	if (err)
		goto destroy;

	fp->seq_len = sizeof(*fp->seq) * fp->max_sessions;
	fp->seq = mmap(NULL, fp->seq_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(fp->rx->maps.l2pw_seq), 0);
	if (fp->seq == MAP_FAILED) {
		err = -errno;
		goto destroy;
	}
	return fp;

destroy:
	l2pw_tx_bpf__destroy(fp->tx);
	l2pw_tc_rx_bpf__destroy(fp->tc_rx);
	l2pw_rx_bpf__destroy(fp->rx);
free_fp:
	free(fp);
fail:
	if (errp)
		*errp = err < 0 ? err : -EINVAL;
	return NULL;
}

uint32_t fastpath_max_sessions(const struct fastpath *fp)
{
	return fp->max_sessions;
}

int fastpath_prog_fd(const struct fastpath *fp, enum fastpath_prog prog)
{
	switch (prog) {
	case FASTPATH_PROG_XDP_RX:
		return bpf_program__fd(fp->rx->progs.l2pw_xdp_rx);
	case FASTPATH_PROG_TC_RX:
		return bpf_program__fd(fp->tc_rx->progs.l2pw_tc_rx);
	case FASTPATH_PROG_TC_TX:
		return bpf_program__fd(fp->tx->progs.l2pw_tc_tx);
	default:
		return -EINVAL;
	}
}

static struct fastpath_attach *fastpath_find_att(struct fastpath *fp, int ifindex, int create)
{
	struct fastpath_attach *a;
	size_t i;

	for (i = 0; i < fp->natt; i++)
		if (fp->att[i].ifindex == ifindex)
			return &fp->att[i];
	if (!create)
		return NULL;
	a = realloc(fp->att, (fp->natt + 1) * sizeof(*a));
	if (!a)
		return NULL;
	fp->att = a;
	a = &fp->att[fp->natt++];
	memset(a, 0, sizeof(*a));
	a->ifindex = ifindex;
	a->xdp_link = -1;
	a->tc_link[0] = -1;
	a->tc_link[1] = -1;
	return a;
}

static __u32 fastpath_xdp_flags(enum fastpath_xdp_mode mode)
{
	return mode == FASTPATH_XDP_NATIVE ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
}

int fastpath_attach_xdp_mode(struct fastpath *fp, int ifindex, enum fastpath_xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = fastpath_xdp_flags(mode));
	struct fastpath_attach *a;
	int fd;

	if (ifindex <= 0 || mode == FASTPATH_XDP_NONE)
		return -EINVAL;
	a = fastpath_find_att(fp, ifindex, 1);
	if (!a)
		return -ENOMEM;
	if (a->xdp != FASTPATH_XDP_NONE)
		return a->xdp == mode ? 0 : -EBUSY;
	/* A link never replaces a program somebody attached (the kernel says EBUSY)
	 * and is gone when our last fd closes. */
	fd = bpf_link_create(fastpath_prog_fd(fp, FASTPATH_PROG_XDP_RX), ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return fd;
	a->xdp_link = fd;
	a->xdp = mode;
	return 0;
}

int fastpath_attach_xdp(struct fastpath *fp, int ifindex, enum fastpath_xdp_mode *mode)
{
	struct fastpath_attach *a;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	a = fastpath_find_att(fp, ifindex, 0);
	if (!a || a->xdp == FASTPATH_XDP_NONE) {
		err = fastpath_attach_xdp_mode(fp, ifindex, FASTPATH_XDP_NATIVE);
		if (err == -EBUSY || err == -EEXIST || err == -ENOMEM)
			return err;
		if (err)
			err = fastpath_attach_xdp_mode(fp, ifindex, FASTPATH_XDP_GENERIC);
		if (err)
			return err;
		a = fastpath_find_att(fp, ifindex, 0);
	}
	if (mode)
		*mode = a->xdp;
	return 0;
}

int fastpath_detach_xdp(struct fastpath *fp, int ifindex)
{
	struct fastpath_attach *a = fastpath_find_att(fp, ifindex, 0);

	if (!a || a->xdp == FASTPATH_XDP_NONE)
		return -ENOENT;
	close(a->xdp_link); /* the link goes, and the program with it */
	a->xdp_link = -1;
	a->xdp = FASTPATH_XDP_NONE;
	return 0;
}

static int fastpath_tc_point(enum fastpath_prog prog, enum bpf_tc_attach_point *point)
{
	switch (prog) {
	case FASTPATH_PROG_TC_RX:
		*point = BPF_TC_INGRESS;
		return 0;
	case FASTPATH_PROG_TC_TX:
		*point = BPF_TC_EGRESS;
		return 0;
	default:
		return -EINVAL;
	}
}

/* tcx link first (dies with us); kernels without tcx: a netlink filter. */
static int fastpath_attach_tcx(struct fastpath *fp, struct fastpath_attach *a,
			       enum fastpath_prog prog)
{
	int pt = prog == FASTPATH_PROG_TC_RX ? 0 : 1;
	int type = pt == 0 ? FASTPATH_BPF_TCX_INGRESS : FASTPATH_BPF_TCX_EGRESS;
	int fd;

	if (a->tc_link[pt] >= 0)
		return bpf_link_update(a->tc_link[pt], fastpath_prog_fd(fp, prog), NULL);
	fd = bpf_link_create(fastpath_prog_fd(fp, prog), a->ifindex, (enum bpf_attach_type)type,
			     NULL);
	if (fd < 0)
		return fd;
	a->tc_link[pt] = fd;
	return 0;
}

int fastpath_attach_tc(struct fastpath *fp, int ifindex, enum fastpath_prog prog)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FASTPATH_TC_HANDLE, .priority = FASTPATH_TC_PRIO,
		    .flags = BPF_TC_F_REPLACE);
	struct fastpath_attach *a;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	err = fastpath_tc_point(prog, &hook.attach_point);
	if (err)
		return err;
	a = fastpath_find_att(fp, ifindex, 1);
	if (!a)
		return -ENOMEM;

	err = fastpath_attach_tcx(fp, a, prog);
	if (err == -ENODEV || err == -ENOMEM)
		return err;
	if (!err)
		goto done;

	/* one clsact serves both points: create it once per device */
	if (!a->tc_ingress && !a->tc_egress) {
		err = bpf_tc_hook_create(&hook);
		if (!err)
			a->tc_created = 1;
		else if (err != -EEXIST)
			return err;
	}

	opts.prog_fd = fastpath_prog_fd(fp, prog);
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		return err;
done:
	if (prog == FASTPATH_PROG_TC_RX)
		a->tc_ingress = 1;
	else
		a->tc_egress = 1;
	return 0;
}

int fastpath_detach_tc(struct fastpath *fp, int ifindex, enum fastpath_prog prog)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FASTPATH_TC_HANDLE, .priority = FASTPATH_TC_PRIO);
	struct fastpath_attach *a = fastpath_find_att(fp, ifindex, 0);
	int pt = prog == FASTPATH_PROG_TC_RX ? 0 : 1;
	int err;

	err = fastpath_tc_point(prog, &hook.attach_point);
	if (err)
		return err;
	if (!a || !(prog == FASTPATH_PROG_TC_RX ? a->tc_ingress : a->tc_egress))
		return -ENOENT;
	if (prog == FASTPATH_PROG_TC_RX)
		a->tc_ingress = 0;
	else
		a->tc_egress = 0;
	if (a->tc_link[pt] >= 0) {
		close(a->tc_link[pt]);
		a->tc_link[pt] = -1;
		return 0;
	}
	err = bpf_tc_detach(&hook, &opts);
	if (a->tc_created && !a->tc_ingress && !a->tc_egress) {
		/* both points: that is how libbpf names the clsact qdisc */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
		a->tc_created = 0;
	}
	/* the device may be gone already (TAP closed): that is detached too */
	return err == -ENODEV || err == -ENOENT ? 0 : err;
}

/* The name of program id (BPF_OBJ_NAME_LEN), "" when it cannot be read. */
static void fastpath_prog_name(uint32_t id, char *name, size_t cap)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	name[0] = '\0';
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0)
		snprintf(name, cap, "%s", info.name);
	close(fd);
}

/* Ours: the program names of xdp/l2pw_*.bpf.c. */
static int fastpath_prog_ours(uint32_t id, const char *want)
{
	char name[BPF_OBJ_NAME_LEN + 1];

	fastpath_prog_name(id, name, sizeof(name));
	return strcmp(name, want) == 0;
}

int fastpath_cleanup_stale(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int removed = 0;

	if (ifindex <= 0)
		return -EINVAL;
	/* XDP attached through netlink (not a link: detaching those says EBUSY). */
	if (bpf_xdp_query(ifindex, 0, &q) == 0) {
		const uint32_t ids[2] = {q.drv_prog_id, q.skb_prog_id};
		const uint32_t modes[2] = {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE};

		for (int i = 0; i < 2; i++) {
			LIBBPF_OPTS(bpf_xdp_attach_opts, d);

			if (!ids[i] || !fastpath_prog_ours(ids[i], "l2pw_xdp_rx"))
				continue;
			d.old_prog_fd = bpf_prog_get_fd_by_id(ids[i]);
			if (d.old_prog_fd < 0)
				continue;
			if (bpf_xdp_detach(ifindex, modes[i] | XDP_FLAGS_REPLACE, &d) == 0)
				removed++;
			close(d.old_prog_fd);
		}
	}
	/* Our cls_bpf filters (handle and priority FASTPATH_TC_*) on either point. */
	for (int pt = 0; pt < 2; pt++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = pt ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FASTPATH_TC_HANDLE,
			    .priority = FASTPATH_TC_PRIO);

		if (bpf_tc_query(&hook, &opts) != 0 ||
		    !fastpath_prog_ours(opts.prog_id, pt ? "l2pw_tc_tx" : "l2pw_tc_rx"))
			continue;
		opts.prog_id = 0;
		opts.prog_fd = 0;
		opts.flags = 0;
		if (bpf_tc_detach(&hook, &opts) == 0)
			removed++;
	}
	return removed;
}

int fastpath_tc_query(int ifindex, enum fastpath_prog prog, uint32_t *prog_id)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FASTPATH_TC_HANDLE, .priority = FASTPATH_TC_PRIO);
	int type = prog == FASTPATH_PROG_TC_RX ? FASTPATH_BPF_TCX_INGRESS : FASTPATH_BPF_TCX_EGRESS;
	uint32_t ids[8], cnt = 8;
	int err;

	err = fastpath_tc_point(prog, &hook.attach_point);
	if (err)
		return err;
	*prog_id = 0;
	/* tcx first: the first program of ours in the chain */
	if (bpf_prog_query(ifindex, (enum bpf_attach_type)type, 0, NULL, ids, &cnt) == 0) {
		for (uint32_t i = 0; i < cnt && i < 8; i++)
			if (fastpath_prog_ours(ids[i], prog == FASTPATH_PROG_TC_RX
							   ? "l2pw_tc_rx"
							   : "l2pw_tc_tx")) {
				*prog_id = ids[i];
				return 0;
			}
	}
	if (bpf_tc_query(&hook, &opts) == 0)
		*prog_id = opts.prog_id;
	return 0;
}

void fastpath_close(struct fastpath *fp)
{
	size_t i;

	if (!fp)
		return;
	for (i = 0; i < fp->natt; i++) {
		struct fastpath_attach *a = &fp->att[i];

		if (a->xdp != FASTPATH_XDP_NONE)
			fastpath_detach_xdp(fp, a->ifindex);
		if (a->tc_ingress)
			fastpath_detach_tc(fp, a->ifindex, FASTPATH_PROG_TC_RX);
		if (a->tc_egress)
			fastpath_detach_tc(fp, a->ifindex, FASTPATH_PROG_TC_TX);
	}
	free(fp->att);
	munmap(fp->seq, fp->seq_len);
	l2pw_tx_bpf__destroy(fp->tx);
	l2pw_tc_rx_bpf__destroy(fp->tc_rx);
	l2pw_rx_bpf__destroy(fp->rx);
	free(fp);
}

static int fastpath_rx_valid(const struct fastpath *fp, const struct l2pw_rx_session *v)
{
	if (!v || v->ifindex == 0 || v->slot >= fp->max_sessions)
		return 0;
	if (v->cookie_len != 0 && v->cookie_len != 4 && v->cookie_len != 8)
		return 0;
	return v->peer_family == L2PW_FAMILY_NONE || v->peer_family == L2PW_FAMILY_V4 ||
	       v->peer_family == L2PW_FAMILY_V6;
}

static int fastpath_errno(int ret)
{
	/* libbpf 1.x returns -errno from the low-level map calls */
	return ret < 0 ? ret : 0;
}

/* The BPF side builds its lookup keys zeroed: bytes the family doesn't use
 * must be zero here too, or the entry could never match. */
static int fastpath_v3_key_valid(const struct l2pw_v3_key *key)
{
	size_t used, i;

	if (!key || key->session_id == 0 || key->pad[0] || key->pad[1] || key->pad[2])
		return 0;
	switch (key->family) {
	case L2PW_FAMILY_NONE:
		used = 0;
		break;
	case L2PW_FAMILY_V4:
		used = 4;
		break;
	case L2PW_FAMILY_V6:
		used = 16;
		break;
	default:
		return 0;
	}
	for (i = used; i < sizeof(key->local_addr); i++)
		if (key->local_addr[i])
			return 0;
	return 1;
}

int fastpath_v3_set(struct fastpath *fp, const struct l2pw_v3_key *key,
		    const struct l2pw_rx_session *val)
{
	if (!fastpath_v3_key_valid(key) || !fastpath_rx_valid(fp, val))
		return -EINVAL;
	return fastpath_errno(bpf_map__update_elem(fp->rx->maps.l2pw_v3_sessions, key, sizeof(*key),
						   val, sizeof(*val), BPF_ANY));
}

int fastpath_v3_del(struct fastpath *fp, const struct l2pw_v3_key *key)
{
	return fastpath_errno(
	    bpf_map__delete_elem(fp->rx->maps.l2pw_v3_sessions, key, sizeof(*key), 0));
}

int fastpath_v2_set(struct fastpath *fp, const struct l2pw_v2_key *key,
		    const struct l2pw_rx_session *val)
{
	if (!key || key->tunnel_id == 0 || key->session_id == 0 || !fastpath_rx_valid(fp, val))
		return -EINVAL;
	return fastpath_errno(bpf_map__update_elem(fp->rx->maps.l2pw_v2_sessions, key, sizeof(*key),
						   val, sizeof(*val), BPF_ANY));
}

int fastpath_v2_del(struct fastpath *fp, const struct l2pw_v2_key *key)
{
	return fastpath_errno(
	    bpf_map__delete_elem(fp->rx->maps.l2pw_v2_sessions, key, sizeof(*key), 0));
}

static int fastpath_tx_valid(const struct fastpath *fp, const struct l2pw_tx_session *v)
{
	unsigned int l3, min;

	if (!v || v->wan_ifindex == 0 || v->slot >= fp->max_sessions)
		return 0;
	l3 = (v->flags & L2PW_TX_F_IPV6) ? 40 : 20;
	min = l3 + ((v->flags & L2PW_TX_F_UDP) ? 8 : 0);
	if (v->hdr_len < min || v->hdr_len > L2PW_TX_HDR_MAX)
		return 0;
	if ((v->flags & L2PW_TX_F_SEQ_V3) && (v->flags & L2PW_TX_F_SEQ_V2))
		return 0;
	if ((v->flags & L2PW_TX_F_SEQ_V3) && (v->seq_off < min || v->seq_off + 4u > v->hdr_len))
		return 0;
	if ((v->flags & L2PW_TX_F_SEQ_V2) && (v->seq_off < min || v->seq_off + 2u > v->hdr_len))
		return 0;
	/* L2TPv2 is UDP only (RFC 2661 8.1) */
	if ((v->flags & (L2PW_TX_F_SEQ_V2 | L2PW_TX_F_LEN_V2)) && !(v->flags & L2PW_TX_F_UDP))
		return 0;
	if ((v->flags & L2PW_TX_F_LEN_V2) && (v->len_off < min || v->len_off + 2u > v->hdr_len))
		return 0;
	return 1;
}

int fastpath_tx_set(struct fastpath *fp, uint32_t port_ifindex, const struct l2pw_tx_session *val)
{
	if (port_ifindex == 0 || !fastpath_tx_valid(fp, val))
		return -EINVAL;
	return fastpath_errno(bpf_map__update_elem(fp->rx->maps.l2pw_tx_sessions, &port_ifindex,
						   sizeof(port_ifindex), val, sizeof(*val),
						   BPF_ANY));
}

int fastpath_tx_del(struct fastpath *fp, uint32_t port_ifindex)
{
	return fastpath_errno(bpf_map__delete_elem(fp->rx->maps.l2pw_tx_sessions, &port_ifindex,
						   sizeof(port_ifindex), 0));
}

int fastpath_port_add(struct fastpath *fp, uint32_t ifindex)
{
	if (ifindex == 0)
		return -EINVAL;
	return fastpath_errno(bpf_map__update_elem(fp->rx->maps.l2pw_ports, &ifindex,
						   sizeof(ifindex), &ifindex, sizeof(ifindex),
						   BPF_ANY));
}

int fastpath_port_del(struct fastpath *fp, uint32_t ifindex)
{
	return fastpath_errno(
	    bpf_map__delete_elem(fp->rx->maps.l2pw_ports, &ifindex, sizeof(ifindex), 0));
}

uint32_t fastpath_seq_take_tx(struct fastpath *fp, uint32_t slot)
{
	return __atomic_fetch_add(&fp->seq[slot].tx_next, 1, __ATOMIC_RELAXED);
}

int fastpath_seq_set_tx(struct fastpath *fp, uint32_t slot, uint32_t next)
{
	if (slot >= fp->max_sessions)
		return -EINVAL;
	__atomic_store_n(&fp->seq[slot].tx_next, next, __ATOMIC_RELAXED);
	return 0;
}

int fastpath_udp_port_add(struct fastpath *fp, uint16_t port)
{
	uint8_t one = 1;

	if (port == 0)
		return -EINVAL;
	return fastpath_errno(bpf_map__update_elem(fp->rx->maps.l2pw_udp_ports, &port, sizeof(port),
						   &one, sizeof(one), BPF_ANY));
}

int fastpath_udp_port_del(struct fastpath *fp, uint16_t port)
{
	return fastpath_errno(
	    bpf_map__delete_elem(fp->rx->maps.l2pw_udp_ports, &port, sizeof(port), 0));
}

int fastpath_slot_reset(struct fastpath *fp, uint32_t slot)
{
	struct l2pw_counters *zero;
	size_t sz = sizeof(*zero) * (size_t)fp->ncpus;
	int err;

	if (slot >= fp->max_sessions)
		return -EINVAL;
	zero = calloc(1, sz);
	if (!zero)
		return -ENOMEM;
	err = bpf_map__update_elem(fp->rx->maps.l2pw_stats, &slot, sizeof(slot), zero, sz, BPF_ANY);
	free(zero);
	if (err)
		return fastpath_errno(err);
	__atomic_store_n(&fp->seq[slot].tx_next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fp->seq[slot].rx_valid, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fp->seq[slot].rx_next, 0, __ATOMIC_RELAXED);
	return 0;
}

int fastpath_counters(struct fastpath *fp, uint32_t slot, struct l2pw_counters *sum)
{
	struct l2pw_counters *per;
	size_t sz = sizeof(*per) * (size_t)fp->ncpus;
	int err, i;

	if (slot >= fp->max_sessions || !sum)
		return -EINVAL;
	per = calloc(1, sz);
	if (!per)
		return -ENOMEM;
	err = bpf_map__lookup_elem(fp->rx->maps.l2pw_stats, &slot, sizeof(slot), per, sz, 0);
	if (!err) {
		memset(sum, 0, sizeof(*sum));
		for (i = 0; i < fp->ncpus; i++) {
			sum->rx_packets += per[i].rx_packets;
			sum->rx_bytes += per[i].rx_bytes;
			sum->rx_dropped += per[i].rx_dropped;
			sum->rx_passed += per[i].rx_passed;
			sum->tx_packets += per[i].tx_packets;
			sum->tx_bytes += per[i].tx_bytes;
			sum->tx_passed += per[i].tx_passed;
		}
	}
	free(per);
	return fastpath_errno(err);
}

int fastpath_reasons(struct fastpath *fp, uint64_t out[L2PW_R_MAX])
{
	uint64_t *per;
	uint32_t r;
	int err = 0, i;

	per = calloc((size_t)fp->ncpus, sizeof(*per));
	if (!per)
		return -ENOMEM;
	for (r = 0; r < L2PW_R_MAX && !err; r++) {
		err = bpf_map__lookup_elem(fp->rx->maps.l2pw_reasons, &r, sizeof(r), per,
					   sizeof(*per) * (size_t)fp->ncpus, 0);
		out[r] = 0;
		for (i = 0; !err && i < fp->ncpus; i++)
			out[r] += per[i];
	}
	free(per);
	return fastpath_errno(err);
}

const char *fastpath_reason_name(unsigned int reason)
{
	static const char *const names[L2PW_R_MAX] = {
	    [L2PW_R_OK] = "ok",
	    [L2PW_R_NOT_L2TP] = "not-l2tp",
	    [L2PW_R_TRUNCATED] = "truncated",
	    [L2PW_R_IP_FRAGMENT] = "ip-fragment",
	    [L2PW_R_IP_OPTIONS] = "ip-options",
	    [L2PW_R_CONTROL] = "control",
	    [L2PW_R_UNKNOWN_SESSION] = "unknown-session",
	    [L2PW_R_WRONG_PEER] = "wrong-peer",
	    [L2PW_R_WRONG_ENCAP] = "wrong-encap",
	    [L2PW_R_BAD_COOKIE] = "bad-cookie",
	    [L2PW_R_SEQ_MISSING] = "seq-missing",
	    [L2PW_R_SEQ_DROP] = "seq-drop",
	    [L2PW_R_PPP_MP] = "ppp-mp",
	    [L2PW_R_PPP_MPPE] = "ppp-mppe",
	    [L2PW_R_PPP_OTHER] = "ppp-other",
	    [L2PW_R_BCP_OPTION] = "bcp-option",
	    [L2PW_R_V2_HEADER] = "v2-header",
	    [L2PW_R_NO_PORT] = "no-port",
	    [L2PW_R_ADJUST_FAILED] = "adjust-failed",
	    [L2PW_R_TX_NO_SESSION] = "tx-no-session",
	    [L2PW_R_TX_NOT_IP] = "tx-not-ip",
	    [L2PW_R_TX_GSO] = "tx-gso",
	    [L2PW_R_TX_MTU] = "tx-mtu",
	    [L2PW_R_TX_V6_UDP] = "tx-v6-udp",
	    [L2PW_R_RX_GSO] = "rx-gso",
	};

	return reason < L2PW_R_MAX && names[reason] ? names[reason] : "?";
}
