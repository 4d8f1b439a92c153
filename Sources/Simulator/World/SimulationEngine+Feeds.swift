import DropflowCore
import DropflowJSON
import DropflowContract

/// The true state of one supplier's offer of one SKU during a run.
struct OfferState {
    var trueQty: Int
    /// The quantity last published.
    var statedQty: Int
    var unitCostCents: Int64
    /// When stock was last brought up to date (seconds since the epoch).
    var lastAdvanced: Int64
    /// When a reorder arrives, if one is under way.
    var restockAt: Int64?
    /// Units a stock liar claims on top of what it has, while it lies.
    var phantom: Int?
    /// Withdrawn (a tombstone was published).
    var delisted = false
    /// Reorders that arrived so far.
    var restocks = 0
}

/// The true health of one supplier during a run.
struct SupplierHealth {
    var status = "ok"
    var since: Int64
    /// Bumped at every change, so a stale end-of-episode event can tell it is stale.
    var epoch = 0
    /// When the current episode's announcement is (or was) published; nil when it never is.
    var announcedAt: Int64?
    var lastFullRefresh: Int64
}

/// Supplier feeds: `supplier.offers` (stock that sells down and replenishes, stated sometimes
/// wrongly, batches sometimes hours late, rare withdrawals) and `supplier.status` (degraded
/// episodes and outages, announced late or never). Each record's truth says what was really so.
extension SimulationEngine {
    static let degradedReasons = ["order backlog", "warehouse understaffed", "peak season delays", "inventory system sync issues"]
    static let outageReasons = ["warehouse system down", "power outage at warehouse", "carrier pick-ups suspended"]

    /// A supplier's regular feed update at `t`.
    func feedTick(_ s: Int, at t: Int64) {
        let supplier = world.suppliers[s]
        queue.push(.feedTick(s), at: t + Int64(supplier.profile.feedIntervalHours * 3_600))
        let state = health[s]
        let outage = state.status == "outage"
        let full = t - state.lastFullRefresh >= 86_400
        if full { health[s].lastFullRefresh = t }
        // An announced outage takes the feed down; an unannounced one leaves it publishing stale stock.
        if outage, let announced = state.announcedAt, announced <= t { return }
        if outage && !full { return }
        // A feeds-only engine notes when the supplier counted its stock (every tick outside an outage).
        if feedsOnly && !outage { stockCounts[s].append(t) }

        let late = feedRNG.chance(supplier.profile.lateFeedProbability)
        let delay = late ? Int64(feedRNG.uniform(3_600, 8 * 3_600)) : Int64(feedRNG.uniform(5, 180))
        let demandFactor = surgeMultiple(at: SimInstant(seconds: t))
        let wrong = supplier.profile.wrongStockProbability
        for o in supplier.offers.indices {
            var offerState = stock[s][o]
            if offerState.delisted { continue }
            var stated = offerState.statedQty
            var costChanged = false
            if !outage {
                advance(&offerState, supplier.offers[o], to: t, demandFactor: demandFactor)
                if feedRNG.chance(0.0003) {
                    offerState.delisted = true
                    stock[s][o] = offerState
                    noteStock(s, o, at: t)
                    if !feedsOnly {
                        queue.push(.publish(SimRecord(topic: SimRecord.Topic.supplierOffers,
                                                      key: supplier.offerKey(sku: supplier.offers[o].sku),
                                                      value: nil, truth: ["withdrawn": true, "late": .bool(late)],
                                                      at: SimInstant(seconds: t + delay))), at: t + delay)
                    }
                    continue
                }
                // A liar starts or stops overstating; the stationary share of lying offers is `wrong`.
                if offerState.phantom != nil {
                    if feedRNG.chance(0.3) { offerState.phantom = nil }
                } else if wrong > 0 && feedRNG.chance(0.3 * wrong / (1 - wrong)) {
                    offerState.phantom = feedRNG.int(in: 5...60)
                }
                stated = offerState.trueQty + (offerState.phantom ?? 0)
                if stated == 0 && supplier.profile == .stockLiar {
                    stated = Self.hiddenStockout(world, seed: config.seed, supplier: s, offer: o, at: t)
                }
                if full && feedRNG.chance(0.03) {
                    offerState.unitCostCents = max(1, Pricing.scale(offerState.unitCostCents, by: feedRNG.uniform(0.93, 1.07)))
                    costChanged = true
                }
            }
            let changed = stated != offerState.statedQty || costChanged
            offerState.statedQty = stated
            stock[s][o] = offerState
            noteStock(s, o, at: t)
            if (changed || full) && !feedsOnly {
                queue.push(.publish(offerRecord(supplier: s, offer: o, stated: stated, updatedAt: t, publishedAt: t + delay,
                                                late: late)), at: t + delay)
            }
        }
    }

    /// What a stock liar states when it is out of stock: never 0 while it offers the SKU, but a
    /// few units (3–12), drawn from a stream of their own (no draw of the feed's stream).
    static func hiddenStockout(_ world: World, seed: UInt64, supplier s: Int, offer o: Int, at t: Int64) -> Int {
        let supplier = world.suppliers[s]
        var rng = SimRandom(seed: seed, stream: "feeds/hidden-stockout/" + supplier.id + "/" + supplier.offers[o].sku + "/"
                            + String(t))
        return rng.int(in: 3...12)
    }

    /// A feeds-only engine keeps offer `o` of supplier `s` as it is at `t` when it changed.
    func noteStock(_ s: Int, _ o: Int, at t: Int64) {
        guard feedsOnly else { return }
        let point = StockPoint(seconds: t, state: stock[s][o])
        if let last = stockHistory[s][o].last, last.sameState(as: point) { return }
        stockHistory[s][o].append(point)
    }

    /// Brings one offer's true stock to `t`: a reorder that arrived, sales since the last
    /// update (scaled by any surge), and a new reorder when stock is low.
    func advance(_ state: inout OfferState, _ offer: SupplierOffer, to t: Int64, demandFactor: Double) {
        let days = Double(t - state.lastAdvanced) / 86_400
        state.lastAdvanced = t
        if let arrival = state.restockAt, arrival <= t {
            state.trueQty = max(state.trueQty, offer.restockTarget)
            state.restockAt = nil
            state.restocks += 1
        }
        let sold = feedRNG.poisson(offer.dailyDemand * days * demandFactor)
        state.trueQty = max(0, state.trueQty - sold)
        if state.trueQty <= offer.reorderPoint && state.restockAt == nil {
            state.restockAt = t + Int64(offer.restockLeadDays * feedRNG.uniform(0.8, 1.3) * 86_400)
        }
    }

    /// Once a day, a supplier may fall into a degraded episode of a few hours, which it
    /// announces after a delay that depends on its profile, or never.
    func healthCheck(_ s: Int, at t: Int64) {
        queue.push(.healthCheck(s), at: t + 86_400)
        let profile = world.suppliers[s].profile
        guard health[s].status == "ok", feedRNG.chance(profile.dailyDegradedProbability) else { return }
        let duration = Int64(feedRNG.uniform(2, 10) * 3_600)
        let delay: Int64?
        switch profile {
        case .fastReliable: delay = Int64(feedRNG.uniform(5, 30) * 60)
        case .cheapSlow: delay = Int64(feedRNG.uniform(0.5, 4) * 3_600)
        case .stockLiar: delay = feedRNG.chance(0.5) ? nil : Int64(feedRNG.uniform(1, 6) * 3_600)
        }
        health[s].status = "degraded"
        health[s].since = t
        health[s].epoch += 1
        health[s].announcedAt = nil
        if let delay, delay < duration {
            health[s].announcedAt = t + delay
            let expected = t + Int64(Double(duration) * feedRNG.uniform(0.7, 1.3))
            queue.push(.publish(statusRecord(supplier: s, status: "degraded", reason: feedRNG.element(of: Self.degradedReasons),
                                             expectedRecovery: expected, publishedAt: t + delay, cause: "degraded_episode",
                                             lateBy: delay)), at: t + delay)
        }
        queue.push(.degradedEnd(supplier: s, epoch: health[s].epoch), at: t + duration)
    }

    func degradedEnd(_ s: Int, epoch: Int, at t: Int64) {
        guard health[s].epoch == epoch, health[s].status == "degraded" else { return }
        recover(s, at: t, cause: "degraded_episode_end")
    }

    /// A configured outage begins: the supplier stops shipping; its announcement follows the
    /// scenario (prompt, late, never).
    func outageStart(_ k: Int, at t: Int64) {
        let outage = config.outages[k]
        let s = outageSuppliers[k]
        let duration = outage.duration.seconds
        health[s].status = "outage"
        health[s].since = t
        health[s].epoch += 1
        health[s].announcedAt = nil
        let delay: Int64?
        switch outage.announcement {
        case .prompt: delay = Int64(feedRNG.uniform(5, 15) * 60)
        case .late(let d): delay = d.seconds
        case .never: delay = nil
        }
        if let delay, delay < duration {
            health[s].announcedAt = t + delay
            // Suppliers are optimistic about recovery.
            let expected = t + Int64(Double(duration) * feedRNG.uniform(0.5, 0.9))
            queue.push(.publish(statusRecord(supplier: s, status: "outage", reason: feedRNG.element(of: Self.outageReasons),
                                             expectedRecovery: expected, publishedAt: t + delay, cause: "supplier_outage",
                                             lateBy: delay)), at: t + delay)
        }
        queue.push(.outageEnd(supplier: s, epoch: health[s].epoch), at: t + duration)
    }

    func outageEnd(_ s: Int, epoch: Int, at t: Int64) {
        guard health[s].epoch == epoch, health[s].status == "outage" else { return }
        recover(s, at: t, cause: "supplier_outage_end")
        health[s].lastFullRefresh = t - 86_400  // the next tick republishes every offer
    }

    /// Back to `ok`; announced (a little later) only when the trouble was.
    private func recover(_ s: Int, at t: Int64, cause: String) {
        let announced = health[s].announcedAt != nil
        health[s].status = "ok"
        health[s].since = t
        health[s].epoch += 1
        health[s].announcedAt = nil
        if announced {
            let delay = Int64(feedRNG.uniform(5, 90) * 60)
            queue.push(.publish(statusRecord(supplier: s, status: "ok", reason: nil, expectedRecovery: nil,
                                             publishedAt: t + delay, cause: cause, lateBy: delay)), at: t + delay)
        }
    }

    // MARK: - Records

    /// A `supplier.offers` record stating `stated` units; the truth holds the real stock.
    func offerRecord(supplier s: Int, offer o: Int, stated: Int, updatedAt: Int64, publishedAt: Int64, late: Bool) -> SimRecord {
        let supplier = world.suppliers[s]
        let offer = supplier.offers[o]
        let state = stock[s][o]
        var value: [String: JSONValue] = [
            "supplier_id": .string(supplier.id), "sku": .string(offer.sku), "available_qty": .integer(Int64(stated)),
            "unit_cost": .string(MoneyAmount(cents: state.unitCostCents).description), "currency": .string(config.currency),
            "ships_from": .string(supplier.country),
            "handling_days": ["p50": .double(Self.halfDays(supplier.statedHandling.p50)),
                              "p90": .double(Self.halfDays(supplier.statedHandling.p90))],
            "carriers": .array(supplier.carriers.map(JSONValue.string)), "accepts_returns": .bool(supplier.acceptsReturns),
            "unit_weight_grams": .integer(Int64(max(1, world.catalogue.products[offer.productIndex].weightGrams))),
            "updated_at": .string(SimInstant(seconds: updatedAt).rfc3339),
        ]
        if supplier.acceptsReturns { value["restocking_fee_pct"] = .integer(Int64(supplier.restockingFeePct)) }
        let truth: JSONValue = [
            "true_available_qty": .integer(Int64(state.trueQty)), "stock_misreported": .bool(stated != state.trueQty),
            "late": .bool(late), "published_after_s": .integer(publishedAt - updatedAt),
            "supplier_true_status": .string(health[s].status),
        ]
        return SimRecord(topic: SimRecord.Topic.supplierOffers, key: supplier.offerKey(sku: offer.sku), value: .object(value),
                         truth: truth, at: SimInstant(seconds: publishedAt))
    }

    /// A `supplier.status` record; the truth holds the real status, since when, and the delay.
    func statusRecord(supplier s: Int, status: String, reason: String?, expectedRecovery: Int64?, publishedAt: Int64,
                      cause: String, lateBy: Int64) -> SimRecord {
        let supplier = world.suppliers[s]
        var value: [String: JSONValue] = [
            "supplier_id": .string(supplier.id), "status": .string(status),
            "updated_at": .string(SimInstant(seconds: publishedAt).rfc3339),
        ]
        if let reason { value["reason"] = .string(reason) }
        if let expectedRecovery { value["expected_recovery_at"] = .string(SimInstant(seconds: expectedRecovery).rfc3339) }
        let truth: JSONValue = [
            "true_status": .string(health[s].status), "true_since": .string(SimInstant(seconds: health[s].since).rfc3339),
            "announced_after_s": .integer(lateBy), "cause": .string(cause),
        ]
        return SimRecord(topic: SimRecord.Topic.supplierStatus, key: supplier.id, value: .object(value), truth: truth,
                         at: SimInstant(seconds: publishedAt))
    }

    /// Days rounded to the nearest half day, at least half a day.
    static func halfDays(_ days: Double) -> Double {
        max(0.5, (days * 2).rounded() / 2)
    }
}
