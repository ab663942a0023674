#!/usr/bin/env bash
# Runs the whole test suite: unit tests, and integration tests against real runc and a real
# `tarmac dev`. Needs root (runc, mounts, network namespaces).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh --with-test-tools
if [[ $(id -u) -ne 0 ]]; then
  echo "tarmac: the test suite drives runc and creates network namespaces; run it as root" >&2
  exit 1
fi
swift build --build-tests
# The microVM tests boot the guest kernel + tarmac-init from /var/lib/tarmac/guest.
if [[ -x scripts/build-guest.sh ]]; then ./scripts/build-guest.sh; fi
if (($#)); then exec swift test --skip-build "$@"; fi
# Phases, so the timing-sensitive tests do not share the two CPUs with everything else:
# unit and in-process tests; the process-supervision suites that bound how fast a child is
# ended or reaped (on their own: in the middle of 600 parallel tests the cooperative pool is
# busy for seconds); the real-machine driver suites (runc, QEMU); then the integration
# suites against real `tarmac dev` processes; then the cluster suites (server + agents).
real_machines='RuntimeDriverSuites|GuestVMTests'
process_timing='TarmacSystemTests.ProcessExitMonitorTests|TarmacSystemTests.CommandTests|TarmacImageTests.ExternalProcessTests'
echo "== unit and in-process tests"
swift test --skip-build --skip "$real_machines|$process_timing|TarmacIntegrationTests"
echo "== process supervision timing"
swift test --skip-build --filter "$process_timing"
echo "== runtime drivers against real runc and QEMU"
swift test --skip-build --filter "$real_machines"
# The cluster suites start a server and several agents each: on their own, so their load
# does not stretch the timing bounds of the suites beside them.
cluster='TarmacIntegrationTests.ClusterTests|TarmacIntegrationTests.ClusterOptionTests'
echo "== integration: real tarmac dev, registry, runc, QEMU"
swift test --skip-build --filter TarmacIntegrationTests --skip "$cluster"
echo "== cluster: tarmac server and agents in network namespaces"
swift test --skip-build --filter "$cluster"
