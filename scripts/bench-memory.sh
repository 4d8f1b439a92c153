#!/usr/bin/env bash
# What bounds a worker's memory, measured: one intake and one fraud worker (release build) on a
# fresh local Tansu broker take N simulated orders (default 1,000,000) from the live simulator;
# once both have read everything, the script prints each worker's resident memory (RSS) and its
# peak (VmHWM), with the time taken. Prints figures; asserts nothing; not run by CI.
#   scripts/bench-memory.sh [orders] [rate]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
ORDERS="${1:-1000000}"
RATE="${2:-3000}"
bash scripts/setup.sh >/dev/null
swift build -c release --product dropflow
BIN=.build/release/dropflow
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PORT=$(free_port); IM=$(free_port); FM=$(free_port)
BOOT="127.0.0.1:$PORT"
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT

"$BIN" broker --port "$PORT" >"$WORK/broker.log" 2>&1 & PIDS+=($!)
for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
"$BIN" topics create --bootstrap-servers "$BOOT" --partitions 4 --log-level warning >/dev/null
# The simulated world runs months ahead of today's clock: take its times at face value.
AHEAD="--max-event-time-ahead 315360000"
"$BIN" worker intake $AHEAD --bootstrap-servers "$BOOT" --metrics-port "$IM" --log-level warning >"$WORK/intake.log" 2>&1 & INTAKE=$!; PIDS+=($INTAKE)
"$BIN" worker fraud $AHEAD --bootstrap-servers "$BOOT" --metrics-port "$FM" --log-level warning >"$WORK/fraud.log" 2>&1 & FRAUD=$!; PIDS+=($FRAUD)

rss() { awk -v k="$2" '$1 == k":" { printf "%.0f MiB", $2 / 1024 }' "/proc/$1/status"; }
lag() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^dropflow_consumer_lag/ { s += $NF } END { print s + 0 }'; }
seen() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^dropflow_messages_in_total/ { s += $NF } END { printf "%d", s + 0 }'; }
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$IM/health/ready" >/dev/null && curl -sf "http://127.0.0.1:$FM/health/ready" >/dev/null && break; sleep 0.2; done
echo "workers ready: intake $(rss $INTAKE VmRSS), fraud $(rss $FRAUD VmRSS)"

START=$(date +%s)
"$BIN" simulate --orders "$ORDERS" --rate "$RATE" --no-answers --quiet-seconds 1 --bootstrap-servers "$BOOT" --log-level warning
echo "simulator done after $(( $(date +%s) - START )) s; waiting for the workers to catch up"
idle=0
while [ "$idle" -lt 3 ]; do
    sleep 5
    i=$(lag "$IM"); f=$(lag "$FM")
    echo "  intake: $(seen $IM) in, lag $i, RSS $(rss $INTAKE VmRSS); fraud: $(seen $FM) in, lag $f, RSS $(rss $FRAUD VmRSS)"
    if [ "${i%.*}" = "0" ] && [ "${f%.*}" = "0" ]; then idle=$((idle + 1)); else idle=0; fi
done
echo
echo "after $ORDERS orders ($(( $(date +%s) - START )) s):"
echo "  intake: RSS $(rss $INTAKE VmRSS), peak $(rss $INTAKE VmHWM)"
echo "  fraud:  RSS $(rss $FRAUD VmRSS), peak $(rss $FRAUD VmHWM)"
