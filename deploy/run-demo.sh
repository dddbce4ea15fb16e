#!/usr/bin/env bash
# Runs the bansao demo: a city, a ward with an official and a kiosk are created as node
# directories, copies of a sample birth certificate are issued offline, counter-signed,
# registered, exported as sealed PDF/A files with QR codes, and verified. Works from any
# directory; the results go to DIR (default: demo-output/run-<time> in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/setup.sh
dir="${1:-demo-output/run-$(date +%Y%m%d-%H%M%S)}"
cargo build --release --locked -p bansao
./target/release/bansao demo --dir "$dir"
