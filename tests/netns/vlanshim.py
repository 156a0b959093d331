#!/usr/bin/python3
"""A VLAN sub-interface in userspace, for kernels without 802.1Q (this test
machine's has CONFIG_VLAN_8021Q unset, so `ip link add ... type vlan` fails).

    vlanshim.py PARENT TAPNAME VID

creates the TAP device TAPNAME; every frame the host sends on it leaves
PARENT with an 802.1Q tag VID inserted after the MAC addresses, and every
frame arriving on PARENT tagged VID comes out of TAPNAME untagged.  Give
TAPNAME an address and ping/arping work over VLAN VID exactly as over a
kernel VLAN device; the wire carries real tagged frames.

The receive path strips tags into packet metadata before packet sockets see
the frame, so the tag is read back from PACKET_AUXDATA (tp_vlan_tci).
Prints "ready" once both ends are open; runs until killed.
"""
import fcntl
import os
import select
import socket
import struct
import sys

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
TP_STATUS_VLAN_VALID = 0x10
AUX = struct.Struct("=IIIHHHH")  # struct tpacket_auxdata


def main():
    parent, tapname, vid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tap = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH", tapname.encode(), IFF_TAP | IFF_NO_PI))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    raw.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    raw.bind((parent, 0))
    tag = struct.pack("!HH", 0x8100, vid & 0xfff)
    print("ready", flush=True)
    while True:
        r, _, _ = select.select([tap, raw], [], [])
        if tap in r:
            frame = os.read(tap, 65535)
            if len(frame) >= 14:
                raw.send(frame[:12] + tag + frame[12:])
        if raw in r:
            frame, anc, _, addr = raw.recvmsg(65535, socket.CMSG_SPACE(AUX.size))
            if addr[2] == PACKET_OUTGOING or len(frame) < 14:
                continue
            tci = None
            for level, typ, data in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(data) >= AUX.size:
                    status, _, _, _, _, vtci, _ = AUX.unpack(data[:AUX.size])
                    if status & TP_STATUS_VLAN_VALID:
                        tci = vtci
            if tci is None and frame[12:14] == b"\x81\x00" and len(frame) >= 18:
                tci = struct.unpack("!H", frame[14:16])[0]
                frame = frame[:12] + frame[16:]
            if tci is not None and tci & 0xfff == vid:
                os.write(tap, frame)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
