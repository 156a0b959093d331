/*
 * rtnetlink link operations through libmnl.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
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
