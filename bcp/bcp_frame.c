/*
 * Bridged frames (RFC 3518 §6, protocol 0x0031) for MAC Type 1 (802.3 /
 * Ethernet): one byte of flags and Pads, one byte of MAC Type, the frame,
 * an optional LAN FCS, optional PPP padding.  freeRtr, RouterOS and the
 * encoder below send "00 01" + frame: no FCS, no pads.
 */
#include <string.h>

#include "bcp.h"

static const char *const bcp_frame_err_names[BCP_FRAME_NERR] = {
    "ok", "short", "mac-type", "pads", "fcs", "too-big",
};

const char *bcp_frame_err_name(enum bcp_frame_err e)
{
	return (unsigned)e < BCP_FRAME_NERR ? bcp_frame_err_names[e] : "?";
}

uint32_t bcp_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	size_t i;
	int k;

	/* Reflected polynomial 0xEDB88320, bit by bit: only for FCS-carrying peers. */
	for (i = 0; i < n; i++) {
		c ^= p[i];
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
	}
	return ~c;
}

enum bcp_frame_err bcp_frame_decode(struct buf *in, uint8_t *out, size_t cap, size_t *out_len,
				    uint8_t *flags)
{
	uint8_t f, mac;
	size_t n, pads;
	const uint8_t *p;
	uint32_t fcs;

	if (buf_get_n8(in, &f) == -1 || buf_get_n8(in, &mac) == -1)
		return BCP_FRAME_SHORT;
	if (flags)
		*flags = f;
	if (mac != BCP_MAC_8023)
		return BCP_FRAME_MAC_TYPE;
	n = buf_left(in);
	pads = f & BCP_PADS_MASK;
	/* Pads counts PPP padding at the very end (RFC 3518 §6); it cannot exceed the frame. */
	if (pads > n)
		return BCP_FRAME_PADS;
	n -= pads;
	if (buf_get_ptr(in, &p, n) == -1)
		return BCP_FRAME_SHORT;
	if (f & BCP_F_FCS) {
		if (n < BCP_ETH_HDR + 4)
			return BCP_FRAME_SHORT;
		n -= 4;
		fcs = (uint32_t)p[n] | (uint32_t)p[n + 1] << 8 | (uint32_t)p[n + 2] << 16 |
		      (uint32_t)p[n + 3] << 24;
		if (bcp_crc32(p, n) != fcs)
			return BCP_FRAME_FCS;
	}
	if (n < BCP_ETH_HDR)
		return BCP_FRAME_SHORT;
	/* Z: the sender removed the 802.3 pad; the frame goes out padded again. */
	*out_len = (f & BCP_F_ZERO) && n < BCP_ETH_MIN ? BCP_ETH_MIN : n;
	if (*out_len > cap)
		return BCP_FRAME_TOO_BIG;
	memcpy(out, p, n);
	if (*out_len > n)
		memset(out + n, 0, *out_len - n);
	return BCP_FRAME_OK;
}

/* 01:80:c2:00:00:00-0f: the reserved group addresses bridges consume (BPDUs and kin). */
static int bcp_is_bridge_control(const uint8_t *eth)
{
	return eth[0] == 0x01 && eth[1] == 0x80 && eth[2] == 0xc2 && eth[3] == 0 && eth[4] == 0 &&
	       (eth[5] & 0xf0) == 0;
}

/* Tinygram: an 802.3 frame (length field) padded to 60 bytes with zeros. */
static size_t bcp_tinygram_len(const uint8_t *eth, size_t len)
{
	size_t t = (size_t)eth[12] << 8 | eth[13], i;

	if (len != BCP_ETH_MIN || t > 1500 || BCP_ETH_HDR + t >= len)
		return len;
	for (i = BCP_ETH_HDR + t; i < len; i++)
		if (eth[i])
			return len;
	return BCP_ETH_HDR + t;
}

int bcp_frame_encode(struct wbuf *w, const uint8_t *eth, size_t len, const struct bcp_enc *e)
{
	uint8_t f = 0;
	size_t n = len;
	uint32_t fcs;

	if (len < BCP_ETH_HDR)
		return -1;
	if (e && e->bcp_ind && bcp_is_bridge_control(eth))
		f |= BCP_F_BCTL;
	if (e && e->tinygram && !e->fcs) {
		n = bcp_tinygram_len(eth, len);
		if (n != len)
			f |= BCP_F_ZERO;
	}
	if (e && e->fcs)
		f |= BCP_F_FCS;
	wbuf_add_n8(w, f);
	wbuf_add_n8(w, BCP_MAC_8023);
	wbuf_add_bytes(w, eth, n);
	if (e && e->fcs) {
		fcs = bcp_crc32(eth, len);
		wbuf_add_n8(w, (uint8_t)fcs);
		wbuf_add_n8(w, (uint8_t)(fcs >> 8));
		wbuf_add_n8(w, (uint8_t)(fcs >> 16));
		wbuf_add_n8(w, (uint8_t)(fcs >> 24));
	}
	return w->err ? -1 : 0;
}
