import DropflowCore
import Foundation
import Testing

/// The committed generated files (`Sources/Platform/Contract/Generated/`) are what
/// `scripts/gen-contract.sh` makes of the current contract.
@Suite struct GeneratedFilesTests {
    /// The repository root: the folder that holds `contract/` (found as ``ContractDirectories`` does).
    static let repoRoot = ContractDirectories.repo.deletingLastPathComponent()

    @Test func generatedFilesAreFresh() async throws {
        let script = Self.repoRoot.appendingPathComponent("scripts/gen-contract.sh").path
        let process = try ChildProcess(path: "/usr/bin/env", arguments: ["bash", script, "--check"])
        let status = await process.waitForExit(within: .seconds(120))
        try await Task.sleep(for: .milliseconds(100)) // the output reader drains the pipe
        #expect(status == 0,
                "generated files are stale: run `bash scripts/gen-contract.sh` in \(Self.repoRoot.path) and commit\n\(process.outputText)")
    }
}
