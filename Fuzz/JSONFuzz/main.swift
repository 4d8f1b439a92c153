// The libFuzzer target for the JSON parser and the contract's schema validator, built by
// `scripts/fuzz.sh` with `swiftc -sanitize=fuzzer,address -parse-as-library` over the sources of
// DropflowCore, DropflowJSON and DropflowContract (not a SwiftPM target: SwiftPM cannot build
// with -sanitize=fuzzer on Linux).
//
// Each input: parse it; when it parses, validate it against every contract schema and decode it
// as every contract message type, serialize it, parse that again, and stop the process (which
// libFuzzer reports as a crash and keeps the input of) when the round trip loses or changes
// anything.

import DropflowContract
import DropflowJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data!, count: size))
    JSONFuzz.exercise(bytes)
    return 0
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

            // The typed message: what decodes re-encodes to something that decodes to the same.
            let type = schema.messageType
            guard let message = try? type.init(json: value) else { continue }
            let encoded = message.json
            guard let redecoded = try? type.init(json: encoded) else {
                fail("\(schema.rawValue): a decoded message re-encodes to something that does not decode: \(encoded)")
            }
            check(redecoded.json == encoded, "\(schema.rawValue): decode(encode(m)) differs from m")
            check(redecoded.json.serialized() == encoded.serialized(), "\(schema.rawValue): re-encoding is not byte for byte")
        }
    }

    static func check(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String) {
        if !condition() { fail(what()) }
    }

    static func fail(_ what: String) -> Never {
        fatalError("JSONFuzz: \(what)")
    }
}
