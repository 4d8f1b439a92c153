import DropflowContract
@testable import DropflowRuntime
import Testing

/// An output's `ce_id` names its input, topic and key, and its place among that key's outputs:
/// an input handled again that yields fewer or reordered outputs gives each key's output the id
/// it had, and never one another key's output had.
@Suite struct EventIdentityTests {
    static func output(_ topic: TopicDeclaration, _ key: String) -> StageOutput {
        StageOutput(topic: topic, key: key, json: ["k": .string(key)])
    }

    static func ids(_ outputs: [StageOutput]) -> [String] {
        EventIdentity.slots(outputs).map { EventIdentity.outputID(stage: "routing", input: "at:t/0/7", slot: $0) }
    }

    @Test("a key's output keeps its id when the outputs around it change; no id moves to another key")
    func idsFollowKeys() {
        let first = Self.ids([Self.output(.ordersRejected, "a"), Self.output(.ordersRejected, "b"), Self.output(.ordersRejected, "c")])
        let again = Self.ids([Self.output(.ordersRejected, "c"), Self.output(.ordersRejected, "a")])
        #expect(again == [first[2], first[0]])
        #expect(Set(first).count == 3)
        // Two outputs for one key and topic are told apart by their order; another topic differs.
        let two = Self.ids([Self.output(.purchaseOrders, "a"), Self.output(.purchaseOrders, "a"), Self.output(.ordersRouted, "a")])
        #expect(Set(two).count == 3 && !two.contains(first[0]))
        #expect(Self.ids([Self.output(.purchaseOrders, "a")]) == [two[0]], "deterministic")
    }
}
