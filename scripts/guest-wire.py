#!/usr/bin/env python3
"""Test helper for scripts/guest-smoke.sh: the guest protocol's wire format, written
independently of the Swift code (Sources/TarmacGuestProtocol), so the smoke test also
checks that format.

  guest-wire.py config JSON OUT    encode a GuestConfig (JSON keys as in the Swift type)
  guest-wire.py exit FILE          decode the last `exited` report in an exit-port file, as JSON
"""
import json
import struct
import sys

VERSION = 1
MARKER = bytes([0xFF, 0x54, 0x52, 0x4D, 0x43, 0x53, 0x59, 0x4E])
EXITED = 25


def string(value):
    data = value.encode()
    return struct.pack(">I", len(data)) + data


def strings(values):
    return struct.pack(">I", len(values)) + b"".join(string(v) for v in values)


def encode_config(c):
    out = struct.pack(">H", VERSION)
    out += strings(c.get("args", []))
    out += strings(c.get("env", []))
    out += string(c.get("workingDirectory", "/"))
    out += string(c.get("user", ""))
    out += string(c.get("hostname", ""))
    network = c.get("network")
    out += bytes([1 if network else 0])
    if network:
        out += string(network["address"]) + bytes([network["prefixLength"]])
        out += string(network.get("gateway", "")) + strings(network.get("nameservers", []))
    out += strings(c.get("hosts", []))
    out += string(c.get("rootDevice", "/dev/vda"))
    out += string(c.get("rootFSType", "ext4"))
    mounts = c.get("mounts", [])
    out += struct.pack(">I", len(mounts))
    for m in mounts:
        out += string(m["device"]) + string(m["path"]) + string(m["fsType"])
    return out


def decode_exit(data):
    last = None
    index = 0
    while True:
        index = data.find(MARKER, index)
        if index < 0:
            return last
        start = index + len(MARKER)
        if start + 4 > len(data):
            return last
        (length,) = struct.unpack(">I", data[start:start + 4])
        payload = data[start + 4:start + 4 + length]
        index = start
        if len(payload) < length or not payload or payload[0] != EXITED:
            continue
        code, signal = struct.unpack(">qq", payload[1:17])
        oom = payload[17] != 0
        error = None
        if payload[18] != 0:
            (n,) = struct.unpack(">I", payload[19:23])
            error = payload[23:23 + n].decode(errors="replace")
        last = {"exitCode": code, "signal": signal, "oomKilled": oom, "error": error}


if __name__ == "__main__":
    if sys.argv[1] == "config":
        with open(sys.argv[3], "wb") as f:
            f.write(encode_config(json.loads(sys.argv[2])))
    elif sys.argv[1] == "exit":
        with open(sys.argv[2], "rb") as f:
            print(json.dumps(decode_exit(f.read())))
    else:
        sys.exit(__doc__)
