#!/usr/bin/env bash
# Installs what building and testing bansao needs on Debian 12 beyond the Rust toolchain.
# Idempotent: packages already present are left alone; runs apt-get only when something is
# missing (with sudo when not root).
set -euo pipefail
cd "$(dirname "$0")/.."

# gcc/make build the bundled SQLite and libFuzzer; qpdf checks the PDF structure in the tests;
# iproute2's `ip` makes the private veth LAN of the mDNS discovery test (sync/discovery/tests);
# fonts-dejavu-core is the font receipts render Vietnamese lines with (hw/src/printer);
# Tesseract and Leptonica (with libclang for the bindings' bindgen) and Tesseract's Vietnamese
# data are the OCR of models/src/ocr.rs; curl fetches the face test photos below.
packages=(build-essential pkg-config qpdf iproute2 fonts-dejavu-core
  libtesseract-dev libleptonica-dev tesseract-ocr-vie libclang-dev curl ca-certificates)

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

# Face photos for the face tests: the test images of the `face_recognition` package (MIT
# licence) from its PyPI source archive, checked against its SHA-256, kept in .test-data/.
face_archive_url="https://files.pythonhosted.org/packages/6c/49/75dda409b94841f01cbbc34114c9b67ec618265084e4d12d37ab838f4fd3/face_recognition-1.3.0.tar.gz"
face_archive_sha256="5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
face_dir=".test-data/face_recognition-1.3.0"
if [[ ! -f "$face_dir/tests/test_images/obama.jpg" ]]; then
  mkdir -p .test-data
  archive=".test-data/face_recognition-1.3.0.tar.gz"
  if [[ ! -f "$archive" ]] || ! echo "$face_archive_sha256  $archive" | sha256sum -c --status; then
    echo "setup: fetching face test photos" >&2
    curl -fsSL --retry 3 -o "$archive.part" "$face_archive_url"
    mv "$archive.part" "$archive"
  fi
  echo "$face_archive_sha256  $archive" | sha256sum -c --status || {
    echo "setup: $archive does not have the expected SHA-256" >&2
    exit 1
  }
  tar -xzf "$archive" -C .test-data "face_recognition-1.3.0/tests/test_images" "face_recognition-1.3.0/LICENSE"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is not on PATH; install the Rust toolchain (rustup) first" >&2
  exit 1
fi
