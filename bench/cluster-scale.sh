#!/usr/bin/env bash
# Cluster scale benchmark: a real `tarmac server` on SQLite, N host agents speaking the
# real tunnel protocol with the accounting runtime (tarmac-scale-agents: they run nothing),
# machines placed through the API by wrk. Prints registration time, server memory per host
# and per machine, placements/s with create latency, the stop → control-plane view lag and
# the read throughput of GET machine against the health endpoint.
#
#   sudo ./bench/cluster-scale.sh [--hosts 1000] [--machines 100000] [--connections 32] [-v]
#
# TARMAC_BIN / TARMAC_SCALE_AGENTS_BIN use existing binaries (else release builds are made).
# Results go to bench/results/cluster-scale.json unless BENCH_RESULTS is set.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
log() { echo "[cluster-scale] $*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source bench/lib.sh
bench_require wrk:wrk python3:python3
if [[ -n ${TARMAC_BIN:-} ]]; then
  TARMAC=$(realpath "$TARMAC_BIN")
else
  timeout 3600 swift build -c release --product tarmac >&2 || die "release build failed"
  TARMAC=$REPO/.build/release/tarmac
fi
if [[ -n ${TARMAC_SCALE_AGENTS_BIN:-} ]]; then
  AGENTS=$(realpath "$TARMAC_SCALE_AGENTS_BIN")
else
  timeout 3600 swift build -c release --product tarmac-scale-agents >&2 || die "release build of tarmac-scale-agents failed"
  AGENTS=$REPO/.build/release/tarmac-scale-agents
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec python3 bench/cluster_scale.py --tarmac "$TARMAC" --agents-binary "$AGENTS" \
  --results "${BENCH_RESULTS:-$REPO/bench/results/cluster-scale.json}" "$@"
