/*
 * L2TP protocol numbers shared by the codec, the engines and the daemon.
 *
 * RFC 2661 (L2TPv2) and RFC 3931 (L2TPv3) share one AVP and message-type
 * number space (IANA "Layer Two Tunneling Protocol 'L2TP'" registry); the
 * numbers below cite the section that defines each one.  The name functions
 * return a constant English string for any input (never NULL): unknown values
 * give "unknown" so they can go straight into logs.
 */
#ifndef L2PW_L2TP_H
#define L2PW_L2TP_H

#include <stdint.h>

#define L2TP_UDP_PORT 1701 /* RFC 2661 §8.1, RFC 3931 §4.1.2.2 */
#define L2TP_IP_PROTO 115  /* RFC 3931 §4.1.1 */

/* Header "Ver" field (low 4 bits of the first 16-bit word). */
#define L2TP_VERSION_2 2 /* RFC 2661 §3.1 */
#define L2TP_VERSION_3 3 /* RFC 3931 §3.2.1 */

/*
 * Control message types, carried in the Message Type AVP (attribute 0).
 * RFC 2661 §3.2 and RFC 3931 §3.1 (messages described in RFC 3931 §6.1 to
 * §6.15); 0, 5 and 13 are reserved.
 */
enum l2tp_msg_type {
	L2TP_MSG_ZLB = 0, /* not a type: a message without AVPs (RFC 2661 §5.8) */
	L2TP_MSG_SCCRQ = 1,
	L2TP_MSG_SCCRP = 2,
	L2TP_MSG_SCCCN = 3,
	L2TP_MSG_STOPCCN = 4,
	L2TP_MSG_HELLO = 6,
	L2TP_MSG_OCRQ = 7,
	L2TP_MSG_OCRP = 8,
	L2TP_MSG_OCCN = 9,
	L2TP_MSG_ICRQ = 10,
	L2TP_MSG_ICRP = 11,
	L2TP_MSG_ICCN = 12,
	L2TP_MSG_CDN = 14,
	L2TP_MSG_WEN = 15, /* WAN-Error-Notify */
	L2TP_MSG_SLI = 16, /* Set-Link-Info */
	L2TP_MSG_ACK = 20, /* Explicit Acknowledgement (v3 only) */
	L2TP_MSG_FSQ = 21, /* Failover Session Query: RFC 4951 §6 */
	L2TP_MSG_FSR = 22, /* Failover Session Response: RFC 4951 §6 */
};

/* True for the messages that belong to a session rather than the control connection. */
int l2tp_msg_is_session(uint16_t msg_type);

/*
 * AVP attribute types (IETF vendor id 0).
 * RFC 2661 §4.4 (v2) and RFC 3931 §5.4 (v3).  Some exist in one version only:
 * v2 assigns tunnel and session ids with 9 and 14, v3 with 61 and 63.
 */
enum l2tp_avp_type {
	L2TP_AVP_MESSAGE_TYPE = 0,	      /* RFC 2661 §4.4.1, RFC 3931 §5.4.1 */
	L2TP_AVP_RESULT_CODE = 1,	      /* RFC 2661 §4.4.2, RFC 3931 §5.4.2 */
	L2TP_AVP_PROTOCOL_VERSION = 2,	      /* RFC 2661 §4.4.3 (v2 only) */
	L2TP_AVP_FRAMING_CAP = 3,	      /* RFC 2661 §4.4.3 */
	L2TP_AVP_BEARER_CAP = 4,	      /* RFC 2661 §4.4.3 */
	L2TP_AVP_TIE_BREAKER = 5,	      /* RFC 2661 §4.4.3, RFC 3931 §5.4.3 */
	L2TP_AVP_FIRMWARE_REV = 6,	      /* RFC 2661 §4.4.3, RFC 3931 §5.4.3 */
	L2TP_AVP_HOST_NAME = 7,		      /* RFC 2661 §4.4.3, RFC 3931 §5.4.3 */
	L2TP_AVP_VENDOR_NAME = 8,	      /* RFC 2661 §4.4.3, RFC 3931 §5.4.3 */
	L2TP_AVP_ASSIGNED_TUNNEL_ID = 9,      /* RFC 2661 §4.4.3 (v2 only) */
	L2TP_AVP_RECEIVE_WINDOW = 10,	      /* RFC 2661 §4.4.3, RFC 3931 §5.4.3 */
	L2TP_AVP_CHALLENGE = 11,	      /* RFC 2661 §4.4.3 */
	L2TP_AVP_Q931_CAUSE = 12,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_CHALLENGE_RESPONSE = 13,     /* RFC 2661 §4.4.3 */
	L2TP_AVP_ASSIGNED_SESSION_ID = 14,    /* RFC 2661 §4.4.4 (v2 only) */
	L2TP_AVP_CALL_SERIAL_NUMBER = 15,     /* RFC 2661 §4.4.4, RFC 3931 §5.4.4 */
	L2TP_AVP_MINIMUM_BPS = 16,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_MAXIMUM_BPS = 17,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_BEARER_TYPE = 18,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_FRAMING_TYPE = 19,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_CALLED_NUMBER = 21,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_CALLING_NUMBER = 22,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_SUB_ADDRESS = 23,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_TX_CONNECT_SPEED = 24,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_PHYSICAL_CHANNEL_ID = 25,    /* RFC 2661 §4.4.4 */
	L2TP_AVP_INITIAL_RCVD_CONFREQ = 26,   /* RFC 2661 §4.4.5 */
	L2TP_AVP_LAST_SENT_CONFREQ = 27,      /* RFC 2661 §4.4.5 */
	L2TP_AVP_LAST_RCVD_CONFREQ = 28,      /* RFC 2661 §4.4.5 */
	L2TP_AVP_PROXY_AUTHEN_TYPE = 29,      /* RFC 2661 §4.4.5 */
	L2TP_AVP_PROXY_AUTHEN_NAME = 30,      /* RFC 2661 §4.4.5 */
	L2TP_AVP_PROXY_AUTHEN_CHALLENGE = 31, /* RFC 2661 §4.4.5 */
	L2TP_AVP_PROXY_AUTHEN_ID = 32,	      /* RFC 2661 §4.4.5 */
	L2TP_AVP_PROXY_AUTHEN_RESPONSE = 33,  /* RFC 2661 §4.4.5 */
	L2TP_AVP_CALL_ERRORS = 34,	      /* RFC 2661 §4.4.6 */
	L2TP_AVP_ACCM = 35,		      /* RFC 2661 §4.4.6 */
	L2TP_AVP_RANDOM_VECTOR = 36,	      /* RFC 2661 §4.4.1, RFC 3931 §5.4.1 */
	L2TP_AVP_PRIVATE_GROUP_ID = 37,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_RX_CONNECT_SPEED = 38,	      /* RFC 2661 §4.4.4 */
	L2TP_AVP_SEQUENCING_REQUIRED = 39,    /* RFC 2661 §4.4.4 */
	L2TP_AVP_PPP_DISCONNECT_CAUSE = 46,   /* RFC 3145 */
	L2TP_AVP_EXTENDED_VENDOR_ID = 58,     /* RFC 3931 §5.1 */
	L2TP_AVP_MESSAGE_DIGEST = 59,	      /* RFC 3931 §5.4.1 */
	L2TP_AVP_ROUTER_ID = 60,	      /* RFC 3931 §5.4.3 */
	L2TP_AVP_ASSIGNED_CONN_ID = 61,	      /* Assigned Control Connection ID, RFC 3931 §5.4.3 */
	L2TP_AVP_PW_CAP_LIST = 62,	      /* Pseudowire Capabilities List, RFC 3931 §5.4.3 */
	L2TP_AVP_LOCAL_SESSION_ID = 63,	      /* RFC 3931 §5.4.4 */
	L2TP_AVP_REMOTE_SESSION_ID = 64,      /* RFC 3931 §5.4.4 */
	L2TP_AVP_ASSIGNED_COOKIE = 65,	      /* RFC 3931 §5.4.4 */
	L2TP_AVP_REMOTE_END_ID = 66,	      /* RFC 3931 §5.4.4 */
	L2TP_AVP_PW_TYPE = 68,		      /* RFC 3931 §5.4.4 */
	L2TP_AVP_L2_SUBLAYER = 69,	      /* L2-Specific Sublayer, RFC 3931 §5.4.4 */
	L2TP_AVP_DATA_SEQUENCING = 70,	      /* RFC 3931 §5.4.4 */
	L2TP_AVP_CIRCUIT_STATUS = 71,	      /* RFC 3931 §5.4.5 */
	L2TP_AVP_PREFERRED_LANGUAGE = 72,     /* RFC 3931 §5.4.3 */
	L2TP_AVP_CTRL_AUTH_NONCE = 73, /* Control Message Authentication Nonce, RFC 3931 §5.4.1 */
	L2TP_AVP_TX_CONNECT_SPEED_V3 = 74, /* RFC 3931 §5.4.4 (64-bit) */
	L2TP_AVP_RX_CONNECT_SPEED_V3 = 75, /* RFC 3931 §5.4.4 (64-bit) */
};

#define L2TP_VENDOR_IETF 0

/* Pseudowire types (IANA registry of RFC 3931 §10.6; RFC 4719 §3.1, RFC 4591 ...). */
#define L2TP_PWTYPE_ETH_VLAN 0x0004 /* RFC 4719 §2.1 */
#define L2TP_PWTYPE_ETH	     0x0005 /* RFC 4719 §2.1 */
#define L2TP_PWTYPE_PPP	     0x0007 /* RFC 3931 §10.6 */

/* L2-Specific Sublayer AVP values, RFC 3931 §5.4.4 and RFC 4719 §3.2. */
#define L2TP_L2SUBLAYER_NONE	0
#define L2TP_L2SUBLAYER_DEFAULT 1

/* Message Digest AVP digest types, RFC 3931 §5.4.1. */
#define L2TP_DIGEST_TYPE_HMAC_MD5  0
#define L2TP_DIGEST_TYPE_HMAC_SHA1 1

/* StopCCN Result Code values: RFC 2661 §4.4.2, RFC 3931 §5.4.2. */
enum l2tp_stopccn_result {
	L2TP_STOPCCN_GENERAL_REQUEST = 1, /* general request to clear the control connection */
	L2TP_STOPCCN_GENERAL_ERROR = 2,	  /* Error Code says why */
	L2TP_STOPCCN_ALREADY_EXISTS = 3,
	L2TP_STOPCCN_NOT_AUTHORIZED = 4,
	L2TP_STOPCCN_BAD_VERSION = 5,
	L2TP_STOPCCN_SHUTTING_DOWN = 6,
	L2TP_STOPCCN_FSM_ERROR = 7, /* finite state machine error or timeout */
};

/* CDN Result Code values: RFC 2661 §4.4.2 (1..11), RFC 3931 §5.4.2 (13..16). */
enum l2tp_cdn_result {
	L2TP_CDN_LOST_CARRIER = 1,
	L2TP_CDN_GENERAL_ERROR = 2,
	L2TP_CDN_ADMIN = 3,
	L2TP_CDN_NO_FACILITIES_TEMP = 4,
	L2TP_CDN_NO_FACILITIES_PERM = 5,
	L2TP_CDN_INVALID_DEST = 6,
	L2TP_CDN_NO_CARRIER = 7,
	L2TP_CDN_BUSY = 8,
	L2TP_CDN_NO_DIALTONE = 9,
	L2TP_CDN_TIMEOUT = 10,
	L2TP_CDN_NO_FRAMING = 11,
	L2TP_CDN_LOST_TIE_BREAKER = 13,
	L2TP_CDN_UNSUPPORTED_PW_TYPE = 14,
	L2TP_CDN_SEQ_WITHOUT_SUBLAYER = 15,
	L2TP_CDN_FSM_ERROR = 16,
};

/* General Error Codes (the Error Code field of the Result Code AVP): RFC 3931 §5.4.2. */
enum l2tp_error_code {
	L2TP_ERR_NONE = 0,
	L2TP_ERR_NO_CONNECTION = 1,
	L2TP_ERR_BAD_LENGTH = 2,
	L2TP_ERR_OUT_OF_RANGE = 3,
	L2TP_ERR_NO_RESOURCES = 4,
	L2TP_ERR_INVALID_SESSION_ID = 5,
	L2TP_ERR_VENDOR = 6,
	L2TP_ERR_TRY_ANOTHER = 7,
	L2TP_ERR_UNKNOWN_MANDATORY_AVP = 8, /* RFC 3931 §5.2, RFC 2661 §4.1 */
	L2TP_ERR_TRY_ANOTHER_DIRECTED = 9,  /* RFC 3931 §5.4.2 */
};

const char *l2tp_msg_name(uint16_t msg_type);
const char *l2tp_avp_name(uint16_t attr_type); /* IETF (vendor 0) attributes */
/* The Result Code's meaning depends on the message that carries it (StopCCN or CDN). */
const char *l2tp_result_name(uint16_t msg_type, uint16_t result);
const char *l2tp_error_name(uint16_t error);
const char *l2tp_pw_type_name(uint16_t pw_type);

#endif
