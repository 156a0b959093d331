/*
 * Internet checksum pieces (RFC 1071) for the BPF programs.
 */
#ifndef L2PW_CSUM_H
#define L2PW_CSUM_H

#include "l2pw_bpf.h"

static __always_inline __u16 l2pw_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/* IPv4 header checksum over the 20-byte header at h (check field zeroed). */
static __always_inline __u16 l2pw_ipv4_csum(const __u16 *h)
{
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 10; i++)
		sum += h[i];
	return l2pw_csum_fold(sum);
}

/* Native-order 16-bit sum of the 14 bytes at p, the form skb->csum keeps
 * (CHECKSUM_COMPLETE), so bytes that move into the checksummed area can be
 * added with bpf_csum_update(). */
static __always_inline __u32 l2pw_csum_eth(const __u16 *p)
{
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < 7; i++)
		sum += p[i];
	return sum;
}

#endif
