/*
 * Internal to ppp.c (phases, control protocols, demultiplexing) and
 * ppp_data.c (the data path: BCP frames, MPPE, Multilink).  Not for other
 * modules: they use ppp.h.
 */
#ifndef L2PW_PPP_INT_H
#define L2PW_PPP_INT_H

#include "ppp.h"

/* Where a payload came from, for the nesting rules (RFC 1990 §3, RFC 3078 §3). */
#define PPP_VIA_MP   0x1u /* reassembled from Multilink fragments */
#define PPP_VIA_MPPE 0x2u /* decrypted */

/* How often a stateful receiver waiting for a flush repeats its Reset-Request. */
#define PPP_RESETREQ_MS 1000

/* Room for a payload: protocol, BCP header, frame, FCS, MPPE header. */
#define PPP_PAYLOAD_MAX (PPP_FRAME_MAX + 16)

struct ppp {
	struct ppp_params p;
	char name[AUTH_NAME_MAX + 1];
	char user[AUTH_NAME_MAX + 1];
	char password[AUTH_PASSWORD_MAX + 1];
	const struct ppp_ops *ops;
	void *ctx;
	enum ppp_phase phase;
	int started; /* ppp_start() called and the link not yet reported down */
	int bcp_open;
	int ccp_gave_up; /* CCP finished without MPPE and use-encryption allows that */
	int ready;	 /* ops->up reported and still true */
	struct lcp lcp;
	struct auth auth;
	struct bcp bcp;
	struct ccp ccp;
	struct bcp_enc enc;
	uint64_t now, armed;
	char reason[192]; /* room for a reason with CCP's own in parentheses */
	struct ppp_stats stats;

	/* Data path (ppp_data.c). */
	int mtx_on, mrx_on; /* MPPE per direction, while CCP is Opened */
	struct mppe_tx mtx;
	struct mppe_rx mrx;
	int mptx_on; /* the peer negotiated an MRRU: we send Multilink */
	struct mp_tx mptx;
	struct mp_rx *mprx;	    /* our MRRU was Acked: the reassembler (NULL before) */
	struct mp_rx_params mprx_p; /* what mprx was made with */
	struct ppp_link_stats hist; /* counters of layers already re-initialised */
	uint8_t txbuf[PPP_PAYLOAD_MAX], encbuf[PPP_PAYLOAD_MAX], fragbuf[PPP_PAYLOAD_MAX];
	uint8_t decbuf[PPP_PAYLOAD_MAX], eth[PPP_FRAME_MAX];
};

void ppp_logf(struct ppp *p, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ppp_send_raw(struct ppp *p, uint16_t proto, const uint8_t *pkt, size_t len);
/* The protocol field (RFC 1661 §2, §6.5): 0, -1 too short, -2 malformed. */
int ppp_get_proto(struct buf *b, uint16_t *proto);
/* Demultiplex one payload; via says which layers it came out of. */
int ppp_dispatch(struct ppp *p, uint16_t proto, struct buf *info, unsigned via);
/* Re-evaluate readiness; calls ops->up on the way to ready. */
void ppp_check_ready(struct ppp *p);

/* ppp_data.c */
int ppp_data_input(struct ppp *p, uint16_t proto, struct buf *info, unsigned via);
void ppp_data_network(struct ppp *p);
void ppp_data_lcp_down(struct ppp *p);
void ppp_data_ccp_up(struct ppp *p);
void ppp_data_ccp_down(struct ppp *p);
void ppp_data_timeout(struct ppp *p, uint64_t now);
uint64_t ppp_data_deadline(const struct ppp *p);
void ppp_data_free(struct ppp *p);

#endif
