#!/usr/bin/env bash
# Builds what every Tarmac microVM boots: the guest kernel (uncompressed vmlinux, booted
# through PVH) and the base initramfs (tarmac-init as /init plus the virtio modules).
#
#   scripts/build-guest.sh [--out DIR]      (default DIR: /var/lib/tarmac/guest)
#
# Writes into DIR:
#   vmlinux         ELF kernel for `qemu-system-x86_64 -kernel`
#   initrd.cpio     base initramfs (newc, uncompressed, padded to 512 bytes): /init,
#                   /lib/modules/*.ko + /lib/modules/order, empty /tarmac, /newroot, ...
#   kernel-version  e.g. 6.1.0-56-cloud-amd64
#   manifest        key=value lines: versions and sha256 of the files above
# The agent appends a per-machine newc archive holding /tarmac/config to initrd.cpio.
#
# Idempotent: rebuilds only what changed (the init binary, a new kernel package); a run
# with nothing to do takes about a second plus SwiftPM's up-to-date check.
set -euo pipefail

out=/var/lib/tarmac/guest
while (($#)); do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "build-guest: unknown argument $1" >&2; exit 2 ;;
  esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
work="$out/.work"
mkdir -p "$out" "$work"
log() { echo "build-guest: $*" >&2; }

# Modules the guest needs (the Debian cloud kernel builds virtio as modules; ext4 is built
# in), dependencies first. tarmac-init retries failures while a pass makes progress, so the
# order is an optimisation, not a contract.
modules=(virtio_ring virtio failover net_failover virtio_blk virtio_net virtio_console virtio_mmio)

# --- tarmac-init, static -----------------------------------------------------------------
log "building tarmac-init (static, release)"
if ! (cd "$repo" && swift build --product tarmac-init -c release --static-swift-stdlib \
    -Xswiftc -static-executable --scratch-path "$repo/.build-guest" > "$work/swift-build.log" 2>&1); then
  grep -vE "^warning: 'swift-" "$work/swift-build.log" >&2 || true
  log "swift build failed"; exit 1
fi
binary="$repo/.build-guest/release/tarmac-init"
[[ -x "$binary" ]] || { log "no binary at $binary"; exit 1; }
if ldd "$binary" >/dev/null 2>&1; then log "$binary is dynamically linked"; exit 1; fi
if [[ ! -f "$work/init" || "$binary" -nt "$work/init" ]]; then
  strip -o "$work/init.tmp" "$binary"
  chmod 0755 "$work/init.tmp"
  mv "$work/init.tmp" "$work/init"
  log "tarmac-init: $(stat -c %s "$work/init") bytes stripped"
fi

# --- kernel ------------------------------------------------------------------------------
resolve_kernel_package() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
package=$(resolve_kernel_package || true)
if [[ -z "$package" ]]; then
  log "apt has no linux-image-cloud-amd64; running apt-get update"
  apt-get update -qq >&2 || true
  package=$(resolve_kernel_package || true)
fi
if [[ -z "$package" ]]; then
  if [[ -f "$out/vmlinux" && -f "$out/kernel-version" ]]; then
    log "cannot resolve linux-image-cloud-amd64; keeping kernel $(cat "$out/kernel-version")"
    package="linux-image-$(cat "$out/kernel-version")"
  else
    log "cannot resolve linux-image-cloud-amd64 (is apt configured?)"; exit 1
  fi
fi
version=${package#linux-image-}

if [[ ! -f "$out/vmlinux" || "$(cat "$out/kernel-version" 2>/dev/null)" != "$version" || ! -d "$work/modules-$version" ]]; then
  log "fetching $package"
  rm -rf "$work/kernel" && mkdir -p "$work/kernel"
  (cd "$work/kernel" && apt-get download "$package" >&2 2>/dev/null) || {
    log "apt-get download failed; running apt-get update and retrying"
    apt-get update -qq >&2
    (cd "$work/kernel" && apt-get download "$package" >&2)
  }
  deb=$(ls "$work/kernel"/*.deb)
  dpkg -x "$deb" "$work/kernel/root"
  vmlinuz="$work/kernel/root/boot/vmlinuz-$version"
  [[ -f "$vmlinuz" ]] || { log "no vmlinuz-$version in $deb"; exit 1; }

  # The bzImage payload is LZ4 (legacy frame, magic 02 21 4c 18); the decompressed ELF boots
  # through PVH directly, skipping firmware and in-guest decompression.
  offset=$(grep -obUaP '\x02\x21\x4c\x18' "$vmlinuz" | head -1 | cut -d: -f1)
  [[ -n "$offset" ]] || { log "no LZ4 payload in $vmlinuz (kernel no longer CONFIG_KERNEL_LZ4?)"; exit 1; }
  tail -c +"$((offset + 1))" "$vmlinuz" | lz4 -dc > "$work/vmlinux.tmp" 2>/dev/null || true
  if [[ "$(head -c 4 "$work/vmlinux.tmp" | od -An -tx1 | tr -d ' \n')" != "7f454c46" ]]; then
    log "decompressed kernel is not an ELF file"; exit 1
  fi
  grep -q "^CONFIG_PVH=y" "$work/kernel/root/boot/config-$version" || log "warning: kernel lacks CONFIG_PVH; vmlinux may not boot"

  rm -rf "$work/modules-$version.tmp" && mkdir -p "$work/modules-$version.tmp"
  for module in "${modules[@]}"; do
    ko=$(find "$work/kernel/root/lib/modules/$version" -name "$module.ko" | head -1)
    [[ -n "$ko" ]] || { log "module $module.ko missing from $package"; exit 1; }
    cp "$ko" "$work/modules-$version.tmp/"
  done
  printf '%s\n' "${modules[@]}" > "$work/modules-$version.tmp/order"
  rm -rf "$work/modules-$version" && mv "$work/modules-$version.tmp" "$work/modules-$version"
  mv "$work/vmlinux.tmp" "$out/vmlinux"
  echo "$version" > "$out/kernel-version"
  rm -rf "$work/kernel"
  log "kernel $version: vmlinux $(stat -c %s "$out/vmlinux") bytes"
fi

# --- base initramfs ----------------------------------------------------------------------
stamp="$(sha256sum "$work/init" | cut -d' ' -f1) $version $(printf '%s,' "${modules[@]}")"
if [[ ! -f "$out/initrd.cpio" || "$(cat "$work/initrd.stamp" 2>/dev/null)" != "$stamp" ]]; then
  tree="$work/initrd"
  rm -rf "$tree" && mkdir -p "$tree"/{dev,proc,sys,newroot,tarmac,lib/modules}
  cp "$work/init" "$tree/init"
  cp "$work/modules-$version"/* "$tree/lib/modules/"
  # The kernel's built-in initramfs has /dev/console already; this one is for kernels without.
  mknod -m 600 "$tree/dev/console" c 5 1 2>/dev/null || true
  # newc, owned by root, fixed mtimes; GNU cpio pads the archive to 512 bytes, so another
  # newc archive can be appended directly (the kernel unpacks concatenated archives).
  find "$tree" -exec touch -h -d @0 {} +
  (cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible > "$out/initrd.cpio.tmp")
  mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
  echo "$stamp" > "$work/initrd.stamp"
  rm -rf "$tree"
  log "initrd.cpio: $(stat -c %s "$out/initrd.cpio") bytes"
fi

# --- manifest ----------------------------------------------------------------------------
manifest=$(cat <<EOF
format=1
guest-protocol=$(sed -n 's/.*static let version: UInt16 = \([0-9]*\).*/\1/p' "$repo/Sources/TarmacGuestProtocol/GuestProtocol.swift")
kernel-package=$package
kernel-version=$version
vmlinux-sha256=$(sha256sum "$out/vmlinux" | cut -d' ' -f1)
initrd-sha256=$(sha256sum "$out/initrd.cpio" | cut -d' ' -f1)
init-sha256=$(sha256sum "$work/init" | cut -d' ' -f1)
modules=$(IFS=,; echo "${modules[*]}")
EOF
)
if [[ "$(cat "$out/manifest" 2>/dev/null)" != "$manifest" ]]; then
  echo "$manifest" > "$out/manifest.tmp" && mv "$out/manifest.tmp" "$out/manifest"
fi
log "ready in $out"
