#!/usr/bin/env bash
# The main job: installs what it needs (scripts/setup.sh), builds Dropflow and
# runs it end to end on a local broker. Until the pipeline's stages exist, that
# is a visible round trip of orders like the contract's example through a local
# Tansu broker that this run starts and stops. Safe to run twice.
#   scripts/demo.sh [--orders N] [--bootstrap-servers host:port ...]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
bash scripts/setup.sh
swift build --product dropflow
exec .build/debug/dropflow roundtrip "$@"
