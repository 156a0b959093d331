/*
 * rtnetlink link operations through libmnl.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netlink.h"

struct netlink {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char buf[32768]; /* one RTM_NEWLINK answer with all its attributes fits */
};

struct netlink *netlink_open(void)
{
	struct netlink *nl = calloc(1, sizeof(*nl));
	int saved;

	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		goto free_nl;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) == -1)
		goto close_sock;
	nl->portid = mnl_socket_get_portid(nl->sock);
	return nl;
close_sock:
	saved = errno;
	mnl_socket_close(nl->sock);
	errno = saved;
free_nl:
	saved = errno;
	free(nl);
	errno = saved;
	return NULL;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Send the request in nl->buf and run cb over the answer until the ack (NLM_F_ACK is always set).
 */
static int netlink_talk(struct netlink *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) == -1)
		return -1;
	do {
		ret = (int)mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (ret == -1)
			return -1;
		ret = mnl_cb_run(nl->buf, (size_t)ret, nlh->nlmsg_seq, nl->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	return ret == MNL_CB_ERROR ? -1 : 0;
}

static struct nlmsghdr *netlink_req(struct netlink *nl, uint16_t type, uint16_t flags,
				    struct ifinfomsg **ifm)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	*ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(**ifm));
	(*ifm)->ifi_family = AF_UNSPEC;
	return nlh;
}

struct netlink_kind {
	char *kind; /* may be NULL */
	size_t kindlen;
	int ifindex;
	int master;
};

static int netlink_linkinfo_cb(const struct nlattr *attr, void *data)
{
	struct netlink_kind *k = data;

	if (k->kind && mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
		snprintf(k->kind, k->kindlen, "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int netlink_link_attr_cb(const struct nlattr *attr, void *data)
{
	struct netlink_kind *k = data;

	if (mnl_attr_get_type(attr) == IFLA_MASTER && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		k->master = (int)mnl_attr_get_u32(attr);
	if (mnl_attr_get_type(attr) == IFLA_LINKINFO &&
	    mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
		mnl_attr_parse_nested(attr, netlink_linkinfo_cb, data);
	return MNL_CB_OK;
}

static int netlink_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netlink_kind *k = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	k->ifindex = ifm->ifi_index;
	mnl_attr_parse(nlh, sizeof(*ifm), netlink_link_attr_cb, data);
	return MNL_CB_OK;
}

int netlink_link_kind(struct netlink *nl, const char *name, char *kind, size_t kindlen,
		      int *ifindex)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = netlink_req(nl, RTM_GETLINK, NLM_F_ACK, &ifm);
	struct netlink_kind k = {.kind = kind, .kindlen = kindlen};

	if (strlen(name) >= IFNAMSIZ) {
		errno = ENODEV;
		return -1;
	}
	kind[0] = '\0';
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (netlink_talk(nl, nlh, netlink_link_cb, &k) == -1)
		return -1;
	if (k.ifindex == 0) {
		errno = ENODEV;
		return -1;
	}
	*ifindex = k.ifindex;
	return 0;
}

int netlink_link_master(struct netlink *nl, int ifindex, int *master)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = netlink_req(nl, RTM_GETLINK, NLM_F_ACK, &ifm);
	struct netlink_kind k = {0};

	ifm->ifi_index = ifindex;
	if (netlink_talk(nl, nlh, netlink_link_cb, &k) == -1)
		return -1;
	*master = k.master;
	return 0;
}

int netlink_link_setup(struct netlink *nl, int ifindex, unsigned mtu, int master_ifindex)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = netlink_req(nl, RTM_NEWLINK, NLM_F_ACK, &ifm);

	ifm->ifi_index = ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (master_ifindex)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master_ifindex);
	return netlink_talk(nl, nlh, NULL, NULL);
}

int netlink_veth_create(struct netlink *nl, const char *name, const char *peer, unsigned mtu,
			const char *alias)
{
	struct ifinfomsg *ifm, *pifm;
	struct nlmsghdr *nlh =
	    netlink_req(nl, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifm);
	struct nlattr *linkinfo, *data, *peer_attr;
	int ifindex;

	if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* VETH_INFO_PEER carries a struct ifinfomsg, then the peer's own attributes. */
	peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	pifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	mnl_attr_nest_end(nlh, peer_attr);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	if (netlink_talk(nl, nlh, NULL, NULL) == -1)
		return -1;
	if (!alias || !alias[0])
		return 0;
	/* Creation ignores IFLA_IFALIAS: set it on each end afterwards. */
	for (int i = 0; i < 2; i++) {
		ifindex = (int)if_nametoindex(i ? peer : name);
		if (ifindex == 0)
			return -1;
		nlh = netlink_req(nl, RTM_NEWLINK, NLM_F_ACK, &ifm);
		ifm->ifi_index = ifindex;
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
		if (netlink_talk(nl, nlh, NULL, NULL) == -1)
			return -1;
	}
	return 0;
}

int netlink_link_set_up(struct netlink *nl, int ifindex, int up)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = netlink_req(nl, RTM_NEWLINK, NLM_F_ACK, &ifm);

	ifm->ifi_index = ifindex;
	ifm->ifi_flags = up ? IFF_UP : 0;
	ifm->ifi_change = IFF_UP;
	return netlink_talk(nl, nlh, NULL, NULL);
}

int netlink_link_del(struct netlink *nl, int ifindex)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = netlink_req(nl, RTM_DELLINK, NLM_F_ACK, &ifm);

	ifm->ifi_index = ifindex;
	return netlink_talk(nl, nlh, NULL, NULL);
}

struct netlink_alias_scan {
	const char *kind, *alias;
	size_t max, n;
	void (*cb)(int ifindex, const char *name, void *arg);
	void *arg;
	/* per message */
	char link_kind[32];
	char name[IFNAMSIZ];
	int has_alias;
};

static int netlink_alias_info_cb(const struct nlattr *attr, void *data)
{
	struct netlink_alias_scan *sc = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
		snprintf(sc->link_kind, sizeof(sc->link_kind), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static int netlink_alias_attr_cb(const struct nlattr *attr, void *data)
{
	struct netlink_alias_scan *sc = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_STRING) == 0)
			snprintf(sc->name, sizeof(sc->name), "%s", mnl_attr_get_str(attr));
		break;
	case IFLA_IFALIAS:
		sc->has_alias = mnl_attr_validate(attr, MNL_TYPE_STRING) == 0 &&
				strcmp(mnl_attr_get_str(attr), sc->alias) == 0;
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
			mnl_attr_parse_nested(attr, netlink_alias_info_cb, data);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int netlink_alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct netlink_alias_scan *sc = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	sc->link_kind[0] = '\0';
	sc->name[0] = '\0';
	sc->has_alias = 0;
	mnl_attr_parse(nlh, sizeof(*ifm), netlink_alias_attr_cb, data);
	if (sc->has_alias && strcmp(sc->link_kind, sc->kind) == 0 && sc->n < sc->max) {
		sc->cb(ifm->ifi_index, sc->name, sc->arg);
		sc->n++;
	}
	return MNL_CB_OK;
}

int netlink_links_by_alias(struct netlink *nl, const char *kind, const char *alias, size_t max,
			   void (*cb)(int ifindex, const char *name, void *arg), void *arg)
{
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = netlink_req(nl, RTM_GETLINK, NLM_F_DUMP, &ifm);
	struct netlink_alias_scan sc = {
	    .kind = kind, .alias = alias, .max = max, .cb = cb, .arg = arg};

	if (netlink_talk(nl, nlh, netlink_alias_cb, &sc) == -1)
		return -1;
	return (int)sc.n;
}
