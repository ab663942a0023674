#!/usr/bin/env python3
"""Console latency benchmark: keystroke → echo through `tarmac machine console`'s WebSocket.

Run it through `bench/console-latency.sh` (same set-up, isolation and clean-up as
bench/machine-start.sh). In one run, against the same running container:

  (a) reference: `runc exec --tty ID sh` on a local pseudo-terminal (what a shell on the
      host sees), timing a keystroke written to the terminal until its echo is read back;
  (b) Tarmac: the same keystroke sent as a binary WebSocket message to
      /tarmac/v1/apps/{app}/machines/{id}/console/ws until its echo arrives (API → agent wire
      → runc exec --tty → the shell's line editor, and back).

Each sample types one letter and erases it again (Ctrl-U), so the line never grows.
With --runtime microvm only (b) runs (the reference needs runc). Prints p50/p90/p99 of each
and the ratio b/a. Standard library only.
"""

import base64
import os
import pty
import select
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import BenchError, git_describe, machine_info, summary  # noqa: E402
from machine_start import APP, IMAGE, Bench, helper_parser, run_helper  # noqa: E402


class WebSocket:
    def __init__(self, port, path, token):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
        self.stream = self.sock.makefile("rb")
        status = self.stream.readline()
        if b" 101 " not in status:
            raise BenchError(f"console upgrade answered {status!r}")
        while self.stream.readline() not in (b"\r\n", b""):
            pass

    def send(self, data, opcode=0x2):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode, 0x80 | len(data)]) if len(data) < 126 else bytes([0x80 | opcode, 0xFE]) + struct.pack("!H", len(data))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def receive(self):
        """(opcode, payload) of the next frame."""
        first, second = self.stream.read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self.stream.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self.stream.read(8))[0]
        return first & 0x0F, self.stream.read(length)

    def close(self):
        try:
            self.send(b"", opcode=0x8)
        except OSError:
            pass
        self.sock.close()


def until(read, marker, timeout=30):
    seen = b""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        if time.monotonic() > deadline:
            raise BenchError(f"did not see {marker!r} within {timeout} s; saw {seen[-200:]!r}")
        seen += read()
    return seen


class ConsoleBench(Bench):
    def measure(self, write, read):
        until(read, b"# ")
        values = []
        for index in range(self.args.warmup + self.args.samples):
            start = time.perf_counter()
            write(b"x")
            until(read, b"x")
            elapsed = (time.perf_counter() - start) * 1000
            write(b"\x15")  # Ctrl-U: erase the line again
            time.sleep(0.005)
            if index >= self.args.warmup:
                values.append(elapsed)
        return summary(values)

    def tarmac(self, machine_id):
        ws = WebSocket(self.args.port, f"/tarmac/v1/apps/{APP}/machines/{machine_id}/console/ws", self.token)

        def read():
            opcode, payload = ws.receive()
            return payload if opcode == 0x2 else b""

        try:
            return self.measure(ws.send, read)
        finally:
            ws.close()

    def reference(self):
        root = os.path.join(self.data, "agent", "runc")
        ids = subprocess.run(["runc", "--root", root, "list", "-q"], capture_output=True, text=True, check=True).stdout.split()
        if len(ids) != 1:
            raise BenchError(f"expected one container under {root}, found {ids}")
        pid, master = pty.fork()
        if pid == 0:
            os.execvp("runc", ["runc", "--root", root, "exec", "--tty", ids[0], "/bin/sh"])

        def read():
            ready, _, _ = select.select([master], [], [], 5)
            return os.read(master, 65536) if ready else b""

        try:
            return self.measure(lambda data: os.write(master, data), read)
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(master)

    def run(self):
        self.start_dev()
        self.import_image()
        _, machine = self.api.request("POST", f"/v1/apps/{APP}/machines", {"config": {"image": IMAGE, "restart": {"policy": "no"}}})
        self.machines.add(machine["id"])
        self.api.request("GET", f"/v1/apps/{APP}/machines/{machine['id']}/wait?state=started&timeout=60")
        results = {"machine": machine_info(), "git": git_describe(), "runtime": self.args.runtime, "samples": self.args.samples}
        if self.args.runtime == "container":
            results["runc_exec_tty_ms"] = self.reference()
        results["tarmac_console_ms"] = self.tarmac(machine["id"])
        return results


def print_report(r):
    print(f"\nConsole keystroke → echo ({r['runtime']}, {r['samples']} samples, ms)")
    rows = [("runc exec --tty on a local pty (reference)", r.get("runc_exec_tty_ms")), ("tarmac console WebSocket", r["tarmac_console_ms"])]
    for name, s in rows:
        if s:
            print(f"  {name:<44} p50 {s['median']:6.2f}  p90 {s['p90']:6.2f}  p99 {s['p99']:6.2f}  max {s['max']:6.2f}")
    if r.get("runc_exec_tty_ms"):
        print(f"  ratio tarmac / reference (p50): {r['tarmac_console_ms']['median'] / r['runc_exec_tty_ms']['median']:.2f}x")


def main():
    parser = helper_parser(__doc__, runtimes=("container", "microvm"), max_seconds=600)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    return run_helper(ConsoleBench(parser.parse_args()), print_report)


if __name__ == "__main__":
    sys.exit(main())
