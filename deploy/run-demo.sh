#!/usr/bin/env bash
# Runs the bansao demo: a city, a ward with an official and a kiosk are created as node
# directories, copies of a sample birth certificate are issued offline, counter-signed,
# registered, exported as sealed PDF/A files with QR codes, and verified; then one citizen's
# whole kiosk session runs on the sample inputs the demo leaves (`bansao kiosk issue`: identity
# card, face check, scan, recognition, issue, receipt). Works from any directory; the results go
# to DIR (default: demo-output/run-<time> in the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/setup.sh
dir="${1:-demo-output/run-$(date +%Y%m%d-%H%M%S)}"
cargo build --release --locked -p bansao
photos=.test-data/face_recognition-1.3.0/tests/test_images
export BANSAO_FACE_MODELS="${BANSAO_FACE_MODELS:-$PWD/.models/face}"
./target/release/bansao demo --dir "$dir" \
  --portrait-photo "$photos/obama.jpg" --camera-photo "$photos/obama2.jpg"

echo
echo "Một công dân ở ki-ốt (one citizen at the kiosk): bansao kiosk issue"
./target/release/bansao kiosk issue --node "$dir/kiosk" \
  --id-photo "$dir/samples/cccd.jpg" --face "$dir/samples/camera.jpg" \
  --scan "$dir/samples/giay-khai-sinh.png" \
  --receipt "$dir/kiosk-session.receipt.escpos"
