#!/usr/bin/env bash
# A multi-region Tarmac cluster on this one machine: `tarmac server` on the host and one
# `tarmac agent` per region, each in its own network namespace with its own address on a
# bridge (so every agent really dials the server over a network, and a partition is one
# `ip link set … down` away).
#
#   scripts/cluster.sh up [REGION…]      start (default regions: ams fra sin)
#   scripts/cluster.sh status            hosts as the server sees them
#   scripts/cluster.sh cut REGION        partition a region's agent (link down)
#   scripts/cluster.sh heal REGION       restore it
#   scripts/cluster.sh down              destroy every app, stop everything, remove the network
#
# Environment: TARMAC_CLUSTER_DIR (state, default /var/lib/tarmac-cluster), TARMAC_BIN
# (default: .build/release/tarmac, built when missing), TARMAC_CLUSTER_RUNTIME (container).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x /opt/swift/usr/bin/swift ]] && export PATH="/opt/swift/usr/bin:$PATH"
if [[ $(id -u) -ne 0 ]]; then
  echo "cluster.sh: needs root (network namespaces, runc); try sudo" >&2
  exit 1
fi

state=${TARMAC_CLUSTER_DIR:-/var/lib/tarmac-cluster}
bin=${TARMAC_BIN:-$PWD/.build/release/tarmac}
runtime=${TARMAC_CLUSTER_RUNTIME:-container}
bridge=tcl0
net=10.78.0
api_port=4380
agent_port=4381

ns_of() { echo "tcl-$1"; }

up() {
  local regions=("$@")
  ((${#regions[@]})) || regions=(ams fra sin)
  ./scripts/install-deps.sh
  if [[ ! -x $bin ]]; then
    swift build -c release --product tarmac
    swift build -c release --product tarmac-shim
  fi
  mkdir -p "$state"
  printf '%s\n' "${regions[@]}" > "$state/regions"
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
    ip addr add "$net.1/24" dev "$bridge"
    ip link set "$bridge" up
  fi
  local admin agent_token
  admin=${TARMAC_API_TOKEN:-$(cat "$state/admin-token" 2>/dev/null || head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  agent_token=$(cat "$state/agent-token" 2>/dev/null || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  (umask 077; echo "$admin" > "$state/admin-token"; echo "$agent_token" > "$state/agent-token")

  TARMAC_API_TOKEN=$admin TARMAC_AGENT_TOKEN=$agent_token nohup "$bin" server --data-dir "$state/server" \
    --api-listen "127.0.0.1:$api_port" --agent-listen "$net.1:$agent_port" --default-region "${regions[0]}" \
    >> "$state/server.log" 2>&1 &
  echo $! > "$state/server.pid"
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$api_port/tarmac/v1/health" 2>/dev/null && break
    sleep 0.1
  done

  local index=0
  for region in "${regions[@]}"; do
    index=$((index + 1))
    local ns; ns=$(ns_of "$region")
    if ! ip netns list | grep -qx "$ns\( .*\)\?"; then
      ip netns add "$ns"
      ip link add "tclh$index" type veth peer name "tcla$index"
      ip link set "tcla$index" netns "$ns"
      ip link set "tclh$index" master "$bridge" up
      ip netns exec "$ns" ip link set lo up
      ip netns exec "$ns" ip addr add "$net.$((10 + index))/24" dev "tcla$index"
      ip netns exec "$ns" ip link set "tcla$index" up
      ip netns exec "$ns" ip route add default via "$net.1"
    fi
    # nsenter --net: only the network namespace changes; mounts, cgroups and /run/netns
    # stay the host's, so machines survive an agent restart and are re-adopted.
    TARMAC_AGENT_TOKEN=$agent_token nohup nsenter --net="/run/netns/$ns" -- "$bin" agent \
      --server "http://$net.1:$agent_port" --region "$region" --data-dir "$state/agent-$region" \
      --runtime "$runtime" --bridge "tclm$index" --subnet "172.28.$index.0/24" --resource-prefix "tcl$index" \
      >> "$state/agent-$region.log" 2>&1 &
    echo $! > "$state/agent-$region.pid"
  done
  sleep 2
  echo "Tarmac cluster is up: server + ${#regions[@]} agents (${regions[*]}), state in $state"
  echo "  export TARMAC_API_URL=http://127.0.0.1:$api_port TARMAC_API_TOKEN=$admin"
  echo "  images: tarmac image import DIR NAME --data-dir $state/agent-REGION (per host), or a registry the agents reach"
  status
}

status() {
  TARMAC_API_URL=http://127.0.0.1:$api_port TARMAC_API_TOKEN=$(cat "$state/admin-token") "$bin" hosts list
}

link_of() {
  local index; index=$(grep -nx "$1" "$state/regions" | cut -d: -f1)
  [[ -n $index ]] || { echo "cluster.sh: no region $1 in this cluster" >&2; exit 1; }
  echo "tclh$index"
}

down() {
  if [[ -f $state/admin-token ]]; then
    local url=http://127.0.0.1:$api_port token; token=$(cat "$state/admin-token")
    for app in $(curl -fsS -H "authorization: Bearer $token" "$url/v1/apps?org_slug=personal" 2>/dev/null | python3 -c 'import json,sys; [print(a["name"]) for a in json.load(sys.stdin)["apps"]]' 2>/dev/null); do
      curl -fsS -X DELETE -H "authorization: Bearer $token" "$url/v1/apps/$app?force=true" >/dev/null || true
    done
    sleep 1
  fi
  for pidfile in "$state"/agent-*.pid "$state"/server.pid; do
    [[ -f $pidfile ]] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  sleep 1
  if [[ -f $state/regions ]]; then
    local index=0
    while read -r region; do
      index=$((index + 1))
      ip netns delete "$(ns_of "$region")" 2>/dev/null || true
      ip link delete "tclh$index" 2>/dev/null || true
    done < "$state/regions"
  fi
  ip link delete "$bridge" 2>/dev/null || true
  echo "Tarmac cluster is down (state kept in $state; remove it to start afresh)"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  status) status ;;
  cut) link=$(link_of "${2:?region}"); ip link set "$link" down ;;
  heal) link=$(link_of "${2:?region}"); ip link set "$link" up ;;
  down) down ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
