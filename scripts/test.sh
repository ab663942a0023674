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
swift test --skip-build "$@"
