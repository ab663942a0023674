#!/usr/bin/env python3
"""Event feed latency: from a state change on the agent to (a) a WebSocket subscriber of
`/tarmac/v1/apps/{app}/events/ws`, (b) a Server-Sent Events subscriber of `…/events/sse` and
(c) a local webhook receiver, over at least `--events` machine events.

Run it through `bench/event-latency.sh` (builds tarmac, cleans up host resources). Machines
are started and stopped in a loop, so their agent writes `start` and `exit` events; each
event's `timestamp` (unix ms, taken by the agent when it made the change, before its durable
write) is compared with the time its copy reached each subscriber on this host. The clock
is the same, the resolution is 1 ms (timestamps are whole milliseconds). The same run also
reports how many events each channel missed (must be 0) and whether every webhook signature
verified. Standard library only.
"""

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import BenchError, git_describe, machine_info, summary  # noqa: E402
from machine_start import APP, IMAGE, Bench, log, helper_parser, run_helper  # noqa: E402

SECRET = "bench-webhook-secret-0123456789"


def now_ms():
    return time.time() * 1000.0


class Channel:
    """Receive times per event sequence for one subscriber."""

    def __init__(self, name):
        self.name = name
        self.lock = threading.Lock()
        self.latency = {}     # sequence -> ms
        self.errors = []
        self.bad_signatures = 0

    def record(self, event):
        received = now_ms()
        sequence = event.get("sequence")
        stamp = (event.get("event") or {}).get("timestamp")
        if sequence is None or stamp is None:
            return
        with self.lock:
            self.latency.setdefault(sequence, received - stamp)

    def count(self):
        with self.lock:
            return len(self.latency)


def sse_subscriber(port, token, channel, stop):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", f"/tarmac/v1/apps/{APP}/events/sse", headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
        response = conn.getresponse()
        if response.status != 200:
            raise BenchError(f"SSE answered {response.status}")
        data = []
        while not stop.is_set():
            line = response.fp.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                channel.record(json.loads("\n".join(data)))
                data = []
    except Exception as error:  # noqa: BLE001 - reported with the results
        if not stop.is_set():
            channel.errors.append(str(error))


def ws_subscriber(port, token, channel, stop, ready):
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall((f"GET /tarmac/v1/apps/{APP}/events/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                      f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                      f"Authorization: Bearer {token}\r\n\r\n").encode())
        stream = sock.makefile("rb")
        status = stream.readline()
        if b" 101 " not in status:
            raise BenchError(f"WebSocket upgrade answered {status!r}")
        while stream.readline() not in (b"\r\n", b""):
            pass
        ready.set()

        def exactly(n):
            chunk = stream.read(n)
            if chunk is None or len(chunk) < n:
                raise EOFError("WebSocket closed")
            return chunk

        while not stop.is_set():
            first, second = exactly(2)
            opcode, length = first & 0x0F, second & 0x7F
            if length == 126:
                length = struct.unpack("!H", exactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", exactly(8))[0]
            payload = exactly(length)
            if opcode == 0x1:
                channel.record(json.loads(payload))
            elif opcode == 0x9:  # ping: answer with a masked pong
                mask = os.urandom(4)
                sock.sendall(bytes([0x8A, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
            elif opcode == 0x8:
                break
    except Exception as error:  # noqa: BLE001
        if not stop.is_set():
            channel.errors.append(str(error))
        ready.set()


def webhook_server(channel):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fields = dict(part.split("=", 1) for part in self.headers.get("tarmac-signature", "").split(",") if "=" in part)
            expected = hmac.new(SECRET.encode(), f"{fields.get('t', '')}.".encode() + body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, fields.get("v1", "")):
                channel.bad_signatures += 1
            channel.record(json.loads(body))
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class EventBench(Bench):
    def run(self):
        self.start_dev()
        self.import_image()
        channels = {"websocket": Channel("websocket"), "sse": Channel("sse"), "webhook": Channel("webhook")}
        server = webhook_server(channels["webhook"])
        self.api.request("POST", f"/tarmac/v1/apps/{APP}/webhooks",
                         {"url": f"http://127.0.0.1:{server.server_address[1]}/hook", "secret": SECRET})
        stop = threading.Event()
        ready = threading.Event()
        threads = [
            threading.Thread(target=sse_subscriber, args=(self.args.port, self.token, channels["sse"], stop), daemon=True),
            threading.Thread(target=ws_subscriber, args=(self.args.port, self.token, channels["websocket"], stop, ready), daemon=True),
        ]
        for thread in threads:
            thread.start()
        ready.wait(10)
        time.sleep(0.5)  # the SSE subscriber is connected too

        machines = []
        for _ in range(self.args.machines):
            _, machine = self.api.request("POST", f"/v1/apps/{APP}/machines", {"config": {"image": IMAGE, "restart": {"policy": "no"}}})
            machines.append(machine["id"])
            self.machines.add(machine["id"])
        for machine_id in machines:
            self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=started&timeout=60")
        log(f"{len(machines)} machines started; cycling stop/start until {self.args.events} events")
        started = time.monotonic()
        while channels["sse"].count() < self.args.events:
            for machine_id in machines:
                self.api.request("POST", f"/v1/apps/{APP}/machines/{machine_id}/stop")
            for machine_id in machines:
                self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=stopped&timeout=60")
            for machine_id in machines:
                self.api.request("POST", f"/v1/apps/{APP}/machines/{machine_id}/start")
            for machine_id in machines:
                self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=started&timeout=60")
            if self.args.verbose:
                log(f"events: " + ", ".join(f"{c.name} {c.count()}" for c in channels.values()))
        generated = time.monotonic() - started
        _, feed = self.api.request("GET", f"/tarmac/v1/apps/{APP}/events?limit=500")
        last = feed[-1]["sequence"] if feed else 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(max(c.latency, default=0) < last for c in channels.values()):
            time.sleep(0.1)
        stop.set()
        server.shutdown()
        sequences = set(channels["sse"].latency) | set(channels["websocket"].latency)
        results = {"machine": machine_info(), "git": git_describe(), "events_target": self.args.events,
                   "machines": len(machines), "generation_seconds": round(generated, 1),
                   "events_per_second": round(len(sequences) / generated, 1) if generated else None, "channels": {}}
        for name, channel in channels.items():
            values = list(channel.latency.values())
            results["channels"][name] = {
                "received": len(values), "missed": len(sequences - set(channel.latency)), "errors": channel.errors[:3],
                "latency_ms": summary(values) if values else None,
                **({"bad_signatures": channel.bad_signatures} if name == "webhook" else {}),
            }
        return results


def print_report(results):
    print(f"\nEvent latency: {results['machines']} machines, {results['channels']['sse']['received']} events "
          f"in {results['generation_seconds']} s ({results['events_per_second']} events/s)")
    print(f"{'channel':<10} {'events':>7} {'missed':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, channel in results["channels"].items():
        s = channel["latency_ms"] or {}
        print(f"{name:<10} {channel['received']:>7} {channel['missed']:>7} {s.get('median', float('nan')):>8.1f} "
              f"{s.get('p90', float('nan')):>8.1f} {s.get('p99', float('nan')):>8.1f} {s.get('max', float('nan')):>8.1f}")
    webhook = results["channels"]["webhook"]
    print(f"webhook signatures that failed to verify: {webhook['bad_signatures']}")
    ok = all(results["channels"][c]["latency_ms"] and results["channels"][c]["latency_ms"]["p99"] < 20 for c in ("websocket", "sse"))
    print(f"target p99 < 20 ms for WebSocket and SSE: {'met' if ok else 'NOT met'}")


def main():
    parser = helper_parser(__doc__, runtimes=("container", "microvm"), max_seconds=900)
    parser.add_argument("--events", type=int, default=1000, help="at least this many events (default 1000)")
    parser.add_argument("--machines", type=int, default=10, help="machines cycled in parallel (default 10)")
    return run_helper(EventBench(parser.parse_args()), print_report)


if __name__ == "__main__":
    sys.exit(main())
