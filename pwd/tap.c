/*
 * TAP ports over /dev/net/tun.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

static int tap_open_flags(const char *name, int *ifindex, short flags)
{
	struct ifreq ifr;
	int fd, saved;

	if (strlen(name) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	/* IFF_TUN_EXCL: never attach to an existing TAP of another program. */
	ifr.ifr_flags = (short)(IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL | flags);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		goto fail;
	*ifindex = (int)if_nametoindex(ifr.ifr_name);
	if (*ifindex == 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int tap_open(const char *name, int *ifindex)
{
	return tap_open_flags(name, ifindex, 0);
}

int tap_open_vnet(const char *name, int *ifindex, int *gso)
{
	unsigned int le = 1;
	int fd = tap_open_flags(name, ifindex, IFF_VNET_HDR);

	*gso = 0;
	if (fd == -1)
		return -1;
	/*
	 * Little-endian virtio-net headers whatever the host (offload.h reads
	 * them so); kernels without TUNSETVNETLE are little-endian hosts' anyway.
	 */
	if (ioctl(fd, TUNSETVNETLE, &le) == -1 && errno != EINVAL)
		goto fail;
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) == 0)
		*gso = 1;
	return fd;
fail:
	le = (unsigned int)errno;
	close(fd);
	errno = (int)le;
	return -1;
}

int tap_set_carrier(int fd, int on)
{
	return ioctl(fd, TUNSETCARRIER, &on);
}
