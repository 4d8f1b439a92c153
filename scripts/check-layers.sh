#!/usr/bin/env bash
# Checks the layering ARCHITECTURE.md describes, from Package.swift (through `swift package
# dump-package`) and the sources:
#   - DropflowCore depends on nothing; JSON on Core; the contract on Core and JSON;
#   - observability knows nothing of the contract or the runtime; the runtime nothing of
#     observability, Hummingbird or Prometheus;
#   - platform modules know nothing of stages, tools or the simulator;
#   - every module under Sources/Stages but the adapters (DropflowStages) is decision logic: it
#     depends, even indirectly, on neither the runtime, the Kafka layer, observability, the
#     worker host, the local broker, Hummingbird nor Prometheus;
#   - decision logic never looks a contract field up by string key (`order["order_id"]`): it
#     reads the generated types, or their `Field` enums where it must touch raw JSON.
# Exits 1 naming each breach. Usage: bash scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
manifest=$(mktemp)
trap 'rm -f "$manifest"' EXIT
swift package dump-package > "$manifest"
python3 - "$manifest" <<'PY'
import json, os, re, sys

package = json.load(open(sys.argv[1]))
targets = {}
paths = {}
for t in package["targets"]:
    deps = []
    for d in t.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in d:
                deps.append(d[kind][0])
    targets[t["name"]] = deps
    paths[t["name"]] = t.get("path") or ""

def closure(name, seen=None):
    seen = set() if seen is None else seen
    for d in targets.get(name, []):
        if d not in seen:
            seen.add(d)
            closure(d, seen)
    return seen

problems = []
def forbid(name, forbidden, why):
    bad = sorted(closure(name) & set(forbidden))
    if bad:
        problems.append(f"{name} depends on {', '.join(bad)}: {why}")

def only(name, allowed):
    extra = sorted(set(targets.get(name, [])) - set(allowed))
    if extra:
        problems.append(f"{name} may depend only on {', '.join(sorted(allowed)) or 'nothing'}, not {', '.join(extra)}")

only("DropflowCore", [])
only("DropflowJSON", ["DropflowCore"])
only("DropflowContract", ["DropflowCore", "DropflowJSON"])
forbid("DropflowObservability", ["DropflowJSON", "DropflowContract", "DropflowRuntime"], "observability stands on the core alone")
forbid("DropflowRuntime", ["DropflowObservability", "Hummingbird", "Prometheus"], "the runtime needs no HTTP server or metrics backend")

kind = {}
for name, path in paths.items():
    if path.startswith("Sources/Platform/"): kind[name] = "platform"
    elif path.startswith("Sources/Stages"): kind[name] = "adapters" if name == "DropflowStages" else "decision"
    elif path.startswith("Sources/Simulator/"): kind[name] = "simulator"
    elif path.startswith("Sources/Tools/"): kind[name] = "tool"
for name, k in kind.items():
    if k == "platform":
        bad = sorted(d for d in closure(name) if kind.get(d) in ("decision", "adapters", "tool", "simulator"))
        if bad: problems.append(f"platform module {name} depends on {', '.join(bad)}")
    if k == "decision":
        forbid(name, ["DropflowRuntime", "DropflowKafka", "CRdKafka", "DropflowObservability", "DropflowWorkerHost",
                      "DropflowLocalBroker", "Hummingbird", "Prometheus", "ServiceLifecycle"],
               "decision logic is pure: no Kafka, runtime or HTTP")

# Contract field names, from the schemas.
fields = set()
def walk(schema):
    if isinstance(schema, dict):
        for k, v in schema.get("properties", {}).items():
            fields.add(k)
            walk(v)
        walk(schema.get("items"))
for f in os.listdir("contract/schemas"):
    walk(json.load(open(os.path.join("contract/schemas", f))))
lookup = re.compile(r'\[\s*"(' + "|".join(sorted(map(re.escape, fields))) + r')"\s*\]')
for name, k in kind.items():
    if k != "decision": continue
    for root, _, files in os.walk(paths[name]):
        for f in files:
            if not f.endswith(".swift"): continue
            p = os.path.join(root, f)
            for n, line in enumerate(open(p, encoding="utf-8"), 1):
                # The fraud model's phrase facts are a [String: String]; its model file has a
                # format of its own, whose lines say so.
                if "// model file format" in line: continue
                for m in lookup.finditer(re.sub(r'\bfacts\[', 'facts(', line)):
                    problems.append(f"{p}:{n}: contract field {m.group(1)!r} looked up by string key")

if problems:
    print("layering check failed:")
    for p in problems: print("  - " + p)
    sys.exit(1)
decision = sorted(n for n, k in kind.items() if k == "decision")
print(f"layers ok: {len(targets)} targets; decision modules free of Kafka, runtime and HTTP: {', '.join(decision)}")
PY
