import DropflowContract
import DropflowCore
import DropflowPipeline
import Foundation

/// One supplier's ledger: the single writer that decides, purchase order after purchase order,
/// which lines the supplier's stock still allows, so two routing workers racing for its last
/// units cannot both have them.
///
/// Every purchase order routing sends goes through `routing.reservations`, keyed by supplier; the
/// routing worker owning a supplier's partition keeps this ledger in its store and judges each
/// line against the supplier's stock as every worker sees it (``RoutingPicture/stock(supplier:sku:at:buffer:)``:
/// the feed less the holds of purchase orders seen on `purchase-orders`) less what this ledger
/// granted that has not come back on `purchase-orders` yet. A line that fits is sent on; one that
/// does not is refused, and its order's owner re-routes it before anything reaches the supplier:
/// the later request loses, and the log's order makes that the same answer on any worker.
/// Cancellations are sent on in the same order, so one never overtakes the purchase order it
/// withdraws, and only for lines the ledger sent on (the order's owner may withdraw a line before
/// it hears that the ledger refused it).
public struct SupplierLedger: Sendable, Hashable {
    /// Lines granted and not yet known to every worker's picture.
    public var grants: [Reservations.Hold] = []
    /// Requests decided (`purchase order id/revision/action` → when), to recognise a copy.
    public var decided: [String: Int64] = [:]
    /// Lines refused (`purchase order id/sku` → when): they never reached the supplier.
    public var refused: [String: Int64] = [:]
    /// When the supplier's outage began (its status's `updated_at`), while it lasts: the
    /// ledger hears the supplier's statuses in its own log, between the requests.
    public var outage: String?

    public init() {}

    /// What the ledger decided about one request.
    public enum Outcome: Sendable, Hashable {
        /// The same request again: it was decided before, nothing to do.
        case copy
        /// A cancellation, sent on with the lines the ledger sent on before (not those it refused).
        case cancel(PurchaseOrder)
        /// A cancellation of lines the ledger all refused: the supplier never had them, nothing to send.
        case neverSent
        /// The lines the stock allows (nil when none does), and those it refuses, with why.
        case placed(PurchaseOrder?, refused: [String], detail: String)
    }

    /// Decides `po` at `seconds` against `picture` (its offers updated with `offers`, those the plan
    /// counted on, when newer), remembering what it granted; a `backorder` goes on as it is. `expirySeconds`: how long the
    /// ledger remembers a grant or a request.
    public mutating func decide(_ po: PurchaseOrder, offers: [SupplierOffer], backorder: Bool = false, picture: RoutingPicture,
                                at seconds: Int64, expirySeconds: Int64) -> Outcome {
        let tag = po.purchaseOrderID + "/" + String(po.revision) + "/" + (po.action ?? .place).rawValue
        guard decided[tag] == nil else { return .copy }
        forget(before: seconds - expirySeconds, known: picture.reservations)
        decided[tag] = seconds
        if po.action == .cancel {
            let withdrawn = Set(po.lines.map(\.sku))
            grants.removeAll { $0.purchaseOrderID == po.purchaseOrderID && withdrawn.contains($0.sku) }
            // The order's owner may withdraw lines before it hears that they were refused (an outage).
            var sent = po
            sent.lines = po.lines.filter { self.refused[po.purchaseOrderID + "/" + $0.sku] == nil }
            return sent.lines.isEmpty ? .neverSent : .cancel(sent)
        }
        // A backorder routing chose knowingly holds nothing: the units are not there.
        if backorder { return .placed(po, refused: [], detail: "") }
        var view = picture
        for offer in offers where offer.supplierID == po.supplierID {
            view.apply(offerKey: offer.supplierID + "/" + offer.sku, offer)
        }
        view = view.holding(grants)
        var kept: [PurchaseOrder.Line] = []
        var refused: [String] = [], reasons: [String] = []
        for line in po.lines {
            let odds = view.stock(supplier: po.supplierID, sku: line.sku, at: seconds, buffer: 0)
            let left = (odds?.stated ?? 0) - (odds?.reserved ?? 0) - kept.filter { $0.sku == line.sku }.reduce(0) { $0 + $1.quantity }
            if line.quantity <= left {
                kept.append(line)
            } else {
                refused.append(line.sku)
                reasons.append("\(line.sku): \(max(0, left)) of \(line.quantity) left (\(odds?.stated ?? 0) stated, \(odds?.reserved ?? 0) held by earlier purchase orders)")
            }
        }
        for sku in refused { self.refused[po.purchaseOrderID + "/" + sku] = seconds }
        for line in kept {
            grants.append(Reservations.Hold(purchaseOrderID: po.purchaseOrderID, orderID: po.orderID, supplierID: po.supplierID,
                                            sku: line.sku, quantity: line.quantity, at: seconds))
        }
        var sent = po
        sent.lines = kept
        return .placed(kept.isEmpty ? nil : sent, refused: refused, detail: reasons.joined(separator: "; "))
    }

    /// The supplier's status, heard in the ledger's log between its requests: an outage begins
    /// (or goes on), any other status ends it. During an outage the orders with lines waiting at
    /// the supplier go elsewhere, and so does every purchase order the ledger reads (decided by an
    /// owner that had not heard of the outage yet).
    public mutating func heard(_ status: SupplierStatus) {
        outage = status.status == .outage ? status.updatedAt : nil
    }

    /// Drops grants every picture now holds (their purchase order came back on `purchase-orders`)
    /// or older than `horizon`, and requests decided before it.
    mutating func forget(before horizon: Int64, known: Reservations) {
        grants.removeAll { $0.at < horizon || known.holds(purchaseOrder: $0.purchaseOrderID) }
        decided = decided.filter { $0.value >= horizon }
        refused = refused.filter { $0.value >= horizon }
    }

    // MARK: As the store keeps it

    public init(record: LedgerRecord) {
        grants = record.grants.map {
            Reservations.Hold(purchaseOrderID: $0.purchaseOrderID, orderID: $0.orderID, supplierID: $0.supplierID, sku: $0.sku,
                              quantity: $0.quantity, at: $0.at)
        }
        decided = record.decided
        refused = record.refused
        outage = record.outage
    }

    public var record: LedgerRecord {
        LedgerRecord(grants: grants.map {
            LedgerRecord.Grant(purchaseOrderID: $0.purchaseOrderID, orderID: $0.orderID, supplierID: $0.supplierID, sku: $0.sku,
                               quantity: $0.quantity, at: $0.at)
        }, decided: decided, refused: refused, outage: outage)
    }
}
