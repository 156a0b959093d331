#!/usr/bin/python3
"""tcx_progs.py IFNAME ingress|egress: the BPF programs attached to IFNAME's tcx hook.

`tc filter show` lists cls_bpf filters only, and the bpftool of Debian 12 (7.1) does not
know tcx links (Linux 6.6), which is how l2pwd attaches its TC programs.  This asks the
kernel directly (BPF_PROG_QUERY with BPF_TCX_INGRESS / BPF_TCX_EGRESS) and prints one
line per program: "ID NAME".  Run it inside the device's network namespace.  Exit status
0 also when nothing is attached (prints nothing); 2 on errors.
"""
import ctypes
import os
import socket
import struct
import sys

SYS_BPF = 321  # x86_64
BPF_PROG_GET_FD_BY_ID = 13
BPF_OBJ_GET_INFO_BY_FD = 15
BPF_PROG_QUERY = 16
BPF_TCX = {"ingress": 46, "egress": 47}

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(bytes(attr), len(attr))
    ret = libc.syscall(SYS_BPF, cmd, buf, len(attr))
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret, buf.raw


def prog_ids(ifindex, attach_type):
    ids = (ctypes.c_uint32 * 64)()
    # union bpf_attr .query: target_fd/ifindex, attach_type, query_flags, attach_flags,
    # prog_ids (u64 pointer), prog_cnt; the rest zero (128 bytes in all)
    attr = struct.pack("=IIIIQI", ifindex, attach_type, 0, 0, ctypes.addressof(ids), 64)
    attr += bytes(128 - len(attr))
    _, out = bpf(BPF_PROG_QUERY, attr)
    count = struct.unpack_from("=I", out, 24)[0]
    return [ids[i] for i in range(min(count, 64))]


def prog_name(prog_id):
    fd, _ = bpf(BPF_PROG_GET_FD_BY_ID, struct.pack("=I", prog_id) + bytes(124))
    try:
        info = ctypes.create_string_buffer(256)
        attr = struct.pack("=IIQ", fd, 256, ctypes.addressof(info)) + bytes(112)
        bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        # struct bpf_prog_info: name[16] at offset 64
        return info.raw[64:80].split(b"\0", 1)[0].decode()
    finally:
        os.close(fd)


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in BPF_TCX:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    try:
        ifindex = socket.if_nametoindex(sys.argv[1])
        for pid in prog_ids(ifindex, BPF_TCX[sys.argv[2]]):
            print(pid, prog_name(pid))
    except OSError as e:
        print(f"tcx_progs: {sys.argv[1]} {sys.argv[2]}: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
