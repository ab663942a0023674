#!/usr/bin/env bash
# End-to-end smoke test of the microVM guest: boots the guest kernel and tarmac-init under
# QEMU (TCG) with a busybox root disk, a TAP on a test bridge, and the control and exit
# ports, then checks that
#   - the main process runs with its args and env (it serves them over HTTP),
#   - the guest answers on its IP (boot time = QEMU start -> first HTTP answer),
#   - the main process's exit code reaches the exit port's file,
#   - QEMU exits by itself when the main process ends,
#   - a program that does not exist is reported as exit 127 with an error,
#   - a failure before the main process (no root disk) is reported and powers off,
#   - a main process killed by the OOM killer is reported as such.
#
#   scripts/guest-smoke.sh [--guest DIR] [--runs N] [--bench N] [--keep]
# --bench N: afterwards, N boots of a machine whose main process is busybox httpd itself,
# timed from QEMU start to the first HTTP answer (SMOKE_CMDLINE adds kernel arguments).
# Needs root (bridge/TAP), qemu-system-x86_64, busybox-static, e2fsprogs, cpio, python3,
# curl, and the artefacts of scripts/build-guest.sh (default DIR /var/lib/tarmac/guest).
set -euo pipefail

guest=/var/lib/tarmac/guest
runs=1
bench=0
keep=0
while (($#)); do
  case "$1" in
    --guest) guest="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --bench) bench="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "guest-smoke: unknown argument $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
wire="$repo/scripts/guest-wire.py"
bridge=tmsmoke0
tap=tmsmoke0t0
host_ip=10.213.9.1
guest_ip=10.213.9.2
work=$(mktemp -d /tmp/tarmac-guest-smoke.XXXXXX)
qemu_pid=""
failures=0

log() { echo "guest-smoke: $*" >&2; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
cleanup() {
  [[ -n "$qemu_pid" ]] && kill "$qemu_pid" 2>/dev/null || true
  ip link del "$tap" 2>/dev/null || true
  ip link del "$bridge" 2>/dev/null || true
  if ((keep)); then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

for file in vmlinux initrd.cpio; do
  [[ -f "$guest/$file" ]] || { log "missing $guest/$file (run scripts/build-guest.sh)"; exit 1; }
done

# --- root disk: busybox, a CGI-less httpd page, users -------------------------------------
root="$work/rootfs"
mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,run,www,home/app}
echo "bench page" > "$root/www/index.html"
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nextra:x:2000:app\n' > "$root/etc/group"
chmod 1777 "$root/tmp"

# --- network -------------------------------------------------------------------------------
ip link del "$tap" 2>/dev/null || true
ip link del "$bridge" 2>/dev/null || true
ip link add "$bridge" type bridge
ip addr add "$host_ip/24" dev "$bridge"
ip link set "$bridge" up
ip tuntap add dev "$tap" mode tap
ip link set "$tap" master "$bridge" up

# --- per-machine archive: /tarmac/config appended to the base initramfs ---------------------
make_initrd() {  # JSON OUT
  local dir="$work/archive"
  rm -rf "$dir" && mkdir -p "$dir/tarmac"
  python3 "$wire" config "$1" "$dir/tarmac/config"
  cat "$guest/initrd.cpio" > "$2"
  (cd "$dir" && find tarmac | cpio --quiet -o -H newc -R 0:0 >> "$2")
}

boot() {  # INITRD EXITFILE [DISK] ; starts QEMU in the background, sets qemu_pid
  local disk=()
  [[ -n "${3:-}" ]] && disk=(-drive "if=none,id=root,file=$3,format=raw" -device virtio-blk-device,drive=root)
  rm -f "$work/control.sock"
  qemu-system-x86_64 -M microvm,x-option-roms=off -nodefaults -no-user-config -nographic -no-reboot \
    -accel tcg -cpu qemu64,+rdrand -m 256 -kernel "$guest/vmlinux" -initrd "$1" \
    -append "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=$tsc_khz ${SMOKE_CMDLINE:-}" \
    -serial "file:$work/console-$(basename "$2").log" \
    "${disk[@]}" \
    -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device virtio-net-device,netdev=n0 \
    -device virtio-serial-device \
    -chardev "socket,id=ctl,path=$work/control.sock,server=on,wait=off" \
    -device virtserialport,chardev=ctl,name=tarmac.control \
    -chardev "file,id=ex,path=$2" -device virtserialport,chardev=ex,name=tarmac.exit &
  qemu_pid=$!
}

wait_qemu() {  # SECONDS ; true if QEMU exited by itself in time
  local deadline=$((SECONDS + $1))
  while kill -0 "$qemu_pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
  wait "$qemu_pid" 2>/dev/null || true
  qemu_pid=""
}

now_ms() { date +%s%3N; }

# Under TCG on these (loaded, nested) hosts the guest kernel cannot calibrate its TSC
# against the PIT and then waits forever for timer ticks; giving it the frequency (TCG's
# TSC is the host's) skips calibration. See docs/microvm-guest.md.
tsc_khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)

# --- 1. the main process serves its args/env over HTTP, then exits 42 ---------------------
config=$(cat <<EOF
{"args": ["/bin/sh", "-c", "echo \"\$0 \$1 \$GREETING \$(id -u):\$(id -g):\$(id -G | tr ' ' ,) \$(hostname) \$(pwd)\" > /tmp/www/index.html; httpd -p 8080 -h /tmp/www; nc -l -p 9000 > /dev/null; exit 42", "first-arg", "second-arg"],
 "env": ["PATH=/bin", "GREETING=hello-from-env"], "workingDirectory": "/home/app", "user": "app", "hostname": "smoke1",
 "network": {"address": "$guest_ip", "prefixLength": 24, "gateway": "$host_ip", "nameservers": ["10.213.9.1"]},
 "hosts": ["10.213.9.1 host.internal"]}
EOF
)
# The page directory must exist and be writable by uid 1000 before httpd starts.
mkdir -p "$root/tmp/www" && chown 1000:1000 "$root/tmp/www"
mkfs.ext4 -q -F -d "$root" "$work/root.img" 64M
make_initrd "$config" "$work/initrd1.cpio"

boot_times=()
for run in $(seq 1 "$runs"); do
  rm -f "$work/exit.1" "$work/console-exit.1.log"
  start=$(now_ms)
  boot "$work/initrd1.cpio" "$work/exit.1" "$work/root.img"
  answer=""
  while kill -0 "$qemu_pid" 2>/dev/null && (( $(now_ms) - start < 20000 )); do
    if answer=$(curl -s --max-time 0.5 "http://$guest_ip:8080/" 2>/dev/null) && [[ -n "$answer" ]]; then break; fi
    sleep 0.02
  done
  elapsed=$(( $(now_ms) - start ))
  boot_times+=("$elapsed")
  # With tarmac.debug, init's stamps (guest uptime) show where the time went.
  grep -h "tarmac-init \[" "$work/console-exit.1.log" 2>/dev/null | tr '\n' ' ' | sed 's/tarmac-init //g' >&2 && echo >&2 || true
  expected="first-arg second-arg hello-from-env 1000:1000:1000,2000 smoke1 /home/app"
  if [[ "$answer" == "$expected" ]]; then
    log "run $run: guest answered HTTP after ${elapsed} ms: $answer"
  else
    fail "run $run: HTTP answer '$answer' (wanted '$expected') after ${elapsed} ms"
    cat "$work/console-exit.1.log" >&2 || true
  fi
  # Ending the main process: connect to its nc; it exits 42 and the VM powers off.
  echo bye | timeout 5 nc -q 0 "$guest_ip" 9000 2>/dev/null || echo bye | timeout 5 nc -N "$guest_ip" 9000 2>/dev/null || \
    python3 -c "import socket; s=socket.create_connection(('$guest_ip', 9000), 5); s.sendall(b'bye'); s.close()" || true
  t0=$(now_ms)
  if wait_qemu 20; then
    log "run $run: QEMU exited $(( $(now_ms) - t0 )) ms after the main process was told to end"
  else
    fail "run $run: QEMU still running 20 s after the main process was told to end"
    kill "$qemu_pid"; wait "$qemu_pid" 2>/dev/null || true; qemu_pid=""
  fi
  report=$(python3 "$wire" exit "$work/exit.1")
  if [[ "$report" == '{"exitCode": 42, "signal": 0, "oomKilled": false, "error": null}' ]]; then
    log "run $run: exit report $report"
  else
    fail "run $run: exit report $report"
    cat "$work/console-exit.1.log" >&2 || true
  fi
done
log "boot times (QEMU start -> HTTP answer), ms: ${boot_times[*]}"

# --- 2. a program that does not exist -----------------------------------------------------
make_initrd '{"args": ["no-such-program"], "env": ["PATH=/bin"], "rootDevice": "/dev/vda"}' "$work/initrd2.cpio"
rm -f "$work/exit.2"
boot "$work/initrd2.cpio" "$work/exit.2" "$work/root.img"
wait_qemu 20 || { fail "missing program: QEMU did not exit"; kill "$qemu_pid"; qemu_pid=""; }
report=$(python3 "$wire" exit "$work/exit.2")
if [[ "$report" == *'"exitCode": 127'* && "$report" == *"no-such-program"* ]]; then
  log "missing program: $report"
else
  fail "missing program: exit report $report"
  cat "$work/console-exit.2.log" >&2 || true
fi

# --- 3. no root disk: init fails before the main process, reports, powers off --------------
make_initrd '{"args": ["/bin/true"], "rootDevice": "/dev/vdz"}' "$work/initrd3.cpio"
rm -f "$work/exit.3"
SMOKE_CMDLINE="" boot "$work/initrd3.cpio" "$work/exit.3" ""
wait_qemu 30 || { fail "no root disk: QEMU did not exit"; kill "$qemu_pid"; qemu_pid=""; }
report=$(python3 "$wire" exit "$work/exit.3")
if [[ "$report" == *'"error": "init: block device /dev/vdz did not appear'* ]]; then
  log "no root disk: $report"
else
  fail "no root disk: exit report $report"
  cat "$work/console-exit.3.log" >&2 || true
fi

# --- 3b. the OOM killer ends the main process: reported as SIGKILL with oomKilled ----------
make_initrd '{"args": ["/bin/sh", "-c", "x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done"], "env": ["PATH=/bin"]}' "$work/initrd5.cpio"
rm -f "$work/exit.5"
boot "$work/initrd5.cpio" "$work/exit.5" "$work/root.img"
wait_qemu 90 || { fail "oom: QEMU did not exit"; kill "$qemu_pid"; qemu_pid=""; }
report=$(python3 "$wire" exit "$work/exit.5")
if [[ "$report" == '{"exitCode": 0, "signal": 9, "oomKilled": true, "error": null}' ]]; then
  log "oom: $report"
else
  fail "oom: exit report $report"
  cat "$work/console-exit.5.log" >&2 || true
fi

# --- 4. boot benchmark: the main process is the HTTP server itself ---------------------------
if ((bench)); then
  make_initrd "{\"args\": [\"/bin/httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"], \"env\": [\"PATH=/bin\"], \"hostname\": \"bench\",
    \"network\": {\"address\": \"$guest_ip\", \"prefixLength\": 24, \"gateway\": \"$host_ip\", \"nameservers\": []}}" "$work/initrd4.cpio"
  bench_times=()
  bench_cpu=()
  for run in $(seq 1 "$bench"); do
    rm -f "$work/exit.4"
    start=$(now_ms)
    boot "$work/initrd4.cpio" "$work/exit.4" "$work/root.img"
    answer=""
    while kill -0 "$qemu_pid" 2>/dev/null && (( $(now_ms) - start < 20000 )); do
      if answer=$(curl -s --max-time 0.5 "http://$guest_ip:8080/" 2>/dev/null) && [[ -n "$answer" ]]; then break; fi
      sleep 0.01
    done
    elapsed=$(( $(now_ms) - start ))
    # CPU time QEMU used until then: close to the wall time an idle host would need
    # (the shared build hosts are heavily loaded).
    cpu=$(awk '{ print ($14 + $15) * 10 }' "/proc/$qemu_pid/stat" 2>/dev/null || echo 0)
    [[ "$answer" == "bench page" ]] || fail "bench run $run: no HTTP answer after $elapsed ms"
    bench_times+=("$elapsed")
    bench_cpu+=("$cpu")
    grep -h "tarmac-init \[" "$work/console-exit.4.log" 2>/dev/null | tr '\n' ' ' | sed 's/tarmac-init //g' >&2 && echo >&2 || true
    kill "$qemu_pid"; wait "$qemu_pid" 2>/dev/null || true; qemu_pid=""
  done
  sorted=$(printf '%s\n' "${bench_times[@]}" | sort -n | tr '\n' ' ')
  log "bench: QEMU start -> HTTP answer (ms, sorted): $sorted(load: $(cut -d' ' -f1-3 /proc/loadavg))"
  log "bench: QEMU CPU time until the answer (ms, sorted): $(printf '%s\n' "${bench_cpu[@]}" | sort -n | tr '\n' ' ')"
fi

if ((failures)); then log "$failures check(s) failed"; exit 1; fi
log "all checks passed"
