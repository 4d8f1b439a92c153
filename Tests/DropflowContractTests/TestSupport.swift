import DropflowCore
@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

/// Where the two copies of the contract are, found from this file's location.
enum ContractDirectories {
    private static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    /// The project's copy: `<repo>/contract`.
    static let repo = testsDirectory.appendingPathComponent("../../contract").standardizedFileURL

    /// The read-only reference copy: `<repo>/../shared/contract`.
    static let shared = testsDirectory.appendingPathComponent("../../../shared/contract").standardizedFileURL

    static func exists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// The `.json` files directly in `directory`, sorted by name.
    static func jsonFiles(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }
}

/// Reads and parses a JSON file.
func loadJSON(_ url: URL) throws -> JSONValue {
    try JSONValue.parse(Data(contentsOf: url))
}

/// The storefront's example order, from the project's contract copy.
func exampleOrder() throws -> JSONValue {
    try loadJSON(ContractDirectories.repo.appendingPathComponent("examples/order-placed.json"))
}

extension JSONValue {
    /// A copy with the value at `path` (keys and indices) replaced, or removed when `newValue` is nil.
    func setting(_ path: [PathComponent], to newValue: JSONValue?) -> JSONValue {
        guard let first = path.first else { return newValue ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, first) {
        case (.object(var members), .key(let k)):
            if rest.isEmpty && newValue == nil {
                members[k] = nil
            } else {
                members[k] = (members[k] ?? .null).setting(rest, to: newValue)
            }
            return .object(members)
        case (.array(var elements), .index(let i)):
            if rest.isEmpty && newValue == nil {
                elements.remove(at: i)
            } else {
                elements[i] = elements[i].setting(rest, to: newValue)
            }
            return .array(elements)
        default:
            return self
        }
    }

    enum PathComponent: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String), index(Int)
        init(stringLiteral value: String) { self = .key(value) }
        init(integerLiteral value: Int) { self = .index(value) }
    }
}

/// A small deterministic pseudo-random generator (xorshift64*).
struct XorShift: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
