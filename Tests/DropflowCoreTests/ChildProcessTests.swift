import DropflowCore
import Foundation
import Testing

/// The one process supervisor: output captured or written to a file, exit statuses, and a stop
/// that escalates from SIGTERM to SIGKILL.
@Suite struct ChildProcessTests {
    @Test func capturesOutputAndReportsTheExitStatus() async throws {
        let p = try ChildProcess(path: "/bin/sh", arguments: ["-c", "echo out; echo err >&2; exit 3"])
        #expect(await p.waitForExit(within: .seconds(10)) == 3)
        try await Task.sleep(for: .milliseconds(100)) // the reader thread drains the pipe
        #expect(p.outputText.contains("out") && p.outputText.contains("err"))
    }

    @Test func writesOutputToAFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UInt32.random(in: 0...UInt32.max)).log").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let p = try ChildProcess(path: "/bin/sh", arguments: ["-c", "echo to-file; echo also >&2"], output: .file(file))
        #expect(await p.waitForExit(within: .seconds(10)) == 0)
        #expect(p.outputText == "to-file\nalso\n")
    }

    @Test func stopSendsSIGTERMThenSIGKILL() throws {
        let polite = try ChildProcess(path: "/bin/sleep", arguments: ["30"])
        #expect(polite.isRunning)
        #expect(polite.stop(grace: .seconds(5)) == 128 + SIGTERM)
        let stubborn = try ChildProcess(path: "/bin/sh", arguments: ["-c", "trap '' TERM; while true; do sleep 0.1; done"])
        usleep(200_000) // let the shell install its trap
        #expect(stubborn.stop(grace: .milliseconds(300)) == 128 + SIGKILL)
        #expect(stubborn.exitStatus() == 128 + SIGKILL, "stopping again reports the same status")
    }

    @Test func aMissingProgramIsAnError() {
        #expect(throws: (any Error).self) { try ChildProcess(path: "/nonexistent/program", arguments: []) }
    }
}
