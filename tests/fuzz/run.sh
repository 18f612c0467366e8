#!/usr/bin/env bash
# Builds the libFuzzer targets in their own clang build directory, checks
# that the committed seed corpus is what fuzz_make_seeds writes, and runs
# every target for a bounded time from its seeds. Any finding (crash, leak,
# sanitizer report, timeout) fails the script; libFuzzer writes the input
# that found it to the artifacts directory it prints.
#
#   bash tests/fuzz/run.sh [SECONDS_PER_TARGET]     (default 15)
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), JOBS (default nproc).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_TARGET="${1:-15}"
BUILD="${FUZZ_BUILD_DIR:-build-fuzz}"
JOBS="${JOBS:-$(nproc)}"

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DVERITRAIN_FUZZ=ON -DVERITRAIN_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$JOBS" --target fuzz_all

# The committed corpus must be the generator's output (so it can be remade).
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
"$BUILD/bin/fuzz_make_seeds" "$fresh/corpus"
if ! diff -r "$fresh/corpus" tests/fuzz/corpus/generated >/dev/null; then
  echo "fuzz: tests/fuzz/corpus/generated is stale; regenerate it with" >&2
  echo "  $BUILD/bin/fuzz_make_seeds tests/fuzz/corpus/generated" >&2
  exit 1
fi

for target in message checkpoint merkle scenario; do
  seeds=(tests/fuzz/corpus/generated/"$target")
  if [ "$target" = scenario ]; then seeds=(scenarios scenarios/dispute scenarios/pol scenarios/econ scenarios/sweeps); fi
  mkdir -p "$fresh/$target" "$fresh/artifacts-$target"
  echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
  # New inputs go to the first (scratch) directory; the seeds stay as they are.
  "$BUILD/bin/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$fresh/artifacts-$target/" \
    "$fresh/$target" "${seeds[@]}" 2>"$fresh/$target.log" || {
      tail -50 "$fresh/$target.log" >&2
      cp -r "$fresh/artifacts-$target" "$BUILD/" 2>/dev/null || true
      echo "fuzz: $target found a problem; its input is in $BUILD/artifacts-$target/" >&2
      exit 1
    }
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$fresh/$target.log" |
    sed "s/^/fuzz: $target /"
done
