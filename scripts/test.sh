#!/usr/bin/env bash
# The test command: installs what the tests need (scripts/setup.sh), builds,
# and runs every test. The tests start their own Tansu brokers on free
# loopback ports and librdkafka mock clusters in-process. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
# The Kafka layer must keep compiling against stock Debian 12's librdkafka 2.0.2.
bash scripts/check-librdkafka-2.0.sh
# The layers of ARCHITECTURE.md: decision logic free of Kafka, the runtime and HTTP.
bash scripts/check-layers.sh
swift build --build-tests
# One test at a time: the broker tests measure group rebalances, which a
# 2-core machine running four brokers at once would slow down past their timeouts.
swift test --skip-build --no-parallel "$@"
