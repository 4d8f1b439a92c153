/// What the tracker knew about an order's card, address, device and customer at the moment the
/// order was placed. Counts are of OTHER orders placed at or before that moment, never the order
/// itself and never later ones, so the answer does not depend on the order signals arrived in.
public struct OrderHistory: Sendable, Hashable {
    /// Orders of the same customer / email / card / shipping address / IP in the last hour.
    public var customer1h = 0, email1h = 0, card1h = 0, address1h = 0, ip1h = 0
    /// The same in the last 24 hours.
    public var customer24h = 0, email24h = 0, card24h = 0, address24h = 0, ip24h = 0
    /// Distinct other customers who used this card / shipped to this address / ordered from this
    /// IP in the last 24 hours.
    public var cardCustomers24h = 0, addressCustomers24h = 0, ipCustomers24h = 0
    /// Distinct other emails on this card in the last 24 hours.
    public var cardEmails24h = 0
    /// Distinct other cards shipped to this address / used from this IP in the last 24 hours.
    public var addressCards24h = 0, ipCards24h = 0
    /// The customer's earlier orders the tracker has seen (within its horizon).
    public var customerOrders = 0
    /// Their mean value in minor units; nil when there are none.
    public var customerMeanValue: Double?
    /// How many of the customer's earlier orders shipped to this address / came from this IP.
    public var customerOrdersToAddress = 0, customerOrdersFromIP = 0
    /// Chargebacks known (at or before the moment) on the customer's orders and on this card.
    public var customerChargebacks = 0, cardChargebacks = 0

    public init() {}
}
