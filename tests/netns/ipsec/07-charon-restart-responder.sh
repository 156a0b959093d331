#!/bin/bash
# IPsec scenario 7: scenario 6 with the responder's charon (site B,
# 198.18.0.2) SIGKILLed and restarted.  Site A's charon keeps its stale SA
# until DPD tells it B forgot it; the pseudowire must come back by itself all
# the same, within the bound of 06's header (the time is printed).
export L2T_KILL_SIDE=B L2T_NAME_OVERRIDE=07-charon-restart-responder
exec bash "$(dirname "$0")/06-charon-restart.sh" "$@"
