#!/usr/bin/env bash
# Installs what building and testing bansao needs on Debian 12 beyond the Rust toolchain.
# Idempotent: packages already present are left alone; runs apt-get only when something is
# missing (with sudo when not root).
set -euo pipefail

# gcc/make build the bundled SQLite and libFuzzer; qpdf checks the PDF structure in the tests;
# iproute2's `ip` makes the private veth LAN of the mDNS discovery test (sync/discovery/tests);
# fonts-dejavu-core is the font receipts render Vietnamese lines with (hw/src/printer);
# Tesseract and Leptonica (with libclang for the bindings' bindgen) and Tesseract's Vietnamese
# data are the OCR of models/src/ocr.rs.
packages=(build-essential pkg-config qpdf iproute2 fonts-dejavu-core
  libtesseract-dev libleptonica-dev tesseract-ocr-vie libclang-dev)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} > 0)); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is not on PATH; install the Rust toolchain (rustup) first" >&2
  exit 1
fi
