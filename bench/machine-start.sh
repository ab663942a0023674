#!/usr/bin/env bash
# Machine start benchmark: raw `runc run -d` (reference) versus POST /v1/apps/{app}/machines +
# wait?state=started through a private `tarmac dev`, interleaved, in one run; then wrk on
# GET /v1/apps/{app}/machines/{id} with GET /tarmac/v1/health as the same-run reference.
#
#   sudo ./bench/machine-start.sh [--iterations 20] [--wait-idle 600] [--check-targets] [-v] …
#
# Prints medians/p90 of both, the ratio b/a against the targets (b/a ≤ 2, b < 150 ms), the
# phases of an API start from a kernel trace, component timings and the wrk figures; writes
# everything to bench/results/latest.json. See docs/benchmarks.md.
#
# Options are those of bench/machine_start.py (`--help`). Environment:
#   TARMAC_BIN=PATH    use this tarmac binary instead of building `swift build -c release`
#   BENCH_PORT, BENCH_BRIDGE, BENCH_SUBNET, BENCH_PREFIX   isolation (defaults 4390, tbench0,
#                      172.31.250.0/24, tbench) so the run never touches another tarmac dev
#   BENCH_RESULTS=PATH JSON output (default bench/results/latest.json)
#   BENCH_TIMEOUT=SEC  hard limit of the measuring part (default 900)
#
# Everything it creates (tarmac dev, machines, reference containers, bridge, iptables rules,
# netns, mounts, cgroups, temp dirs) is removed on exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
# BENCH_HELPER picks another measuring helper with the same set-up and clean-up
# (bench/event-latency.sh uses event_latency.py).
HELPER=$REPO/bench/${BENCH_HELPER:-machine_start.py}
for arg in "$@"; do
    [[ $arg == -h || $arg == --help ]] && exec python3 "$HELPER" --help
done

PORT=${BENCH_PORT:-4390}
BRIDGE=${BENCH_BRIDGE:-tbench0}
SUBNET=${BENCH_SUBNET:-172.31.250.0/24}
PREFIX=${BENCH_PREFIX:-tbench}
RESULTS=${BENCH_RESULTS:-$REPO/bench/results/latest.json}
TIMEOUT=${BENCH_TIMEOUT:-900}
GATEWAY=$(python3 -c 'import ipaddress,sys; print(next(ipaddress.ip_network(sys.argv[1], strict=False).hosts()))' "$SUBNET")

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo ./bench/machine-start.sh): it drives runc, mounts and network namespaces"
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
export PATH="$PATH:/usr/sbin:/sbin"

# --- tools -------------------------------------------------------------------------------
source "$REPO/bench/lib.sh"
bench_require runc:runc busybox:busybox-static wrk:wrk ip:iproute2 iptables:iptables python3:python3

# --- tarmac --------------------------------------------------------------------------------
bench_tarmac

# --- isolation checks ----------------------------------------------------------------------
bench_check_isolation

WORK=$(mktemp -d /tmp/tarmac-bench.XXXXXX)
chmod 700 "$WORK"

# --- cleanup ---------------------------------------------------------------------------------
# The Python helper destroys machines through the API and stops tarmac dev; this removes
# whatever is left on the host, idempotently, even after a crash of the helper.
cleanup() {
    local code=$?
    trap - EXIT INT TERM HUP
    set +e
    if [[ -f $WORK/tarmac-dev.pid ]]; then
        local pid; pid=$(cat "$WORK/tarmac-dev.pid")
        if kill -0 "$pid" 2>/dev/null && grep -q "$WORK" "/proc/$pid/cmdline" 2>/dev/null; then
            log "cleanup: stopping tarmac dev ($pid)"
            kill -TERM "$pid"
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        fi
    fi
    # Containers left by either side (their shims exit once the container is gone).
    for root in "$WORK/data/agent/runc" "$WORK/runc-ref"; do
        [[ -d $root ]] || continue
        for id in $(runc --root "$root" list -q 2>/dev/null); do
            log "cleanup: runc delete -f $id"
            runc --root "$root" delete -f "$id" >/dev/null 2>&1
        done
    done
    # Mounts under the work dir (overlay rootfs, bind mounts), deepest first.
    awk -v w="$WORK" '$2 ~ "^"w {print $2}' /proc/mounts | sort -r | while read -r m; do
        log "cleanup: umount $m"; umount -l "$m"
    done
    # Network namespaces and veths of this run's prefix.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-"); do
        log "cleanup: ip netns del $ns"; ip netns del "$ns"
    done
    for dev in /sys/class/net/tm* /sys/class/net/tbc*; do
        [[ -e $dev ]] || continue
        local name alias; name=$(basename "$dev"); alias=$(cat "$dev/ifalias" 2>/dev/null)
        [[ $alias == "$PREFIX/"* ]] && { log "cleanup: ip link del $name"; ip link del "$name"; }
    done
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        log "cleanup: ip link del $BRIDGE"; ip link del "$BRIDGE"
    fi
    local rule
    while iptables -w -t nat -C POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null; do
        iptables -w -t nat -D POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE
    done
    while iptables -w -C FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null; do
        iptables -w -D FORWARD -i "$BRIDGE" -j ACCEPT
    done
    while iptables -w -C FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null; do
        iptables -w -D FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    done
    # cgroups (v1: one tree per controller) of this run's prefix: children first.
    for top in /sys/fs/cgroup/*/"$PREFIX" /sys/fs/cgroup/*/"${PREFIX}ref"; do
        [[ -d $top ]] || continue
        find "$top" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
    rm -rf "$WORK"
    if ((code == 0)); then log "done"
    elif ((code == 3)); then log "a target is not met (exit 3); everything it created was removed"
    else log "failed (exit $code); everything it created was removed"; fi
    exit "$code"
}
helper=""
# On a signal, let the helper clean up through the API first (it gets SIGTERM), then exit.
interrupted() {
    log "interrupted ($1)"
    if [[ -n $helper ]]; then kill -TERM "$helper" 2>/dev/null; wait "$helper"; fi
    exit "$2"
}
trap cleanup EXIT
trap 'interrupted SIGINT 130' INT
trap 'interrupted SIGTERM 143' TERM
trap 'interrupted SIGHUP 129' HUP

log "uptime: $(uptime)"
# The helper keeps its own time limit (--max-seconds, plus --wait-idle); `timeout` is only a
# backstop should it hang in a system call.
set +e
timeout --signal=TERM --kill-after=90 $((2 * TIMEOUT + 3600)) \
    python3 "$HELPER" --tarmac "$TARMAC" --work-dir "$WORK" --port "$PORT" --bridge "$BRIDGE" \
    --subnet "$SUBNET" --gateway "$GATEWAY" --prefix "$PREFIX" --results "$RESULTS" --max-seconds "$TIMEOUT" "$@" &
helper=$!
wait "$helper"
status=$?
set -e
exit "$status"
