#!/usr/bin/env python3
"""Cluster scale benchmark: a real `tarmac server`, N lightweight host agents speaking the
real tunnel protocol (`tarmac-scale-agents`, accounting runtime: they run nothing), and
machines placed through the API with wrk.

Reports: time to register the hosts, control-plane memory per host and per machine,
placements per second and create latency (p50/p99) as the machine count grows, the time
from a state change on an agent to the control plane's view (p50/p99), and read
throughput of GET machine against the health endpoint in the same wrk set-up.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import API, BenchError, Deadline, git_describe, install_deadline, machine_info, summary, write_results  # noqa: E402

VERBOSE = False


def log(message):
    print(f"[cluster-scale] {message}", file=sys.stderr, flush=True)


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def wrk(url, token, seconds, connections, script=None):
    """Runs wrk and returns (requests, req/s, p50 ms, p99 ms, non-2xx)."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-H", f"Authorization: Bearer {token}"]
    if script:
        argv += ["-s", script]
    result = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60)
    out = result.stdout
    if VERBOSE:
        log(out)

    def latency(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not match:
            return None
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000.0 if unit == "us" else value * 1000.0 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"requests": requests, "per_second": rate, "p50_ms": latency("50"), "p99_ms": latency("99"),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def main():
    global VERBOSE
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tarmac", required=True)
    parser.add_argument("--agents-binary", required=True)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--machines", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--round-seconds", type=int, default=10)
    parser.add_argument("--regions", default="ams,fra,sin,iad,syd")
    parser.add_argument("--port", type=int, default=24480)
    parser.add_argument("--results", default=None)
    parser.add_argument("--max-seconds", type=int, default=1800)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    VERBOSE = args.verbose
    install_deadline(args.max_seconds)

    work = tempfile.mkdtemp(prefix="tarmac-scale-")
    token, agent_token = "bench-admin", "bench-agent"
    api_port, agent_port = args.port, args.port + 1
    processes = []
    results = {"benchmark": "cluster-scale", "git": git_describe(), "machine": machine_info(),
               "hosts": args.hosts, "connections": args.connections}
    try:
        env = dict(os.environ, TARMAC_API_TOKEN=token, TARMAC_AGENT_TOKEN=agent_token)
        server_log = open(os.path.join(work, "server.log"), "w")
        server = subprocess.Popen([args.tarmac, "server", "--data-dir", os.path.join(work, "server"), "--api-listen", f"127.0.0.1:{api_port}",
                                   "--agent-listen", f"127.0.0.1:{agent_port}", "--default-region", args.regions.split(",")[0],
                                   "--log-level", "warning"], env=env, stdout=server_log, stderr=subprocess.STDOUT)
        processes.append(server)
        api = API(api_port, token)
        for _ in range(300):
            try:
                if api.request("GET", "/tarmac/v1/health", auth=False)[0] == 200:
                    break
            except OSError:
                api.reset()
            time.sleep(0.05)
        time.sleep(0.5)
        base_rss = rss_mb(server.pid)
        results["server_rss_mb_empty"] = round(base_rss, 1)

        log(f"registering {args.hosts} hosts")
        agents_log = open(os.path.join(work, "agents.log"), "w")
        started = time.monotonic()
        agents = subprocess.Popen([args.agents_binary, "--server", f"http://127.0.0.1:{agent_port}", "--token", agent_token,
                                   "--hosts", str(args.hosts), "--regions", args.regions, "--socket-dir", os.path.join(work, "sockets")],
                                  stdout=agents_log, stderr=subprocess.STDOUT, preexec_fn=raise_file_limit)
        processes.append(agents)
        connected = 0
        while time.monotonic() - started < 300:
            _, hosts = api.request("GET", "/tarmac/v1/hosts")
            connected = sum(1 for h in hosts if h["status"] == "ok")
            if connected >= args.hosts:
                break
            if agents.poll() is not None:
                raise BenchError(f"tarmac-scale-agents exited: {open(agents_log.name).read()[-2000:]}")
            time.sleep(0.25)
        if connected < args.hosts:
            raise BenchError(f"only {connected} of {args.hosts} hosts connected")
        results["register_seconds"] = round(time.monotonic() - started, 2)
        time.sleep(3)
        hosts_rss = rss_mb(server.pid)
        results["server_rss_mb_hosts"] = round(hosts_rss, 1)
        results["server_threads"] = threads(server.pid)
        results["server_kb_per_host"] = round((hosts_rss - base_rss) * 1024 / args.hosts, 1)
        log(f"{args.hosts} hosts connected in {results['register_seconds']} s; server RSS {hosts_rss:.0f} MB")

        api.request("POST", "/v1/apps", {"name": "scale", "org_slug": "personal"})
        script = os.path.join(work, "create.lua")
        regions = args.regions.split(",")
        with open(script, "w") as f:
            # Each create names a region in turn, so every region's hosts fill.
            f.write('wrk.headers["Content-Type"] = "application/json"\n'
                    'local regions = {' + ",".join(f'"{r}"' for r in regions) + '}\nlocal n = 0\n'
                    'request = function()\n  n = n + 1\n'
                    '  local body = \'{"region":"\' .. regions[(n % #regions) + 1] .. \'","config":{"image":"scale:v1","guest":{"cpus":1,"memory_mb":256}}}\'\n'
                    '  return wrk.format("POST", nil, nil, body)\nend\n')
        rounds = []
        created = 0
        while created < args.machines:
            outcome = wrk(f"http://127.0.0.1:{api_port}/v1/apps/scale/machines", token, args.round_seconds, args.connections, script)
            created += outcome["requests"] - outcome["errors"]
            outcome["machines_after"] = created
            rounds.append(outcome)
            log(f"round {len(rounds)}: {outcome['per_second']:.0f} creates/s, p50 {outcome['p50_ms']} ms, p99 {outcome['p99_ms']} ms, "
                f"errors {outcome['errors']}, {created} machines")
            if outcome["requests"] <= outcome["errors"]:
                raise BenchError(f"no create succeeded in round {len(rounds)} ({outcome['errors']} errors)")
        total_requests = sum(r["requests"] for r in rounds)
        results["placement_rounds"] = rounds
        results["machines"] = created
        results["placements_per_second"] = round(total_requests / (len(rounds) * args.round_seconds), 1)
        results["create_p50_ms_first_round"] = rounds[0]["p50_ms"]
        results["create_p99_ms_last_round"] = rounds[-1]["p99_ms"]
        results["create_errors"] = sum(r["errors"] for r in rounds)
        time.sleep(3)
        machines_rss = rss_mb(server.pid)
        results["server_rss_mb_machines"] = round(machines_rss, 1)
        results["server_kb_per_machine"] = round((machines_rss - hosts_rss) * 1024 / max(1, created), 2)
        _, hosts = api.request("GET", "/tarmac/v1/hosts")
        per_host = [h["machines"] for h in hosts]
        results["machines_per_host_min_max"] = [min(per_host), max(per_host)]

        # State change on an agent → the control plane's view: stop a machine (the agent
        # changes state and answers), then wait for the store to show it.
        _, listing = api.request("GET", "/v1/apps/scale/machines?summary=true")
        sample = [m["id"] for m in listing[:200]]
        lags = []
        for machine_id in sample:
            begin = time.monotonic()
            api.request("POST", f"/v1/apps/scale/machines/{machine_id}/stop")
            api.request("GET", f"/v1/apps/scale/machines/{machine_id}/wait?state=stopped&timeout=30")
            lags.append((time.monotonic() - begin) * 1000.0)
        results["stop_to_view_ms"] = summary(lags)

        # Reads beside the health endpoint, same wrk settings.
        machine_id = sample[0]
        health = wrk(f"http://127.0.0.1:{api_port}/tarmac/v1/health", token, 10, args.connections)
        read = wrk(f"http://127.0.0.1:{api_port}/v1/apps/scale/machines/{machine_id}", token, 10, args.connections)
        results["read_health"] = health
        results["read_machine"] = read
        results["read_ratio"] = round(read["per_second"] / health["per_second"], 3)
        print_report(results)
        if args.results:
            write_results(args.results, results, log)
    except Deadline as stop:
        log(f"stopped: {stop}")
        return 1
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def raise_file_limit():
    import resource
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def print_report(r):
    print(f"Cluster scale ({r['hosts']} hosts, {r['machines']} machines, wrk -c{r['connections']}; {r['machine']['nproc']} CPUs)")
    print(f"  hosts registered in       {r['register_seconds']} s")
    print(f"  server memory             {r['server_rss_mb_empty']} MB empty, {r['server_rss_mb_hosts']} MB with hosts "
          f"({r['server_kb_per_host']} KB/host), {r['server_rss_mb_machines']} MB with machines ({r['server_kb_per_machine']} KB/machine)")
    print(f"  server threads            {r['server_threads']}")
    print(f"  placements                {r['placements_per_second']}/s overall (Nomad C1M: ~3,750/s; target 5,000/s); "
          f"create p50 {r['create_p50_ms_first_round']} ms (first round), p99 {r['create_p99_ms_last_round']} ms (last round); errors {r['create_errors']}")
    print(f"  machines per host         {r['machines_per_host_min_max'][0]}-{r['machines_per_host_min_max'][1]}")
    lag = r["stop_to_view_ms"]
    print(f"  stop → control-plane view p50 {lag['median']:.1f} ms, p99 {lag['p99']:.1f} ms (n={lag['n']})")
    print(f"  reads                     GET machine {r['read_machine']['per_second']:.0f}/s vs health {r['read_health']['per_second']:.0f}/s "
          f"= {r['read_ratio']}× (target ≥ 0.5×)")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        log(f"error: {error}")
        sys.exit(1)
