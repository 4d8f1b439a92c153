#!/usr/bin/env python3
"""Generates the Swift side of the Kafka contract from contract/schemas/*.json and
contract/examples/*.json (standard library only; run it through scripts/gen-contract.sh).

Writes three files into one folder (by default Sources/Platform/Contract/Generated):

- ContractSchemas.swift   every schema embedded verbatim, and the ContractSchema enum
- ContractExamples.swift  every example embedded verbatim, and the ContractExample enum
- ContractMessages.swift  a Swift type per message (see "Mapping" below)

Usage: gen_contract.py [--check] [OUTPUT_DIR]
  --check  regenerate into a temporary folder and compare; exit 1, naming the stale files,
           when a file in OUTPUT_DIR differs from what would be generated.

Deterministic: files are read in name order, properties in the schemas' order, and nothing
depends on the time, the machine or the output folder.

Mapping (JSON Schema -> Swift):
- a schema file <stem>.json -> `public struct <UpperCamel(stem)>: ContractMessage`
- string (any pattern or format) -> String, kept as written; integer -> Int; number -> Double;
  boolean -> Bool; array -> [T]; an object with `properties` -> a nested struct named after
  the property (singular for array items); an object without `properties` -> JSONValue;
  a string `enum` -> a nested `enum <UpperCamel(property)>: String`.
- SHARED_TYPES (below) lists subschemas that are one top-level type; every place listed must
  be structurally identical (ignoring description, title and default) or generation fails.
- member names: snake_case -> lowerCamelCase, the word `id` is `ID` when not first.
"""

import json
import os
import re
import sys
import tempfile

# Import lines written at the top of every generated file, after the header (e.g.
# "import DropflowJSON" once the module is split). Empty: the generated files live in the
# module that defines JSONValue and need no import.
IMPORTS = ["import DropflowJSON"]

SCRIPT = "scripts/gen-contract.sh"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS_DIR = os.path.join(REPO, "contract", "schemas")
EXAMPLES_DIR = os.path.join(REPO, "contract", "examples")
DEFAULT_OUTPUT = os.path.join(REPO, "Sources", "Platform", "Contract", "Generated")

# Subschemas that become one top-level type. Each place is "<schema stem>:<path>", the path
# being property names separated by "/", with "[]" for an array's items.
SHARED_TYPES = [
    {
        "name": "Address",
        "doc": "A postal address: an order's shipping or billing address, a purchase order's ship-to address.",
        "places": [
            "order-placed:shipping_address",
            "order-placed:billing_address",
            "purchase-order:ship_to",
        ],
    },
    {
        "name": "DeliveryWindow",
        "doc": "When an order (or one supplier's part of it) is expected to arrive, and how sure the pipeline is.",
        "places": [
            "routing-decision:delivery_window",
            "routing-decision:assignments/[]/delivery_window",
            "customer-notification:delivery_window",
        ],
    },
    {
        "name": "Reason",
        "doc": "One reason for a decision on an order (a rejection, a hold for review): a code, words for a person, a weight.",
        "places": [
            "order-rejected:reasons/[]",
            "review-case:reasons/[]",
        ],
    },
    {
        "name": "ServiceLevel",
        "doc": "A shipping service level: what an order asks for, what a carrier rate is for, what routing chose.",
        "places": [
            "order-placed:shipping_option",
            "carrier-rate:service_level",
            "routing-decision:assignments/[]/service_level",
        ],
    },
    {
        "name": "MerchantPriority",
        "doc": "What routing optimizes for an order.",
        "places": [
            "order-placed:merchant_priority",
        ],
    },
]

# Keywords the generator understands. Anything else in a schema stops it: a keyword it does
# not know could change what a valid message is, and the types would silently disagree.
ANNOTATIONS = {"$schema", "$id", "title", "description", "default"}
KNOWN_KEYWORDS = ANNOTATIONS | {
    "type", "properties", "required", "items", "enum", "pattern", "format",
    "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
}
# Keywords that do not change the shape of the Swift type or what it means, ignored when
# comparing the places of a shared type.
IGNORED_WHEN_COMPARING = {"description", "title", "default"}

MONEY_PATTERN = r"^-?[0-9]+(\.[0-9]{1,4})?$"
PATTERN_MEANINGS = {
    MONEY_PATTERN: 'a money decimal string (e.g. "19.99"), kept exactly as written; read it with `MoneyAmount`',
    "^[A-Z]{2}$": "an ISO 3166-1 alpha-2 country code",
    "^[A-Z]{3}$": "an ISO 4217 currency code",
}
DATE_TIME_MEANING = 'an RFC 3339 date-time (e.g. "2026-11-24T10:15:00Z"), kept exactly as written'

SWIFT_KEYWORDS = {
    "associatedtype", "borrowing", "class", "consuming", "deinit", "enum", "extension",
    "fileprivate", "func", "import", "init", "inout", "internal", "let", "nonisolated", "open",
    "operator", "private", "precedencegroup", "protocol", "public", "rethrows", "static",
    "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default",
    "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
    "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self",
    "Self", "super", "throws", "true", "try",
}
# Members every generated struct has; a schema property may not take these names.
RESERVED_MEMBERS = {"json", "unknownMembers", "schema", "example", "knownMembers", "hashValue", "hash"}
# Names a nested type may not take: Swift's own meanings, or names it would shadow.
RESERVED_TYPE_NAMES = {
    "Type", "Protocol", "Self", "Field", "String", "Int", "Int64", "Double", "Bool", "Array",
    "Dictionary", "Set", "Optional", "Error", "Never", "Any", "JSONValue", "JSONSchema",
    "JSONObjectType", "ContractMessage", "ContractSchema", "ContractExample",
    "ContractDecodingError", "MoneyAmount", "SchemaViolation", "Decode",
}


class GenerationError(Exception):
    pass


def fail(message):
    raise GenerationError(message)


# MARK: - Names


def words(name):
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    if not parts:
        fail(f"cannot make a Swift name from {name!r}")
    return parts


def lower_camel(name):
    """order_id -> orderID, card_bin -> cardBin, p50 -> p50, bank_transfer -> bankTransfer."""
    parts = words(name)
    out = parts[0].lower()
    for p in parts[1:]:
        out += "ID" if p.lower() == "id" else p[:1].upper() + p[1:].lower()
    if not re.fullmatch(r"[a-z_][A-Za-z0-9_]*", out):
        fail(f"cannot make a Swift member name from {name!r} (got {out!r})")
    return out


def upper_camel(name):
    """order-placed -> OrderPlaced, transit_days -> TransitDays, purchase_order_id -> PurchaseOrderID."""
    out = ""
    for i, p in enumerate(words(name)):
        out += "ID" if (i > 0 and p.lower() == "id") else p[:1].upper() + p[1:].lower()
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", out):
        fail(f"cannot make a Swift type name from {name!r} (got {out!r})")
    return out


def case_name(stem):
    """The ContractSchema/ContractExample case of a file stem, as the schema script always made it."""
    parts = re.split(r"[^A-Za-z0-9]+", stem)
    name = parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:])
    if not re.fullmatch(r"[a-z][A-Za-z0-9]*", name):
        fail(f"cannot make a Swift case name from {stem!r}")
    return name


def singular(name):
    """The type name of an array's items: lines -> Line, assignments -> Assignment."""
    if name.endswith("ies") and len(name) > 3:
        return name[:-3] + "y"
    if name.endswith("sses") or name.endswith("xes") or name.endswith("ches") or name.endswith("shes"):
        return name[:-2]
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name + "Item"


def escaped(identifier):
    return f"`{identifier}`" if identifier in SWIFT_KEYWORDS else identifier


def swift_string(text):
    """A Swift string literal for `text` (single line)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def pointer(name):
    """One JSON Pointer step (RFC 6901)."""
    return "/" + name.replace("~", "~0").replace("/", "~1")


def one_line(text):
    return " ".join(text.split())


def sentence(text):
    text = one_line(text)
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


# MARK: - Reading the schemas


def read_json_files(directory):
    if not os.path.isdir(directory):
        fail(f"no folder {directory}")
    stems = sorted(f[:-5] for f in os.listdir(directory) if f.endswith(".json"))
    if not stems:
        fail(f"no .json files in {directory}")
    files = []
    for stem in stems:
        path = os.path.join(directory, stem + ".json")
        with open(path, "rb") as f:
            raw = f.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            fail(f"{path}: not UTF-8 ({e})")
        try:
            value = json.loads(text)
        except ValueError as e:
            fail(f"{path}: not JSON ({e})")
        if "\r" in text:
            fail(f"{path}: carriage returns would not survive a Swift string literal")
        files.append((stem, text, value))
    return files


def check_keywords(schema, where):
    if not isinstance(schema, dict):
        fail(f"{where}: a schema must be an object here")
    unknown = sorted(set(schema) - KNOWN_KEYWORDS)
    if unknown:
        fail(f"{where}: keyword(s) {', '.join(unknown)} not supported by {SCRIPT}; teach the generator what they mean")
    for key, sub in schema.get("properties", {}).items():
        check_keywords(sub, f"{where}/properties/{key}")
    if "items" in schema:
        check_keywords(schema["items"], f"{where}/items")


def normalized(schema):
    """The schema without annotations that do not change the type, for comparing places."""
    out = {}
    for key, value in schema.items():
        if key in IGNORED_WHEN_COMPARING:
            continue
        if key == "properties":
            value = {k: normalized(v) for k, v in value.items()}
        elif key == "items":
            value = normalized(value)
        elif key == "required":
            value = sorted(value)
        out[key] = value
    return out


def subschema(schemas, place):
    stem, _, path = place.partition(":")
    if stem not in schemas:
        fail(f"shared type place {place!r}: there is no schema {stem}.json")
    node = schemas[stem]
    for step in path.split("/"):
        if step == "[]":
            if "items" not in node:
                fail(f"shared type place {place!r}: {step!r} is not an array")
            node = node["items"]
        else:
            props = node.get("properties", {})
            if step not in props:
                fail(f"shared type place {place!r}: no property {step!r}")
            node = props[step]
    return node


def resolve_shared(schemas):
    """Checks the SHARED_TYPES table against the schemas; returns {place: entry}."""
    by_place = {}
    names = set()
    for entry in SHARED_TYPES:
        name = entry["name"]
        if name in names:
            fail(f"shared type {name} is listed twice")
        names.add(name)
        if not entry["places"]:
            fail(f"shared type {name} lists no places")
        first_place = entry["places"][0]
        first = normalized(subschema(schemas, first_place))
        for place in entry["places"]:
            if place in by_place:
                fail(f"{place} is listed for shared types {by_place[place]['name']} and {name}")
            here = normalized(subschema(schemas, place))
            if here != first:
                fail(
                    f"shared type {name}: {place} is not structurally identical to {first_place}"
                    f" (ignoring {', '.join(sorted(IGNORED_WHEN_COMPARING))}):\n"
                    f"  {first_place}: {json.dumps(first, sort_keys=True)}\n"
                    f"  {place}: {json.dumps(here, sort_keys=True)}\n"
                    f"Fix the schema, or give the places separate types in SHARED_TYPES of scripts/gen_contract.py."
                )
            by_place[place] = entry
        entry["schema"] = subschema(schemas, first_place)
        # The first place with a description documents the properties of the type.
    return by_place


def unlisted_duplicates(schemas, by_place):
    """Object and enum subschemas that are identical in several places but not in SHARED_TYPES."""
    seen = {}

    def walk(stem, node, path):
        for key, sub in node.get("properties", {}).items():
            visit(stem, sub, path + [key])
        if "items" in node:
            visit(stem, node["items"], path + ["[]"])

    def visit(stem, node, path):
        if "enum" in node or ("properties" in node and node.get("type") == "object"):
            place = f"{stem}:{'/'.join(path)}"
            seen.setdefault(json.dumps(normalized(node), sort_keys=True), []).append(place)
        walk(stem, node, path)

    for stem, schema in schemas.items():
        walk(stem, schema, [])
    notes = []
    for places in seen.values():
        if len(places) > 1:
            entries = {by_place[p]["name"] if p in by_place else None for p in places}
            if None in entries or len(entries) > 1:
                notes.append(", ".join(places))
    return sorted(notes)


# MARK: - The type model


class Scalar:
    def __init__(self, json_type, schema):
        self.json_type = json_type
        self.schema = schema

    swift = property(lambda self: {"string": "String", "integer": "Int", "number": "Double", "boolean": "Bool"}[self.json_type])
    decoder = property(lambda self: {"string": "MessageDecoding.string", "integer": "MessageDecoding.int", "number": "MessageDecoding.double", "boolean": "MessageDecoding.bool"}[self.json_type])

    def encode(self, expr):
        return {
            "string": f".string({expr})",
            "integer": f".integer(Int64({expr}))",
            "number": f".number({expr})",
            "boolean": f".bool({expr})",
        }[self.json_type]


class FreeObject:
    """An object schema without properties: kept as a JSONValue."""
    swift = "JSONValue"
    decoder = "MessageDecoding.jsonObject"

    def encode(self, expr):
        return expr


class Enum:
    def __init__(self, name, values, doc, qualified):
        self.name = name
        self.values = values
        self.doc = doc
        self.qualified = qualified
        self.swift = name
        self.decoder = "MessageDecoding.enumeration"
        cases = [lower_camel(v) for v in values]
        if len(set(cases)) != len(cases):
            fail(f"{qualified}: enum values {values} give the same Swift case twice")
        self.cases = list(zip(cases, values))

    def encode(self, expr):
        return f".string({expr}.rawValue)"


class Struct:
    def __init__(self, name, doc, qualified):
        self.name = name
        self.doc = doc
        self.qualified = qualified
        self.swift = name
        self.decoder = "MessageDecoding.object"
        self.members = []   # Member
        self.nested = []    # Struct or Enum declared inside
        self.schema_case = None  # ContractSchema case for a message
        self.stem = None
        self.example = None

    def encode(self, expr):
        return f"{expr}.json"


class Array:
    def __init__(self, element):
        self.element = element
        self.swift = f"[{element.swift}]"

    def encode(self, expr):
        e = self.element
        if isinstance(e, Struct):
            return f".array({expr}.map(\\.json))"
        if isinstance(e, FreeObject):
            return f".array({expr})"
        return f".array({expr}.map {{ {e.encode('$0')} }})"


class Member:
    def __init__(self, json_name, swift_name, type_, required, doc):
        self.json_name = json_name
        self.swift_name = swift_name
        self.type = type_
        self.required = required
        self.doc = doc

    @property
    def swift_type(self):
        return self.type.swift if self.required else self.type.swift + "?"


def article(name):
    return ("an " if name[:1] in "AEIOU" else "a ") + f"``{name}``"


def type_phrase(t):
    """How a member's doc comment names a type it cannot see from the text: `a ``Line```."""
    if isinstance(t, (Struct, Enum)):
        return article(t.name) if isinstance(t, Struct) else f"one of ``{t.name}``"
    if isinstance(t, FreeObject):
        return "an object kept as JSON"
    if isinstance(t, Array):
        inner = type_phrase(t.element)
        return f"each {inner}" if inner else ""
    return ""


def member_doc(json_name, schema, t):
    """One line: the schema's description, then what the text means, then constraints."""
    parts = []
    if "description" in schema:
        parts.append(one_line(schema["description"]).rstrip("."))
    if type_phrase(t):
        parts.append(type_phrase(t))
    target = schema.get("items", schema) if schema.get("type") == "array" else schema
    meaning = []
    if "pattern" in target:
        meaning.append(PATTERN_MEANINGS.get(target["pattern"], f"matches `{target['pattern']}`"))
    if target.get("format") == "date-time":
        meaning.append(DATE_TIME_MEANING)
    constraints = []
    lo, hi = target.get("minLength"), target.get("maxLength")
    if lo is not None and hi is not None:
        constraints.append(f"{lo} to {hi} characters")
    elif lo is not None:
        constraints.append(f"at least {lo} character{'s' if lo != 1 else ''}")
    elif hi is not None:
        constraints.append(f"at most {hi} characters")
    lo, hi = target.get("minimum"), target.get("maximum")
    if lo is not None and hi is not None:
        constraints.append(f"{lo} to {hi}")
    elif lo is not None:
        constraints.append(f"at least {lo}")
    elif hi is not None:
        constraints.append(f"at most {hi}")
    if schema.get("type") == "array":
        constraints = ["each " + c for c in constraints]
        lo, hi = schema.get("minItems"), schema.get("maxItems")
        if lo is not None and hi is not None:
            constraints.append(f"{lo} to {hi} items")
        elif lo is not None:
            constraints.append(f"at least {lo} item{'s' if lo != 1 else ''}")
        elif hi is not None:
            constraints.append(f"at most {hi} items")
        if meaning:
            meaning = ["each " + m for m in meaning]
    if "default" in schema:
        constraints.append(f"absent means {json.dumps(schema['default'])} (the schema's default; not filled in)")
    text = f"`{json_name}`"
    tail = "; ".join(parts + meaning + constraints)
    return text + (": " + tail if tail else "") + "."


class Builder:
    def __init__(self, schemas, shared_by_place):
        self.schemas = schemas
        self.shared_by_place = shared_by_place
        self.shared_types = {}  # name -> Struct/Enum, built once
        self.used_places = set()

    def top_level(self, stem, schema):
        name = upper_camel(stem)
        if schema.get("type") != "object" or "properties" not in schema:
            fail(f"{stem}.json: a message schema must be an object with properties")
        doc = sentence(schema.get("description", f"A {stem} message."))
        struct = Struct(name, doc, name)
        struct.stem = stem
        struct.schema_case = case_name(stem)
        self.fill_struct(struct, stem, schema, [])
        return struct

    def shared(self, entry):
        name = entry["name"]
        if name not in self.shared_types:
            schema = entry["schema"]
            where = entry["places"][0]
            if "enum" in schema:
                self.shared_types[name] = self.make_enum(name, schema, where, entry["doc"])
            elif schema.get("type") == "object" and "properties" in schema:
                struct = Struct(name, sentence(entry["doc"]), name)
                stem, _, path = where.partition(":")
                self.fill_struct(struct, stem, schema, path.split("/"))
                self.shared_types[name] = struct
            else:
                fail(f"shared type {name}: only objects with properties and enums can be shared types")
        return self.shared_types[name]

    def make_enum(self, name, schema, where, doc):
        values = schema["enum"]
        if not values or not all(isinstance(v, str) for v in values):
            fail(f"{where}: only enums of strings are supported")
        if "type" in schema and schema["type"] != "string":
            fail(f"{where}: an enum must be of type string")
        if len(set(values)) != len(values):
            fail(f"{where}: enum repeats a value")
        return Enum(name, values, sentence(doc), name)

    def type_for(self, owner, stem, schema, path, type_name, label):
        """The Swift type of the subschema at `path` (a list of steps) in `stem`; `label` names
        it in doc comments (`lines`, or `an element of lines`)."""
        place = f"{stem}:{'/'.join(path)}"
        where = f"{stem}.json {'/'.join(path)}"
        if place in self.shared_by_place:
            self.used_places.add(place)
            return self.shared(self.shared_by_place[place])
        if "enum" in schema:
            e = self.make_enum(type_name, schema, where, schema.get("description", f"The values of {label}."))
            e.qualified = f"{owner.qualified}.{type_name}"
            owner.nested.append(e)
            return e
        t = schema.get("type")
        if t is None:
            fail(f"{where}: no `type` (and no `enum`): {SCRIPT} cannot choose a Swift type")
        if not isinstance(t, str):
            fail(f"{where}: `type` {t!r} (several types) is not supported")
        if t in ("string", "integer", "number", "boolean"):
            return Scalar(t, schema)
        if t == "array":
            if "items" not in schema:
                fail(f"{where}: an array without `items` is not supported")
            element_name = singular(type_name)
            return Array(self.type_for(owner, stem, schema["items"], path + ["[]"], element_name,
                                       f"an element of {label}"))
        if t == "object":
            if "properties" not in schema:
                return FreeObject()
            default_doc = sentence(label) if label.startswith("an element") else f"The {label} object."
            struct = Struct(type_name, sentence(schema.get("description", default_doc)), f"{owner.qualified}.{type_name}")
            self.fill_struct(struct, stem, schema, path)
            owner.nested.append(struct)
            return struct
        fail(f"{where}: type {t!r} is not supported")

    def fill_struct(self, struct, stem, schema, path):
        required = schema.get("required", [])
        properties = schema.get("properties", {})
        missing = [r for r in required if r not in properties]
        if missing:
            fail(f"{stem}.json {'/'.join(path) or '(root)'}: required {missing} not in properties")
        swift_names = set()
        for json_name, sub in properties.items():
            swift_name = lower_camel(json_name)
            if swift_name in RESERVED_MEMBERS:
                fail(f"{stem}.json {'/'.join(path + [json_name])}: the Swift name {swift_name} is taken by every generated type")
            if swift_name in swift_names:
                fail(f"{stem}.json {'/'.join(path)}: two properties are both {swift_name} in Swift")
            swift_names.add(swift_name)
            type_name = upper_camel(json_name)
            t = self.type_for(struct, stem, sub, path + [json_name], type_name, f"`{json_name}`")
            struct.members.append(Member(json_name, swift_name, t, json_name in required, member_doc(json_name, sub, t)))
        nested_names = [n.name for n in struct.nested]
        for n in nested_names:
            if nested_names.count(n) > 1:
                fail(f"{struct.qualified}: two nested types are named {n}")
            if n in RESERVED_TYPE_NAMES or n == struct.name:
                fail(f"{struct.qualified}.{n}: the name {n} is reserved or shadows another type")


# MARK: - Swift output


def header(source):
    lines = [
        f"// GENERATED by {SCRIPT} from {source}. Do not edit:",
        f"// change the contract and run `bash {SCRIPT}`.",
        "",
    ]
    if IMPORTS:
        lines += list(IMPORTS) + [""]
    return lines


def raw_literal(text):
    hashes = 1
    while '"""' + "#" * hashes in text or "\\" + "#" * hashes in text:
        hashes += 1
    return "#" * hashes


def schemas_file(schema_files):
    out = header("contract/schemas/*.json")
    out += [
        "/// The message schemas of the Kafka contract (`contract/schemas/`), one case per file;",
        "/// the raw value is the file name without `.json`.",
        "public enum ContractSchema: String, CaseIterable, Sendable {",
    ]
    for stem, _, _ in schema_files:
        out.append(f'    case {case_name(stem)} = "{stem}"')
    out += [
        "",
        "    /// The schema document, byte for byte as in `contract/schemas/<rawValue>.json`.",
        "    public var json: String {",
        "        switch self {",
    ]
    for stem, _, _ in schema_files:
        out.append(f"        case .{case_name(stem)}: return ContractSchemaText.{case_name(stem)}")
    out += ["        }", "    }", "}", "", "enum ContractSchemaText {"]
    for i, (stem, text, _) in enumerate(schema_files):
        h = raw_literal(text)
        if i:
            out.append("")
        out.append(f"    static let {case_name(stem)} = {h}\"\"\"")
        out.append(text + f"\n\"\"\"{h}")
    out.append("}")
    return "\n".join(out) + "\n"


def examples_file(example_files, schema_stems):
    for stem, _, value in example_files:
        if stem not in schema_stems:
            fail(f"contract/examples/{stem}.json has no schema of the same name")
        if not isinstance(value, dict):
            fail(f"contract/examples/{stem}.json is not a JSON object")
    out = header("contract/examples/*.json")
    out += [
        "/// The example messages of the Kafka contract (`contract/examples/`), one case per file;",
        "/// the raw value is the file name without `.json`, the same as its schema's.",
        "public enum ContractExample: String, CaseIterable, Sendable {",
    ]
    for stem, _, _ in example_files:
        out.append(f"    /// `contract/examples/{stem}.json`.")
        out.append(f'    case {case_name(stem)} = "{stem}"')
    out += [
        "",
        "    /// The example document, byte for byte as in `contract/examples/<rawValue>.json`.",
        "    public var text: String {",
        "        switch self {",
    ]
    for stem, _, _ in example_files:
        out.append(f"        case .{case_name(stem)}: return ContractExampleText.{case_name(stem)}")
    out += [
        "        }",
        "    }",
        "",
        "    /// The example, parsed (the contract tests check that every example parses).",
        "    public var value: JSONValue {",
        "        do {",
        "            return try JSONValue.parse(text)",
        "        } catch {",
        '            fatalError("embedded contract example \\(rawValue) is not JSON: \\(error)")',
        "        }",
        "    }",
        "",
        "    /// The schema the example follows: the one of the same name.",
        "    public var schema: ContractSchema {",
        "        switch self {",
    ]
    for stem, _, _ in example_files:
        out.append(f"        case .{case_name(stem)}: return .{case_name(stem)}")
    out += ["        }", "    }", "}", "", "enum ContractExampleText {"]
    for i, (stem, text, _) in enumerate(example_files):
        h = raw_literal(text)
        if i:
            out.append("")
        out.append(f"    static let {case_name(stem)} = {h}\"\"\"")
        out.append(text + f"\n\"\"\"{h}")
    out.append("}")
    return "\n".join(out) + "\n"


class Writer:
    def __init__(self):
        self.lines = []
        self.level = 0

    def line(self, text=""):
        self.lines.append(("    " * self.level + text) if text else "")

    def blank(self):
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def open(self, text):
        self.line(text + " {")
        self.level += 1

    def close(self, suffix=""):
        self.level -= 1
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.line("}" + suffix)


def write_enum(w, e):
    w.line(f"/// {e.doc}")
    w.open(f"public enum {e.name}: String, Sendable, Hashable, CaseIterable")
    for case, value in e.cases:
        w.line(f"/// `{value}`")
        w.line(f'case {escaped(case)} = {swift_string(value)}')
    w.close()


def decode_expr(m):
    key = swift_string(m.json_name)
    path = swift_string(pointer(m.json_name))
    value = f"members[{key}]"
    t = m.type
    if isinstance(t, Array):
        fn = "MessageDecoding.array" if m.required else "MessageDecoding.optionalArray"
        return f"try {fn}({value}, {path}, {t.element.decoder})"
    if m.required:
        return f"try {t.decoder}({value}, {path})"
    return f"try MessageDecoding.optional({value}, {path}, {t.decoder})"


def encode_statement(m):
    key = swift_string(m.json_name)
    name = escaped(m.swift_name)
    t = m.type
    if m.required:
        return f"members[{key}] = {t.encode(name)}"
    if isinstance(t, Struct):
        return f"members[{key}] = {name}?.json"
    if isinstance(t, FreeObject):
        return f"members[{key}] = {name}"
    return f"members[{key}] = {name}.map {{ {t.encode('$0')} }}"


def write_struct(w, s):
    conformance = "ContractMessage" if s.schema_case else "JSONObjectType"
    w.line(f"/// {s.doc}")
    w.open(f"public struct {s.name}: {conformance}")

    w.line("/// The JSON names of the members the schema lists, in the schema's order.")
    w.open("public enum Field: String, CaseIterable, Sendable")
    for m in s.members:
        w.line(f"/// `{m.json_name}`")
        w.line(f"case {escaped(m.swift_name)} = {swift_string(m.json_name)}")
    w.close()
    w.blank()

    for n in s.nested:
        if isinstance(n, Enum):
            write_enum(w, n)
        else:
            write_struct(w, n)
        w.blank()

    for m in s.members:
        w.line(f"/// {m.doc}")
        w.line(f"public var {escaped(m.swift_name)}: {m.swift_type}")
    w.line("/// Members the schema does not list, kept as they came so that a re-published message loses nothing.")
    w.line("public var unknownMembers: [String: JSONValue]")
    w.blank()

    if s.schema_case:
        w.line(f"/// The schema of this message: `contract/schemas/{s.stem}.json`.")
        w.line(f"public static var schema: ContractSchema {{ .{s.schema_case} }}")
        w.blank()
    if s.example:
        w.line(f"/// The contract's example of this message: `contract/examples/{s.stem}.json`.")
        w.line(f"public static let example: {s.name} = ContractExample.{s.example}.decoded()")
        w.blank()

    w.line("/// The JSON names of the members the schema lists; any other member is unknown.")
    w.line("private static let knownMembers: Set<String> = Set(Field.allCases.map(\\.rawValue))")
    w.blank()

    w.line("/// Creates a value from its members.")
    w.line("public init(")
    w.level += 1
    params = []
    for m in s.members:
        default = "" if m.required else " = nil"
        params.append(f"{escaped(m.swift_name)}: {m.swift_type}{default}")
    params.append("unknownMembers: [String: JSONValue] = [:]")
    for i, p in enumerate(params):
        w.line(p + ("," if i < len(params) - 1 else ""))
    w.level -= 1
    w.line(") {")
    w.level += 1
    for m in s.members:
        w.line(f"self.{escaped(m.swift_name)} = {escaped(m.swift_name)}")
    w.line("self.unknownMembers = unknownMembers")
    w.close()
    w.blank()

    w.line("/// Decodes a JSON object; throws ContractDecodingError naming the JSON Pointer of what does not fit.")
    w.open("public init(json: JSONValue) throws(ContractDecodingError)")
    w.line("let members = try MessageDecoding.members(json)")
    for m in s.members:
        w.line(f"{escaped(m.swift_name)} = {decode_expr(m)}")
    w.line("unknownMembers = MessageDecoding.unknownMembers(members, known: Self.knownMembers)")
    w.close()
    w.blank()

    w.line("/// The object, with `unknownMembers` merged in (known members win).")
    w.open("public var json: JSONValue")
    w.line("var members = unknownMembers")
    w.line(f"members.reserveCapacity(unknownMembers.count + {len(s.members)})")
    for m in s.members:
        w.line(encode_statement(m))
    w.line("return .object(members)")
    w.close()

    w.close()


def messages_file(schema_files, example_stems):
    schemas = {stem: value for stem, _, value in schema_files}
    for stem, schema in schemas.items():
        check_keywords(schema, f"{stem}.json")
    shared_by_place = resolve_shared(schemas)
    builder = Builder(schemas, shared_by_place)
    messages = []
    for stem, _, schema in schema_files:
        struct = builder.top_level(stem, schema)
        if stem in example_stems:
            struct.example = case_name(stem)
        messages.append(struct)
    unused = sorted(set(shared_by_place) - builder.used_places)
    if unused:
        fail(f"shared type places never reached while generating: {', '.join(unused)}")
    top_names = [e["name"] for e in SHARED_TYPES] + [m.name for m in messages]
    for n in top_names:
        if top_names.count(n) > 1:
            fail(f"two top-level types are named {n}")
        if n in RESERVED_TYPE_NAMES:
            fail(f"the top-level type name {n} is reserved")

    def check_nested(s):
        for n in s.nested:
            if n.name in top_names:
                fail(f"{n.qualified} would shadow the top-level type {n.name}; rename one")
            if isinstance(n, Struct):
                check_nested(n)

    for m in messages:
        check_nested(m)
    for s in builder.shared_types.values():
        if isinstance(s, Struct):
            check_nested(s)

    w = Writer()
    w.lines = header("contract/schemas/*.json")
    w.line("// One type per message; JSON names map to Swift as snake_case -> lowerCamelCase with `id` written")
    w.line("// `ID` when not first. Strings (money, dates) are kept exactly as written; a JSON null for an")
    w.line("// optional member decodes as absent (nil); members the schema does not list are kept in")
    w.line("// `unknownMembers`. Decoding checks the shape (types, required members, enum values), not every")
    w.line("// constraint of the schema (lengths, patterns, bounds): use `violations()` or the schema for that.")
    w.blank()
    w.line("// MARK: - Shared types")
    w.blank()
    for entry in SHARED_TYPES:
        t = builder.shared_types[entry["name"]]
        w.line("// Used by: " + ", ".join(entry["places"]))
        if isinstance(t, Enum):
            write_enum(w, t)
        else:
            write_struct(w, t)
        w.blank()
    w.line("// MARK: - Messages")
    w.blank()
    for m in messages:
        write_struct(w, m)
        w.blank()
    w.line("// MARK: - Schema to type")
    w.blank()
    w.open("extension ContractSchema")
    w.line("/// The Swift type of this schema's messages.")
    w.open("public var messageType: any ContractMessage.Type")
    w.line("switch self {")
    for m in messages:
        w.line(f"case .{m.schema_case}: return {m.name}.self")
    w.line("}")
    w.close()
    w.close()
    return "\n".join(w.lines) + "\n", unlisted_duplicates(schemas, shared_by_place)


# MARK: - Main


def generate():
    """{file name: content} of every generated file, and notes for stderr."""
    schema_files = read_json_files(SCHEMAS_DIR)
    example_files = read_json_files(EXAMPLES_DIR)
    schema_stems = {stem for stem, _, _ in schema_files}
    messages, notes = messages_file(schema_files, {stem for stem, _, _ in example_files})
    return {
        "ContractSchemas.swift": schemas_file(schema_files),
        "ContractExamples.swift": examples_file(example_files, schema_stems),
        "ContractMessages.swift": messages,
    }, notes


def write_all(files, folder):
    os.makedirs(folder, exist_ok=True)
    for name, content in sorted(files.items()):
        path = os.path.join(folder, name)
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
        os.replace(tmp, path)


def main(argv):
    args = list(argv)
    check = False
    if args and args[0] == "--check":
        check = True
        args = args[1:]
    if len(args) > 1 or (args and args[0].startswith("-")):
        print(f"usage: {SCRIPT} [--check] [OUTPUT_DIR]", file=sys.stderr)
        return 2
    output = os.path.abspath(args[0]) if args else DEFAULT_OUTPUT
    shown = os.path.relpath(output, REPO) if output.startswith(REPO + os.sep) else output
    try:
        files, notes = generate()
    except GenerationError as e:
        print(f"{SCRIPT}: error: {e}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"{SCRIPT}: note: identical subschemas not in SHARED_TYPES: {note}", file=sys.stderr)
    if not check:
        write_all(files, output)
        print(f"wrote {', '.join(sorted(files))} into {shown}")
        return 0
    with tempfile.TemporaryDirectory(prefix="gen-contract-") as tmp:
        write_all(files, tmp)
        stale = []
        for name in sorted(files):
            fresh_path = os.path.join(tmp, name)
            committed = os.path.join(output, name)
            if not os.path.isfile(committed):
                stale.append(f"{os.path.join(shown, name)} is missing")
                continue
            with open(fresh_path, "rb") as a, open(committed, "rb") as b:
                if a.read() != b.read():
                    stale.append(f"{os.path.join(shown, name)} is stale")
    if stale:
        for s in stale:
            print(f"{SCRIPT} --check: {s}", file=sys.stderr)
        print(f"{SCRIPT} --check: run `bash {SCRIPT}{' ' + shown if args else ''}` and commit the result", file=sys.stderr)
        return 1
    print(f"{SCRIPT} --check: {', '.join(sorted(files))} in {shown} are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
