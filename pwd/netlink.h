/*
 * rtnetlink through libmnl: the few link operations the daemon needs to put
 * a TAP port on a bridge.  Requests are synchronous (sent, then the kernel's
 * ack read) on one NETLINK_ROUTE socket opened by netlink_open(); they run at
 * start-up and on rare state changes, never per packet.
 */
#ifndef L2PW_NETLINK_H
#define L2PW_NETLINK_H

#include <stddef.h>

struct netlink;

/* Returns NULL with errno set.  Freed with netlink_close(). */
struct netlink *netlink_open(void);
void netlink_close(struct netlink *nl);

/*
 * The link kind ("bridge", "veth", "tun", ... from IFLA_INFO_KIND; "" for
 * devices without one) and index of link `name`.  Returns 0, or -1 with errno
 * (ENODEV: no such link).
 */
int netlink_link_kind(struct netlink *nl, const char *name, char *kind, size_t kindlen,
		      int *ifindex);
/* The bridge (or bond) ifindex is enslaved to, 0 for none.  0, or -1 with errno. */
int netlink_link_master(struct netlink *nl, int ifindex, int *master);
/*
 * RTM_NEWLINK on ifindex: set the MTU (0: leave), enslave to master_ifindex
 * (0: leave), and bring it up.  Returns 0 or -1 with errno from the kernel.
 */
int netlink_link_setup(struct netlink *nl, int ifindex, unsigned mtu, int master_ifindex);

/*
 * Create the veth pair name <-> peer, both down, MTU mtu (0: the kernel's),
 * each end with IFLA_IFALIAS alias ("" or NULL: none) so a later run can
 * find what an earlier one left behind.  Returns 0 or -1 with errno
 * (EEXIST: one of the names is taken).
 */
int netlink_veth_create(struct netlink *nl, const char *name, const char *peer, unsigned mtu,
			const char *alias);
/* Set IFF_UP on (up != 0) or off.  0, or -1 with errno. */
int netlink_link_set_up(struct netlink *nl, int ifindex, int up);
/* Delete link ifindex (a veth takes its peer with it).  0, or -1 with errno. */
int netlink_link_del(struct netlink *nl, int ifindex);
/*
 * Call cb(ifindex, name, arg) for every link of kind `kind` whose
 * IFLA_IFALIAS is exactly `alias`; at most max matches are reported.
 * Returns the number reported, or -1 with errno.  cb must not use nl.
 */
int netlink_links_by_alias(struct netlink *nl, const char *kind, const char *alias, size_t max,
			   void (*cb)(int ifindex, const char *name, void *arg), void *arg);

#endif
