import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowFraudModel

/// The `fraud.signals` value of an accepted order: the fraud model's ``OrderSignal`` of it
/// (who, when, card, address and device fingerprints, value), nothing else, so every fraud
/// worker can afford to follow and replay all of them.
enum FraudSignalRecord {
    static func make(from order: JSONValue) -> JSONValue? {
        OrderSignal(order: order)?.json
    }
}
