#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the JSON parser and the contract's schema validator
# for a bounded time; prints inputs tried, crashes found and minutes. Not run by CI.
#   scripts/fuzz.sh [seconds]          (default 300)
#
# Builds Fuzz/JSONFuzz/main.swift with the sources of DropflowCore, DropflowJSON and
# DropflowContract using `swiftc -sanitize=fuzzer,address` (SwiftPM has no fuzzer builds on
# Linux), seeds the corpus with contract/examples (and the schemas, which are JSON too) and
# runs it. Each input is parsed; what parses is validated against every contract schema,
# decoded as every contract message type, serialized and parsed again, and the process traps
# when the round trip differs. A crash leaves its input in $DROPFLOW_FUZZ_DIR/crashes/
# (default .build-libfuzzer/crashes/); replay one with
#   .build-libfuzzer/json-fuzz .build-libfuzzer/crashes/crash-<sha1>
# and the fuzzing goes on (after a crash, libFuzzer is started again for the time left).
# The grown corpus is kept in .build-libfuzzer/corpus for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

seconds=${1:-300}
case "$seconds" in ''|*[!0-9]*) echo "usage: scripts/fuzz.sh [seconds]" >&2; exit 2 ;; esac
out=${DROPFLOW_FUZZ_DIR:-.build-libfuzzer}
mkdir -p "$out/modules" "$out/corpus" "$out/crashes" "$out/logs"

# -- build: one module at a time, each instrumented, then the fuzzer linked with libFuzzer.
flags=(-O -g -sanitize=fuzzer,address -parse-as-library -wmo -I "$out/modules")
build_module() { # name, source folder
    local name=$1 dir=$2
    local sources
    mapfile -t sources < <(find "$dir" -name '*.swift' | sort)
    swiftc "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$out/modules/$name.swiftmodule" \
        -c "${sources[@]}" -o "$out/modules/$name.o"
}
echo "━━ building the fuzzer (swiftc -sanitize=fuzzer,address) ━━"
build_start=$(date +%s)
build_module DropflowCore Sources/Platform/Core
build_module DropflowJSON Sources/Platform/JSON
build_module DropflowContract Sources/Platform/Contract
# lld: gold warns about every ASan helper symbol it cannot export.
linker=(); command -v ld.lld >/dev/null && linker=(-use-ld=lld)
swiftc "${flags[@]}" "${linker[@]}" -module-name JSONFuzz Fuzz/JSONFuzz/main.swift \
    "$out/modules/DropflowCore.o" "$out/modules/DropflowJSON.o" "$out/modules/DropflowContract.o" \
    -o "$out/json-fuzz"
echo "built $out/json-fuzz in $(( $(date +%s) - build_start )) s"

# -- run: libFuzzer stops at a crash; start it again for the time left, counting crashes.
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
cp contract/examples/*.json "$seeds/"
for f in contract/schemas/*.json; do cp "$f" "$seeds/schema-$(basename "$f")"; done

echo "━━ fuzzing for $seconds s (seed corpus: $(ls "$seeds" | wc -l) contract files) ━━"
start=$(date +%s)
runs=0 executed=0 crashes=0
crashes_before=$(find "$out/crashes" -type f | wc -l)
while true; do
    left=$(( seconds - ($(date +%s) - start) ))
    [ "$left" -gt 0 ] || break
    runs=$((runs + 1))
    log="$out/logs/run-$runs.log"
    status=0
    "$out/json-fuzz" "$out/corpus" "$seeds" -max_total_time="$left" -max_len=65536 -timeout=20 -rss_limit_mb=4096 \
        -dict=Fuzz/JSONFuzz/json.dict -print_final_stats=1 -artifact_prefix="$out/crashes/" >"$log" 2>&1 || status=$?
    n=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
    executed=$((executed + ${n:-0}))
    if [ "$status" -ne 0 ]; then
        crashes=$((crashes + 1))
        artifact=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //' || true)
        echo "crash $crashes (exit $status): ${artifact:-no input written}; log $log"
        grep -m1 -E 'Fatal error|ERROR: AddressSanitizer|ERROR: libFuzzer|SUMMARY' "$log" | sed 's/^/    /' || true
        # A crash straight away (the build or the seed itself) would loop: stop.
        [ -n "$artifact" ] || { tail -20 "$log"; exit 1; }
    fi
done
distinct=$(( $(find "$out/crashes" -type f | wc -l) - crashes_before ))
elapsed=$(( $(date +%s) - start ))
corpus=$(find "$out/corpus" -type f | wc -l)

echo "━━ fuzzing done ━━"
printf '  inputs tried   %d\n' "$executed"
printf '  crashes found  %d (%d new inputs in %s/crashes)\n' "$crashes" "$distinct" "$out"
printf '  minutes        %s\n' "$(awk "BEGIN { printf \"%.1f\", $elapsed / 60 }")"
printf '  corpus         %d inputs in %s/corpus\n' "$corpus" "$out"
[ "$crashes" -eq 0 ]
