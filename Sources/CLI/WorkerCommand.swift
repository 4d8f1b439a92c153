import ArgumentParser
import DropflowStages
import DropflowWorkerHost
import Foundation

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one worker of a stage (\(StageCatalog.entries.map(\.name).joined(separator: ", "))).",
        discussion: """
        A worker joins its stage's consumer group (dropflow.<stage> by default), reads the
        stage's input topics, and publishes what the stage decides. Run more workers of a
        stage to share its partitions. `dropflow worker <stage> --help` lists its options;
        each also reads a DROPFLOW_* variable. SIGTERM or SIGINT stops it gracefully (exit 0);
        a second signal exits at once.

        Stages: \(StageCatalog.entries.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).
        """
    )

    @Argument(help: "The stage: \(StageCatalog.entries.map(\.name).joined(separator: ", ")).")
    var stage: String

    @Argument(parsing: .captureForPassthrough, help: "The stage's options (see dropflow worker <stage> --help).")
    var options: [String] = []

    func run() async throws {
        guard let entry = StageCatalog.entry(named: stage) else {
            let known = StageCatalog.entries.map(\.name).joined(separator: ", ")
            let planned = StageCatalog.planned.contains(stage) ? "stage \(stage) is not built yet" : "unknown stage \(stage)"
            FileHandle.standardError.write(Data("dropflow worker: \(planned); this version runs: \(known)\n".utf8))
            throw ExitCode(2)
        }
        let status = await WorkerHost.run(entry, arguments: options)
        if status != 0 { throw ExitCode(status) }
    }
}
