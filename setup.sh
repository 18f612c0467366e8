#!/usr/bin/env bash
# veritrain setup: installs every dependency (Debian 12 packages), builds in
# Release, then runs what you ask:
#
#   bash setup.sh run  [SCENARIO]   build, then run SCENARIO
#                                   (default scenarios/quickstart.json)
#   bash setup.sh test              build, then run the test suite (ctest)
#   bash setup.sh build             build only
#   bash setup.sh bench             build, then run the benchmarks in full
#                                   (results/bench/: JSON and markdown table)
#
# Safe to run any number of times. Needs root (or sudo) for apt-get only
# when a package is missing. Environment: BUILD_DIR (default build),
# JOBS (default: number of cores), CXX (default clang++-14).
#
# The build uses clang-14 rather than g++: it compiles this code in 0.62 of
# g++'s CPU time, mostly because its precompiled LibTorch headers are a
# fifth of the size and load lazily (cmake/build_speed.cmake). Set CXX=g++
# to build with GCC; a build directory made with another compiler is
# reconfigured from scratch.
set -euo pipefail

cd "$(dirname "$0")"
ACTION="${1:-build}"
BUILD_DIR="${BUILD_DIR:-build}"
JOBS="${JOBS:-$(nproc)}"

PACKAGES=(
  cmake ninja-build clang-14 g++ pkg-config git
  libtorch-dev libopenblas0-openmp          # LibTorch 1.13 (CPU); OpenBLAS, not reference BLAS
  libzmq3-dev cppzmq-dev                    # transport
  nlohmann-json3-dev libssl-dev zlib1g-dev  # JSON, SHA-256/Ed25519, gzipped IDX
  libxxhash-dev                             # the dataset cache's damage check
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libspdlog-dev libvalijson-dev
  dataset-fashion-mnist gnuplot-nox
  libclang-rt-14-dev                        # libFuzzer and sanitizers (tests/fuzz/, .ci/run)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! CXX_COMPILER="$(command -v "${CXX:-clang++-14}")"; then
  echo "setup: no C++ compiler '${CXX:-clang++-14}' (CXX)" >&2
  exit 1
fi
# CMake keeps the compiler a build directory was first configured with;
# asked for another, it would discard its cache half-way. Start over instead.
if [ -f "$BUILD_DIR/CMakeCache.txt" ]; then
  configured="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
  if [ "$configured" != "$CXX_COMPILER" ]; then
    echo "setup: $BUILD_DIR was configured with ${configured:-another compiler}; reconfiguring it for $CXX_COMPILER"
    rm -rf "$BUILD_DIR/CMakeCache.txt" "$BUILD_DIR/CMakeFiles"
  fi
fi
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$CXX_COMPILER"
cmake --build "$BUILD_DIR" -j "$JOBS"

case "$ACTION" in
  build) ;;
  run)
    shift || true
    exec "$BUILD_DIR/bin/veritrain" run "${1:-scenarios/quickstart.json}"
    ;;
  test)
    cd "$BUILD_DIR"
    exec ctest --output-on-failure -j "$JOBS" --timeout 600
    ;;
  bench)
    # Three repetitions, medians reported: the figures of one run of the
    # binary, so every ratio in the table is measured in one run.
    mkdir -p results/bench
    "$BUILD_DIR/bin/veritrain_bench" --benchmark_repetitions=3 --benchmark_min_time=2 \
      --benchmark_report_aggregates_only=true \
      --benchmark_out=results/bench/bench.json --benchmark_out_format=json
    python3 tests/bench/bench_table.py results/bench/bench.json --out results/bench/bench.md
    echo "setup: results/bench/bench.md"
    ;;
  *)
    echo "usage: bash setup.sh [build|run [SCENARIO]|test|bench]" >&2
    exit 2
    ;;
esac
