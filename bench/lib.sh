# Shared set-up of the benchmark wrappers (sourced; the caller defines log and die, REPO,
# BRIDGE and PORT).

# bench_require CMD:PACKAGE…: installs the Debian packages of the commands that are missing.
bench_require() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    ((${#missing[@]})) || return 0
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null ||
        { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
        die "could not install ${missing[*]}"
}

# bench_tarmac: sets TARMAC to $TARMAC_BIN, or builds the release binaries (tarmac and the
# tarmac-shim the container driver starts from the same directory).
bench_tarmac() {
    if [[ -n ${TARMAC_BIN:-} ]]; then
        [[ -x $TARMAC_BIN ]] || die "TARMAC_BIN=$TARMAC_BIN is not executable"
        TARMAC=$(realpath "$TARMAC_BIN")
    else
        log "building tarmac (swift build -c release --product tarmac / tarmac-shim; the first build takes minutes)"
        timeout 3600 swift build -c release --product tarmac >&2 || die "release build failed"
        timeout 3600 swift build -c release --product tarmac-shim >&2 || die "release build of tarmac-shim failed"
        TARMAC=$REPO/.build/release/tarmac
    fi
    log "tarmac: $TARMAC"
    if [[ ${TARMAC_SHIM:-} == runtime-shim || ${TARMAC_SHIM:-} == big ]]; then
        log "shim: tarmac runtime-shim (TARMAC_SHIM=$TARMAC_SHIM)"
    elif [[ -x $(dirname "$TARMAC")/tarmac-shim ]]; then
        log "shim: $(dirname "$TARMAC")/tarmac-shim"
    else
        log "shim: tarmac runtime-shim (no tarmac-shim next to tarmac)"
    fi
}

# bench_check_isolation: refuses to run beside another benchmark (bridge or port taken).
bench_check_isolation() {
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
        die "bridge $BRIDGE already exists: another benchmark running? (or remove it: ip link del $BRIDGE)"
    fi
    python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$PORT" 2>/dev/null ||
        die "port 127.0.0.1:$PORT is in use (set BENCH_PORT)"
}
