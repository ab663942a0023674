#!/usr/bin/env bash
# Pull speed: `tarmac image pull` vs `skopeo copy docker://… oci:DIR` of the same multi-layer
# image (>= 100 MB: /usr/lib/python3.11, /usr/share/doc and 40 MB of random data, gzip
# layers) from a local docker-registry, each into an empty store. Prints the median of ROUNDS
# runs for each and the ratio tarmac/skopeo (target: <= 1).
#
# Then, as root, the time to turn the pulled image into a runnable root file system (median of
# ROUNDS, each on a freshly pulled store): `tarmac image unpack` of all layers into the layer
# cache (what a machine's first start does), the overlayfs mount of those layers with a fresh
# upper dir (what every start does), and `tarmac image unpack` again with the layers cached.
# Needs docker-registry and skopeo (scripts/install-deps.sh --with-test-tools).
#
#   bench/pull.sh
#   ROUNDS=7 bench/pull.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
ROUNDS=${ROUNDS:-5}

work=$(mktemp -d /tmp/tarmac-pull-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

swift build -c release --product tarmac >/dev/null
tarmac=$(swift build -c release --show-bin-path)/tarmac

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$work/registry"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work/registry" "$port" > "$work/registry.yml"
/usr/bin/docker-registry serve "$work/registry.yml" > "$work/registry.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

# A three-layer OCI layout, built here, imported and pushed by tarmac itself.
mkdir -p "$work/random"
head -c $((40 << 20)) /dev/urandom > "$work/random/random.bin"
python3 - "$work" <<'PY'
import gzip, hashlib, json, os, subprocess, sys
work = sys.argv[1]
layout = os.path.join(work, "layout")
blobs = os.path.join(layout, "blobs", "sha256")
os.makedirs(blobs)
def put(data):
    digest = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, digest), "wb").write(data)
    return "sha256:" + digest, len(data)
layers, diff_ids = [], []
for directory, parent in [("/usr/lib/python3.11", "/usr/lib"), ("/usr/share/doc", "/usr/share"), (work + "/random", work)]:
    tar = subprocess.run(["tar", "--format=posix", "--sort=name", "-C", parent, "-cf", "-", os.path.basename(directory)],
                         check=True, stdout=subprocess.PIPE).stdout
    diff_ids.append("sha256:" + hashlib.sha256(tar).hexdigest())
    digest, size = put(gzip.compress(tar, compresslevel=6, mtime=0))
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size})
config = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
          "rootfs": {"type": "layers", "diff_ids": diff_ids}}
cdigest, csize = put(json.dumps(config).encode())
manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdigest, "size": csize},
            "layers": layers}
mdigest, msize = put(json.dumps(manifest).encode())
index = {"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
          "digest": mdigest, "size": msize, "annotations": {"org.opencontainers.image.ref.name": "v1"}}]}
json.dump(index, open(os.path.join(layout, "index.json"), "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(os.path.join(layout, "oci-layout"), "w"))
print("image: %d layers, %.1f MB compressed" % (len(layers), sum(l["size"] for l in layers) / 1e6), file=sys.stderr)
PY
"$tarmac" image import --oci-layout "$work/layout:v1" bench:v1 --data-dir "$work/source" >/dev/null 2>&1
"$tarmac" image push bench:v1 "127.0.0.1:$port/bench:v1" --data-dir "$work/source" >/dev/null 2>&1
ref="127.0.0.1:$port/bench:v1"

seconds() { python3 -c 'import time; print(time.monotonic())'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
tarmac_times=(); skopeo_times=()
for round in $(seq "$ROUNDS"); do
  rm -rf "$work/t" "$work/s"
  sync; start=$(seconds)
  "$tarmac" image pull "$ref" --data-dir "$work/t" >/dev/null 2>&1
  end=$(seconds); tarmac_times+=("$(python3 -c "print($end - $start)")")
  sync; start=$(seconds)
  skopeo copy --quiet --src-tls-verify=false "docker://$ref" "oci:$work/s:v1" >/dev/null
  end=$(seconds); skopeo_times+=("$(python3 -c "print($end - $start)")")
done
t=$(printf '%s\n' "${tarmac_times[@]}" | median)
s=$(printf '%s\n' "${skopeo_times[@]}" | median)
printf 'pull into an empty store, median of %d: tarmac %.3fs  skopeo %.3fs  ratio %.2f\n' "$ROUNDS" "$t" "$s" "$(python3 -c "print($t / $s)")"

[[ $(id -u) -eq 0 ]] || { echo "root file system times: skipped (needs root)"; exit 0; }
unpack_times=(); mount_times=(); cached_times=()
mounted=""
cleanup_mount() { [[ -n $mounted ]] && umount "$mounted" 2>/dev/null; mounted=""; }
trap 'cleanup_mount; cleanup' EXIT
for round in $(seq "$ROUNDS"); do
  rm -rf "$work/t" "$work/m"
  "$tarmac" image pull "$ref" --data-dir "$work/t" >/dev/null 2>&1
  sync; start=$(seconds)
  lower=$("$tarmac" image unpack "$ref" --data-dir "$work/t" 2>/dev/null | tac | paste -sd: -)
  end=$(seconds); unpack_times+=("$(python3 -c "print($end - $start)")")
  mkdir -p "$work/m/upper" "$work/m/work" "$work/m/rootfs"
  start=$(seconds)
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$work/m/upper,workdir=$work/m/work" "$work/m/rootfs"
  end=$(seconds); mount_times+=("$(python3 -c "print($end - $start)")")
  mounted="$work/m/rootfs"
  [[ -d "$work/m/rootfs/random" && -d "$work/m/rootfs/python3.11" ]] || { echo "overlay rootfs is missing files" >&2; exit 1; }
  cleanup_mount
  start=$(seconds)
  "$tarmac" image unpack "$ref" --data-dir "$work/t" >/dev/null 2>&1
  end=$(seconds); cached_times+=("$(python3 -c "print($end - $start)")")
done
u=$(printf '%s\n' "${unpack_times[@]}" | median)
m=$(printf '%s\n' "${mount_times[@]}" | median)
c=$(printf '%s\n' "${cached_times[@]}" | median)
printf 'pulled image -> root file system, median of %d: unpack all layers %.3fs  overlay mount %.3fs  (layers cached: unpack %.3fs)\n' "$ROUNDS" "$u" "$m" "$c"
printf 'pull + unpack + mount (first start of a new image, before the runtime): %.3fs\n' "$(python3 -c "print($t + $u + $m)")"
