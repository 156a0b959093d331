/*
 * Reference checksums for the offload tests: RFC 1071 the naive way (one
 * network-order word at a time), independent of pwd/offload.c's sum.
 */
#ifndef L2PW_TEST_OFFLOAD_REF_H
#define L2PW_TEST_OFFLOAD_REF_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The TCP checksum of a frame verifies (IPv4 without options or IPv6 without extensions at l3). */
static inline int ref_tcp_ok(const uint8_t *f, size_t len, size_t l3, int v6)
{
	size_t l4 = l3 + (v6 ? 40 : 20);
	uint32_t sum = 6 + (uint32_t)(len - l4);

	if (v6)
		sum += ref_sum(f + l3 + 8, 32, 0);
	else
		sum += ref_sum(f + l3 + 12, 8, 0);
	return ref_sum(f + l4, len - l4, sum) == 0xffff;
}

#endif
