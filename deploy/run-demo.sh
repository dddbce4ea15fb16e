#!/usr/bin/env bash
# Runs the product on this machine: `bansao demo --serve` makes (the first time) or resumes a
# city, a ward and a kiosk in DIR (default: demo-output/serve in the repository), runs the three
# syncing over QUIC on loopback, each with its web site, prints their addresses and the demo's
# sign-in ids and passphrases, and stays up until Ctrl-C. Run it again on the same DIR to
# resume the same nodes. Extra arguments go to `bansao demo --serve` (e.g. --ports 9480,9481,9482).
# Works from any directory.
set -euo pipefail
caller="$PWD"
cd "$(dirname "$0")/.."

if (($# > 0)); then
  dir="$1"
  shift
  [[ "$dir" == /* ]] || dir="$caller/$dir" # DIR is where the caller is, not in the repository
else
  dir=demo-output/serve
fi
deploy/setup.sh
cargo build --release --locked -p bansao
photos=.test-data/face_recognition-1.3.0/tests/test_images
export BANSAO_FACE_MODELS="${BANSAO_FACE_MODELS:-$PWD/.models/face}"
# The photos make the sample identity card and camera frame in DIR/samples (first start only).
exec "${CARGO_TARGET_DIR:-target}/release/bansao" demo --serve --dir "$dir" \
  --portrait-photo "$photos/obama.jpg" --camera-photo "$photos/obama2.jpg" "$@"
