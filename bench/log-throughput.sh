#!/usr/bin/env bash
# Log throughput benchmark: the same workload (awk printing N lines as fast as it can) in a
# container whose output tarmac collects, in a container writing to /dev/null and on the host
# writing to a file, in one run; prints the workload's slowdown, the collection throughput
# and lag, and log query latencies. Same set-up, isolation and clean-up as
# bench/machine-start.sh, with bench/log_throughput.py measuring.
#
#   sudo ./bench/log-throughput.sh [--lines 200000] [--rounds 3] [-v]
#
# Environment as for machine-start.sh (TARMAC_BIN, BENCH_PORT, …); results go to
# bench/results/log-throughput.json unless BENCH_RESULTS is set. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_HELPER=log_throughput.py
export BENCH_RESULTS=${BENCH_RESULTS:-$PWD/bench/results/log-throughput.json}
exec ./bench/machine-start.sh "$@"
