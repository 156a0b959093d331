#!/bin/sh
# Install the Debian packages that building, testing and the demo need.
# Idempotent: only packages that are missing are installed; apt-get only.
set -eu

PKGS="make gcc clang llvm pkg-config libclang-rt-14-dev
libconfuse-dev check nettle-dev libjansson-dev libmnl-dev libpcap-dev libbpf-dev bpftool
iproute2 nftables iputils-ping iputils-arping iperf3 tshark tcpdump jq ethtool
procps psmisc python3 python3-scapy openvpn openssl
strongswan-swanctl strongswan-charon libstrongswan-standard-plugins libcharon-extra-plugins"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi

echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
