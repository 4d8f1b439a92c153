#!/usr/bin/env bash
# Benchmark of the stage runtime: orders through a chain of `dropflow worker
# passthrough` processes, end to end (orders/s, p50/p99/max latency), next to
# the same chain of raw librdkafka relays (bench/relay.c), on a fresh local
# Tansu broker. Prints figures; asserts nothing about speed.
#   scripts/bench-chain.sh [--orders N] [--stages N] [--partitions N]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build -c release --product dropflow
# The C relay, rebuilt only when missing or older than its source.
mkdir -p .build-bench
if [ ! -x .build-bench/relay ] || [ bench/relay.c -nt .build-bench/relay ]; then
  gcc -O2 bench/relay.c -o .build-bench/relay $(pkg-config --cflags --libs rdkafka)
fi
exec .build/release/dropflow bench-chain --log-level warning --relay .build-bench/relay "$@"
