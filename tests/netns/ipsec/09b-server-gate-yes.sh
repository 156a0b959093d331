#!/bin/bash
# IPsec scenario 9b: scenario 9 with the server's use-ipsec = yes: a client
# that came through an SA gets nothing in clear once its SA is gone.
export L2T_SERVER_USE=yes L2T_NAME_OVERRIDE=09b-server-gate-yes
exec bash "$(dirname "$0")/09-server-gate.sh" "$@"
