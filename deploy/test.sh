#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, formatting, lints, every test, and a build and
# short run of the fuzz targets. Works from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/setup.sh
export OMP_THREAD_LIMIT=1

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
if [[ -x deploy/fuzz.sh ]]; then
  deploy/fuzz.sh "${FUZZ_SECONDS:-10}"
fi
