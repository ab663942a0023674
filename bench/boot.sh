#!/usr/bin/env bash
# MicroVM boot benchmark, in one run on the same kernel, initramfs and root disk content:
#   (a) a plain QEMU boot started by this script (PVH vmlinux, RTC on, quiet, tsc_early_khz)
#       until the guest's busybox httpd accepts a TCP connection;
#   (b) POST /v1/apps/{app}/machines + GET …/wait?state=started + first TCP connect to the
#       machine's private_ip, through a private `tarmac dev --runtime microvm` (release build);
#   (c) resume: POST …/suspend, wait suspended, then POST …/start + wait started + first TCP
#       connect (only the resume is timed).
# N runs each (interleaved), medians/p90, the ratios b/a (target ≤ 1.15), c/b (target ≤ 0.3),
# b against 2.5 s, the accelerator (KVM/TCG), and the first start of an image (root disk build).
#
#   sudo ./bench/boot.sh [--runs 5] [--warmup 1] [--no-rdrand-variant] [--check-targets] …
#
# Options are those of bench/boot_bench.py (`--help`). Environment:
#   TARMAC_BIN=PATH      use this tarmac binary instead of building `swift build -c release`
#   BENCH_GUEST_DIR=DIR  guest artefacts (vmlinux, initrd.cpio); default: built (idempotent) by
#                        scripts/build-guest.sh into .build-guest/bench-guest
#   BENCH_PORT, BENCH_BRIDGE, BENCH_SUBNET, BENCH_PREFIX   isolation (defaults 4391, tbboot0,
#                        172.31.251.0/24, tbboot) so the run never touches another tarmac dev
#   BENCH_RESULTS=PATH   JSON output (default bench/results/boot-latest.json)
#   BENCH_TIMEOUT=SEC    hard limit of the measuring part (default 1800)
#
# Everything it creates (tarmac dev, VMs, TAPs, bridge, iptables rules, temp dirs) is removed
# on exit, also on failure or Ctrl-C. See docs/benchmarks.md, section "microVM boot".
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
for arg in "$@"; do
    [[ $arg == -h || $arg == --help ]] && exec python3 "$REPO/bench/boot_bench.py" --help
done

PORT=${BENCH_PORT:-4391}
BRIDGE=${BENCH_BRIDGE:-tbboot0}
SUBNET=${BENCH_SUBNET:-172.31.251.0/24}
PREFIX=${BENCH_PREFIX:-tbboot}
PLAIN_TAP=${PREFIX}plain
RESULTS=${BENCH_RESULTS:-$REPO/bench/results/boot-latest.json}
TIMEOUT=${BENCH_TIMEOUT:-1800}
GATEWAY=$(python3 -c 'import ipaddress,sys; print(next(ipaddress.ip_network(sys.argv[1], strict=False).hosts()))' "$SUBNET")

log() { printf '[boot %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (sudo ./bench/boot.sh): it creates a bridge, TAP devices and VMs"
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
export PATH="$PATH:/usr/sbin:/sbin"
((${#PLAIN_TAP} <= 15)) || die "BENCH_PREFIX too long (TAP name $PLAIN_TAP > 15 bytes)"

# --- tools -------------------------------------------------------------------------------
source "$REPO/bench/lib.sh"
bench_require qemu-system-x86_64:qemu-system-x86 qemu-img:qemu-utils busybox:busybox-static mkfs.ext4:e2fsprogs \
    cpio:cpio lz4:lz4 ip:iproute2 iptables:iptables python3:python3

# --- tarmac and the guest ------------------------------------------------------------------
bench_tarmac
if [[ -n ${BENCH_GUEST_DIR:-} ]]; then
    GUEST=$(realpath "$BENCH_GUEST_DIR")
else
    GUEST=$REPO/.build-guest/bench-guest
    log "guest artefacts: scripts/build-guest.sh --out $GUEST (idempotent)"
    timeout 3600 "$REPO/scripts/build-guest.sh" --out "$GUEST" >&2 || die "scripts/build-guest.sh failed"
fi
for f in vmlinux initrd.cpio; do [[ -f $GUEST/$f ]] || die "missing $GUEST/$f (scripts/build-guest.sh --out $GUEST)"; done
log "guest: $GUEST ($(cat "$GUEST/kernel-version" 2>/dev/null || echo '?'))"

# --- isolation checks ----------------------------------------------------------------------
bench_check_isolation

WORK=$(mktemp -d /tmp/tarmac-boot-bench.XXXXXX)
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
    # QEMU processes of this run: `-name <prefix>/<id>` (Tarmac's and the plain one), and only
    # those whose files live in this run's work dir.
    local p
    for p in $(pgrep -f "qemu-system-x86_64 -name $PREFIX/" 2>/dev/null); do
        if grep -q "$WORK" "/proc/$p/cmdline" 2>/dev/null; then
            log "cleanup: kill QEMU $p"; kill -KILL "$p"
        fi
    done
    for dev in /sys/class/net/*; do
        [[ -e $dev/ifalias ]] || continue
        local name alias; name=$(basename "$dev"); alias=$(cat "$dev/ifalias" 2>/dev/null)
        [[ $alias == "$PREFIX/"* ]] && { log "cleanup: ip link del $name"; ip link del "$name"; }
    done
    ip link show "$PLAIN_TAP" >/dev/null 2>&1 && ip link del "$PLAIN_TAP"
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        log "cleanup: ip link del $BRIDGE"; ip link del "$BRIDGE"
    fi
    while iptables -w -t nat -C POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null; do
        iptables -w -t nat -D POSTROUTING -s "$SUBNET" ! -o "$BRIDGE" -j MASQUERADE
    done
    while iptables -w -C FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null; do
        iptables -w -D FORWARD -i "$BRIDGE" -j ACCEPT
    done
    while iptables -w -C FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null; do
        iptables -w -D FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    done
    if [[ -n ${BENCH_KEEP_WORK:-} ]]; then log "kept $WORK (BENCH_KEEP_WORK)"; else rm -rf "$WORK"; fi
    if ((code == 0)); then log "done"
    elif ((code == 3)); then log "a target is not met (exit 3); everything it created was removed"
    else log "failed (exit $code); everything it created was removed"; fi
    exit "$code"
}
helper=""
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
set +e
timeout --signal=TERM --kill-after=90 $((TIMEOUT + 600)) \
    python3 "$REPO/bench/boot_bench.py" --tarmac "$TARMAC" --guest-dir "$GUEST" --guest-wire "$REPO/scripts/guest-wire.py" \
    --work-dir "$WORK" --port "$PORT" --bridge "$BRIDGE" --subnet "$SUBNET" --gateway "$GATEWAY" --prefix "$PREFIX" \
    --plain-tap "$PLAIN_TAP" --results "$RESULTS" --max-seconds "$TIMEOUT" "$@" &
helper=$!
wait "$helper"
status=$?
set -e
exit "$status"
