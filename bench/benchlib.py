"""Helpers shared by the benchmark drivers (machine_start.py, boot_bench.py)."""

import hashlib
import http.client
import json
import os
import platform
import signal
import statistics
import subprocess

class BenchError(Exception):
    pass


class Deadline(Exception):
    pass


def ms(seconds):
    return seconds * 1000.0


def summary(values):
    """median, p90, p99, min, max, mean of a list of milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) >= 2:
        percentiles = statistics.quantiles(ordered, n=100, method="inclusive")
        p90, p99 = percentiles[89], percentiles[98]
    else:
        p90 = p99 = ordered[0]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "p90": p90,
        "p99": p99,
        "min": ordered[0],
        "max": ordered[-1],
        "mean": statistics.fmean(ordered),
    }


def run(argv, timeout=60, check=True, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise BenchError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
    return result


def loadavg():
    with open("/proc/loadavg") as f:
        parts = f.read().split()
    return [float(parts[0]), float(parts[1]), float(parts[2])]


def busy_cpu_ms():
    """CPU time the whole machine has spent busy (all CPUs, all processes), in ms (10 ms ticks)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # everything but idle and iowait
    return busy * 1000.0 / os.sysconf("SC_CLK_TCK")


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def git_describe():
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        head = run(["git", "-C", here, "rev-parse", "--short", "HEAD"], timeout=10).stdout.strip()
        dirty = run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"], timeout=10).stdout.strip()
        return head + ("-dirty" if dirty else "")
    except (BenchError, OSError, subprocess.TimeoutExpired):
        return None


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem_kb = None
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return {"nproc": os.cpu_count(), "cpu_model": model, "kernel": platform.release(), "memory_mb": mem_kb // 1024 if mem_kb else None,
            "dev_kvm": os.path.exists("/dev/kvm")}


class API:
    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.conn = None

    def connection(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
            self.conn.connect()
        return self.conn

    def reset(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def request(self, method, path, body=None, auth=True, expect=(200, 201, 202, 204)):
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            conn = self.connection()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection closed by the server between requests.
                self.reset()
                if attempt == 2 or method == "POST":
                    raise
        if response.getheader("Connection", "").lower() == "close":
            self.reset()
        text = payload.decode(errors="replace")
        if expect and response.status not in expect:
            raise BenchError(f"{method} {path} → {response.status}: {text[:500]}")
        try:
            return response.status, json.loads(text) if text else None
        except json.JSONDecodeError:
            return response.status, text


def install_deadline(max_seconds):
    """SIGTERM/SIGINT/SIGHUP and a time limit of `max_seconds` raise `Deadline`, so the
    benchmark stops where it is and cleans up."""
    def on_signal(signum, _frame):
        raise Deadline(f"signal {signum}" if signum != signal.SIGALRM else f"time limit of {max_seconds} s reached")

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(sig, on_signal)
    signal.alarm(max_seconds)


def write_results(path, results, log):
    """Writes the results as sorted, indented JSON (the directory is created)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(results, f, indent=2, sort_keys=True)
        f.write("\n")
    log(f"results written to {path}")
