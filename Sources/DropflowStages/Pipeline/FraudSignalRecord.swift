import DropflowContract

/// The `fraud.signals` value of an accepted order: the order's fields that velocity and
/// customer history are counted over, and nothing else (no names, no lines), so every fraud
/// worker can afford to follow and replay all of them.
enum FraudSignalRecord {
    static func make(from order: JSONValue) -> JSONValue {
        func pick(_ object: JSONValue?, _ fields: [String]) -> JSONValue {
            var o: [String: JSONValue] = [:]
            for f in fields { if let v = object?[f] { o[f] = v } }
            return .object(o)
        }
        var o: [String: JSONValue] = [:]
        for f in ["order_id", "placed_at", "currency"] { if let v = order[f] { o[f] = v } }
        o["customer"] = pick(order["customer"], ["id", "email", "previous_orders", "previous_chargebacks"])
        o["payment"] = pick(order["payment"], ["method", "card_bin", "card_last4", "card_country", "ip_address", "ip_country"])
        o["shipping_address"] = pick(order["shipping_address"], ["line1", "line2", "postal_code", "city", "country"])
        o["intake"] = pick(order["intake"], ["order_value"])
        return .object(o)
    }
}
