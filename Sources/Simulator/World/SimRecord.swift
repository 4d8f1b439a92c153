import DropflowCore
import DropflowJSON
import DropflowContract

/// One message of the simulated world, with its ground truth kept apart from the value.
public struct SimRecord: Sendable, Hashable {
    /// The logical topic, without the deployment's prefix, e.g. `orders.placed`.
    public let topic: String
    /// The Kafka key, e.g. the `order_id`, or `<supplier_id>/<sku>` on `supplier.offers`.
    public let key: String?
    /// The message value; nil is a tombstone (a withdrawn offer on `supplier.offers`).
    public let value: JSONValue?
    /// What really happened (fraud label, true stock, true supplier health, ...); never sent.
    public let truth: JSONValue?
    /// When the message is published, simulated.
    public let at: SimInstant

    public init(topic: String, key: String?, value: JSONValue?, truth: JSONValue?, at: SimInstant) {
        self.topic = topic
        self.key = key
        self.value = value
        self.truth = truth
        self.at = at
    }

    /// `{"at":..,"key":..,"topic":..,"truth":..,"value":..}` (absent parts are null).
    public var jsonLine: JSONValue {
        .object([
            "at": .string(at.rfc3339),
            "key": key.map(JSONValue.string) ?? .null,
            "topic": .string(topic),
            "truth": truth ?? .null,
            "value": value ?? .null,
        ])
    }

    /// ``jsonLine`` serialized with sorted keys, followed by a newline.
    public func jsonLineBytes() -> [UInt8] {
        var bytes = jsonLine.serialized()
        bytes.append(0x0A)
        return bytes
    }

    /// The logical topics the simulator writes.
    public enum Topic {
        public static let ordersPlaced = "orders.placed"
        public static let supplierOffers = "supplier.offers"
        public static let carrierRates = "carrier.rates"
        public static let supplierStatus = "supplier.status"
        public static let supplierOrderUpdates = "supplier.order-updates"
        public static let shipmentsEvents = "shipments.events"
        public static let returnsRequested = "returns.requested"
        public static let supportInquiries = "support.inquiries"
        /// Written by the pipeline; the simulator writes it only for its baseline merchant.
        public static let purchaseOrders = "purchase-orders"
    }
}
