/*
 * L2TP data plane codec, pure.
 *
 * L2TPv3 (RFC 3931 §4.1.1.1 over IP, §4.1.2.1 over UDP; default L2-Specific
 * Sublayer RFC 3931 §4.6 and RFC 4719 §3.2):
 *
 *	UDP:  0003 0000 | Session ID (32) | Cookie (0/4/8) | [sublayer] | frame
 *	IP:   Session ID (32, never 0)    | Cookie (0/4/8) | [sublayer] | frame
 *	sublayer: x S x x x x x x | Sequence Number (24)  (S = 0x40 in the first octet)
 *
 * A session computes its TX header once (struct l2tp_data_tx); per frame only
 * the sequence number is written.  On RX the caller first peeks the Session
 * ID (l2tp_data_peek), finds the session, then verifies and strips with the
 * session's expectations (l2tp_data_rx).  Every drop has a named reason.
 *
 * L2TPv2 data header (RFC 2661 §3.1): T=0 L x x S x O P x x x x Ver=2,
 * [Length], Tunnel ID, Session ID, [Ns, Nr], [Offset Size, Offset Pad].
 *
 * Nothing here allocates; all structs are plain values owned by the caller.
 */
#ifndef L2PW_L2TP_DATA_H
#define L2PW_L2TP_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "l2tp.h"

enum l2tp_encap {
	L2TP_ENCAP_UDP,
	L2TP_ENCAP_IP, /* IP protocol 115 */
};

#define L2TP_COOKIE_MAX	       8
#define L2TP_SUBLAYER_LEN      4
#define L2TP_SUBLAYER_S	       0x40000000u /* S bit of the default sublayer word */
#define L2TP_SUBLAYER_SEQ_MASK 0x00ffffffu
/* UDP: 8-octet session header + 8 cookie + 4 sublayer */
#define L2TP_DATA_HDR_MAX (8 + L2TP_COOKIE_MAX + L2TP_SUBLAYER_LEN)

/* Why a data packet was dropped: one counter each. */
enum l2tp_data_drop {
	L2TP_DATA_OK = 0,
	L2TP_DATA_SHORT,	    /* shorter than the session header (or v2 Length/offset) */
	L2TP_DATA_BAD_FLAGS,	    /* UDP header not T=0 Ver=3 / v2 header not T=0 Ver=2 */
	L2TP_DATA_UNKNOWN_SESSION,  /* no such session: the caller's lookup says so */
	L2TP_DATA_BAD_COOKIE,	    /* cookie does not match the session's (RFC 3931 §4.5) */
	L2TP_DATA_MISSING_SUBLAYER, /* sublayer expected but the packet ends first */
	L2TP_DATA_MISSING_SEQ,	    /* sequencing required, S bit clear */
	L2TP_DATA_SEQ_BEHIND,	    /* Ns behind the expected one: duplicate or reordered */
	L2TP_DATA_DROP_COUNT
};
const char *l2tp_data_drop_name(enum l2tp_data_drop d);

/* What a session sends with: computed once at session-up. */
struct l2tp_data_params {
	enum l2tp_encap encap;
	uint32_t session_id; /* the PEER's session id: what goes on the wire */
	uint8_t cookie_len;  /* 0, 4 or 8: the peer's cookie */
	uint8_t cookie[L2TP_COOKIE_MAX];
	int sublayer; /* default L2-Specific Sublayer present */
	int seq;      /* set S and number the frames (needs sublayer) */
};

struct l2tp_data_tx {
	uint8_t hdr[L2TP_DATA_HDR_MAX];
	uint8_t len;	 /* header bytes */
	uint8_t seq_off; /* offset of the sublayer word when seq is on */
	int seq;
	uint32_t ns; /* next sequence number, 24 bits, starts at 0 (RFC 3931 §4.6) */
};

/* -1 for a bad cookie length, session id 0 on IP, or seq without sublayer. */
int l2tp_data_tx_init(struct l2tp_data_tx *t, const struct l2tp_data_params *p);
/* Append the header for the next frame to w and advance ns.  -1 when w is full. */
int l2tp_data_tx_header(struct l2tp_data_tx *t, struct wbuf *w);

/* What a session expects to receive. */
struct l2tp_data_rx {
	uint8_t cookie_len; /* our cookie, as sent to the peer */
	uint8_t cookie[L2TP_COOKIE_MAX];
	int sublayer;
	int seq; /* sequencing required: S must be set, Ns checked */
	/* state */
	int have_ns;
	uint32_t next_ns; /* expected Ns */
	uint64_t lost;	  /* frames skipped over when Ns jumped ahead */
};

/*
 * Demultiplex an L2TPv3 datagram (UDP payload or IP-115 payload).
 * Returns 0 for a data packet (*session_id set), 1 for a control message
 * (UDP: T bit set; IP: Session ID 0 — the control message starts 4 bytes
 * in), -1 for a drop (*why).
 */
int l2tp_data_peek(enum l2tp_encap encap, const struct buf *pkt, uint32_t *session_id,
		   enum l2tp_data_drop *why);

/*
 * Verify and strip one data packet of a known session: pkt is the same
 * datagram l2tp_data_peek() accepted (the session header is skipped here,
 * not re-checked).  On 0, *frame is the tunnelled frame (pointing into pkt)
 * and *ns_out (may be NULL) the sequence number, or -1 when the packet
 * carried none.  On -1, *why says why.
 * Sequencing (RFC 3931 §4.6, RFC 4719 §4): Ns behind the expected value (in
 * the 2^23-1 numbers before it) is dropped; ahead is accepted and the gap is
 * counted in s->lost.
 */
int l2tp_data_rx(struct l2tp_data_rx *s, enum l2tp_encap encap, const struct buf *pkt,
		 struct buf *frame, int32_t *ns_out, enum l2tp_data_drop *why);

/* ---- L2TPv2 data (RFC 2661 §3.1) ---- */

struct l2tp_v2_data_hdr {
	uint16_t flags;
	uint16_t length; /* 0 when L is clear */
	uint16_t tunnel_id;
	uint16_t session_id;
	uint16_t ns, nr;      /* valid when flags & L2TP_V2_DATA_S */
	uint16_t offset_size; /* valid when flags & L2TP_V2_DATA_O */
};
/* Same bit positions as the control header (l2tp_avp.h). */
#define L2TP_V2_DATA_L 0x4000
#define L2TP_V2_DATA_S 0x0800
#define L2TP_V2_DATA_O 0x0200
#define L2TP_V2_DATA_P 0x0100

/* Parse; *payload is what follows the header and offset padding (up to Length when L). */
int l2tp_v2_data_parse(const struct buf *pkt, struct l2tp_v2_data_hdr *h, struct buf *payload,
		       enum l2tp_data_drop *why);
/*
 * Append a v2 data header for a payload of payload_len bytes.  opt_flags is
 * any of L2TP_V2_DATA_L/S/O/P; ns/nr are used with S, offset_size (zero
 * padding bytes follow) with O.
 */
int l2tp_v2_data_build(struct wbuf *w, uint16_t opt_flags, uint16_t tunnel_id, uint16_t session_id,
		       uint16_t ns, uint16_t nr, uint16_t offset_size, size_t payload_len);

#endif
