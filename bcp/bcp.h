/*
 * BCP, the PPP Bridging Control Protocol (RFC 3518): the NCP (protocol
 * 0x8031) on the one automaton in fsm.c, and the codec of bridged frames
 * (protocol 0x0031, bcp_frame.c).
 *
 * Ownership: struct bcp is embedded in struct ppp; no heap.  Its only timer
 * is the automaton's restart timer (fsm_deadline(&b->fsm)).
 */
#ifndef L2PW_BCP_H
#define L2PW_BCP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fsm.h"

#define PPP_PROTO_BCP	  0x8031
#define PPP_PROTO_BRIDGED 0x0031

/* RFC 3518 §5 option types. */
#define BCP_OPT_BRIDGE_ID   1
#define BCP_OPT_LINE_ID	    2
#define BCP_OPT_MAC_SUPPORT 3
#define BCP_OPT_TINYGRAM    4
#define BCP_OPT_LAN_ID	    5 /* obsolete since RFC 2878 */
#define BCP_OPT_MAC_ADDRESS 6
#define BCP_OPT_STP	    7
#define BCP_OPT_TAGGED	    8
#define BCP_OPT_MGMT_INLINE 9
#define BCP_OPT_BCP_IND	    10

/* Bridged frame header (RFC 3518 §6): flags and Pads share the first byte. */
#define BCP_F_FCS     0x80 /* F: LAN FCS present */
#define BCP_F_ZERO    0x20 /* Z: 802.3 pad was removed (Tinygram), restore zeros */
#define BCP_F_BCTL    0x10 /* B: bridge control packet */
#define BCP_PADS_MASK 0x0f
#define BCP_MAC_8023  1	 /* MAC Type: IEEE 802.3 / Ethernet, canonical */
#define BCP_ETH_MIN   60 /* Ethernet frame without FCS, padded */
#define BCP_ETH_HDR   14

struct bcp_params {
	int tagged;	 /* ask for IEEE-802-Tagged-Frame enabled (as freeRtr does) */
	int mgmt_inline; /* ask for Management-Inline */
	int bcp_ind;	 /* ask for Bridge-Control-Packet-Indicator */
	int tinygram;	 /* ask for Tinygram-Compression enabled */
	int mac_support; /* announce MAC-Support 802.3 */
};

struct bcp_values {
	int tagged, mgmt_inline, bcp_ind, tinygram, mac_support;
	int has_mac;
	uint8_t mac[6];
	int has_stp;
	uint8_t stp;
};

struct bcp_ops {
	void (*up)(void *ctx);
	void (*down)(void *ctx);
	void (*finished)(void *ctx);
};

struct bcp {
	struct fsm fsm;
	struct bcp_params p;
	const struct bcp_ops *ops;
	void *ctx;
	struct bcp_values want; /* our request */
	struct bcp_values his;	/* the peer's request as we acked it */
};

void bcp_init(struct bcp *b, const struct bcp_params *p, const struct bcp_ops *ops, void *ctx,
	      const struct fsm_io *io, void *io_ctx);

/* How we encode frames once BCP is Opened. */
struct bcp_enc {
	int fcs;      /* append the LAN FCS (we never do by default) */
	int tinygram; /* strip 802.3 padding and set Z */
	int bcp_ind;  /* set B on bridge control frames (01:80:c2:00:00:0x) */
};
void bcp_encoding(const struct bcp *b, struct bcp_enc *e);

enum bcp_frame_err {
	BCP_FRAME_OK = 0,
	BCP_FRAME_SHORT,    /* no room for header or Ethernet header */
	BCP_FRAME_MAC_TYPE, /* not 802.3/Ethernet */
	BCP_FRAME_PADS,	    /* more pad bytes than frame */
	BCP_FRAME_FCS,	    /* LAN FCS present but wrong */
	BCP_FRAME_TOO_BIG,  /* does not fit the caller's buffer */
	BCP_FRAME_NERR
};
const char *bcp_frame_err_name(enum bcp_frame_err e);

/*
 * The Information field of a 0x0031 frame to an Ethernet frame without FCS,
 * copied to out (cap bytes); Tinygram padding restored.  *flags gets the
 * header byte.  Returns BCP_FRAME_OK or why it was dropped.
 */
enum bcp_frame_err bcp_frame_decode(struct buf *in, uint8_t *out, size_t cap, size_t *out_len,
				    uint8_t *flags);
/* An Ethernet frame (no FCS) to the Information field of a 0x0031 frame. */
int bcp_frame_encode(struct wbuf *w, const uint8_t *eth, size_t len, const struct bcp_enc *e);
/* IEEE 802.3 CRC-32 as sent on the wire (the FCS, least significant byte first). */
uint32_t bcp_crc32(const uint8_t *p, size_t n);

#endif
