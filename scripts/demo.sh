#!/usr/bin/env bash
# The main job: installs what it needs (scripts/setup.sh), builds Dropflow and
# runs it end to end on a local Tansu broker that this run starts and stops:
# the simulated storefront places orders (fraud ring, surge, outage and strike
# included), intake and fraud workers sort them out, a routing worker sends
# the approved ones to suppliers (who answer from the simulated world), a
# simulated reviewer works the review queue, and the run is scored against
# the simulator's truth.
# Safe to run twice.
#   scripts/demo.sh [--orders N] [--rate R] [--seed S] [--bootstrap-servers host:port ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build --product dropflow
exec .build/debug/dropflow demo "$@"
