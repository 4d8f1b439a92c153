import DropflowCore
import DropflowKafka

/// Copies every input to an output topic unchanged (key, value, the input's
/// non-CloudEvents headers). Used by tests and benchmarks to measure and
/// exercise the runtime without business logic.
public enum PassthroughStage {
    public static func definition(input: String = "passthrough.in", output: String = "passthrough.out",
                                  name: String = "passthrough") -> StageDefinition {
        StageDefinition(name: name, inputs: [InputTopic(input)], outputs: [output]) { message, _ in
            let headers = message.headers.filter { !$0.key.hasPrefix("ce_") && $0.key != "traceparent" && $0.key != "content-type" }
            return [StageOutput(topic: output, key: message.key, value: message.value, headers: headers,
                                ceType: message.headers.string("ce_type"))]
        }
    }
}
