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

int tap_open(const char *name, int *ifindex)
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
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
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

int tap_set_carrier(int fd, int on)
{
	return ioctl(fd, TUNSETCARRIER, &on);
}
