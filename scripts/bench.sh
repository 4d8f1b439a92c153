#!/usr/bin/env bash
# Benchmark of the Kafka layer: produce and consume rates (messages/s) of the
# Swift wrapper next to kcat's (librdkafka's C client) on a fresh local Tansu
# broker. Prints figures; asserts nothing about speed.
#   scripts/bench.sh [--messages N] [--size BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build -c release --product dropflow
exec .build/release/dropflow bench --log-level warning "$@"
