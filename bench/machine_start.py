#!/usr/bin/env python3
"""Machine start benchmark: raw `runc run -d` versus `POST /v1/apps/{app}/machines` + wait.

Run it through `bench/machine-start.sh` (which builds tarmac, installs the tools and cleans
up host resources whatever happens). This helper does the measuring:

  (a) reference: `runc run -d --bundle B ID` of a bundle equivalent to what Tarmac runs (same
      rootfs files, same command, same memory/CPU limits and /etc bind mounts), timed until
      `runc run -d` returns, i.e. the container's process has been started;
  (b) API: `POST /v1/apps/bench/machines` then `GET …/wait?state=started`, timed from just
      before the POST to the wait's answer, over a kept-alive connection.

(a) and (b) alternate (a, b, a, b, …) after warm-ups, so drift hits both alike. Then
`wrk` measures `GET /v1/apps/bench/machines/{id}` and, as a same-run reference,
`GET /tarmac/v1/health`. To explain where the API path spends its time, more API starts are
split into phases with a kernel trace (ftrace; `StartTracer`), and the parts of the path are
timed alone (runc create/start apart, shim exec, netns+veth, overlay mount, SQLite commit).

Standard library only.
"""

import argparse
import ctypes
import datetime
import http.client
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

from benchlib import API, BenchError, Deadline, busy_cpu_ms, file_sha256, git_describe, install_deadline, loadavg, machine_info, ms, run, summary, write_results  # noqa: E402

APP = "bench"
IMAGE = "bench:v1"


# ----------------------------------------------------------------------------- helpers


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed_run(argv, timeout=60, **kwargs):
    """Runs argv and returns (returncode, seconds from spawn to exit).

    Never `subprocess.run(timeout=…)` for a timed command: with a timeout, Popen.wait polls
    with sleeps doubling from 0.5 ms (capped at 50 ms), so a child's exit is noticed only at
    ~1.5, 3.5, 7.5, 15.5, 31.5, 63.5 ms… and every figure snaps to those steps. Here the wait
    is a blocking waitpid and the timeout a separate timer that kills the child.
    """
    killed = threading.Event()

    def kill():
        killed.set()
        process.kill()

    t0 = time.perf_counter()
    process = subprocess.Popen(argv, **kwargs)
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        code = process.wait()
    finally:
        timer.cancel()
    elapsed = time.perf_counter() - t0
    if killed.is_set():
        raise BenchError(f"{' '.join(argv)} did not finish within {timeout} s (killed)")
    return code, elapsed


class CPUSampler:
    """Busy fraction of all CPUs between two points, from /proc/stat."""

    @staticmethod
    def read():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    def __init__(self):
        self.start = self.read()

    def busy(self):
        total, idle = self.read()
        dt, di = total - self.start[0], idle - self.start[1]
        return 0.0 if dt <= 0 else 1.0 - di / dt


def wait_for_idle(limit_s, threshold):
    """Waits (at most limit_s) until the CPUs are less than `threshold` busy over 2 s."""
    began = time.monotonic()
    while True:
        sampler = CPUSampler()
        time.sleep(2.0)
        busy = sampler.busy()
        waited = time.monotonic() - began
        if busy < threshold:
            log(f"CPU {busy:.0%} busy: starting (waited {waited:.0f} s)")
            return round(waited, 1)
        if waited >= limit_s:
            log(f"CPU still {busy:.0%} busy after {waited:.0f} s: starting anyway (the results will say so)")
            return round(waited, 1)
        log(f"CPU {busy:.0%} busy: waiting for the machine to calm down")


def other_busy_processes(exclude_pids, limit=5):
    """Processes other than ours using CPU right now (sampled over 1 s), for the load note."""
    def snapshot():
        ticks = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    data = f.read()
                name = data[data.index("(") + 1:data.rindex(")")]
                rest = data[data.rindex(")") + 2:].split()
                ticks[int(pid)] = (name, int(rest[11]) + int(rest[12]))
            except (OSError, ValueError, IndexError):
                continue
        return ticks
    first = snapshot()
    time.sleep(1.0)
    second = snapshot()
    hz = os.sysconf("SC_CLK_TCK")
    busy = []
    for pid, (name, ticks) in second.items():
        if pid in exclude_pids or pid not in first:
            continue
        used = (ticks - first[pid][1]) / hz
        if used >= 0.05:
            busy.append({"pid": pid, "name": name, "cpu": round(used, 2)})
    busy.sort(key=lambda p: -p["cpu"])
    return busy[:limit]


# ----------------------------------------------------------------------------- kernel trace of API starts

class StartTracer:
    """Kernel events (ftrace, a private instance) of tarmac dev and its descendants during API
    starts, to split a start into phases without slowing it down the way strace does.

    Events: process fork/exec/exit, fsync, mount. Markers written by the benchmark delimit each
    POST and wait. Phases of one start, from the moment the POST is sent:
      before_driver     → the agent mounts the rootfs overlay (control plane, agent HTTP hop,
                        SQLite writes, FSM, shim pid file)
      bundle_and_netns  → `runc create` is exec'd (bundle files, netns + veth via `ip`)
      runc_create       `runc create` exec → exit (`runc run --detach` in builds that run one)
      create_to_start   → `runc start` exec (shim → agent → shim round trip; 0 with `runc run`)
      runc_start        `runc start` exec → exit (0 with `runc run`)
      after_start       → the client has read the answer saying `started` (records, the
                        agent → control update, the answer of the POST or of the wait,
                        whichever comes last)
    `post_answered_at` says when the POST itself was answered: after the launch in builds that
    answer once the machine runs, within before_driver in builds that answer once the intent
    is recorded (c745778 and later).
    """

    ROOT = "/sys/kernel/tracing"
    EVENTS = ["sched/sched_process_fork", "sched/sched_process_exec", "sched/sched_process_exit",
              "syscalls/sys_enter_fsync", "syscalls/sys_exit_fsync", "syscalls/sys_enter_fdatasync",
              "syscalls/sys_exit_fdatasync", "syscalls/sys_enter_mount"]
    LINE = re.compile(r"^\s*(.+?)-(\d+)\s+\(\s*(\S+)\)\s+\[\d+\]\s+\S+\s+([\d.]+):\s+(.*)$")
    # `name: fields` for tracepoints and markers, `sys_x(args)` / `sys_x -> ret` for syscalls.
    KIND = re.compile(r"^(\w+)(?::\s?|\(| -> )(.*)$")

    def __init__(self, name):
        self.dir = os.path.join(self.ROOT, "instances", name)

    @classmethod
    def available(cls):
        # The process events are needed; the syscall ones (fsync counts) only where the
        # kernel has syscall tracepoints.
        return os.path.isdir(os.path.join(cls.ROOT, "instances")) and \
            all(os.path.isdir(os.path.join(cls.ROOT, "events", e)) for e in cls.EVENTS if e.startswith("sched/"))

    @classmethod
    def events(cls):
        return [e for e in cls.EVENTS if os.path.isdir(os.path.join(cls.ROOT, "events", e))]

    def write(self, path, value):
        with open(os.path.join(self.dir, path), "w") as f:
            f.write(value)

    def start(self, pids):
        if os.path.isdir(self.dir):
            os.rmdir(self.dir)
        os.mkdir(self.dir)
        self.write("buffer_size_kb", "4096")
        self.write("trace_clock", "mono")
        self.write("options/record-tgid", "1")
        self.write("options/event-fork", "1")
        self.write("set_event_pid", " ".join(str(p) for p in pids))
        for event in self.events():
            self.write(f"events/{event}/enable", "1")
        self.marker = open(os.path.join(self.dir, "trace_marker"), "w")
        self.write("tracing_on", "1")

    def mark(self, text):
        self.marker.write(text)
        self.marker.flush()

    def stop(self):
        self.write("tracing_on", "0")
        self.marker.close()
        with open(os.path.join(self.dir, "trace")) as f:
            text = f.read()
        self.remove()
        return text

    def remove(self):
        if os.path.isdir(self.dir):
            try:
                self.write("tracing_on", "0")
                for event in self.events():
                    self.write(f"events/{event}/enable", "0")
            except OSError:
                pass
            os.rmdir(self.dir)

    @classmethod
    def phases(cls, text, dev_tgid, tarmac_path):
        """Per-iteration phase durations (ms) from the trace text."""
        events = []
        for line in text.splitlines():
            m = cls.LINE.match(line)
            if not m:
                continue
            comm, tid, tgid, ts, event = m.groups()
            k = cls.KIND.match(event)
            if not k:
                continue
            kind, rest = k.groups()
            if kind.startswith("sys_") and not kind.startswith(("sys_enter", "sys_exit")):
                kind = ("sys_exit_" if " -> " in event.split("(")[0] else "sys_enter_") + kind[4:]
            events.append((float(ts) * 1000.0, comm, int(tid), tgid, kind, rest))
        iterations, current = [], None
        for ts, comm, tid, tgid, kind, rest in events:
            if kind == "tracing_mark_write" or kind == "print":
                if rest.startswith("BENCH post-begin"):
                    current = {"t0": ts, "execs": [], "exits": {}, "fsync": [], "fsync_open": {}, "mount": None}
                elif current is not None and rest.startswith("BENCH post-end"):
                    current["post_end"] = ts
                elif current is not None and rest.startswith("BENCH wait-end"):
                    current["wait_end"] = ts
                    iterations.append(current)
                    current = None
                continue
            if current is None:
                continue
            if kind == "sched_process_exec":
                filename = re.search(r"filename=(\S+)", rest).group(1)
                current["execs"].append((ts, filename, tid))
            elif kind == "sched_process_exit" and "group_dead=true" in rest:
                current["exits"].setdefault(tgid, ts)
            elif kind == "sys_enter_mount" and tgid == str(dev_tgid) and current["mount"] is None:
                current["mount"] = ts
            elif kind in ("sys_enter_fsync", "sys_enter_fdatasync") and tgid == str(dev_tgid):
                current["fsync_open"][tid] = ts
            elif kind in ("sys_exit_fsync", "sys_exit_fdatasync") and tid in current["fsync_open"]:
                current["fsync"].append(ts - current["fsync_open"].pop(tid))
        out = []
        for it in iterations:
            if it["mount"] is None:
                # No syscall tracepoints on this kernel: the driver's first `ip` (the netns,
                # started with the overlay mount) marks the end of before_driver instead.
                ips = [ts for ts, filename, _ in it["execs"] if filename.endswith("/ip")]
                it["mount"] = ips[0] if ips else None
            # runc execs after the agent's overlay mount: `runc create`, then `runc start` (a
            # `runc delete` of an earlier machine's shim cannot come after the mount).
            runcs = [(ts, tid) for ts, filename, tid in it["execs"]
                     if filename.endswith("/runc") and it["mount"] is not None and ts > it["mount"]]
            if not runcs or it["mount"] is None or "post_end" not in it:
                continue
            # Builds since 2026-12-04 run one `runc run --detach`: it counts as runc_create,
            # and create_to_start and runc_start are 0.
            (create_exec, create_pid), (start_exec, start_pid) = runcs[0], runcs[1] if len(runcs) > 1 else runcs[0]
            create_exit = it["exits"].get(str(create_pid))
            start_exit = it["exits"].get(str(start_pid))
            if create_exit is None or start_exit is None:
                continue
            if start_pid == create_pid:
                start_exec = create_exit
            shim_paths = (tarmac_path, os.path.join(os.path.dirname(tarmac_path), "tarmac-shim"))
            shim_exec = [ts for ts, filename, _ in it["execs"] if filename in shim_paths]
            workload = [ts for ts, filename, _ in it["execs"] if filename == "/bin/sleep"]
            t0 = it["t0"]
            out.append({
                "before_driver": it["mount"] - t0,
                "bundle_and_netns": create_exec - it["mount"],
                "runc_create": create_exit - create_exec,
                "create_to_start": start_exec - create_exit,
                "runc_start": start_exit - start_exec,
                "after_start": it["wait_end"] - start_exit,
                "total": it["wait_end"] - t0,
                "post_answered_at": it["post_end"] - t0,
                "fsyncs": len(it["fsync"]),
                "fsync_ms": sum(it["fsync"]),
                "workload_exec_at": (workload[0] - t0) if workload else None,
                "standby_shim_exec_at": (shim_exec[0] - t0) if shim_exec else None,
            })
        return out


# ----------------------------------------------------------------------------- API client


# ----------------------------------------------------------------------------- the benchmark

class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work_dir)
        self.data = os.path.join(self.work, "data")
        self.token = secrets.token_hex(16)
        self.api = API(args.port, self.token)
        self.dev = None
        self.dev_log_path = os.path.join(self.work, "tarmac-dev.log")
        self.machines = set()          # created through the API and not yet destroyed
        self.ref_containers = set()    # raw runc containers not yet deleted
        self.runc_root = os.path.join(self.work, "runc-ref")
        self.results = {}
        self.tracer = None

    # ------------------------------------------------------------------ setup

    def start_dev(self):
        argv = [self.args.tarmac, "dev", "--data-dir", self.data, "--api-listen", f"127.0.0.1:{self.args.port}",
                "--bridge", self.args.bridge, "--subnet", self.args.subnet, "--resource-prefix", self.args.prefix,
                "--runtime", self.args.runtime, "--log-level", self.args.log_level]
        env = dict(os.environ, TARMAC_API_TOKEN=self.token, TARMAC_DATA_DIR=self.data)
        log(f"starting: {' '.join(argv)}")
        self.dev_log = open(self.dev_log_path, "ab")
        self.dev = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.dev_log, stderr=self.dev_log, env=env,
                                    start_new_session=True)
        with open(os.path.join(self.work, "tarmac-dev.pid"), "w") as f:
            f.write(f"{self.dev.pid}\n")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.dev.poll() is not None:
                raise BenchError(f"tarmac dev exited with {self.dev.returncode}; log:\n{self.tail_dev_log()}")
            try:
                status, _ = API(self.args.port, self.token).request("GET", "/tarmac/v1/health", auth=False)
                if status == 200:
                    log("tarmac dev is healthy")
                    return
            except (OSError, http.client.HTTPException, BenchError):
                pass
            time.sleep(0.1)
        raise BenchError(f"tarmac dev did not become healthy within 60 s; log:\n{self.tail_dev_log()}")

    def tail_dev_log(self, lines=30):
        try:
            with open(self.dev_log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def import_image(self):
        rootfs = os.path.join(self.work, "image-src")
        os.makedirs(os.path.join(rootfs, "bin"))
        busybox = shutil.which("busybox") or "/bin/busybox"
        shutil.copy2(os.path.realpath(busybox), os.path.join(rootfs, "bin", "busybox"))
        for tool in ("sh", "sleep", "true", "cat", "ls"):
            os.symlink("busybox", os.path.join(rootfs, "bin", tool))
        env = dict(os.environ, TARMAC_DATA_DIR=self.data)
        result = run([self.args.tarmac, "image", "import", rootfs, IMAGE, "--cmd", "sleep 3600"], env=env, timeout=120)
        log(f"imported {IMAGE}: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ''}")
        self.api.request("POST", "/v1/apps", {"app_name": APP, "org_slug": "personal"})

    def layer_directory(self):
        layers = os.path.join(self.data, "images", "layers")
        entries = [os.path.join(layers, e) for e in os.listdir(layers)] if os.path.isdir(layers) else []
        entries = [e for e in entries if os.path.isdir(e)]
        if len(entries) != 1:
            raise BenchError(f"expected exactly one unpacked layer in {layers}, found {entries}")
        return entries[0]

    def prepare_reference_bundle(self):
        """runc spec + the same rootfs files, command, limits and /etc bind mounts Tarmac uses."""
        bundle = os.path.join(self.work, "ref-bundle")
        os.makedirs(bundle)
        layer = self.layer_directory()
        # A copy: runc creates mount points in the rootfs, which must not touch the image store.
        run(["cp", "-a", layer, os.path.join(bundle, "rootfs")])
        run(["runc", "spec"], cwd=bundle)
        etc = os.path.join(bundle, "etc")
        os.makedirs(etc)
        for name, text in (("resolv.conf", "nameserver 1.1.1.1\n"), ("hosts", "127.0.0.1\tlocalhost\n"), ("hostname", "ref\n")):
            with open(os.path.join(etc, name), "w") as f:
                f.write(text)
        with open(os.path.join(bundle, "config.json")) as f:
            spec = json.load(f)
        spec["process"]["args"] = ["sleep", "3600"]
        spec["process"]["terminal"] = False
        spec["root"] = {"path": "rootfs", "readonly": False}
        spec["hostname"] = "ref"
        for name in ("resolv.conf", "hosts", "hostname"):
            spec["mounts"].append({"destination": f"/etc/{name}", "type": "bind", "source": os.path.join(etc, name),
                                   "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]})
        # Tarmac's defaults: 1 shared CPU (quota = period), 256 MB without swap.
        resources = spec["linux"].setdefault("resources", {})
        resources["memory"] = {"limit": 256 * 1024 * 1024}
        if os.path.exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"):
            resources["memory"]["swap"] = 256 * 1024 * 1024
        resources["cpu"] = {"quota": 100000, "period": 100000}
        spec["linux"]["cgroupsPath"] = f"/{self.args.prefix}ref/REPLACED"
        self.ref_spec = spec
        self.ref_bundle = bundle
        os.makedirs(self.runc_root, exist_ok=True)

    # ------------------------------------------------------------------ (a) raw runc

    def write_ref_config(self, container_id):
        spec = dict(self.ref_spec)
        spec["linux"] = dict(spec["linux"], cgroupsPath=f"/{self.args.prefix}ref/{container_id}")
        with open(os.path.join(self.ref_bundle, "config.json"), "w") as f:
            json.dump(spec, f)

    def runc_run(self, index):
        container_id = f"{self.args.prefix}-ref-{index}"
        self.write_ref_config(container_id)
        out_path = os.path.join(self.work, "ref-stdio.log")
        with open(out_path, "ab") as out:
            self.ref_containers.add(container_id)
            cpu0 = busy_cpu_ms()
            code, elapsed = timed_run(["runc", "--root", self.runc_root, "run", "-d", "--bundle", self.ref_bundle, container_id],
                                      stdin=subprocess.DEVNULL, stdout=out, stderr=out)
            self.last_machine_cpu = busy_cpu_ms() - cpu0
        if code != 0:
            raise BenchError(f"runc run -d failed ({code}); see {out_path}")
        state = json.loads(run(["runc", "--root", self.runc_root, "state", container_id]).stdout)
        if state.get("status") != "running":
            raise BenchError(f"reference container {container_id} is {state.get('status')}, not running")
        self.runc_delete(container_id)
        return ms(elapsed)

    def runc_delete(self, container_id):
        run(["runc", "--root", self.runc_root, "delete", "-f", container_id], timeout=30)
        self.ref_containers.discard(container_id)

    # ------------------------------------------------------------------ (b) API

    def dev_cpu_ms(self):
        """CPU time (user+system, all threads) tarmac dev has used so far, in ms."""
        with open(f"/proc/{self.dev.pid}/stat") as f:
            data = f.read()
        fields = data[data.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")

    def api_start(self):
        api = self.api
        api.connection()  # connect outside the timed section (keep-alive)
        body = {"config": {"image": IMAGE, "restart": {"policy": "no"}}}
        self.last_cpu_before = self.dev_cpu_ms()
        machine_cpu0 = busy_cpu_ms()
        t0 = time.perf_counter()
        _, machine = api.request("POST", f"/v1/apps/{APP}/machines", body)
        t1 = time.perf_counter()
        machine_id = machine["id"]
        self.machines.add(machine_id)
        _, waited = api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=started&timeout=60")
        t2 = time.perf_counter()
        self.last_cpu = self.dev_cpu_ms() - self.last_cpu_before
        self.last_machine_cpu = busy_cpu_ms() - machine_cpu0
        if not isinstance(waited, dict) or waited.get("state") != "started":
            raise BenchError(f"wait for {machine_id} answered {waited}")
        return machine_id, ms(t2 - t0), ms(t1 - t0), ms(t2 - t1)

    def machine_events(self, machine_id):
        try:
            _, events = self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/events?limit=20")
            return events
        except (BenchError, OSError, http.client.HTTPException):
            return None

    def api_destroy(self, machine_id):
        self.api.request("DELETE", f"/v1/apps/{APP}/machines/{machine_id}?force=true")
        self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=destroyed&timeout=60")
        self.machines.discard(machine_id)

    # ------------------------------------------------------------------ components

    def components(self):
        """Parts of the API path timed on their own (N each), to explain the difference."""
        n = self.args.component_iterations
        out = {}

        # runc create and runc start apart (Tarmac's shim runs them as two commands).
        create, start = [], []
        for i in range(n + 1):
            cid = f"{self.args.prefix}-cs-{i}"
            self.write_ref_config(cid)
            with open(os.path.join(self.work, "ref-stdio.log"), "ab") as o:
                self.ref_containers.add(cid)
                c1, d1 = timed_run(["runc", "--root", self.runc_root, "create", "--bundle", self.ref_bundle, cid],
                                   stdin=subprocess.DEVNULL, stdout=o, stderr=o)
                c2, d2 = timed_run(["runc", "--root", self.runc_root, "start", cid], stdin=subprocess.DEVNULL, stdout=o, stderr=o)
            self.runc_delete(cid)
            if c1 or c2:
                raise BenchError("runc create/start failed")
            if i:
                create.append(ms(d1))
                start.append(ms(d2))
        out["runc_create"] = summary(create)
        out["runc_start"] = summary(start)

        # The shim's process start: `tarmac runtime-shim` with EOF on fd 3 exits at once, so
        # this is what launching a (standby) shim costs, against a trivial exec.
        shim = []
        for i in range(n + 1):
            _, elapsed = timed_run([self.args.tarmac, "runtime-shim"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
            if i:
                shim.append(ms(elapsed))
        out["tarmac_exec"] = summary(shim)
        # The small shim the driver starts when it sits next to tarmac (same EOF exit).
        small = os.path.join(os.path.dirname(self.args.tarmac), "tarmac-shim")
        if os.access(small, os.X_OK):
            times = []
            for i in range(n + 1):
                _, elapsed = timed_run([small], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if i:
                    times.append(ms(elapsed))
            out["tarmac_shim_exec"] = summary(times)
        trivial = []
        for i in range(n + 1):
            _, elapsed = timed_run(["/bin/true"])
            if i:
                trivial.append(ms(elapsed))
        out["true_exec"] = summary(trivial)

        # Network: the two `ip -batch` stages the driver ran before it used netlink (a reference
        # for the in-process path), and the teardown it still runs with `ip`.
        stage1, stage2, teardown = [], [], []
        hosts = list(ipaddress.ip_network(self.args.subnet, strict=False).hosts())
        batch = os.path.join(self.work, "ip-batch")

        def ip_batch(text, *namespace):
            with open(batch, "w") as f:
                f.write(text)
            argv = ["ip"] + (["-n", namespace[0]] if namespace else []) + ["-batch", batch]
            code, elapsed = timed_run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if code:
                raise BenchError(f"{' '.join(argv)} failed ({code}): {text!r}")
            return elapsed

        prefix_length = ipaddress.ip_network(self.args.subnet, strict=False).prefixlen
        for i in range(n + 1):
            ns, veth = f"{self.args.prefix}-cnet{i}", f"tbc{os.getpid() % 10000}x{i}"[:15]
            d1 = ip_batch(f"netns add {ns}\nlink add {veth} type veth peer name eth0 netns {ns}\n"
                          f"link set {veth} alias {self.args.prefix}/cnet{i}\nlink set {veth} master {self.args.bridge} up\n")
            d2 = ip_batch(f"addr add {hosts[-2 - (i % 50)]}/{prefix_length} dev eth0\nlink set eth0 up\nlink set lo up\n"
                          f"route add default via {self.args.gateway} dev eth0\n", ns)
            d3 = ip_batch(f"link del {veth}\nnetns del {ns}\n")
            if i:
                stage1.append(ms(d1))
                stage2.append(ms(d2))
                teardown.append(ms(d3))
        out["netns_veth_create"] = summary(stage1)
        out["netns_configure"] = summary(stage2)
        out["netns_teardown"] = summary(teardown)

        # Overlay mount of the image layer (mount(2), as the driver does) and its unmount.
        libc = ctypes.CDLL(None, use_errno=True)
        base = os.path.join(self.work, "ovl")
        layer = self.layer_directory()
        mounts, umounts = [], []
        for i in range(n + 1):
            d = os.path.join(base, str(i))
            for sub in ("upper", "work", "root"):
                os.makedirs(os.path.join(d, sub))
            options = f"lowerdir={layer},upperdir={d}/upper,workdir={d}/work".encode()
            t0 = time.perf_counter()
            if libc.mount(f"{self.args.prefix}-bench".encode(), f"{d}/root".encode(), b"overlay", 0, options) != 0:
                raise BenchError(f"overlay mount failed: {os.strerror(ctypes.get_errno())}")
            t1 = time.perf_counter()
            libc.umount2(f"{d}/root".encode(), 2)  # MNT_DETACH
            t2 = time.perf_counter()
            if i:
                mounts.append(ms(t1 - t0))
                umounts.append(ms(t2 - t1))
        shutil.rmtree(base, ignore_errors=True)
        out["overlay_mount"] = summary(mounts)
        out["overlay_umount"] = summary(umounts)

        # One durable SQLite commit (WAL, synchronous=FULL) on the data dir's file system.
        db_path = os.path.join(self.work, "commit-test.db")
        db = sqlite3.connect(db_path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        commits = []
        for i in range(max(n, 20) + 1):
            t0 = time.perf_counter()
            db.execute("BEGIN")
            db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 512,))
            db.execute("COMMIT")
            if i:
                commits.append(ms(time.perf_counter() - t0))
        db.close()
        out["sqlite_commit_full"] = summary(commits)

        # API round trips on a kept-alive connection: health (no auth, no DB) and GET machine.
        return out

    def traced_starts(self, n):
        """n more API starts with kernel tracing on; returns the phase medians (ms)."""
        tracer = StartTracer(f"{self.args.prefix}-{os.getpid()}")
        self.tracer = tracer
        tracer.start(descendant_tids(self.dev.pid))
        try:
            for i in range(n):
                time.sleep(self.args.settle_ms / 1000.0)
                tracer.mark(f"BENCH post-begin {i}")
                self.api.connection()
                _, machine = self.api.request("POST", f"/v1/apps/{APP}/machines",
                                              {"config": {"image": IMAGE, "restart": {"policy": "no"}}})
                tracer.mark(f"BENCH post-end {i}")
                self.machines.add(machine["id"])
                self.api.request("GET", f"/v1/apps/{APP}/machines/{machine['id']}/wait?state=started&timeout=60")
                tracer.mark(f"BENCH wait-end {i}")
                self.api_destroy(machine["id"])
            text = tracer.stop()
        finally:
            tracer.remove()
            self.tracer = None
        rows = StartTracer.phases(text, self.dev.pid, os.path.realpath(self.args.tarmac))
        if not rows:
            raise BenchError("the kernel trace of the API starts could not be parsed")
        keys = [k for k in rows[0] if rows[0][k] is not None]
        return {"n": len(rows), "median_ms": {k: round(statistics.median(r[k] for r in rows if r[k] is not None), 3) for k in keys},
                "iterations": rows}

    def request_latency(self, machine_id, n=200):
        out = {}
        for name, path, auth in (("health", "/tarmac/v1/health", False),
                                 ("get_machine", f"/v1/apps/{APP}/machines/{machine_id}", True)):
            values = []
            for i in range(n + 5):
                t0 = time.perf_counter()
                self.api.request("GET", path, auth=auth)
                if i >= 5:
                    values.append(ms(time.perf_counter() - t0))
            out[name] = summary(values)
        return out

    # ------------------------------------------------------------------ wrk

    def wrk(self, path, auth):
        argv = ["wrk", f"-t{self.args.wrk_threads}", f"-c{self.args.wrk_connections}", f"-d{self.args.wrk_duration}s", "--latency"]
        if auth:
            argv += ["-H", f"Authorization: Bearer {self.token}"]
        argv.append(f"http://127.0.0.1:{self.args.port}{path}")
        shown = " ".join(a if not a.startswith("Authorization") else "Authorization: Bearer …" for a in argv)
        log(f"running: {shown}")
        sampler = CPUSampler()
        dev_cpu0 = self.dev_cpu_ms()
        result = run(argv, timeout=self.args.wrk_duration + 60)
        busy = sampler.busy()
        dev_cpu = self.dev_cpu_ms() - dev_cpu0
        text = result.stdout
        parsed = {"command": shown, "cpu_busy_fraction": round(busy, 3), "dev_cpu_ms": dev_cpu, "raw": text}
        m = re.search(r"Requests/sec:\s+([\d.]+)", text)
        parsed["requests_per_sec"] = float(m.group(1)) if m else None
        m = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", text, re.M)
        if m:
            parsed["latency_avg_ms"] = duration_ms(m.group(1))
            parsed["latency_stdev_ms"] = duration_ms(m.group(2))
            parsed["latency_max_ms"] = duration_ms(m.group(3))
        for pct in ("50", "75", "90", "99"):
            m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
            if m:
                parsed[f"latency_p{pct}_ms"] = duration_ms(m.group(1))
        m = re.search(r"(\d+) requests in", text)
        parsed["requests"] = int(m.group(1)) if m else None
        m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
        parsed["non_2xx"] = int(m.group(1)) if m else 0
        m = re.search(r"Socket errors:(.*)", text)
        parsed["socket_errors"] = m.group(1).strip() if m else None
        if parsed["requests"]:
            parsed["dev_cpu_ms_per_request"] = dev_cpu / parsed["requests"]
        if parsed["non_2xx"]:
            raise BenchError(f"wrk got {parsed['non_2xx']} non-2xx answers for {path}:\n{text}")
        return parsed

    # ------------------------------------------------------------------ debug-log breakdown

    def driver_durations(self, field="duration"):
        """`container started` durations (ms) from the debug log (only with --log-level debug):
        the whole driver start(), or one of its parts (prologue, bundle, network, runc)."""
        values = []
        try:
            with open(self.dev_log_path, errors="replace") as f:
                for line in f:
                    if "container started" in line:
                        m = re.search(field + r"=([0-9.e+-]+) seconds", line)
                        if m:
                            values.append(float(m.group(1)) * 1000.0)
        except OSError:
            pass
        return values

    # ------------------------------------------------------------------ main

    def run(self):
        args = self.args
        started = datetime.datetime.now(datetime.timezone.utc)
        self.results = {
            "benchmark": "machine-start",
            "started_at": started.isoformat(timespec="seconds"),
            "machine": machine_info(),
            "tarmac_binary": args.tarmac,
            "tarmac_binary_sha256": file_sha256(args.tarmac),
            "tarmac_binary_mtime": datetime.datetime.fromtimestamp(os.path.getmtime(args.tarmac), datetime.timezone.utc)
            .isoformat(timespec="seconds"),
            "tarmac_git": git_describe(),
            "shim": shim_description(args.tarmac),
            "runc_version": run(["runc", "--version"]).stdout.strip().splitlines()[0],
            "settings": {k: v for k, v in vars(args).items() if k not in ("work_dir",)},
            "load_before": loadavg(),
        }
        if args.wait_idle:
            self.results["idle_wait_s"] = wait_for_idle(args.wait_idle, args.idle_cpu)
        self.results["load_before"] = loadavg()
        self.start_dev()
        self.results["other_busy_processes_before"] = other_busy_processes({os.getpid(), self.dev.pid})
        log(f"load average {self.results['load_before']}; other busy processes: {self.results['other_busy_processes_before']}")
        self.import_image()
        if args.threads_only:
            self.results["dev_threads"] = self.thread_counts(sorted({int(n) for n in (args.thread_counts or "1,20").split(",") if n}))
            self.results["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            return self.results

        # Warm-ups: (b) first (the first start unpacks the image layer), then (a).
        log(f"warm-up: {args.warmup} × (b), then {args.warmup} × (a)")
        for _ in range(args.warmup):
            machine_id, *_ = self.api_start()
            self.api_destroy(machine_id)
        self.prepare_reference_bundle()
        for i in range(args.warmup):
            self.runc_run(f"w{i}")

        log(f"measuring: {args.iterations} × (a, b) interleaved")
        debug_before = len(self.driver_durations())
        sampler = CPUSampler()
        raw, api, post, wait, cpu, cpu_a, cpu_b = [], [], [], [], [], [], []
        iterations = []
        for i in range(args.iterations):
            time.sleep(args.settle_ms / 1000.0)
            a = self.runc_run(i)
            cpu_a.append(self.last_machine_cpu)
            time.sleep(args.settle_ms / 1000.0)
            machine_id, b, p, w = self.api_start()
            cpu_b.append(self.last_machine_cpu)
            events = self.machine_events(machine_id) if args.keep_events else None
            self.api_destroy(machine_id)
            raw.append(a)
            api.append(b)
            post.append(p)
            wait.append(w)
            cpu.append(self.last_cpu)
            iterations.append({"dev_cpu_ms": round(self.last_cpu, 1), "i": i, "runc_ms": round(a, 3), "api_ms": round(b, 3), "post_ms": round(p, 3),
                               "wait_ms": round(w, 3), "machine_id": machine_id, **({"events": events} if events else {})})
            if args.verbose:
                log(f"  {i:3d}: runc {a:7.1f} ms   api {b:7.1f} ms (post {p:6.1f} + wait {w:5.1f})")
        busy = sampler.busy()
        driver = self.driver_durations()[debug_before:]

        sa, sb = summary(raw), summary(api)
        ratio = sb["median"] / sa["median"]
        self.results.update({
            "raw_runc_run_ms": sa,
            "api_create_and_wait_ms": sb,
            "api_post_ms": summary(post),
            "api_wait_ms": summary(wait),
            "dev_cpu_ms_per_api_start": summary(cpu),
            # Whole-machine busy CPU time during each timed section (includes other processes).
            "machine_cpu_ms_during_a": summary(cpu_a),
            "machine_cpu_ms_during_b": summary(cpu_b),
            "ratio_median_b_over_a": ratio,
            # Less sensitive to drift: each API start against the runc run just before it.
            "ratio_median_of_paired": statistics.median(b / a for a, b in zip(raw, api)),
            "cpu_busy_fraction_during_start_loop": round(busy, 3),
            "iterations": iterations,
            "targets": {
                "ratio_max": args.target_ratio,
                "api_median_max_ms": args.target_ms,
                "ratio_met": ratio <= args.target_ratio,
                "api_median_met": sb["median"] < args.target_ms,
            },
        })
        if driver:
            self.results["driver_start_ms"] = summary(driver)
            for part in ("prologue", "bundle", "network", "runc"):
                values = self.driver_durations(part)[debug_before:]
                if values:
                    self.results[f"driver_{part}_ms"] = summary(values)

        if args.trace_iterations:
            if StartTracer.available():
                log(f"kernel-traced API starts: {args.trace_iterations}")
                self.results["api_start_phases"] = self.traced_starts(args.trace_iterations)
            else:
                log("tracefs (or its instances) is not available: skipping the traced starts")

        if args.components:
            log("component timings")
            self.results["components"] = self.components()

        # One machine left started for GET latency and wrk.
        machine_id, *_ = self.api_start()
        self.results["request_latency_ms"] = self.request_latency(machine_id)
        if not args.no_wrk:
            self.results["wrk"] = {
                "health": self.wrk("/tarmac/v1/health", auth=False),
                "get_machine": self.wrk(f"/v1/apps/{APP}/machines/{machine_id}", auth=True),
            }
            h, g = self.results["wrk"]["health"], self.results["wrk"]["get_machine"]
            if h["requests_per_sec"] and g["requests_per_sec"]:
                self.results["wrk"]["get_machine_over_health_rps"] = g["requests_per_sec"] / h["requests_per_sec"]
        self.api_destroy(machine_id)

        if args.thread_counts:
            self.results["dev_threads"] = self.thread_counts(sorted({int(n) for n in args.thread_counts.split(",") if n}))

        self.results["load_after"] = loadavg()
        self.results["finished_at"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        # The load average lags (a build that just ended still counts), so the CPU use during the
        # start loop, which includes our own share, decides; other busy processes at the start too.
        others = sum(p["cpu"] for p in self.results["other_busy_processes_before"])
        self.results["busy_warning"] = busy > args.busy_cpu or others > args.busy_others
        return self.results

    def thread_counts(self, counts):
        """Threads (/proc/PID/task) and resident memory of `tarmac dev` with N started
        machines, for each N."""
        out, started = {"idle": len(os.listdir(f"/proc/{self.dev.pid}/task")), "rss_mb_idle": rss_mb(self.dev.pid)}, []
        for n in counts:
            while len(started) < n:
                machine_id, *_ = self.api_start()
                started.append(machine_id)
            time.sleep(1.0)  # let the standby refill and the waits settle
            tasks = os.listdir(f"/proc/{self.dev.pid}/task")
            out[str(n)] = len(tasks)
            out[f"rss_mb_{n}"] = rss_mb(self.dev.pid)
            names = {}
            for tid in tasks:
                try:
                    with open(f"/proc/{self.dev.pid}/task/{tid}/comm") as f:
                        name = f.read().strip()
                except OSError:
                    continue
                names[name] = names.get(name, 0) + 1
            out["exit_monitor_threads"] = names.get("tarmac-exit-mon", 0)
            out[f"names_{n}"] = dict(sorted(names.items()))
            log(f"tarmac dev with {n} started machines: {out[str(n)]} threads, {out[f'rss_mb_{n}']} MB resident {out[f'names_{n}']}")
        for machine_id in started:
            self.api_destroy(machine_id)
        return out

    # ------------------------------------------------------------------ teardown

    def cleanup(self):
        """API-level cleanup; the shell wrapper removes host resources afterwards."""
        self.api.reset()  # an interrupted request leaves the connection unusable
        if self.dev is not None and self.dev.poll() is None:
            try:
                _, listed = self.api.request("GET", f"/v1/apps/{APP}/machines")
                self.machines |= {m["id"] for m in listed or [] if m.get("state") != "destroyed"}
            except Exception:  # noqa: BLE001 - the app may not exist yet
                self.api.reset()
        for machine_id in list(self.machines):
            try:
                self.api_destroy(machine_id)
            except Exception as error:  # noqa: BLE001 - best effort
                log(f"cleanup: could not destroy machine {machine_id}: {error}")
        for container_id in list(self.ref_containers):
            try:
                self.runc_delete(container_id)
            except Exception as error:  # noqa: BLE001
                log(f"cleanup: could not delete reference container {container_id}: {error}")
        if self.tracer is not None:
            try:
                self.tracer.remove()
            except OSError:
                pass
        self.api.reset()
        if self.dev is not None and self.dev.poll() is None:
            log("stopping tarmac dev (SIGTERM)")
            self.dev.send_signal(signal.SIGTERM)
            try:
                self.dev.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log("tarmac dev did not stop within 20 s: SIGKILL")
                self.dev.kill()
                self.dev.wait(timeout=10)


def rss_mb(pid):
    """Resident memory of a process, MB (one decimal)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024.0, 1)
    return 0.0


def descendant_tids(root):
    """Thread ids of `root` and of all its descendants (the standby shim is one)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                data = f.read()
            ppid = int(data[data.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tids, stack = [], [root]
    while stack:
        pid = stack.pop()
        try:
            tids += [int(t) for t in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        stack += children.get(pid, [])
    return tids


def duration_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    return {"us": value / 1000.0, "ms": value, "s": value * 1000.0, "m": value * 60000.0}[unit]


# ----------------------------------------------------------------------------- report

def shim_description(tarmac):
    """Which shim `tarmac dev` starts (ContainerDriver.defaultShimCommand, TARMAC_SHIM)."""
    forced = os.environ.get("TARMAC_SHIM", "")
    small = os.path.join(os.path.dirname(tarmac), "tarmac-shim")
    if forced in ("runtime-shim", "big") or (not forced and not os.access(small, os.X_OK)):
        return "tarmac runtime-shim"
    return forced or small


def print_report(r):
    def row(name, s):
        return f"  {name:<38} {s['median']:9.1f} {s['p90']:9.1f} {s['min']:9.1f} {s['max']:9.1f}"

    t = r["targets"]
    lines = [
        "",
        f"Machine start benchmark — {r['started_at']}  ({r['machine']['nproc']} CPUs, {r['machine']['cpu_model']}, kernel {r['machine']['kernel']})",
        f"tarmac binary {r['tarmac_binary']} (modified {r['tarmac_binary_mtime']}, sha256 {r['tarmac_binary_sha256'][:12]}; tree {r['tarmac_git']}), {r['runc_version']}",
        f"shim: {r.get('shim', '?')}",
        f"load average before {r['load_before']}, after {r['load_after']}; CPU busy during the start loop {r['cpu_busy_fraction_during_start_loop']:.0%}",
        "",
        f"  {'(N = ' + str(r['raw_runc_run_ms']['n']) + ', milliseconds)':<38} {'median':>9} {'p90':>9} {'min':>9} {'max':>9}",
        row("(a) runc run -d (reference)", r["raw_runc_run_ms"]),
        row("(b) POST machines + wait started", r["api_create_and_wait_ms"]),
        row("    of which POST", r["api_post_ms"]),
        row("    of which wait", r["api_wait_ms"]),
    ]
    if "driver_start_ms" in r:
        lines.append(row("    driver start() (debug log)", r["driver_start_ms"]))
        for part in ("prologue", "bundle", "network", "runc"):
            if f"driver_{part}_ms" in r:
                lines.append(row(f"      {part}", r[f"driver_{part}_ms"]))
    lines.append(f"  CPU time (means of 10 ms ticks): tarmac dev's own per API start {r['dev_cpu_ms_per_api_start']['mean']:.1f} ms; "
                 f"whole machine during (a) {r['machine_cpu_ms_during_a']['mean']:.1f} ms, during (b) {r['machine_cpu_ms_during_b']['mean']:.1f} ms")
    lines += [
        "",
        f"  ratio b/a of medians: {r['ratio_median_b_over_a']:.2f}   target ≤ {t['ratio_max']:g}: {'MET' if t['ratio_met'] else 'NOT MET'}"
        f"   (median of paired ratios b_i/a_i: {r['ratio_median_of_paired']:.2f})",
        f"  (b) median: {r['api_create_and_wait_ms']['median']:.1f} ms   target < {t['api_median_max_ms']:g} ms: {'MET' if t['api_median_met'] else 'NOT MET'}",
    ]
    if "api_start_phases" in r:
        ph = r["api_start_phases"]
        lines += ["", f"  phases of an API start (kernel trace, N = {ph['n']}, medians, ms)"]
        for key in ("before_driver", "bundle_and_netns", "runc_create", "create_to_start", "runc_start", "after_start", "total"):
            lines.append(f"    {key:<36} {ph['median_ms'][key]:9.2f}")
        lines.append(f"    (the POST itself was answered at {ph['median_ms']['post_answered_at']:.2f} ms)")
        lines.append(f"    fsyncs by tarmac dev per start: {ph['median_ms']['fsyncs']:.0f} ({ph['median_ms']['fsync_ms']:.2f} ms)")
    if "components" in r:
        lines += ["", "  components (each alone)                  median       p90"]
        for key, s in r["components"].items():
            if s is not None:  # --component-iterations 0 measures nothing
                lines.append(f"    {key:<36} {s['median']:9.2f} {s['p90']:9.2f}")
    if "request_latency_ms" in r:
        lines += ["", "  single-connection request latency        median       p90"]
        for key, s in r["request_latency_ms"].items():
            lines.append(f"    {key:<36} {s['median']:9.2f} {s['p90']:9.2f}")
    if "wrk" in r:
        w = r["wrk"]
        lines += ["", f"  wrk -t{r['settings']['wrk_threads']} -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_duration']}s"
                      f"          req/s   avg ms   p50 ms   p99 ms   CPU busy   server CPU/req"]
        for key, label in (("get_machine", "GET /v1/apps/bench/machines/{id}"), ("health", "GET /tarmac/v1/health (reference)")):
            x = w[key]
            lines.append(f"    {label:<36} {x['requests_per_sec']:9.0f} {x.get('latency_avg_ms') or 0:8.2f} "
                         f"{x.get('latency_p50_ms') or 0:8.2f} {x.get('latency_p99_ms') or 0:8.2f}   {x['cpu_busy_fraction']:>7.0%}"
                         f"   {(x.get('dev_cpu_ms_per_request') or 0) * 1000:8.0f} µs")
        if "get_machine_over_health_rps" in w:
            lines.append(f"    GET machine / health throughput: {w['get_machine_over_health_rps']:.2f}")
    if "dev_threads" in r:
        lines += ["", "  tarmac dev threads: " + ", ".join(f"{k}: {v}" if not k.isdigit() else f"{k} machines: {v}" for k, v in r["dev_threads"].items())]
    if r.get("busy_warning"):
        lines += ["", "  WARNING: the machine was busy (CPU use above the thresholds, see the JSON): re-run when it is idle."]
    print("\n".join(lines) + "\n", flush=True)


# ----------------------------------------------------------------------------- helper benchmarks

def helper_parser(description, runtimes=("container", "microvm"), max_seconds=900):
    """The options every helper of bench/machine-start.sh takes (event_latency.py,
    log_throughput.py, console_latency.py); each adds its own."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tarmac", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--port", type=int, default=4390)
    parser.add_argument("--bridge", default="tbench0")
    parser.add_argument("--subnet", default="172.31.250.0/24")
    parser.add_argument("--gateway", default="172.31.250.1")
    parser.add_argument("--prefix", default="tbench")
    parser.add_argument("--runtime", default="container", choices=list(runtimes))
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--max-seconds", type=int, default=max_seconds)
    parser.add_argument("--results", default=None)
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser


def run_helper(bench, print_report):
    """Runs `bench` under its deadline, prints and writes its results, and always cleans up
    through the API; returns the exit status."""
    args = bench.args
    install_deadline(args.max_seconds)
    code = 0
    try:
        results = bench.run()
        signal.alarm(0)
        print_report(results)
        if args.results:
            write_results(args.results, results, log)
    except (BenchError, Deadline, OSError, http.client.HTTPException, KeyError, ValueError, subprocess.SubprocessError) as error:
        log(f"FAILED: {error}")
        if bench.dev is not None:
            log("tarmac dev log (tail):\n" + bench.tail_dev_log())
        code = 1
    finally:
        signal.alarm(60)
        try:
            bench.cleanup()
        except Deadline as error:
            log(f"cleanup interrupted: {error}")
            code = code or 1
        signal.alarm(0)
    return code


# ----------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tarmac", required=True, help="tarmac binary")
    parser.add_argument("--work-dir", required=True, help="scratch directory (data dir, bundles); removed by the wrapper")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--port", type=int, default=4390)
    parser.add_argument("--bridge", default="tbench0")
    parser.add_argument("--subnet", default="172.31.250.0/24")
    parser.add_argument("--gateway", default="172.31.250.1")
    parser.add_argument("--prefix", default="tbench")
    parser.add_argument("--settle-ms", type=int, default=300,
                        help="pause before each timed start, so the previous iteration's asynchronous clean-up "
                             "(kernel netns destruction, shim exit, standby refill) does not land in it")
    parser.add_argument("--log-level", default="info", help="tarmac dev log level; debug adds the driver start() breakdown")
    parser.add_argument("--trace-iterations", type=int, default=10,
                        help="extra API starts traced with ftrace to split them into phases (0: none)")
    parser.add_argument("--no-components", dest="components", action="store_false", help="skip the component timings")
    parser.add_argument("--component-iterations", type=int, default=20)
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--wrk-duration", type=int, default=10)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--wrk-connections", type=int, default=16)
    parser.add_argument("--check-targets", action="store_true",
                        help="exit with status 3 when a target is not met (default: 0 once the measurement succeeded)")
    parser.add_argument("--target-ratio", type=float, default=2.0)
    parser.add_argument("--target-ms", type=float, default=150.0)
    parser.add_argument("--busy-cpu", type=float, default=0.5,
                        help="warn when the CPUs were busier than this during the start loop (ours included, ~0.1-0.2)")
    parser.add_argument("--busy-others", type=float, default=0.3,
                        help="warn when other processes used more CPU than this (CPU-seconds per second) at the start")
    parser.add_argument("--wait-idle", type=int, default=0, metavar="SECONDS",
                        help="before starting, wait up to this long for the CPUs to be less than --idle-cpu busy")
    parser.add_argument("--idle-cpu", type=float, default=0.25)
    parser.add_argument("--thread-counts", default="", metavar="N,M",
                        help="at the end, count tarmac dev's threads with N, then M started machines (e.g. 1,20)")
    parser.add_argument("--runtime", default="container", choices=["container", "microvm"],
                        help="runtime of tarmac dev's machines (microvm needs the guest from scripts/build-guest.sh)")
    parser.add_argument("--threads-only", action="store_true",
                        help="only count tarmac dev's threads with --thread-counts machines (default 1,20) started")
    parser.add_argument("--keep-events", action="store_true", help="store each machine's events in the results")
    parser.add_argument("--max-seconds", type=int, default=900,
                        help="abort (and clean up) after this long, not counting --wait-idle")
    parser.add_argument("--results", default=None, help="JSON output file")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every iteration")
    args = parser.parse_args()
    if args.iterations < 2:
        parser.error("--iterations must be at least 2")

    install_deadline(args.max_seconds + args.wait_idle)

    bench = Bench(args)
    code = 0
    try:
        results = bench.run()
        signal.alarm(0)
        if args.threads_only:
            print(f"\ntarmac dev --runtime {args.runtime} threads: {json.dumps(results['dev_threads'], sort_keys=True)}")
        else:
            print_report(results)
        if args.results:
            write_results(args.results, results, log)
        targets = results.get("targets", {"ratio_met": True, "api_median_met": True})
        if args.check_targets and not (targets["ratio_met"] and targets["api_median_met"]):
            log("a target is not met (--check-targets): exit 3")
            code = 3
    except (BenchError, Deadline, OSError, subprocess.SubprocessError, http.client.HTTPException, KeyError, ValueError) as error:
        log(f"FAILED: {error}")
        if bench.dev is not None:
            log("tarmac dev log (tail):\n" + bench.tail_dev_log())
        code = 1
    finally:
        signal.alarm(60)  # cleanup is bounded too
        try:
            bench.cleanup()
        except Deadline as error:
            log(f"cleanup interrupted: {error}")
            code = code or 1
        signal.alarm(0)
    return code


if __name__ == "__main__":
    sys.exit(main())
