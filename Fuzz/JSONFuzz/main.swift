// The libFuzzer target for the JSON parser and the contract's schema validator, built by
// `scripts/fuzz.sh` with `swiftc -sanitize=fuzzer,address -parse-as-library` over the sources of
// DropflowCore, DropflowJSON and DropflowContract: kept out of Package.swift, so that it is not
// part of every build and only these three modules are instrumented.
//
// Each input: parse it; when it parses, validate it against every contract schema and decode it
// as every contract message type, serialize it, parse that again, and stop the process (which
// libFuzzer reports as a crash and keeps the input of) when the round trip loses or changes
// anything, or when a value valid under a schema does not decode as its type.
//
// Half of the mutations are libFuzzer's own (bytes, with the dictionary); the other half parse
// the input and change one value of it (a limit of numbers or dates, another type, a missing
// member), which byte mutations of a whole valid message seldom manage while keeping the rest
// valid.

import DropflowContract
import DropflowCore
import DropflowJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    JSONFuzz.exercise(bytes)
    return 0
}

/// libFuzzer's own mutation of `data` (in place); returns the new size.
@_silgen_name("LLVMFuzzerMutate")
func libFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

@_cdecl("LLVMFuzzerCustomMutator")
public func fuzzCustomMutator(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: CUnsignedInt) -> Int {
    guard let data else { return 0 }
    var rng = SplitMix64(seed: UInt64(seed))
    if rng.next() % 2 == 0,
       let mutated = JSONFuzz.mutateOneValue(Array(UnsafeBufferPointer(start: data, count: size)), &rng),
       mutated.count <= maxSize {
        mutated.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: mutated.count) }
        return mutated.count
    }
    return libFuzzerMutate(data, size, maxSize)
}

enum JSONFuzz {
    static func exercise(_ bytes: [UInt8]) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            check(error.offset >= 0 && error.offset <= bytes.count, "error offset \(error.offset) outside the input of \(bytes.count) bytes")
            check(error.line >= 1 && error.column >= 1, "error position line \(error.line), column \(error.column)")
            check(!error.reason.isEmpty, "an empty error reason")
            return
        }

        // Serialize, parse again: the same value, and the same bytes once more.
        let out = value.serialized()
        let again: JSONValue
        do { again = try JSONValue.parse(out) } catch {
            fail("the serialized value does not parse: \(error)\n  serialized: \(String(decoding: out.prefix(400), as: UTF8.self))")
        }
        check(again == value, "the round trip changed the value\n  serialized: \(String(decoding: out.prefix(400), as: UTF8.self))")
        check(again.hashValue == value.hashValue, "equal values hash differently")
        check(again.serialized() == out, "serializing the re-parsed value gives other bytes")

        for schema in ContractSchema.allCases {
            // The validator: deterministic, and a violation always says where and what.
            let violations = schema.validate(value)
            check(violations == schema.validate(again), "\(schema.rawValue): the re-parsed value validates differently")
            for v in violations {
                check(!v.keyword.isEmpty && !v.problem.isEmpty, "\(schema.rawValue): an empty violation at \(v.path)")
                check(v.path.isEmpty || v.path.hasPrefix("/"), "\(schema.rawValue): a violation path that is not a JSON Pointer: \(v.path)")
            }

            // The typed message: what the schema accepts decodes, and what decodes re-encodes to
            // something that decodes to the same.
            let type = schema.messageType
            let message: any ContractMessage
            do { message = try type.init(json: value) } catch {
                // Known (FuzzTests.everyIntegerTheSchemaAcceptsDecodes, disabled): an integral
                // number outside Int's range is an integer to the schema, not to the decoder.
                check(!violations.isEmpty || error.problem.hasPrefix("expected an integer, got"),
                      "\(schema.rawValue): valid under the schema but does not decode: \(error)")
                continue
            }
            let encoded = message.json
            guard let redecoded = try? type.init(json: encoded) else {
                fail("\(schema.rawValue): a decoded message re-encodes to something that does not decode: \(encoded)")
            }
            check(redecoded.json == encoded, "\(schema.rawValue): decode(encode(m)) differs from m")
            check(redecoded.json.serialized() == encoded.serialized(), "\(schema.rawValue): re-encoding is not byte for byte")
        }
    }

    // MARK: Structure-aware mutation

    /// The input parsed, with one value replaced (or one member removed), serialized; nil when
    /// it does not parse.
    static func mutateOneValue(_ bytes: [UInt8], _ rng: inout SplitMix64) -> [UInt8]? {
        guard let value = try? JSONValue.parse(bytes) else { return nil }
        var paths: [[PathStep]] = []
        collect(value, [], &paths)
        let path = paths[Int(rng.next() % UInt64(paths.count))]
        let replacement: JSONValue? = rng.next() % 8 == 0 ? nil : replacements[Int(rng.next() % UInt64(replacements.count))]
        return replacing(value, path[...], with: replacement).serialized()
    }

    enum PathStep { case key(String), index(Int) }

    static func collect(_ value: JSONValue, _ path: [PathStep], _ paths: inout [[PathStep]]) {
        paths.append(path)
        switch value {
        case .object(let members): for (k, v) in members { collect(v, path + [.key(k)], &paths) }
        case .array(let elements): for (i, v) in elements.enumerated() { collect(v, path + [.index(i)], &paths) }
        default: break
        }
    }

    /// `value` with the node at `path` replaced, or removed when `new` is nil (the root: `null`).
    static func replacing(_ value: JSONValue, _ path: ArraySlice<PathStep>, with new: JSONValue?) -> JSONValue {
        guard let step = path.first else { return new ?? .null }
        let rest = path.dropFirst()
        switch (value, step) {
        case (.object(var members), .key(let k)):
            members[k] = rest.isEmpty && new == nil ? nil : replacing(members[k] ?? .null, rest, with: new)
            return .object(members)
        case (.array(var elements), .index(let i)):
            if rest.isEmpty && new == nil { elements.remove(at: i) } else { elements[i] = replacing(elements[i], rest, with: new) }
            return .array(elements)
        default:
            return value
        }
    }

    static let replacements: [JSONValue] = [
        .null, true, false, 0, -1, 1, 2, 100, 10_000, 10_001, .integer(.max), .integer(.min), -0.0, 0.5, 1.5, 1e19, -1e19,
        9.223372036854776e18, 1e300, -1e300, 1.7976931348623157e308, .double(.leastNonzeroMagnitude), "", " ", "x", "ES", "es", "EUR", "19.99",
        "-0.01", "99999999999999999999.99", "1e3", "2026-11-24T10:15:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "2016-12-31T23:59:60Z", "2026-11-24T10:15:60Z", "2026-11-24T10:15:00+24:00", "2024-02-29T00:00:00Z",
        "2026-02-29T00:00:00Z", "approve", "decline", "card", "ok", "\u{0}", "é", "e\u{301}", "😀",
        .string(String(repeating: "a", count: 129)), [], [:], [1], ["a": 1],
    ]

    static func check(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String) {
        if !condition() { fail(what()) }
    }

    static func fail(_ what: String) -> Never {
        fatalError("JSONFuzz: \(what)")
    }
}
