#!/usr/bin/env bash
# Event feed latency benchmark: time from a state change on the agent to a WebSocket
# subscriber, an SSE subscriber and a local webhook receiver, over ≥ 1,000 events (p50, p90,
# p99, max; events missed per channel; webhook signatures verified). Same set-up, isolation
# and clean-up as bench/machine-start.sh, with bench/event_latency.py measuring.
#
#   sudo ./bench/event-latency.sh [--events 1000] [--machines 10] [-v]
#
# Environment as for machine-start.sh (TARMAC_BIN, BENCH_PORT, …); results go to
# bench/results/event-latency.json unless BENCH_RESULTS is set. See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_HELPER=event_latency.py
export BENCH_RESULTS=${BENCH_RESULTS:-$PWD/bench/results/event-latency.json}
exec ./bench/machine-start.sh "$@"
