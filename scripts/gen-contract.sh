#!/usr/bin/env bash
# Regenerates the Swift side of the Kafka contract from contract/schemas/*.json and
# contract/examples/*.json, into OUTPUT_DIR (default Sources/Platform/Contract/Generated):
#   ContractSchemas.swift   each schema embedded verbatim (ContractSchema)
#   ContractExamples.swift  each example embedded verbatim (ContractExample)
#   ContractMessages.swift  a Swift type per message (OrderPlaced, CarrierRate, ...)
# Deterministic; the generator is scripts/gen_contract.py (python3, standard library only).
#
# Usage: bash scripts/gen-contract.sh [OUTPUT_DIR]
#        bash scripts/gen-contract.sh --check [OUTPUT_DIR]
# --check regenerates into a temporary folder and exits 1, naming each stale file, when a
# committed file differs. A relative OUTPUT_DIR is relative to the current directory.
set -euo pipefail
exec python3 "$(dirname "$0")/gen_contract.py" "$@"
