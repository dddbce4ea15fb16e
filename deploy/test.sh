#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, formatting, lints, every test, and a build and
# short run of the fuzz targets. Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/setup.sh
export OMP_THREAD_LIMIT=1
# CI builds once: incremental caches would only take disk (gigabytes for this workspace).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
test_log="$(mktemp)"
trap 'rm -f "$test_log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$test_log"
if [[ -x deploy/fuzz.sh ]]; then
  deploy/fuzz.sh "${FUZZ_SECONDS:-10}"
fi

# One summary line over every test binary (the last cargo line is often an empty doc-test run).
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$test_log"
