import DropflowContract

/// The contract's example order (`contract/examples/order-placed.json`) under another id: what
/// the benchmarks and the round trip send.
public enum ExampleOrder {
    public static func bytes(orderID: String) -> [UInt8] {
        var order = OrderPlaced.example
        order.orderID = orderID
        return order.serialized()
    }
}
