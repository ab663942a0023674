#!/usr/bin/env bash
# Runs Tarmac on this machine: installs what it needs, builds the release binary, starts `tarmac dev`.
# Extra arguments go to `tarmac dev` (e.g. --data-dir, --api-listen).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh
swift build -c release --product tarmac
mkdir -p .build/bin && ln -sf "$PWD/.build/release/tarmac" .build/bin/tarmac
echo "tarmac: the CLI is $PWD/.build/bin/tarmac (add $PWD/.build/bin to PATH)" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo -E"
exec $sudo .build/release/tarmac dev "$@"
