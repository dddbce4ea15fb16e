#!/usr/bin/env bash
# Builds and briefly runs the cargo-fuzz targets in tests/fuzz, one per decoder of untrusted
# input (QR text, certificates, trust.cbor, copy records and Automerge documents, sealed PDFs).
# Needs only the stable toolchain: RUSTC_BOOTSTRAP=1 lets it take the -Z sanitizer flags that
# cargo-fuzz passes. Installs cargo-fuzz if `cargo fuzz` is missing, builds every target
# (ASan, release), writes seed corpora into tests/fuzz/corpus/<target>/ (git-ignored), then runs
# each target for SECONDS seconds (default 10).
# Exits non-zero if a build fails or any target finds a crash (panic, sanitizer report, timeout,
# out-of-memory); the crashing input is kept in tests/fuzz/artifacts/<target>/ and
# `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir tests/fuzz <target> <file>` replays it.
# Works from any directory. Usage: deploy/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-10}"
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "usage: deploy/fuzz.sh [SECONDS]" >&2
  exit 2
fi
fuzz_dir=tests/fuzz
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

start=$SECONDS
# One cargo invocation for all targets (and the seed writer), so the dependencies build once.
cargo fuzz build --fuzz-dir "$fuzz_dir" -O
echo "fuzz: built in $((SECONDS - start)) s" >&2

triple="$(rustc -vV | sed -n 's/^host: //p')"
# cargo fuzz builds into CARGO_TARGET_DIR when it is set, else into the fuzz crate's target/.
target_dir="${CARGO_TARGET_DIR:-$fuzz_dir/target}"
"$target_dir/$triple/release/seeds" "$fuzz_dir/corpus"

mapfile -t targets < <(cargo fuzz list --fuzz-dir "$fuzz_dir")
logs="$target_dir/fuzz-logs"
mkdir -p "$logs"
failed=()
for target in "${targets[@]}"; do
  echo "fuzz: running $target for ${seconds} s (log: $logs/$target.log)" >&2
  # -timeout: one input taking this long counts as a crash (a hang on untrusted input).
  if cargo fuzz run --fuzz-dir "$fuzz_dir" -O "$target" -- \
    -max_total_time="$seconds" -timeout=30 -print_final_stats=1 >"$logs/$target.log" 2>&1; then
    grep -E '^(Done [0-9]+ runs|stat::(number_of_executed_units|new_units_added|peak_rss_mb))' \
      "$logs/$target.log" >&2 || true
  else
    failed+=("$target")
    # The panic or sanitizer report and stack traces, up to the input's (long) Debug dump.
    awk '/panicked at|==[0-9]+==( ERROR|ERROR)|ERROR: libFuzzer/ { report = 1 }
      /^Output of `std::fmt::Debug`/ { exit }
      report' "$logs/$target.log" | head -n 250 >&2
    input="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$logs/$target.log" | tail -n 1)"
    echo "fuzz: $target crashed on ${input:-an input (see $logs/$target.log)}; replay with:" >&2
    echo "  RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir $fuzz_dir -O $target ${input:-<input>}" >&2
  fi
done

echo "fuzz: ${#targets[@]} targets, $((SECONDS - start)) s in all" >&2
if ((${#failed[@]} > 0)); then
  echo "fuzz: crashes in: ${failed[*]} (inputs in $fuzz_dir/artifacts/)" >&2
  exit 1
fi
