#!/usr/bin/env bash
# Installs the system packages Tarmac needs on Debian 12, idempotently (only what is missing).
set -euo pipefail

packages=(runc tini busybox-static iproute2 iptables e2fsprogs procps curl ca-certificates
  libisal-dev libzstd-dev)  # in-process layer decompression (TarmacImage, CTarmacImage)
# microVM runtime (QEMU, qemu-img) and guest artefacts (scripts/build-guest.sh: lz4 for the
# kernel, cpio for the base initramfs).
packages+=(qemu-system-x86 qemu-utils lz4 cpio)
# Extra packages for benchmarks and tests: pass --with-test-tools.
if [[ "${1:-}" == "--with-test-tools" ]]; then
  packages+=(wrk python3 docker-registry apache2-utils skopeo zstd openssl)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "tarmac: installing ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  if [[ -x /opt/swift/usr/bin/swift ]]; then
    echo "tarmac: swift is at /opt/swift/usr/bin; add it to PATH" >&2
  else
    echo "tarmac: Swift 6.1 or newer is required (https://swift.org/install)" >&2
    exit 1
  fi
fi
