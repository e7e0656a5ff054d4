#!/usr/bin/env bash
# Tongchou's one test command (CI runs it through .ci/run).
#
#   scripts/test.sh                      # SQLite only
#   TONGCHOU_TEST_PG=postgres://postgres@127.0.0.1:5432/test scripts/test.sh   # SQLite + PostgreSQL
#   scripts/test.sh -p tongchou-domain   # extra args go to `cargo test`; the backend check is then skipped
#
# 1. installs Debian's chromium + chromium-driver for the browser tests when missing (root only);
# 2. when TONGCHOU_TEST_PG is set, checks that PostgreSQL answers;
# 3. runs `cargo test --workspace --locked`, output teed to target/tongchou-test.log;
# 4. fails unless the integration tests left a marker file for each database they exercised
#    in $TONGCHOU_TEST_MARKERS (sqlite always, postgres when TONGCHOU_TEST_PG is set).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'test.sh: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

if [[ "${CI:-}" == "true" ]]; then
    export CARGO_TERM_COLOR=never
fi
export RUST_BACKTRACE="${RUST_BACKTRACE:-1}"

# --- 1. browser for end-to-end tests -----------------------------------------------------------
if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    if [[ "$(id -u)" -ne 0 ]]; then
        say "chromium/chromedriver not installed and not root: browser tests will be skipped" \
            "(install with: sudo apt-get install --no-install-recommends chromium chromium-driver)"
    elif ! command -v apt-get >/dev/null 2>&1; then
        say "chromium/chromedriver not installed and no apt-get: browser tests will be skipped"
    else
        say "installing Debian chromium + chromium-driver for the browser tests"
        export DEBIAN_FRONTEND=noninteractive
        apt_log="$(mktemp -t tongchou-apt.XXXXXX)"
        if ! { apt-get -o DPkg::Lock::Timeout=120 update -q &&
               apt-get -o DPkg::Lock::Timeout=120 install -y -q --no-install-recommends \
                   chromium chromium-driver; } >"$apt_log" 2>&1; then
            tail -n 30 "$apt_log" >&2
            die "apt-get could not install chromium chromium-driver (full log: $apt_log)"
        fi
        rm -f "$apt_log"
        [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]] \
            || die "chromium installed but /usr/bin/chromium or /usr/bin/chromedriver is missing"
        say "installed: $(/usr/bin/chromedriver --version 2>/dev/null | head -n1)"
    fi
fi

# --- 2. PostgreSQL reachable? -----------------------------------------------------------------
if [[ -n "${TONGCHOU_TEST_PG:-}" ]]; then
    # postgres://user:pass@host:port/db?params  ->  host, port
    rest="${TONGCHOU_TEST_PG#*://}"
    rest="${rest%%[/?]*}"
    hostport="${rest##*@}"
    if [[ "$hostport" == \[* ]]; then            # [::1]:5432
        pg_host="${hostport#\[}"; pg_host="${pg_host%%\]*}"
        pg_port="${hostport##*\]}"; pg_port="${pg_port#:}"
    elif [[ "$hostport" == *:* ]]; then
        pg_host="${hostport%%:*}"; pg_port="${hostport##*:}"
    else
        pg_host="$hostport"; pg_port=""
    fi
    pg_host="${pg_host:-127.0.0.1}"
    pg_port="${pg_port:-5432}"
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$pg_host" -p "$pg_port" -t 10 \
            || die "TONGCHOU_TEST_PG is set but PostgreSQL at $pg_host:$pg_port is not ready (pg_isready)"
    else
        timeout 10 bash -c "exec 3<>'/dev/tcp/$pg_host/$pg_port'" 2>/dev/null \
            || die "TONGCHOU_TEST_PG is set but nothing accepts connections at $pg_host:$pg_port"
    fi
    say "PostgreSQL at $pg_host:$pg_port is reachable"
else
    say "TONGCHOU_TEST_PG not set: PostgreSQL tests will not run"
fi

# --- 3. cargo test ------------------------------------------------------------------------------
TONGCHOU_TEST_MARKERS="$(mktemp -d -t tongchou-markers.XXXXXX)"
export TONGCHOU_TEST_MARKERS
trap 'rm -rf "$TONGCHOU_TEST_MARKERS"' EXIT

locked=(--locked)
if [[ ! -f Cargo.lock ]]; then
    say "no Cargo.lock: running without --locked"
    locked=()
fi

mkdir -p target
log=target/tongchou-test.log
say "cargo test --workspace ${locked[*]} $* (log: $log)"
set +e
cargo test --workspace "${locked[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# --- 4. did both databases really run? -----------------------------------------------------
sqlite=missing
postgres=skipped
[[ -e "$TONGCHOU_TEST_MARKERS/sqlite" ]] && sqlite=ran
if [[ -n "${TONGCHOU_TEST_PG:-}" ]]; then
    postgres=missing
    [[ -e "$TONGCHOU_TEST_MARKERS/postgres" ]] && postgres=ran
elif [[ -e "$TONGCHOU_TEST_MARKERS/postgres" ]]; then
    postgres=ran
fi

if [[ "$status" -ne 0 ]]; then
    echo "tongchou tests: FAILED (cargo test exit $status) sqlite=$sqlite postgres=$postgres"
    exit "$status"
fi
problem=""
if [[ $# -gt 0 ]]; then
    say "extra cargo test arguments given: not requiring both backends to have run"
elif [[ "$sqlite" != ran ]]; then
    problem="no test exercised SQLite (no marker file \$TONGCHOU_TEST_MARKERS/sqlite)"
elif [[ "$postgres" == missing ]]; then
    problem="TONGCHOU_TEST_PG is set but no test exercised PostgreSQL (no marker file \$TONGCHOU_TEST_MARKERS/postgres)"
fi
if [[ -n "$problem" ]]; then
    say "ERROR: $problem"
    echo "tongchou tests: FAILED ($problem) sqlite=$sqlite postgres=$postgres"
    exit 1
fi
echo "tongchou tests: sqlite=$sqlite postgres=$postgres"
# One plain closing line over all test binaries (cargo's own last line is often a doc-test "0 passed").
read -r passed failed < <(awk '/^test result: /{for(i=1;i<=NF;i++){if($i ~ /^passed;?$/)p+=$(i-1); if($i ~ /^failed;?$/)f+=$(i-1)}} END{print p+0, f+0}' "$log")
echo "total: ${passed:-0} passed, ${failed:-0} failed"
