// SPDX-License-Identifier: GPL-2.0
/*
 * XDP decapsulation on the WAN NIC.  Data packets of sessions the daemon put
 * in l2pw_v3_sessions / l2pw_v2_sessions lose their outer headers and go
 * through the l2pw_ports devmap to the session's port: a veth whose peer is
 * the bridge port (TESTBED: XDP_REDIRECT into a TAP reaches its reader, not
 * the bridge; the veth peer needs GRO on or an XDP program for NAPI).
 * Everything else leaves untouched with XDP_PASS, for the TC variant or the
 * daemon's socket, with one counter per reason.
 */
#include "l2pw_parsing.h"

SEC("xdp")
int l2pw_xdp_rx(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct l2pw_rx_result r = {};
	int reason;

	reason = l2pw_rx_parse(data, data_end, bpf_xdp_get_buff_len(ctx), &r);
	if (reason)
		goto out;

	/* Look the port up before touching the packet: without it the
	 * packet must still reach the stack intact. */
	if (bpf_redirect_map(&l2pw_ports, r.ifindex, XDP_PASS) != XDP_REDIRECT) {
		reason = L2PW_R_NO_PORT;
		goto out;
	}
	if (r.trim && bpf_xdp_adjust_tail(ctx, -(int)r.trim)) {
		reason = L2PW_R_ADJUST_FAILED;
		goto out;
	}
	if (bpf_xdp_adjust_head(ctx, (int)r.strip)) {
		reason = L2PW_R_ADJUST_FAILED;
		goto out;
	}
	l2pw_rx_account(&r, 0);
	return XDP_REDIRECT;

out:
	l2pw_rx_account(&r, reason);
	return reason == L2PW_R_SEQ_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
