#!/bin/bash
# IPsec scenario 2b: scenario 2 with an IPv6 underlay and L2TPv3 over IP
# protocol 115 (encap = "ip"): IKE and ESP-in-UDP over IPv6, no protocol 115
# and no known payload in clear on the WAN.
export L2T_FAMILY=6 L2T_ENCAP=ip L2T_NAME_OVERRIDE=02b-pw-yes-ip6
exec bash "$(dirname "$0")/02-pw-yes.sh" "$@"
