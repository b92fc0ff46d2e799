#!/usr/bin/env bash
# fuzz.sh — runs the cargo fuzz targets for a bounded time each (docs/SECURITY.md, Fuzzing).
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
#   targets: event_decoder mapped_decoder avro_decoder protobuf_decoder catalog_parser (default: all)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz --locked`, installed when missing). libFuzzer's
# instrumentation needs nightly flags: on a stable toolchain RUSTC_BOOTSTRAP=1 allows them.
# New inputs that reach new code are added to fuzz/corpus/<target>/ (commit the interesting
# ones, after `cargo fuzz cmin <target>`); a crash is written to fuzz/artifacts/<target>/ and
# the script fails. tests/fuzz_corpus.rs replays the corpus in CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(event_decoder mapped_decoder avro_decoder protobuf_decoder catalog_parser)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1 CARGO_INCREMENTAL=0
# No sanitizer: goalstream forbids unsafe code; what the fuzzer hunts is panics (debug
# assertions on: overflows panic too) and runaway time or memory.
cd fuzz
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  # Findings of earlier runs stay in artifacts/: judge only what this run writes.
  started=$(mktemp)
  echo "== cargo fuzz run $target for ${seconds}s"
  cargo fuzz run --sanitizer none "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    2>&1 | grep -E "^(#[0-9]+ +DONE|stat::|==|INFO: -max_total_time|SUMMARY|thread|panicked)" || true
  finding=$(find "artifacts/$target" -type f -newer "$started" | head -1)
  rm -f "$started"
  if [ -n "$finding" ]; then
    echo "finding (crash, timeout or oom): fuzz/$finding" >&2
    exit 1
  fi
done
