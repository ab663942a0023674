#!/usr/bin/env python3
"""MicroVM boot benchmark: a plain QEMU boot versus a machine started through Tarmac, and
the resume of a suspended machine, in one run on the same kernel, initramfs and root disk.

Run it through `bench/boot.sh` (which builds tarmac and the guest, and cleans up host
resources whatever happens). This helper does the measuring, N times each, interleaved
(a, b, c, a, b, c, …) so that drift in the host's load hits all three alike:

  (a) plain QEMU: `qemu-system-x86_64 -M microvm` started by this script in the fastest
      configuration known for this kernel (PVH boot of the uncompressed vmlinux, RTC on,
      `quiet`, `tsc_early_khz`), with the same base initramfs + tarmac-init, a raw copy of
      the very ext4 root disk Tarmac built for the image, the same virtio devices (blk, net
      on a TAP on the same bridge, the control and exit serial ports), timed from spawning
      QEMU to the first successful TCP connect to the guest's busybox httpd (its main
      process);
  (b) Tarmac: `POST /v1/apps/{app}/machines` + `GET …/wait?state=started` + the first
      successful TCP connect to the machine's `private_ip`, timed from just before the POST;
      the machine is destroyed after (c);
  (c) resume: the machine of (b) → `POST …/suspend`, `wait?state=suspended` (not timed),
      then `POST …/start` + `wait?state=started` + first TCP connect (timed).

Before the loop, the first machine of the image is timed apart: it builds the per-image
root disk (`mkfs.ext4 -d`, once per image digest) — the first-start cost.

Optionally (default on) a variant (a+) of the plain boot adds `-cpu qemu64,+rdrand`: without
RDRAND the guest's CRNG is not ready early under TCG and the static Swift runtime of
tarmac-init blocks in getrandom() for its hash seed (see docs/benchmarks.md).

Every timed run begins with an empty neighbour (ARP) table on the bridge, and the bridge's
ARP retransmit time is lowered to 10 ms: otherwise a SYN sent before the guest's eth0 is up
leaves an unanswered ARP request that is retried only after 1 s, which would measure the
host's ARP timer, not the boot. Both (a) and (b) get the same treatment.

Standard library only.
"""

import argparse
import datetime
import http.client
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

from benchlib import API, BenchError, Deadline, busy_cpu_ms, file_sha256, git_describe, install_deadline, loadavg, machine_info, ms, run, summary, write_results  # noqa: E402

APP = "boot"
IMAGE = "bootbench:v1"
PORT = 8080
HTTPD_ARGS = ["/bin/httpd", "-f", "-p", str(PORT), "-h", "/www"]
PAGE = "boot bench page\n"


# ----------------------------------------------------------------------------- helpers


def log(message):
    print(f"[boot {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_busy_over(seconds):
    with open("/proc/stat") as f:
        a = [int(x) for x in f.readline().split()[1:]]
    time.sleep(seconds)
    with open("/proc/stat") as f:
        b = [int(x) for x in f.readline().split()[1:]]
    total = sum(b) - sum(a)
    idle = (b[3] + b[4]) - (a[3] + a[4])
    return 0.0 if total <= 0 else 1.0 - idle / total


def wait_for_idle(limit_s, threshold):
    """Waits (at most limit_s) until the CPUs are less than `threshold` busy over 2 s."""
    began = time.monotonic()
    said = -30.0
    while True:
        busy = cpu_busy_over(2.0)
        waited = time.monotonic() - began
        if busy < threshold or waited >= limit_s:
            log(f"CPU {busy:.0%} busy after waiting {waited:.0f} s: starting")
            return round(waited, 1)
        if waited - said >= 30:
            log(f"CPU {busy:.0%} busy: waiting (up to {limit_s} s) for it to fall under {threshold:.0%}")
            said = waited


def process_cpu_ms(pid):
    """user+system CPU time of a process (all threads), in ms; None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def connect_once(address, timeout):
    """One TCP connect attempt; True when it succeeded."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((address, PORT))
        return True
    except (socket.timeout, OSError):
        return False
    finally:
        s.close()


def wait_connect(address, deadline_s=90.0, alive=None):
    """Retries TCP connects to address:PORT (each attempt up to 200 ms, 5 ms apart) until one
    succeeds; returns perf_counter() at that moment. `alive()` False aborts (QEMU died)."""
    limit = time.perf_counter() + deadline_s
    while time.perf_counter() < limit:
        if connect_once(address, 0.2):
            return time.perf_counter()
        if alive is not None and not alive():
            raise BenchError(f"the guest at {address} went away before it answered")
        time.sleep(0.005)
    raise BenchError(f"no TCP connect to {address}:{PORT} within {deadline_s:.0f} s")


def http_get(address):
    conn = http.client.HTTPConnection(address, PORT, timeout=5)
    try:
        conn.request("GET", "/")
        return conn.getresponse().read().decode(errors="replace")
    finally:
        conn.close()


def host_tsc_khz():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                return int(round(float(line.split(":", 1)[1]) * 1000))
    return None


def swift_seconds(text):
    """'1.234 seconds' (Swift Duration description) → ms."""
    m = re.match(r"\s*([0-9.e+-]+) seconds", text)
    return float(m.group(1)) * 1000.0 if m else None


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
        self.machines = set()
        self.qemu = None           # the plain QEMU of (a) while it runs
        self.results = {}
        self.tsc_khz = host_tsc_khz()
        network = ipaddress.ip_network(args.subnet, strict=False)
        # (a)'s guest: an address near the top of the subnet (Tarmac allocates from the bottom).
        self.plain_ip = str(network.broadcast_address - 2)
        self.prefix_len = network.prefixlen

    # ------------------------------------------------------------------ tarmac dev

    def start_dev(self):
        argv = [self.args.tarmac, "dev", "--data-dir", self.data, "--api-listen", f"127.0.0.1:{self.args.port}",
                "--bridge", self.args.bridge, "--subnet", self.args.subnet, "--resource-prefix", self.args.prefix,
                "--runtime", "microvm", "--guest-dir", self.args.guest_dir, "--log-level", "debug"]
        env = dict(os.environ, TARMAC_API_TOKEN=self.token, TARMAC_DATA_DIR=self.data)
        if self.args.driver_cpu:
            # An experiment, not the product: tarmac dev finds qemu-system-x86_64 through PATH,
            # so a wrapper first in PATH adds `-cpu MODEL` to its TCG boots (and resumes, which
            # reuse the same arguments) — what the driver would do with that flag.
            wrappers = os.path.join(self.work, "qemu-wrapper")
            os.makedirs(wrappers, exist_ok=True)
            real = shutil.which("qemu-system-x86_64")
            with open(os.path.join(wrappers, "qemu-system-x86_64"), "w") as f:
                f.write("#!/bin/sh\n"
                        "case \" $* \" in *' -accel tcg '*) exec " + real + " \"$@\" -cpu " + self.args.driver_cpu + " ;; esac\n"
                        "exec " + real + " \"$@\"\n")
            os.chmod(os.path.join(wrappers, "qemu-system-x86_64"), 0o755)
            env["PATH"] = wrappers + ":" + env.get("PATH", "")
            log(f"tarmac dev's TCG QEMU gets -cpu {self.args.driver_cpu} (wrapper {wrappers}/qemu-system-x86_64)")
        log(f"starting: {' '.join(argv)}")
        self.dev_log = open(self.dev_log_path, "ab")
        t0 = time.perf_counter()
        self.dev = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.dev_log, stderr=self.dev_log, env=env,
                                    start_new_session=True)
        with open(os.path.join(self.work, "tarmac-dev.pid"), "w") as f:
            f.write(f"{self.dev.pid}\n")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.dev.poll() is not None:
                raise BenchError(f"tarmac dev exited with {self.dev.returncode}; log:\n{self.tail_dev_log()}")
            try:
                status, _ = API(self.args.port, self.token).request("GET", "/tarmac/v1/health", auth=False)
                if status == 200:
                    self.results["dev_startup_ms"] = ms(time.perf_counter() - t0)
                    log(f"tarmac dev is healthy after {self.results['dev_startup_ms']:.0f} ms")
                    return
            except (OSError, http.client.HTTPException, BenchError):
                pass
            time.sleep(0.1)
        raise BenchError(f"tarmac dev did not become healthy within 120 s; log:\n{self.tail_dev_log()}")

    def tail_dev_log(self, lines=30):
        try:
            with open(self.dev_log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def runtime_line(self):
        """The `runtime:` line of tarmac dev's start-up announcement (runtime and why)."""
        with open(self.dev_log_path, errors="replace") as f:
            for line in f:
                if "runtime:" in line and "(" in line:
                    return line.strip()
        return None

    def driver_starts(self):
        """`microvm started` debug lines: total duration and steps, in log order."""
        out = []
        with open(self.dev_log_path, errors="replace") as f:
            for line in f:
                if "microvm started" not in line:
                    continue
                entry = {}
                m = re.search(r"duration=([0-9.e+-]+ seconds)", line)
                if m:
                    entry["total"] = swift_seconds(m.group(1))
                for key, value in re.findall(r'"(\w+)": ([0-9.e+-]+ seconds)', line):
                    entry[key] = swift_seconds(value)
                m = re.search(r"accelerator=(\w+)", line)
                if m:
                    entry["accelerator"] = m.group(1)
                out.append(entry)
        return out

    # ------------------------------------------------------------------ image and network

    def make_rootfs(self):
        rootfs = os.path.join(self.work, "image-src")
        for d in ("bin", "etc", "proc", "sys", "dev", "tmp", "run", "www"):
            os.makedirs(os.path.join(rootfs, d), exist_ok=True)
        busybox = os.path.realpath(shutil.which("busybox") or "/bin/busybox")
        shutil.copy2(busybox, os.path.join(rootfs, "bin", "busybox"))
        applets = run([busybox, "--list"]).stdout.split()
        for applet in applets:
            if applet != "busybox":
                os.symlink("busybox", os.path.join(rootfs, "bin", applet))
        with open(os.path.join(rootfs, "www", "index.html"), "w") as f:
            f.write(PAGE)
        with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/sh\n")
        with open(os.path.join(rootfs, "etc", "group"), "w") as f:
            f.write("root:x:0:\n")
        os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
        return rootfs

    def import_image(self):
        rootfs = self.make_rootfs()
        env = dict(os.environ, TARMAC_DATA_DIR=self.data)
        result = run([self.args.tarmac, "image", "import", rootfs, IMAGE, "--cmd", " ".join(HTTPD_ARGS)], env=env, timeout=300)
        log(f"imported {IMAGE}: {result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ''}")
        self.api.request("POST", "/v1/apps", {"app_name": APP, "org_slug": "personal"})

    def tune_bridge(self):
        """Fast ARP retries on the benchmark's own bridge (see the module docstring)."""
        base = f"/proc/sys/net/ipv4/neigh/{self.args.bridge}"
        for _ in range(100):
            if os.path.isdir(base):
                break
            time.sleep(0.1)
        else:
            raise BenchError(f"bridge {self.args.bridge} did not appear")
        before = {}
        for key, value in (("retrans_time_ms", "10"), ("mcast_solicit", "20"), ("ucast_solicit", "20")):
            path = f"{base}/{key}"
            with open(path) as f:
                before[key] = f.read().strip()
            with open(path, "w") as f:
                f.write(value)
        self.results["bridge_arp_tuning"] = {"before": before, "after": {"retrans_time_ms": 10, "mcast_solicit": 20, "ucast_solicit": 20}}

    def flush_neighbours(self):
        run(["ip", "neigh", "flush", "dev", self.args.bridge], check=False)

    # ------------------------------------------------------------------ (a) plain QEMU

    def prepare_plain(self, base_disk):
        """A raw copy of Tarmac's base disk, a per-boot initrd with the same kind of config,
        and a TAP on the same bridge."""
        self.plain_dir = os.path.join(self.work, "plain")
        os.makedirs(self.plain_dir, exist_ok=True)
        self.plain_disk = os.path.join(self.plain_dir, "root.ext4")
        run(["cp", "--sparse=always", base_disk, self.plain_disk], timeout=300)
        config = {
            "args": HTTPD_ARGS, "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=plain"],
            "workingDirectory": "/", "user": "", "hostname": "plain",
            "network": {"address": self.plain_ip, "prefixLength": self.prefix_len, "gateway": self.args.gateway,
                        "nameservers": [self.args.gateway]},
            "hosts": [],
        }
        archive = os.path.join(self.plain_dir, "archive")
        os.makedirs(os.path.join(archive, "tarmac"), exist_ok=True)
        run([sys.executable, self.args.guest_wire, "config", json.dumps(config), os.path.join(archive, "tarmac", "config")])
        self.plain_initrd = os.path.join(self.plain_dir, "initrd.cpio")
        with open(os.path.join(self.args.guest_dir, "initrd.cpio"), "rb") as src, open(self.plain_initrd, "wb") as dst:
            shutil.copyfileobj(src, dst)
        tail = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc", "-R", "0:0"], input=b"tarmac\ntarmac/config\n",
                              cwd=archive, capture_output=True, check=True).stdout
        with open(self.plain_initrd, "ab") as dst:
            dst.write(tail)
        self.plain_tap = self.args.plain_tap
        run(["ip", "link", "del", self.plain_tap], check=False)
        run(["ip", "tuntap", "add", "dev", self.plain_tap, "mode", "tap"])
        run(["ip", "link", "set", self.plain_tap, "alias", f"{self.args.prefix}/plain"])
        run(["ip", "link", "set", self.plain_tap, "master", self.args.bridge, "up"])

    def plain_argv(self, variant, index, debug=False):
        cpu = ["-cpu", "qemu64,+rdrand"] if variant == "rdrand" else []
        extra = " tarmac.debug" if debug else ""
        return (["qemu-system-x86_64", "-name", f"{self.args.prefix}/plain",
                 "-M", "microvm,x-option-roms=off", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
                 "-accel", "tcg"] + cpu +
                ["-smp", "1", "-m", str(self.args.memory_mb),
                 "-kernel", os.path.join(self.args.guest_dir, "vmlinux"), "-initrd", self.plain_initrd,
                 "-append", f"console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz={self.tsc_khz}{extra}",
                 "-serial", f"file:{self.plain_dir}/console-{variant}-{index}.log",
                 "-drive", f"if=none,id=root,file={self.plain_disk},format=raw", "-device", "virtio-blk-device,drive=root",
                 "-netdev", f"tap,id=n0,ifname={self.plain_tap},script=no,downscript=no",
                 "-device", "virtio-net-device,netdev=n0,mac=02:54:4d:42:00:01",
                 "-device", "virtio-serial-device",
                 "-chardev", f"socket,id=ctl,path={self.plain_dir}/control.sock,server=on,wait=off",
                 "-device", "virtserialport,chardev=ctl,name=tarmac.control",
                 "-chardev", f"file,id=ex,path={self.plain_dir}/exit-{variant}-{index}",
                 "-device", "virtserialport,chardev=ex,name=tarmac.exit"])

    def plain_boot(self, variant, index, debug=False):
        """(a): QEMU spawn → first TCP connect. Returns a dict of ms figures."""
        argv = self.plain_argv(variant, index, debug)
        self.flush_neighbours()
        machine0 = busy_cpu_ms()
        t0 = time.perf_counter()
        self.qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            t1 = wait_connect(self.plain_ip, alive=lambda: self.qemu.poll() is None)
            qemu_cpu = process_cpu_ms(self.qemu.pid)
            machine_cpu = busy_cpu_ms() - machine0
            t2 = time.perf_counter()
            page = http_get(self.plain_ip)
            t3 = time.perf_counter()
            if page != PAGE:
                raise BenchError(f"(a) answered {page!r}")
        finally:
            self.qemu.kill()
            _, err = self.qemu.communicate(timeout=30)
            self.qemu = None
        if err and err.strip():
            log(f"(a) QEMU stderr: {err.decode(errors='replace').strip()[:300]}")
        return {"connect": ms(t1 - t0), "http": ms(t3 - t2), "qemu_cpu": qemu_cpu, "machine_cpu": machine_cpu}

    # ------------------------------------------------------------------ (b), (c) through Tarmac

    def qemu_pid(self, machine_id):
        path = os.path.join(self.data, "agent", "machines", machine_id, "vm", "qemu.pid")
        try:
            with open(path) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            return None

    def api_start(self):
        api = self.api
        api.connection()
        body = {"config": {"image": IMAGE, "restart": {"policy": "no"},
                           "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": self.args.memory_mb}}}
        self.flush_neighbours()
        machine0 = busy_cpu_ms()
        t0 = time.perf_counter()
        _, machine = api.request("POST", f"/v1/apps/{APP}/machines", body)
        t1 = time.perf_counter()
        machine_id = machine["id"]
        self.machines.add(machine_id)
        _, waited = api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=started&timeout=60")
        t2 = time.perf_counter()
        if not isinstance(waited, dict) or waited.get("state") != "started":
            raise BenchError(f"wait for {machine_id} answered {waited}")
        _, view = api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}")
        address = view.get("private_ip")
        if not address:
            raise BenchError(f"machine {machine_id} has no private_ip: {view}")
        t2b = time.perf_counter()
        t3 = wait_connect(address)
        pid = self.qemu_pid(machine_id)
        qemu_cpu = process_cpu_ms(pid) if pid else None
        machine_cpu = busy_cpu_ms() - machine0
        page = http_get(address)
        if page != PAGE:
            raise BenchError(f"(b) {machine_id} answered {page!r}")
        figures = {"total": ms(t1 - t0) + ms(t2 - t1) + ms(t3 - t2b), "post": ms(t1 - t0), "wait": ms(t2 - t1),
                   "connect_after_started": ms(t3 - t2b), "qemu_cpu": qemu_cpu, "machine_cpu": machine_cpu}
        return machine_id, address, view, figures

    def suspend(self, machine_id):
        t0 = time.perf_counter()
        self.api.request("POST", f"/v1/apps/{APP}/machines/{machine_id}/suspend", {})
        _, waited = self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=suspended&timeout=60")
        if not isinstance(waited, dict) or waited.get("state") != "suspended":
            raise BenchError(f"wait suspended for {machine_id} answered {waited}")
        return ms(time.perf_counter() - t0)

    def resume(self, machine_id, address):
        api = self.api
        api.connection()
        self.flush_neighbours()
        machine0 = busy_cpu_ms()
        t0 = time.perf_counter()
        api.request("POST", f"/v1/apps/{APP}/machines/{machine_id}/start", {})
        t1 = time.perf_counter()
        _, waited = api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=started&timeout=60")
        t2 = time.perf_counter()
        if not isinstance(waited, dict) or waited.get("state") != "started":
            raise BenchError(f"wait started (resume) for {machine_id} answered {waited}")
        t3 = wait_connect(address)
        machine_cpu = busy_cpu_ms() - machine0
        page = http_get(address)
        if page != PAGE:
            raise BenchError(f"(c) {machine_id} answered {page!r}")
        return {"total": ms(t3 - t0), "post": ms(t1 - t0), "wait": ms(t2 - t1), "connect_after_started": ms(t3 - t2),
                "machine_cpu": machine_cpu}

    def destroy(self, machine_id):
        self.api.request("DELETE", f"/v1/apps/{APP}/machines/{machine_id}?force=true")
        self.api.request("GET", f"/v1/apps/{APP}/machines/{machine_id}/wait?state=destroyed&timeout=60")
        self.machines.discard(machine_id)

    def console_times(self, machine_id):
        """Kernel printk stamps are off (quiet); this returns the machine log's size as a hint."""
        path = os.path.join(self.data, "agent", "logs", machine_id)
        return os.path.getsize(path) if os.path.exists(path) else None

    # ------------------------------------------------------------------ main

    def run(self):
        args = self.args
        started = datetime.datetime.now(datetime.timezone.utc)
        r = self.results
        r.update({
            "benchmark": "microvm-boot",
            "started_at": started.isoformat(timespec="seconds"),
            "machine": machine_info(),
            "tarmac_binary": args.tarmac,
            "tarmac_binary_sha256": file_sha256(args.tarmac),
            "tarmac_git": git_describe(),
            "qemu_version": run(["qemu-system-x86_64", "--version"]).stdout.splitlines()[0],
            "guest_dir": args.guest_dir,
            "guest_manifest": open(os.path.join(args.guest_dir, "manifest")).read().strip().splitlines()
            if os.path.exists(os.path.join(args.guest_dir, "manifest")) else None,
            "host_tsc_khz": self.tsc_khz,
            "settings": {"runs": args.runs, "warmup": args.warmup, "memory_mb": args.memory_mb, "settle_ms": args.settle_ms,
                         "rdrand_variant": args.rdrand_variant, "driver_cpu": args.driver_cpu,
                         "wait_idle": args.wait_idle},
            "load_before": loadavg(),
        })
        self.start_dev()
        r["runtime_line"] = self.runtime_line()
        try:
            with open(os.path.join(self.data, "microvm", "kvm-probe.json")) as f:
                r["kvm_probe"] = json.load(f)
        except (OSError, ValueError):
            r["kvm_probe"] = None
        log(f"tarmac dev says: {r['runtime_line']}")
        self.import_image()
        self.tune_bridge()

        # First start of the image: builds the per-image root disk.
        log("first start of the image (builds its root disk)")
        machine_id, address, view, first = self.api_start()
        r["first_start_ms"] = first
        r["machine_view_runtime"] = {k: view.get(k) for k in ("runtime",) if k in view} or \
            {k: v for k, v in view.items() if "runtime" in k.lower()}
        r["first_driver_start"] = (self.driver_starts() or [None])[-1]
        log(f"first start: {first['total']:.0f} ms (POST {first['post']:.0f}, wait {first['wait']:.0f}, "
            f"connect {first['connect_after_started']:.0f}); driver steps {r['first_driver_start']}")
        self.destroy(machine_id)
        disks = os.path.join(self.data, "microvm", "disks")
        bases = [os.path.join(disks, e) for e in os.listdir(disks) if e.endswith(".ext4")]
        if len(bases) != 1:
            raise BenchError(f"expected one base disk in {disks}, found {bases}")
        r["base_disk_bytes_apparent"] = os.path.getsize(bases[0])
        r["base_disk_bytes_allocated"] = os.stat(bases[0]).st_blocks * 512
        self.prepare_plain(bases[0])

        variants = ["plain"] + (["rdrand"] if args.rdrand_variant else [])
        for w in range(args.warmup):
            log(f"warm-up {w + 1}/{args.warmup}")
            for v in variants:
                self.plain_boot(v, f"w{w}")
            mid, addr, _, _ = self.api_start()
            self.suspend(mid)
            self.resume(mid, addr)
            self.destroy(mid)
        n_driver_before = len(self.driver_starts())
        if args.wait_idle:
            r["waited_for_idle_s"] = wait_for_idle(args.wait_idle, args.idle_cpu)

        a, a_rd, b, c, susp = [], [], [], [], []
        machine_cpu0, t_loop = busy_cpu_ms(), time.perf_counter()
        for i in range(args.runs):
            time.sleep(args.settle_ms / 1000)
            a.append(self.plain_boot("plain", i))
            if args.rdrand_variant:
                time.sleep(args.settle_ms / 1000)
                a_rd.append(self.plain_boot("rdrand", i))
            time.sleep(args.settle_ms / 1000)
            mid, addr, _, fb = self.api_start()
            b.append(fb)
            time.sleep(args.settle_ms / 1000)
            susp.append(self.suspend(mid))
            time.sleep(args.settle_ms / 1000)
            c.append(self.resume(mid, addr))
            self.destroy(mid)
            log(f"run {i + 1}/{args.runs}: (a) {a[-1]['connect']:.0f} ms"
                + (f", (a+rdrand) {a_rd[-1]['connect']:.0f} ms" if a_rd else "")
                + f", (b) {fb['total']:.0f} ms (POST {fb['post']:.0f} + wait {fb['wait']:.0f} + connect {fb['connect_after_started']:.0f}),"
                f" suspend {susp[-1]:.0f} ms, (c) {c[-1]['total']:.0f} ms; load {loadavg()[0]:.1f}")
        loop_s = time.perf_counter() - t_loop
        busy_loop = (busy_cpu_ms() - machine_cpu0) / 1000.0 / loop_s / (os.cpu_count() or 1)
        # Diagnosis (not timed above): the guest's own steps, from init's stamps (guest uptime, s)
        # with `tarmac.debug` on the kernel command line, one boot per variant.
        if args.diagnose:
            r["init_stamps_s"] = {}
            for v in variants:
                time.sleep(args.settle_ms / 1000)
                figures = self.plain_boot(v, "diag", debug=True)
                stamps = []
                with open(f"{self.plain_dir}/console-{v}-diag.log", errors="replace") as f:
                    for line in f:
                        m = re.search(r"tarmac-init \[([0-9.]+)\] (.*)", line)
                        if m:
                            stamps.append([float(m.group(1)), m.group(2).strip()])
                r["init_stamps_s"][v] = {"connect_ms": figures["connect"], "stamps": stamps}
        r["cpu_busy_fraction_during_loop"] = busy_loop
        r["load_after"] = loadavg()

        def col(rows, key):
            return [x[key] for x in rows if x.get(key) is not None]

        r["a_plain_ms"] = summary(col(a, "connect"))
        r["a_plain_http_after_connect_ms"] = summary(col(a, "http"))
        r["a_plain_qemu_cpu_ms"] = summary(col(a, "qemu_cpu"))
        if a_rd:
            r["a_rdrand_ms"] = summary(col(a_rd, "connect"))
            r["a_rdrand_qemu_cpu_ms"] = summary(col(a_rd, "qemu_cpu"))
        r["b_api_ms"] = summary(col(b, "total"))
        r["b_post_ms"] = summary(col(b, "post"))
        r["b_wait_ms"] = summary(col(b, "wait"))
        r["b_connect_after_started_ms"] = summary(col(b, "connect_after_started"))
        r["b_qemu_cpu_ms"] = summary(col(b, "qemu_cpu"))
        r["c_resume_ms"] = summary(col(c, "total"))
        r["c_post_ms"] = summary(col(c, "post"))
        r["c_wait_ms"] = summary(col(c, "wait"))
        r["c_connect_after_started_ms"] = summary(col(c, "connect_after_started"))
        r["suspend_ms"] = summary(susp)
        r["raw"] = {"a": a, "a_rdrand": a_rd, "b": b, "c": c, "suspend": susp}

        steps = self.driver_starts()[n_driver_before:]
        r["driver_start_steps_ms"] = {}
        keys = sorted({k for s in steps for k in s if k != "accelerator"})
        for k in keys:
            r["driver_start_steps_ms"][k] = summary([s[k] for s in steps if s.get(k) is not None])
        accels = sorted({s.get("accelerator") for s in steps if s.get("accelerator")})
        r["accelerator"] = ",".join(accels) if accels else None

        am, bm, cm = r["a_plain_ms"]["median"], r["b_api_ms"]["median"], r["c_resume_ms"]["median"]
        r["ratio_b_over_a"] = bm / am
        r["ratio_c_over_b"] = cm / bm
        r["ratio_b_over_a_paired_median"] = statistics.median(x["total"] / y["connect"] for x, y in zip(b, a))
        if a_rd:
            r["ratio_b_over_a_rdrand"] = bm / r["a_rdrand_ms"]["median"]
        r["targets"] = {
            "b_over_a_max": args.target_b_over_a, "b_over_a_met": r["ratio_b_over_a"] <= args.target_b_over_a,
            "c_over_b_max": args.target_c_over_b, "c_over_b_met": r["ratio_c_over_b"] <= args.target_c_over_b,
            "b_median_max_ms": args.target_b_ms, "b_median_met": bm < args.target_b_ms,
        }
        return r

    # ------------------------------------------------------------------ teardown

    def cleanup(self):
        self.api.reset()
        if self.qemu is not None and self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait(timeout=10)
        if self.dev is not None and self.dev.poll() is None:
            try:
                _, listed = self.api.request("GET", f"/v1/apps/{APP}/machines")
                self.machines |= {m["id"] for m in listed or [] if m.get("state") != "destroyed"}
            except Exception:  # noqa: BLE001
                self.api.reset()
        for machine_id in list(self.machines):
            try:
                self.destroy(machine_id)
            except Exception as error:  # noqa: BLE001
                log(f"cleanup: could not destroy machine {machine_id}: {error}")
        self.api.reset()
        if self.dev is not None and self.dev.poll() is None:
            log("stopping tarmac dev (SIGTERM)")
            self.dev.send_signal(signal.SIGTERM)
            try:
                self.dev.wait(timeout=30)
            except subprocess.TimeoutExpired:
                log("tarmac dev did not stop within 30 s: SIGKILL")
                self.dev.kill()
                self.dev.wait(timeout=10)


# ----------------------------------------------------------------------------- report

def print_report(r):
    def row(name, s):
        if not s:
            return f"  {name:<46} {'-':>9}"
        return f"  {name:<46} {s['median']:9.0f} {s['p90']:9.0f} {s['min']:9.0f} {s['max']:9.0f}"

    t = r["targets"]
    m = r["machine"]
    ok = lambda met: "MET" if met else "NOT MET"  # noqa: E731
    accel = r.get("accelerator") or "?"
    lines = [
        "",
        f"MicroVM boot benchmark — {r['started_at']}  ({m['nproc']} CPUs, {m['cpu_model']}, host kernel {m['kernel']}, "
        f"/dev/kvm {'present' if m['dev_kvm'] else 'absent'})",
        f"tarmac {r['tarmac_binary']} (sha256 {r['tarmac_binary_sha256'][:12]}; tree {r['tarmac_git']}); {r['qemu_version']}",
        f"accelerator: {accel.upper()}   tarmac dev: {r.get('runtime_line') or '?'}",
        *([f"EXPERIMENT: tarmac dev's TCG QEMU ran with -cpu {r['settings']['driver_cpu']} (PATH wrapper; not what the driver does)"]
          if r["settings"].get("driver_cpu") else []),
        f"load average before {r['load_before']}, after {r['load_after']}; CPU busy during the loop {r['cpu_busy_fraction_during_loop']:.0%}",
        "",
        f"  {'(N = ' + str(r['a_plain_ms']['n']) + ' each, interleaved; milliseconds)':<46} {'median':>9} {'p90':>9} {'min':>9} {'max':>9}",
        row("(a) plain QEMU: spawn → first TCP connect", r["a_plain_ms"]),
    ]
    if r.get("a_rdrand_ms"):
        lines.append(row("(a+) same with -cpu qemu64,+rdrand", r["a_rdrand_ms"]))
    lines += [
        row("(b) POST + wait started + first TCP connect", r["b_api_ms"]),
        row("    of which POST", r["b_post_ms"]),
        row("    of which wait?state=started", r["b_wait_ms"]),
        row("    of which connect after `started`", r["b_connect_after_started_ms"]),
        row("(c) resume: POST start + wait + first connect", r["c_resume_ms"]),
        row("    of which POST", r["c_post_ms"]),
        row("    of which wait?state=started", r["c_wait_ms"]),
        row("    of which connect after `started`", r["c_connect_after_started_ms"]),
        row("(suspend + wait suspended, not in c)", r["suspend_ms"]),
        row("QEMU CPU time until the connect, (a)", r["a_plain_qemu_cpu_ms"]),
        *([row("QEMU CPU time until the connect, (a+)", r["a_rdrand_qemu_cpu_ms"])] if r.get("a_rdrand_qemu_cpu_ms") else []),
        row("QEMU CPU time until the connect, (b)", r["b_qemu_cpu_ms"]),
        "",
        "  driver start() steps (tarmac dev debug log; medians / p90)",
    ]
    for k, s in r.get("driver_start_steps_ms", {}).items():
        lines.append(f"    {k:<44} {s['median']:9.1f} {s['p90']:9.1f}")
    for v, d in (r.get("init_stamps_s") or {}).items():
        lines.append(f"  init steps, one (a{'+' if v == 'rdrand' else ''}) boot with tarmac.debug (guest uptime, s; connect at {d['connect_ms']:.0f} ms):")
        lines.append("    " + "; ".join(f"{t:.2f} {what.split(':')[0]}" for t, what in d["stamps"]))
    f = r["first_start_ms"]
    fd = r.get("first_driver_start") or {}
    lines += [
        "",
        f"  first start of the image (root disk build): {f['total']:.0f} ms (POST {f['post']:.0f} + wait {f['wait']:.0f} + connect "
        f"{f['connect_after_started']:.0f}); driver base_disk step {fd.get('base_disk', float('nan')):.0f} ms, "
        f"against {r['driver_start_steps_ms'].get('base_disk', {}).get('median', float('nan')):.1f} ms warm "
        f"(disk {r['base_disk_bytes_apparent'] / 2**20:.0f} MiB apparent, {r['base_disk_bytes_allocated'] / 2**20:.1f} MiB allocated)",
        f"  tarmac dev start-up to healthy (includes the KVM probe unless cached): {r['dev_startup_ms']:.0f} ms",
        "",
        f"  b/a  = {r['ratio_b_over_a']:.2f}   target ≤ {t['b_over_a_max']:g}: {ok(t['b_over_a_met'])}"
        f"   (median of paired b_i/a_i {r['ratio_b_over_a_paired_median']:.2f}"
        + (f"; against (a+rdrand) {r['ratio_b_over_a_rdrand']:.2f}" if r.get("ratio_b_over_a_rdrand") else "") + ")",
        f"  c/b  = {r['ratio_c_over_b']:.2f}   target ≤ {t['c_over_b_max']:g}: {ok(t['c_over_b_met'])}",
        f"  b    = {r['b_api_ms']['median']:.0f} ms   target < {t['b_median_max_ms']:g} ms ({accel.upper()}): {ok(t['b_median_met'])}",
    ]
    print("\n".join(lines) + "\n", flush=True)


# ----------------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tarmac", required=True, help="tarmac binary (release build)")
    parser.add_argument("--guest-dir", required=True, help="scripts/build-guest.sh output (vmlinux, initrd.cpio)")
    parser.add_argument("--guest-wire", required=True, help="scripts/guest-wire.py (encodes the guest config)")
    parser.add_argument("--work-dir", required=True, help="scratch directory; removed by the wrapper")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each of (a), (b), (c)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds before (after the first start)")
    parser.add_argument("--memory-mb", type=int, default=256, help="guest memory, both sides")
    parser.add_argument("--no-rdrand-variant", dest="rdrand_variant", action="store_false",
                        help="skip (a+): the plain boot with -cpu qemu64,+rdrand")
    parser.add_argument("--driver-cpu", metavar="MODEL", default=None,
                        help="experiment: tarmac dev's TCG QEMU runs with -cpu MODEL (e.g. qemu64,+rdrand) through a PATH wrapper")
    parser.add_argument("--no-diagnose", dest="diagnose", action="store_false",
                        help="skip the two extra (a) boots with tarmac.debug that record init's step stamps")
    parser.add_argument("--wait-idle", type=int, default=0, metavar="SECONDS",
                        help="before the timed loop, wait up to this long for the CPUs to be less than --idle-cpu busy")
    parser.add_argument("--idle-cpu", type=float, default=0.35)
    parser.add_argument("--settle-ms", type=int, default=300, help="pause before each timed step")
    parser.add_argument("--port", type=int, default=4391)
    parser.add_argument("--bridge", default="tbboot0")
    parser.add_argument("--subnet", default="172.31.251.0/24")
    parser.add_argument("--gateway", default="172.31.251.1")
    parser.add_argument("--prefix", default="tbboot")
    parser.add_argument("--plain-tap", default="tbbootplain")
    parser.add_argument("--target-b-over-a", type=float, default=1.15)
    parser.add_argument("--target-c-over-b", type=float, default=0.3)
    parser.add_argument("--target-b-ms", type=float, default=2500.0)
    parser.add_argument("--check-targets", action="store_true", help="exit 3 when a target is not met")
    parser.add_argument("--max-seconds", type=int, default=1800, help="abort (and clean up) after this long")
    parser.add_argument("--results", default=None, help="JSON output file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    install_deadline(args.max_seconds)

    bench = Bench(args)
    code = 0
    try:
        results = bench.run()
        signal.alarm(0)
        print_report(results)
        if args.results:
            write_results(args.results, results, log)
        t = results["targets"]
        if args.check_targets and not (t["b_over_a_met"] and t["c_over_b_met"] and t["b_median_met"]):
            log("a target is not met (--check-targets): exit 3")
            code = 3
    except (BenchError, Deadline, subprocess.SubprocessError, OSError) as error:
        log(f"ERROR: {error}")
        log(f"tarmac dev log (tail):\n{bench.tail_dev_log()}")
        code = 1
    finally:
        signal.alarm(0)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        try:
            bench.cleanup()
        except Exception as error:  # noqa: BLE001
            log(f"cleanup failed: {error}")
            code = code or 1
    sys.exit(code)


if __name__ == "__main__":
    main()
