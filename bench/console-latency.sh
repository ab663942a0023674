#!/usr/bin/env bash
# Console latency benchmark: keystroke → echo through tarmac's console WebSocket against
# `runc exec --tty` on a local terminal, same container, same run (p50/p90/p99, ratio).
# Same set-up, isolation and clean-up as bench/machine-start.sh, with
# bench/console_latency.py measuring.
#
#   sudo ./bench/console-latency.sh [--samples 300] [--runtime container|microvm]
#
# Environment as for machine-start.sh (TARMAC_BIN, BENCH_PORT, …); results go to
# bench/results/console-latency.json unless BENCH_RESULTS is set. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_HELPER=console_latency.py
export BENCH_RESULTS=${BENCH_RESULTS:-$PWD/bench/results/console-latency.json}
exec ./bench/machine-start.sh "$@"
