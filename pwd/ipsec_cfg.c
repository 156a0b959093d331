/*
 * From l2pwd.conf(5) sections to struct ipsec_conn: the policy of which side
 * negotiates what, in one place.
 *
 * - pseudowire: IKEv2 between two l2pwd sites, L2TP port (or IP 115) on both
 *   sides.  Both ends name each other, so both could initiate; two IKE_SAs for
 *   one pair is waste and, with libipsec, two TUN routes fighting.  When both
 *   addresses are configured the numerically lower one initiates (start) and
 *   the other only answers; without `local` both initiate and strongSwan keeps
 *   whichever pair completes.
 * - l2tp-client: RouterOS and Windows servers speak IKEv1 main mode for
 *   L2TP/IPsec; our source port is whatever the client socket got, so the
 *   local selector is any UDP port.
 * - l2tp-server: any peer, IKEv1 or IKEv2, from any UDP port to our L2TP port.
 */
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "cfg.h"
#include "ipsec.h"

static const char *addr_text(const struct cfg_addr *a)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->ss;

	switch (a->ss.ss_family) {
	case AF_INET:
		return in->sin_addr.s_addr == htonl(INADDR_ANY) ? NULL : a->text;
	case AF_INET6:
		return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ? NULL : a->text;
	default:
		return NULL;
	}
}

/* <0, 0, >0 like memcmp over the address bytes (same family assumed). */
static int addr_cmp(const struct cfg_addr *a, const struct cfg_addr *b)
{
	if (a->ss.ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)&a->ss)->sin_addr,
			      &((const struct sockaddr_in *)&b->ss)->sin_addr, 4);
	return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		      &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16);
}

static void opts(struct ipsec_conn *c, const struct cfg_ipsec_opts *o)
{
	c->secret = o->secret;
	c->mode = o->mode == CFG_IPSEC_TUNNEL ? IPSEC_MODE_TUNNEL : IPSEC_MODE_TRANSPORT;
}

int ipsec_conn_from_pw(const struct cfg_pseudowire *pw, struct ipsec_conn *c, char *name,
		       size_t namelen)
{
	memset(c, 0, sizeof(*c));
	if (pw->ipsec.use == CFG_IPSEC_NO || ipsec_conn_name(pw->interface, name, namelen) < 0)
		return -1;
	c->name = name;
	c->ike_version = 2;
	c->role = IPSEC_ROLE_INITIATOR;
	c->start = IPSEC_START_START;
	c->proto = pw->encap == CFG_ENCAP_IP ? IPSEC_PROTO_L2TPIP : IPSEC_PROTO_UDP;
	c->local_addr = addr_text(&pw->local);
	c->remote_addr = addr_text(&pw->remote);
	c->local_port = pw->port;
	c->remote_port = pw->port;
	if (c->local_addr && c->remote_addr && addr_cmp(&pw->local, &pw->remote) > 0)
		c->role = IPSEC_ROLE_RESPONDER;
	opts(c, &pw->ipsec);
	return 0;
}

int ipsec_conn_from_client(const struct cfg_l2tp_client *cl, struct ipsec_conn *c, char *name,
			   size_t namelen)
{
	memset(c, 0, sizeof(*c));
	if (cl->ipsec.use == CFG_IPSEC_NO || ipsec_conn_name(cl->interface, name, namelen) < 0)
		return -1;
	c->name = name;
	c->ike_version = 1;
	c->role = IPSEC_ROLE_INITIATOR;
	c->start = IPSEC_START_START;
	c->proto = IPSEC_PROTO_UDP;
	c->remote_addr = addr_text(&cl->connect_to);
	c->local_port = 0;
	c->remote_port = cl->port;
	opts(c, &cl->ipsec);
	return 0;
}

int ipsec_conn_from_server(const struct cfg_l2tp_server *srv, struct ipsec_conn *c)
{
	memset(c, 0, sizeof(*c));
	if (!srv->enabled || srv->ipsec.use == CFG_IPSEC_NO)
		return -1;
	c->name = IPSEC_SERVER_CONN;
	c->ike_version = 0;
	c->role = IPSEC_ROLE_RESPONDER;
	c->proto = IPSEC_PROTO_UDP;
	c->local_addr = addr_text(&srv->listen);
	c->local_port = srv->port;
	c->remote_port = 0;
	opts(c, &srv->ipsec);
	return 0;
}
