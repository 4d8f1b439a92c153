import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// The point system a merchant would write by hand, to compare the model against: points for
/// failed card checks, country mismatches, a brand-new account placing a large order, bursts of
/// orders on one card, address, device or email, reshippers, throwaway mail and chargebacks.
public struct RuleBaseline: Sendable, Hashable {
    /// Points from which an order is reviewed / declined.
    public var reviewAt: Double
    public var declineAt: Double
    /// "Large" for a new account, in major units of the order currency.
    public var largeOrder: Double
    /// Orders in the last hour on one card, address, IP or email from which velocity scores.
    public var velocityLimit: Int

    public init(reviewAt: Double = 4, declineAt: Double = 7, largeOrder: Double = 150, velocityLimit: Int = 3) {
        self.reviewAt = reviewAt
        self.declineAt = declineAt
        self.largeOrder = largeOrder
        self.velocityLimit = velocityLimit
    }

    /// The points of an order with features `f`.
    public func points(_ f: FraudFeatures) -> Double {
        var p = 0.0
        if f[.avsNoMatch] > 0 { p += 2 }
        if f[.cvvNoMatch] > 0 { p += 3 }
        if f[.cardShippingCountryMismatch] > 0 { p += 2 }
        if f[.ipShippingCountryMismatch] > 0 { p += 1 }
        if f[.billingShippingCountryMismatch] > 0 { p += 1 }
        if f[.newAccount] > 0 && expm1(f[.orderValueLog]) > largeOrder { p += 2 }
        let burst = [FraudFeature.cardOrders1h, .addressOrders1h, .ipOrders1h, .emailOrders1h]
            .map { Int(expm1(f[$0]).rounded()) }.max() ?? 0
        if burst >= velocityLimit { p += 3 }
        if f[.reshipperAddress] > 0 { p += 2 }
        if f[.disposableEmail] > 0 { p += 1 }
        if f[.priorChargebacks] > 0 { p += 3 }
        if f[.expressShipping] > 0 && f[.firstOrder] > 0 { p += 1 }
        return p
    }

    /// The action for `points`.
    public func action(points: Double) -> FraudAction {
        points >= declineAt ? .decline : points >= reviewAt ? .review : .approve
    }
}
