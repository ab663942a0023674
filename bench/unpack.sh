#!/usr/bin/env bash
# Unpack speed: Tarmac's Swift tar extractor (Sources/TarmacImage/Unpack, built -O; gzip
# decompressed in-process with ISA-L as Tarmac does) vs GNU tar on the same ~50 MB layer (/usr/lib/python3.11 by default: thousands of small files,
# symlinks, directories). Prints the median of ROUNDS runs for each, uncompressed and gzip.
# Needs root (ownership, like real layer unpacking).
#
#   bench/unpack.sh                     # default layer
#   LAYER_SOURCE=/usr/include ROUNDS=7 bench/unpack.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
LAYER_SOURCE=${LAYER_SOURCE:-/usr/lib/python3.11}

work=$(mktemp -d /tmp/tarmac-unpack-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# The extractor's own sources compiled with -O into a tiny driver that reads the tar on stdin.
swift build -c release --target Logging >/dev/null
swift build -c release --target TarmacSystem >/dev/null
cat >"$work/main.swift" <<'EOF'
import Foundation
import Logging

let root = CommandLine.arguments[1]
// "gzip": stdin is gzip, decompressed in-process as Tarmac does (ISA-L).
let decompressor = try LayerDecompressor.make(for: CommandLine.arguments.count > 2 ? .gzip : .uncompressed, label: "bench layer")
let logger = Logger(label: "bench.unpack")
let count = try LayerExtractor.with(root: root, label: "bench layer", logger: logger) { extractor in
    let size = 1 << 20
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let n = read(0, buffer.baseAddress, size)
        if n < 0 { throw ImageError(.io, "read failed") }
        if n == 0 { break }
        let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<n])
        if let decompressor {
            try decompressor.decompress(chunk) { try extractor.consume($0) }
        } else {
            try extractor.consume(chunk)
        }
    }
    try decompressor?.finish { try extractor.consume($0) }
    try extractor.finish()
    return extractor.entryCount
}
FileHandle.standardError.write(Data("\(count) entries\n".utf8))
EOF
sources=(
    Sources/TarmacImage/ImageError.swift
    Sources/TarmacImage/FileSystem.swift
    Sources/TarmacImage/ExtendedAttributeCalls.swift
    Sources/TarmacImage/Unpack/TarHeader.swift
    Sources/TarmacImage/Unpack/TarEntry.swift
    Sources/TarmacImage/Unpack/PAXHeaders.swift
    Sources/TarmacImage/Unpack/TarReader.swift
    Sources/TarmacImage/Unpack/UnpackCalls.swift
    Sources/TarmacImage/Unpack/LayerExtractor.swift
    Sources/TarmacImage/Unpack/LayerExtractor+Paths.swift
    Sources/TarmacImage/Unpack/LayerExtractor+Metadata.swift
    Sources/TarmacImage/Unpack/LayerExtractor+Whiteouts.swift
    Sources/TarmacImage/Decompression/LayerDecompressor.swift
)
printf 'enum LayerCompression { case uncompressed, gzip, zstd }\n' > "$work/compression.swift"
swiftc -O -module-name UnpackBench -I .build/release/Modules -I Sources/CTarmacImage \
    "${sources[@]}" "$work/compression.swift" "$work/main.swift" \
    .build/release/Logging.build/*.o .build/release/TarmacSystem.build/*.o -o "$work/unpack"

tar --format=posix --numeric-owner -C "$(dirname "$LAYER_SOURCE")" -cf "$work/layer.tar" "$(basename "$LAYER_SOURCE")"
gzip -1 -k -n "$work/layer.tar"
entries=$(tar -tf "$work/layer.tar" | wc -l)
echo "layer: $LAYER_SOURCE, $(du -m "$work/layer.tar" | cut -f1) MB uncompressed, $(du -m "$work/layer.tar.gz" | cut -f1) MB gzip, $entries entries, $ROUNDS rounds"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

run() { # name command...: prints the median wall time of ROUNDS fresh extractions
    local name=$1; shift
    local times=()
    for _ in $(seq "$ROUNDS"); do
        rm -rf "$work/out"; mkdir "$work/out"; sync
        local start; start=$(now)
        "$@" 2>/dev/null
        local end; end=$(now)
        times+=("$(echo "$end - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | median
}

gnu_tar=(tar --extract --numeric-owner --same-owner --same-permissions --xattrs -C "$work/out")
tarmac_plain=$(run tarmac sh -c "'$work/unpack' '$work/out' < '$work/layer.tar'")
gnu_plain=$(run gnu "${gnu_tar[@]}" -f "$work/layer.tar")
tarmac_gzip=$(run tarmac sh -c "'$work/unpack' '$work/out' gzip < '$work/layer.tar.gz'")
gnu_gzip=$(run gnu "${gnu_tar[@]}" --gzip -f "$work/layer.tar.gz")

# Same tree either way (modes, owners, link targets, contents).
rm -rf "$work/a" "$work/b"; mkdir "$work/a" "$work/b"
"$work/unpack" "$work/a" <"$work/layer.tar" 2>/dev/null
"${gnu_tar[@]:0:5}" -C "$work/b" -f "$work/layer.tar"
if diff -r --no-dereference "$work/a" "$work/b" >/dev/null \
    && [ "$(cd "$work/a" && find . -printf '%p %m %U:%G %l\n' | sort | md5sum)" = "$(cd "$work/b" && find . -printf '%p %m %U:%G %l\n' | sort | md5sum)" ]; then
    same=yes
else
    same=NO
fi

printf 'uncompressed: tarmac %.3fs  gnu tar %.3fs  ratio %.2f\n' "$tarmac_plain" "$gnu_plain" "$(echo "$tarmac_plain / $gnu_plain" | bc -l)"
printf 'gzip:         tarmac %.3fs  gnu tar %.3fs  ratio %.2f\n' "$tarmac_gzip" "$gnu_gzip" "$(echo "$tarmac_gzip / $gnu_gzip" | bc -l)"
echo "identical trees: $same"
