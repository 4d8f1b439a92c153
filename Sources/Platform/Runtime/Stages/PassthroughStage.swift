import DropflowContract
import DropflowKafka

/// Copies every input to an output topic unchanged (key, value, the input's
/// non-CloudEvents headers). Used by tests and benchmarks to measure and
/// exercise the runtime without business logic.
public enum PassthroughStage {
    public static let name = "passthrough"

    /// Its default input topic.
    public static let input = TopicDeclaration(
        name: "passthrough.in", key: "any", ceType: "dropflow.passthrough.in", schema: nil, role: .pipeline,
        value: "any bytes", writers: "benchmarks, tests", readers: "the passthrough stage")
    /// Its default output topic: the input's bytes unchanged.
    public static let output = TopicDeclaration(
        name: "passthrough.out", key: "any", ceType: "dropflow.passthrough.out", schema: nil, role: .pipeline,
        value: "the input's bytes unchanged", writers: "the passthrough stage", readers: "benchmarks, tests")

    public static func definition(input: TopicDeclaration = input, output: TopicDeclaration = output,
                                  name: String = name) -> StageDefinition {
        StageDefinition(name: name, inputs: [InputTopic(input)], outputs: [output]) { message, _ in
            let headers = message.headers.filter { !$0.key.hasPrefix("ce_") && $0.key != "traceparent" && $0.key != "content-type" }
            return [StageOutput(topic: output, key: message.key, value: message.value, headers: headers,
                                ceType: message.headers.string("ce_type"))]
        }
    }
}
