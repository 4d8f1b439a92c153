import DropflowCore
@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

/// The embedded schemas, the examples and the topic table agree with the contract files.
@Suite struct ContractFilesTests {
    static let sharedPresent = ContractDirectories.exists(ContractDirectories.shared)

    /// Every example validates against the schema of the same name.
    func checkExamples(in contract: URL) throws {
        let files = try ContractDirectories.jsonFiles(in: contract.appendingPathComponent("examples"))
        #expect(files.count >= 8, "expected an example per input topic in \(contract.path)/examples")
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            let schema = try #require(ContractSchema(rawValue: stem),
                                      "example \(file.lastPathComponent) has no schema of the same name")
            let value = try loadJSON(file)
            let violations = schema.validate(value)
            #expect(violations.isEmpty, "\(file.path) fails \(stem): \(violations.map(\.message))")
        }
    }

    /// The embedded schemas are the files' schemas, and there is one case per file.
    func checkSchemas(in contract: URL, exactBytes: Bool) throws {
        let files = try ContractDirectories.jsonFiles(in: contract.appendingPathComponent("schemas"))
        let stems = files.map { $0.deletingPathExtension().lastPathComponent }
        #expect(stems == ContractSchema.allCases.map(\.rawValue).sorted(),
                "contract/schemas and ContractSchema differ: run scripts/gen-contract.sh")
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            guard let schema = ContractSchema(rawValue: stem) else { continue }
            let data = try Data(contentsOf: file)
            #expect(try JSONValue.parse(data) == JSONValue.parse(schema.json),
                    "embedded \(stem) differs from \(file.path): run scripts/gen-contract.sh")
            if exactBytes {
                let identical = Array(data) == Array(schema.json.utf8)
                #expect(identical,
                        "embedded \(stem) is not byte-identical to \(file.path): run scripts/gen-contract.sh")
            }
        }
    }

    @Test func examplesInTheProjectCopyValidate() throws {
        try checkExamples(in: ContractDirectories.repo)
    }

    @Test(.enabled(if: sharedPresent, "the shared contract copy is absent (looked in ../shared/contract beside the repo)"))
    func examplesInTheSharedCopyValidate() throws {
        try checkExamples(in: ContractDirectories.shared)
    }

    @Test func embeddedSchemasMatchTheProjectCopy() throws {
        try checkSchemas(in: ContractDirectories.repo, exactBytes: true)
    }

    @Test(.enabled(if: sharedPresent, "the shared contract copy is absent (looked in ../shared/contract beside the repo)"))
    func embeddedSchemasMatchTheSharedCopy() throws {
        try checkSchemas(in: ContractDirectories.shared, exactBytes: false)
    }

    @Test func embeddedExamplesMatchTheProjectCopy() throws {
        let files = try ContractDirectories.jsonFiles(in: ContractDirectories.repo.appendingPathComponent("examples"))
        let stems = files.map { $0.deletingPathExtension().lastPathComponent }
        #expect(stems == ContractExample.allCases.map(\.rawValue).sorted(),
                "contract/examples and ContractExample differ: run scripts/gen-contract.sh")
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            guard let example = ContractExample(rawValue: stem) else { continue }
            let data = try Data(contentsOf: file)
            #expect(Array(data) == Array(example.text.utf8),
                    "embedded example \(stem) is not byte-identical to \(file.path): run scripts/gen-contract.sh")
            #expect(try JSONValue.parse(data) == example.value)
            #expect(example.schema.rawValue == stem)
        }
    }

    @Test(arguments: ContractSchema.allCases)
    func everySchemaCompilesAndNamesItsFile(_ schema: ContractSchema) throws {
        let compiled = ContractSchema.schema(schema)
        #expect(compiled.id == "urn:dropflow:schema:\(schema.rawValue)")
        #expect(compiled.source == (try JSONValue.parse(schema.json)))
        // A non-object is never a valid message.
        #expect(compiled.validate([1, 2]).map(\.keyword) == ["type"])
    }

    @Test func topicTableMatchesTheReadme() throws {
        #expect(Contract.inputs.count == 9)
        #expect(Contract.outputs.count == 7)
        #expect(Contract.inputs.allSatisfy { $0.role == .input })
        #expect(Contract.outputs.allSatisfy { $0.role == .output })
        // Every schema is used by exactly one topic.
        #expect(Contract.all.allSatisfy { $0.schema != nil })
        #expect(Contract.all.compactMap(\.schema?.rawValue).sorted() == ContractSchema.allCases.map(\.rawValue).sorted())
        #expect(Set(Contract.all.map(\.name)).count == 16)
        #expect(Set(Contract.all.map(\.ceType)).count == 16)

        let placed = try #require(Contract.topic(named: "orders.placed"))
        #expect(placed.ceType == "dropflow.order.placed")
        #expect(placed.schema == .orderPlaced)
        #expect(placed.key == "order_id")
        #expect(placed.fullName() == "dropflow.orders.placed")
        #expect(placed.deadLetterName(prefix: "acme.") == "acme.orders.placed.dlq")
        #expect(Contract.topic(named: "purchase-orders")?.schema == .purchaseOrder)
        #expect(Contract.topic(ceType: "dropflow.review.case")?.name == "review.queue")
        #expect(Contract.topic(named: "dropflow.orders.placed") == nil)

        // Each name, ce_type and schema appears in the README's tables.
        let readme = try String(contentsOf: ContractDirectories.repo.appendingPathComponent("README.md"), encoding: .utf8)
        for topic in Contract.all {
            #expect(readme.contains("| `\(topic.name)` | "), "\(topic.name) not in the README")
            #expect(readme.contains("| `\(topic.ceType)` | `\(topic.schema?.rawValue ?? "")` |"),
                    "\(topic.name): ce_type or schema differs from the README")
        }
        for header in DLQHeader.all {
            #expect(readme.contains("`\(header)`"))
        }
        for header in [CloudEventsHeader.specVersion, CloudEventsHeader.id, CloudEventsHeader.type,
                       CloudEventsHeader.source, CloudEventsHeader.time, CloudEventsHeader.contentType,
                       CloudEventsHeader.traceparent] {
            #expect(readme.contains("`\(header)`"))
        }
    }
}
