import DropflowContract
import DropflowRuntime

/// Every stage the executable can run, by name. Adding a stage adds its entry here (declared
/// beside its adapter, `Stages/<Name>/Stage/`); the command line does not change.
public enum StageCatalog {
    public static let entries: [StageEntry] = [IntakeStage.entry, FraudStage.entry, RoutingStage.entry, passthrough]

    /// Stages to come, named so `dropflow worker` can say they are not built yet.
    public static let planned = ["notify", "returns"]

    public static func entry(named name: String) -> StageEntry? {
        entries.first { $0.name == name }
    }

    /// The runtime's passthrough stage (benchmarks, the runtime's tests), its topics configurable.
    static let passthrough = StageEntry(
        name: PassthroughStage.name, summary: "Copies every input to an output topic unchanged (benchmarks and tests).",
        settings: [PassthroughSettings.input.declaration, PassthroughSettings.output.declaration]
    ) { values in
        let input = values[PassthroughSettings.input], output = values[PassthroughSettings.output]
        return PassthroughStage.definition(
            input: input == PassthroughStage.input.name ? PassthroughStage.input : .adHoc(input),
            output: output == PassthroughStage.output.name ? PassthroughStage.output : .adHoc(output))
    }

    enum PassthroughSettings {
        static let input = Setting<String>.text(
            "input", environment: "DROPFLOW_PASSTHROUGH_INPUT", default: PassthroughStage.input.name, valueName: "topic",
            help: "the topic to read (without the prefix)")
        static let output = Setting<String>.text(
            "output", environment: "DROPFLOW_PASSTHROUGH_OUTPUT", default: PassthroughStage.output.name, valueName: "topic",
            help: "the topic to write (without the prefix)")
    }
}
