@testable import DropflowJSON
import Foundation
import Testing

/// The committed generated files (`Sources/Platform/Contract/Generated/`) are what
/// `scripts/gen-contract.sh` makes of the current contract.
@Suite struct GeneratedFilesTests {
    /// The repository root: the folder that holds `contract/` (found as ``ContractDirectories`` does).
    static let repoRoot = ContractDirectories.repo.deletingLastPathComponent()

    @Test func generatedFilesAreFresh() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["bash", "scripts/gen-contract.sh", "--check"]
        process.currentDirectoryURL = Self.repoRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0,
                "generated files are stale: run `bash scripts/gen-contract.sh` in \(Self.repoRoot.path) and commit\n\(text)")
    }
}
