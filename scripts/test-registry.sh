#!/usr/bin/env bash
# Local OCI registries (Debian's docker-registry, the CNCF distribution server) for tests and
# for trying `tarmac image pull|push`.
#
#   scripts/test-registry.sh serve [PORT] [USER:PASS]
#       Runs a registry on 127.0.0.1:PORT (default 5000) in the foreground, storing under
#       $TMPDIR; with USER:PASS it requires htpasswd basic auth. Ctrl-C stops it.
#   scripts/test-registry.sh e2e
#       Builds tarmac, starts an open and an htpasswd registry on free ports, drives the CLI
#       through import, push, pull, inspect, prune, registry login/logout, and stops them.
#
# The Swift tests (`--filter Registry`) start their own registries; this script needs
# docker-registry and apache2-utils (scripts/install-deps.sh --with-test-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"

REGISTRY=/usr/bin/docker-registry
if [[ ! -x $REGISTRY ]]; then
  echo "test-registry: $REGISTRY is missing; run scripts/install-deps.sh --with-test-tools" >&2
  exit 1
fi

# write_config DIR PORT [USER:PASS] -> DIR/config.yml
write_config() {
  local dir=$1 port=$2 login=${3:-}
  mkdir -p "$dir/storage"
  {
    printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n' "$dir/storage"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
    if [[ -n $login ]]; then
      htpasswd -Bbn "${login%%:*}" "${login#*:}" > "$dir/htpasswd"
      printf 'auth:\n  htpasswd:\n    realm: tarmac\n    path: %s\n' "$dir/htpasswd"
    fi
  } > "$dir/config.yml"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "test-registry: nothing listens on 127.0.0.1:$1" >&2
  return 1
}

case "${1:-}" in
serve)
  port=${2:-5000}
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tarmac-registry.XXXXXX")
  write_config "$dir" "$port" "${3:-}"
  echo "registry on 127.0.0.1:$port, storage $dir/storage${3:+, basic auth for ${3%%:*}}" >&2
  exec "$REGISTRY" serve "$dir/config.yml"
  ;;
e2e)
  swift build --product tarmac
  tarmac=$(swift build --show-bin-path)/tarmac
  work=$(mktemp -d "${TMPDIR:-/tmp}/tarmac-registry-e2e.XXXXXX")
  pids=()
  cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
  }
  trap cleanup EXIT
  open_port=$(free_port); auth_port=$(free_port)
  write_config "$work/open" "$open_port"
  write_config "$work/auth" "$auth_port" "tarmac:s3cret"
  "$REGISTRY" serve "$work/open/config.yml" > "$work/open.log" 2>&1 & pids+=($!)
  "$REGISTRY" serve "$work/auth/config.yml" > "$work/auth.log" 2>&1 & pids+=($!)
  wait_port "$open_port"; wait_port "$auth_port"
  open=127.0.0.1:$open_port; auth=127.0.0.1:$auth_port

  mkdir -p "$work/rootfs/bin" && printf '#!/bin/sh\necho hello\n' > "$work/rootfs/bin/hello" && chmod +x "$work/rootfs/bin/hello"
  a=(--data-dir "$work/a"); b=(--data-dir "$work/b")
  "$tarmac" image import "$work/rootfs" app:v1 --cmd /bin/hello --label team=core "${a[@]}"
  "$tarmac" image push app:v1 "$open/app:v1" "${a[@]}"
  "$tarmac" image pull "$open/app:v1" "${b[@]}"
  "$tarmac" image inspect "$open/app:v1" --json "${b[@]}" | grep -q '"team" : "core"'
  [[ $("$tarmac" image ls --json "${a[@]}" | grep -c '"digest"') -ge 1 ]]

  if "$tarmac" image push app:v1 "$auth/app:v1" "${a[@]}" 2> "$work/err"; then
    echo "test-registry: push without login succeeded" >&2; exit 1
  fi
  grep -q "tarmac registry login $auth" "$work/err"
  if echo wrong | "$tarmac" registry login "$auth" -u tarmac --password-stdin "${a[@]}" 2> "$work/err"; then
    echo "test-registry: login with a wrong password succeeded" >&2; exit 1
  fi
  echo s3cret | "$tarmac" registry login "$auth" -u tarmac --password-stdin "${a[@]}"
  [[ $(stat -c %a "$work/a/registries.json") == 600 ]]
  "$tarmac" image push app:v1 "$auth/app:v1" "${a[@]}"
  "$tarmac" registry logout "$auth" "${a[@]}"
  "$tarmac" image rm app:v1 "${a[@]}"
  "$tarmac" image prune "${a[@]}"
  echo "test-registry: e2e passed" >&2
  ;;
*)
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 64
  ;;
esac
