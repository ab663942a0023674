#!/usr/bin/env bash
# Runs Tarmac on this machine: installs what it needs, builds the release binary and the microVM
# guest artefacts, starts `tarmac dev`.
# Extra arguments go to `tarmac dev` (e.g. --data-dir, --api-listen).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
./scripts/install-deps.sh
swift build -c release --product tarmac
# The per-machine shim of the container runtime; the driver starts it from tarmac's directory.
swift build -c release --product tarmac-shim
# The microVM runtime's guest: static tarmac-init, Debian's cloud kernel, base initramfs
# (/var/lib/tarmac/guest; quick when already built). `--runtime auto` uses microVMs when KVM works.
./scripts/build-guest.sh
mkdir -p .build/bin && ln -sf "$PWD/.build/release/tarmac" .build/bin/tarmac
echo "tarmac: the CLI is $PWD/.build/bin/tarmac (add $PWD/.build/bin to PATH)" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo -E"
exec $sudo .build/release/tarmac dev "$@"
