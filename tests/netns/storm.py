#!/usr/bin/python3
"""Bad-input generator for scenario 11: random, truncated and malformed L2TP
packets at a daemon's UDP port or IP protocol 115, from a raw socket (so the
source address can be the real peer's, which is what reaches the tunnel's own
parsers).  Standard library only; seeded, so a failing run can be replayed.

What it sends (each kind equally often):
  random      random bytes, 0..300 long
  ctl-trunc   an L2TPv3 control header cut anywhere in its first 12 bytes
  ctl-avps    a control header for the real control connection id with
              garbage AVPs: bad lengths (0..5, past the end), hidden without
              a Random Vector, unknown mandatory types, bogus message types
  ctl-len     a control header whose Length field lies
  data-cookie data for the real session id with a wrong cookie
  data-trunc  data for the real session id cut inside the header or cookie
  data-runt   data with the right cookie (if given) but a frame < 14 bytes
  data-nosess data for session ids nobody assigned
  other-ver   version 2 and other versions, random flags

Message types 4 (StopCCN) and 14 (CDN) are never generated: a well-formed
teardown from the real peer's address would be obeyed, rightly.
"""
import argparse
import random
import socket
import struct
import sys
import time

KINDS = ["random", "ctl-trunc", "ctl-avps", "ctl-len", "data-cookie",
         "data-trunc", "data-runt", "data-nosess", "other-ver"]


def rbytes(r, n):
    return bytes(r.getrandbits(8) for _ in range(n))


def avps(r):
    out = b""
    mtype = r.choice([1, 2, 3, 6, 10, 11, 12, 20, r.randrange(0, 65536)])
    if mtype in (4, 14):
        mtype = 6
    out += struct.pack("!HHHH", 0x8008, 0, 0, mtype)
    for _ in range(r.randrange(0, 8)):
        flags = r.choice([0x0000, 0x8000, 0x4000, 0xc000])
        vlen = r.randrange(0, 40)
        value = rbytes(r, vlen)
        length = 6 + vlen
        how = r.randrange(4)
        if how == 0:
            length = r.randrange(0, 6)  # shorter than an AVP header
        elif how == 1:
            length = min(1023, length + r.randrange(1, 200))  # runs past the end
        vendor = r.choice([0, 0, 0, 9, r.randrange(0, 65536)])
        atype = r.choice([r.randrange(0, 100), 36, 59, 60, 61, 63, 64, 65])
        out += struct.pack("!HHH", flags | (length & 0x3ff), vendor, atype) + value
    return out


def control(r, ccid, kind):
    body = avps(r)
    ns, nr = r.randrange(0, 65536), r.randrange(0, 65536)
    length = 12 + len(body)
    if kind == "ctl-len":
        length = r.choice([0, 1, 11, length - 1, length + 1, 65535])
    hdr = struct.pack("!HHIHH", 0xc803, length & 0xffff, ccid, ns, nr)
    if kind == "ctl-trunc":
        return hdr[:r.randrange(0, 12)]
    return hdr + body


def data(r, sid, cookie, kind, cookie_len):
    if kind == "data-nosess":
        sid = r.randrange(1, 1 << 32)
    if kind == "data-cookie" or not cookie:
        ck = rbytes(r, cookie_len) if cookie_len else b""
        if ck == cookie:
            ck = bytes(b ^ 0xff for b in ck)
    else:
        ck = cookie
    frame = rbytes(r, r.randrange(0, 14) if kind == "data-runt" else r.randrange(14, 200))
    pkt = struct.pack("!I", sid) + ck + frame
    if kind == "data-trunc":
        pkt = pkt[:r.randrange(0, 4 + max(cookie_len, 1))]
    return pkt


def payload(r, a, kind):
    """The L2TP bytes: UDP payload or IP protocol 115 payload."""
    if kind == "random":
        return rbytes(r, r.randrange(0, 300))
    if kind == "other-ver":
        flags = (r.getrandbits(12) << 4) | r.choice([0, 1, 2, 4, 5, 15])
        return struct.pack("!H", flags) + rbytes(r, r.randrange(0, 60))
    if kind.startswith("ctl"):
        c = control(r, a.ccid, kind)
        return c if a.encap == "udp" else b"\0\0\0\0" + c
    d = data(r, a.session, a.cookie, kind, a.cookie_len)
    return b"\x00\x03\x00\x00" + d if a.encap == "udp" else d


def ipv4(src, dst, proto, body, r):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(body), r.randrange(1, 65536), 0,
                       64, proto, 0, socket.inet_aton(src), socket.inet_aton(dst)) + body


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--src", required=True)
    p.add_argument("--dst", required=True)
    p.add_argument("--encap", choices=["udp", "ip"], default="udp")
    p.add_argument("--sport", type=int, default=1701)
    p.add_argument("--dport", type=int, default=1701)
    p.add_argument("--ccid", type=int, default=0, help="the receiver's control connection id")
    p.add_argument("--session", type=int, default=0, help="the receiver's session id")
    p.add_argument("--cookie", default="", help="the cookie the receiver expects (hex)")
    p.add_argument("--cookie-len", type=int, default=4)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--rate", type=int, default=1000, help="packets per second")
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    a.cookie = bytes.fromhex(a.cookie)
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    r = random.Random(seed)

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = {k: 0 for k in KINDS}
    t0 = time.monotonic()
    for i in range(a.count):
        kind = KINDS[i % len(KINDS)]
        l2 = payload(r, a, kind)
        if a.encap == "udp":
            body = struct.pack("!HHHH", a.sport, a.dport, 8 + len(l2), 0) + l2
            pkt = ipv4(a.src, a.dst, socket.IPPROTO_UDP, body, r)
        else:
            pkt = ipv4(a.src, a.dst, 115, l2, r)
        s.sendto(pkt, (a.dst, 0))
        sent[kind] += 1
        ahead = (i + 1) / a.rate - (time.monotonic() - t0)
        if ahead > 0.005:
            time.sleep(ahead)
    took = time.monotonic() - t0
    print("storm %s -> %s %s seed %d: %d packets in %.1f s (%s)" % (
        a.src, a.dst, a.encap, seed, a.count, took,
        ", ".join("%s %d" % kv for kv in sent.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
