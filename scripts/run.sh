#!/usr/bin/env bash
# Build and serve Tongchou on 127.0.0.1:8080 with SQLite under ./data and demo data.
# Extra arguments go to `tongchou serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec cargo run --release -p tongchou -- serve --demo "$@"
