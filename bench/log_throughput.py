#!/usr/bin/env python3
"""Log throughput benchmark: how fast machine output gets into the logs, and what collecting
it costs the workload.

Run it through `bench/log-throughput.sh` (same set-up, isolation and clean-up as
bench/machine-start.sh). In one run, the same workload — busybox awk printing N lines of
~100 bytes as fast as it can — runs:

  (a) in a container machine whose stdout is collected (the measured path);
  (b) in a container machine writing to /dev/null (reference: the workload alone);
  (c) on the host writing to a file on the data disk (reference: the disk).

The workload times itself with /proc/uptime (the host's boot clock: containers share the
kernel), so the host can tell when its last line was written. Printed: the workload's speed
in each case and the slowdown (a)/(b); the collection throughput (lines/s from the first
line written to the last line readable through `GET /tarmac/v1/apps/{app}/logs`) and the lag
after the workload's end; the latency of log queries (tail of 100 and 10,000 lines, a
forward read from a time). Standard library only.
"""

import os
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import BenchError, git_describe, machine_info, summary  # noqa: E402
from machine_start import APP, IMAGE, Bench, log, helper_parser, run_helper  # noqa: E402

LINE_PAD = "x" * 72


def workload(lines, sink=""):
    """A shell command: prints `lines` lines through awk, then `workload START END` (boot-clock
    seconds) on stderr, then sleeps so the machine stays up."""
    awk = f"awk 'BEGIN{{for(i=1;i<={lines};i++) print \"bench log line \" i \" {LINE_PAD}\"}}'"
    return (f"read s _ < /proc/uptime; {awk} {sink}; read e _ < /proc/uptime; "
            f"echo \"workload $s $e\" >&2; sleep 3600")


def boottime():
    return time.clock_gettime(time.CLOCK_BOOTTIME)


class LogBench(Bench):
    def import_image(self):
        rootfs = os.path.join(self.work, "image-src")
        os.makedirs(os.path.join(rootfs, "bin"))
        os.makedirs(os.path.join(rootfs, "proc"))
        busybox = shutil.which("busybox") or "/bin/busybox"
        shutil.copy2(os.path.realpath(busybox), os.path.join(rootfs, "bin", "busybox"))
        for tool in ("sh", "sleep", "awk", "cat"):
            os.symlink("busybox", os.path.join(rootfs, "bin", tool))
        env = dict(os.environ, TARMAC_DATA_DIR=self.data)
        subprocess.run([self.args.tarmac, "image", "import", rootfs, IMAGE, "--cmd", "sleep 3600"], env=env, timeout=120,
                       check=True, capture_output=True)
        self.api.request("POST", "/v1/apps", {"app_name": APP, "org_slug": "personal"})

    def logs(self, **query):
        _, body = self.api.request("GET", f"/tarmac/v1/apps/{APP}/logs?" + urllib.parse.urlencode(query))
        return body["lines"]

    def machine(self, command):
        _, machine = self.api.request("POST", f"/v1/apps/{APP}/machines", {
            "config": {"image": IMAGE, "init": {"cmd": ["sh", "-c", command]}, "restart": {"policy": "no"}}})
        self.machines.add(machine["id"])
        self.api.request("GET", f"/v1/apps/{APP}/machines/{machine['id']}/wait?state=started&timeout=60")
        return machine["id"]

    def workload_times(self, machine_id, timeout=600):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.logs(machine=machine_id, limit=5):
                if line["message"].startswith("workload "):
                    _, start, end = line["message"].split()
                    return float(start), float(end)
            time.sleep(0.05)
        raise BenchError(f"machine {machine_id} did not finish its workload within {timeout} s")

    def collected(self, machine_id, lines, timeout=600):
        """Waits until the last workload line is readable; returns the boot-clock time of that
        and how many lines were lost or repeated: line numbers count every collected line from
        1, so the workload's line i must carry number i."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tail = self.logs(machine=machine_id, limit=3)
            last = [line for line in tail if line["message"].startswith(f"bench log line {lines} ")]
            if last:
                done = boottime()
                sample = [line for line in self.logs(machine=machine_id, limit=10000, since="1h")
                          if line["message"].startswith("bench log line ")]
                wrong = sum(1 for line in sample if int(line["message"].split()[3]) != line["number"])
                return done, abs(lines - last[0]["number"]) + wrong
            time.sleep(0.01)
        raise BenchError(f"the last line of machine {machine_id} was not readable within {timeout} s")

    def host_reference(self, lines):
        path = os.path.join(self.work, "host-sink.txt")
        busybox = shutil.which("busybox") or "/bin/busybox"
        command = f"{busybox} awk 'BEGIN{{for(i=1;i<={lines};i++) print \"bench log line \" i \" {LINE_PAD}\"}}' > {path}"
        start = time.monotonic()
        subprocess.run(["sh", "-c", command], check=True, timeout=600)
        elapsed = time.monotonic() - start
        os.unlink(path)
        return elapsed

    def query_latency(self, machine_id, **query):
        values = []
        for _ in range(self.args.queries):
            start = time.monotonic()
            self.logs(machine=machine_id, **query)
            values.append((time.monotonic() - start) * 1000)
        return summary(values)

    def run(self):
        self.start_dev()
        self.import_image()
        n = self.args.lines
        results = {"machine": machine_info(), "git": git_describe(), "lines": n, "line_bytes": len(f"bench log line {n} {LINE_PAD}") + 1,
                   "runs": []}
        for round_index in range(self.args.rounds):
            host = self.host_reference(n)
            quiet = self.machine(workload(n, "> /dev/null"))
            q_start, q_end = self.workload_times(quiet)
            logged = self.machine(workload(n))
            l_start, l_end = self.workload_times(logged)
            done, lost = self.collected(logged, n)
            run = {
                "host_file_s": host, "devnull_s": q_end - q_start, "logged_s": l_end - l_start,
                "collected_s": done - l_start, "lag_after_end_s": done - l_end, "lost_or_repeated_lines": lost,
            }
            run["slowdown"] = run["logged_s"] / run["devnull_s"] if run["devnull_s"] > 0 else None
            run["collected_lines_per_s"] = n / run["collected_s"] if run["collected_s"] > 0 else None
            results["runs"].append(run)
            log(f"round {round_index + 1}: " + ", ".join(f"{k} {v:.3f}" for k, v in run.items() if v is not None))
            if round_index == self.args.rounds - 1:
                first = self.logs(machine=logged, limit=1, since="10m")[0]["timestamp"]
                results["query_ms"] = {
                    "tail_100": self.query_latency(logged, limit=100),
                    "tail_10000": self.query_latency(logged, limit=10000),
                    "since_10000": self.query_latency(logged, limit=10000, since=first),
                }
            for machine_id in (quiet, logged):
                self.api_destroy(machine_id)
                self.machines.discard(machine_id)
        return results


def median(values):
    values = sorted(v for v in values if v is not None)
    return values[len(values) // 2] if values else float("nan")


def print_report(r):
    runs = r["runs"]
    n = r["lines"]
    print(f"\nLog throughput: {n} lines of {r['line_bytes']} bytes per run, {len(runs)} run(s), medians")
    for name, key in (("host, to a file (reference)", "host_file_s"), ("container, to /dev/null (reference)", "devnull_s"),
                      ("container, collected by tarmac", "logged_s")):
        seconds = median([run[key] for run in runs])
        print(f"  {name:<38} {seconds:7.3f} s  {n / seconds:12,.0f} lines/s")
    print(f"  workload slowdown collected / /dev/null: {median([run['slowdown'] for run in runs]):.2f}x")
    print(f"  collection, first line written → last line readable: {median([run['collected_lines_per_s'] for run in runs]):,.0f} lines/s"
          f" ({median([run['collected_lines_per_s'] for run in runs]) * r['line_bytes'] / 1e6:.1f} MB/s);"
          f" lag after the workload's end {median([run['lag_after_end_s'] for run in runs]) * 1000:.0f} ms")
    print(f"  lines lost or repeated (last line's number vs its index, first 10,000 checked one by one): "
          f"{sum(run['lost_or_repeated_lines'] for run in runs)}")
    for name, s in r.get("query_ms", {}).items():
        print(f"  query {name:<12} p50 {s['median']:7.1f} ms  p99 {s['p99']:7.1f} ms")


def main():
    parser = helper_parser(__doc__, runtimes=("container",), max_seconds=900)
    parser.add_argument("--lines", type=int, default=200_000, help="lines per workload (default 200000, ~20 MB)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of the three cases (default 3)")
    parser.add_argument("--queries", type=int, default=20, help="requests per query latency figure (default 20)")
    return run_helper(LogBench(parser.parse_args()), print_report)


if __name__ == "__main__":
    sys.exit(main())
