import Foundation
import GRDB
import WholesailCore

/// A shipment whose carrier's tracking should be asked.
public struct TrackedShipment: Sendable, Equatable {
    public var id: Int64
    public var orderId: Int64
    public var orderNumber: String
    public var userId: Int64?
    public var counterpartyId: Int64
    public var number: String
    public var carrier: String
    public var trackingNumber: String
    public var trackingStatus: String?
}

extension WholesailDatabase {
    // MARK: Tariff table

    public func deliveryTariffs() async throws -> [DeliveryTariff] {
        try await read { db in try Self.deliveryTariffs(db) }
    }

    static func deliveryTariffs(_ db: Database) throws -> [DeliveryTariff] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM deliveryTariff ORDER BY regionId IS NOT NULL DESC, regionId, maxWeightGrams IS NULL, maxWeightGrams, id"
        ).map {
            DeliveryTariff(
                id: $0["id"], regionId: $0["regionId"], name: $0["name"], maxWeightGrams: $0["maxWeightGrams"], maxVolumeMl: $0["maxVolumeMl"],
                priceMinor: $0["priceMinor"], perKgMinor: $0["perKgMinor"], baseWeightGrams: $0["baseWeightGrams"],
                freeFromMinor: $0["freeFromMinor"], days: $0["days"], currency: $0["currency"])
        }
    }

    @discardableResult
    public func addDeliveryTariff(_ tariff: DeliveryTariff, actor: Int64?, now: Date = Date()) async throws -> Int64 {
        try tariff.validate()
        return try await write { db in
            if let region = tariff.regionId,
                try Bool.fetchOne(db, sql: "SELECT 1 FROM region WHERE id = ?", arguments: [region]) == nil
            {
                throw ValidationError(field: "region", code: "delivery.bad_region", message: "Choose a region.")
            }
            try db.execute(
                sql: """
                    INSERT INTO deliveryTariff (regionId, name, maxWeightGrams, maxVolumeMl, priceMinor, perKgMinor, baseWeightGrams,
                        freeFromMinor, days, currency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    tariff.regionId, tariff.name, tariff.maxWeightGrams, tariff.maxVolumeMl, tariff.priceMinor, tariff.perKgMinor,
                    tariff.baseWeightGrams, tariff.freeFromMinor, tariff.days, tariff.currency,
                ])
            let id = db.lastInsertedRowID
            try Self.audit(db, actor: actor, action: "delivery.tariff_add", objectType: "deliveryTariff", objectId: String(id), now: now)
            return id
        }
    }

    public func deleteDeliveryTariff(id: Int64, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM deliveryTariff WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw DomainError.notFound("tariff") }
            try Self.audit(db, actor: actor, action: "delivery.tariff_delete", objectType: "deliveryTariff", objectId: String(id), now: now)
        }
    }

    // MARK: The carrier's API

    public func carrierSettings() async throws -> CarrierSettings {
        try await read { db in
            var rows: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'delivery.carrier.%'") { rows[row["key"]] = row["value"] }
            return CarrierSettings(rows: rows)
        }
    }

    /// Saves the carrier's API; `secret` nil keeps the stored one, "" removes it.
    public func saveCarrierSettings(_ settings: CarrierSettings, secret: String?, actor: Int64?, now: Date = Date()) async throws {
        try await write { db in
            var settings = settings
            if let secret {
                settings.secret = secret
            } else {
                settings.secret = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'delivery.carrier.secret'") ?? ""
            }
            try settings.validate()
            try Self.storeSettings(db, settings.rows, now: now)
            try Self.audit(
                db, actor: actor, action: "settings.delivery", objectType: "carrier", objectId: settings.name,
                details: [
                    "enabled": settings.enabled ? "1" : "0", "quoteURL": settings.quoteURL, "trackingURL": settings.trackingURL,
                    "secret": secret == nil ? "kept" : (secret!.isEmpty ? "removed" : "changed"),
                ], now: now)
        }
    }

    // MARK: Parcels

    /// The user's working cart as a parcel for the company's region (weight and volume from the
    /// products, alternative units converted; the value is the caller's, who prices the cart).
    public func cartParcel(userId: Int64, counterpartyId: Int64?, addressId: Int64? = nil, valueMinor: Int64, currency: String) async throws
        -> DeliveryParcel
    {
        try await read { db in
            let totals = try Row.fetchOne(
                db,
                sql: """
                    SELECT ifnull(sum(cartLine.qtyMilli * ifnull(CAST(productUnit.factor AS REAL), 1.0) * product.weightGrams), 0) / 1000.0 AS grams,
                           ifnull(sum(cartLine.qtyMilli * ifnull(CAST(productUnit.factor AS REAL), 1.0) * product.volumeMl), 0) / 1000.0 AS ml,
                           ifnull(sum(product.weightGrams IS NULL), 0) AS unknown
                    FROM cart JOIN cartLine ON cartLine.cartId = cart.id JOIN product ON product.id = cartLine.productId
                    LEFT JOIN productUnit ON productUnit.productId = cartLine.productId AND productUnit.unitId = cartLine.unitId
                    WHERE cart.userId = ? AND cart.name IS NULL
                    """,
                arguments: [userId])
            let region = try counterpartyId.flatMap {
                try Row.fetchOne(
                    db, sql: "SELECT region.id, region.name FROM counterparty JOIN region ON region.id = counterparty.regionId WHERE counterparty.id = ?",
                    arguments: [$0])
            }
            let address = try counterpartyId.flatMap { company in
                try String.fetchOne(
                    db,
                    sql: """
                        SELECT address FROM deliveryAddress WHERE counterpartyId = ? AND (id = ? OR ? IS NULL)
                        ORDER BY id = ? DESC, isDefault DESC, id LIMIT 1
                        """,
                    arguments: [company, addressId, addressId, addressId])
            }
            // Bounded before the conversion: absurd weights (hostile imports) must not trap.
            func whole(_ value: Double?) -> Int64 {
                guard let value, value.isFinite, value > 0 else { return 0 }
                return Int64(min(value, 1e15).rounded(.up))
            }
            return DeliveryParcel(
                regionId: region?["id"], regionName: region?["name"] ?? "", address: address ?? "", weightGrams: whole(totals?["grams"]),
                volumeMl: whole(totals?["ml"]), valueMinor: valueMinor, currency: currency, linesWithoutWeight: totals?["unknown"] ?? 0)
        }
    }

    // MARK: Tracking

    /// Shipped shipments with a tracking number, not asked since `checkedBefore`, shipped within
    /// the last 60 days; the longest unasked first.
    public func shipmentsToTrack(checkedBefore: Date, now: Date = Date(), limit: Int = 50) async throws -> [TrackedShipment] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id, s.orderId, o.number AS orderNumber, o.userId, o.counterpartyId, s.number, ifnull(s.carrier, '') AS carrier,
                           s.trackingNumber, s.trackingStatus
                    FROM shipment s JOIN customerOrder o ON o.id = s.orderId
                    WHERE s.trackingNumber IS NOT NULL AND s.trackingNumber <> '' AND s.status = 'shipped'
                      AND (s.trackingCheckedAt IS NULL OR s.trackingCheckedAt < ?)
                      AND (s.shippedAt IS NULL OR s.shippedAt >= ?)
                    ORDER BY s.trackingCheckedAt IS NOT NULL, s.trackingCheckedAt, s.id LIMIT ?
                    """,
                arguments: [Self.stamp(checkedBefore), Self.stamp(now.addingTimeInterval(-60 * 86400)), limit]
            ).map {
                TrackedShipment(
                    id: $0["id"], orderId: $0["orderId"], orderNumber: $0["orderNumber"], userId: $0["userId"], counterpartyId: $0["counterpartyId"],
                    number: $0["number"], carrier: $0["carrier"], trackingNumber: $0["trackingNumber"], trackingStatus: $0["trackingStatus"])
            }
        }
    }

    /// Records what the carrier said of a shipment. A new status is stamped and published as
    /// `shipment.tracking` (webhooks); `delivered` also marks the shipment delivered. `status` nil
    /// (the carrier could not be asked) only notes the attempt. Returns whether the status changed.
    @discardableResult
    public func recordTracking(shipmentId: Int64, status: String?, delivered: Bool, now: Date = Date()) async throws -> Bool {
        try await write { db in
            guard let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT s.trackingStatus, s.number, s.trackingNumber, ifnull(s.carrier, '') AS carrier, s.orderId, o.number AS orderNumber,
                           o.userId, o.counterpartyId
                    FROM shipment s JOIN customerOrder o ON o.id = s.orderId WHERE s.id = ?
                    """, arguments: [shipmentId])
            else { throw DomainError.notFound("shipment") }
            guard let status = status.map({ String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500)) }), !status.isEmpty else {
                try db.execute(sql: "UPDATE shipment SET trackingCheckedAt = ? WHERE id = ?", arguments: [Self.stamp(now), shipmentId])
                return false
            }
            let changed = (row["trackingStatus"] as String?) != status
            try db.execute(
                sql: """
                    UPDATE shipment SET trackingCheckedAt = ?, trackingStatus = ?,
                        trackingChangedAt = CASE WHEN ? THEN ? ELSE trackingChangedAt END,
                        status = CASE WHEN ? THEN 'delivered' ELSE status END,
                        deliveredAt = CASE WHEN ? AND deliveredAt IS NULL THEN ? ELSE deliveredAt END
                    WHERE id = ?
                    """,
                arguments: [Self.stamp(now), status, changed, Self.stamp(now), delivered, delivered, Self.stamp(now), shipmentId])
            if changed {
                var payload: [String: String] = [
                    "shipmentId": String(shipmentId), "shipment": row["number"], "trackingNumber": row["trackingNumber"],
                    "carrier": row["carrier"], "status": status, "delivered": delivered ? "1" : "0",
                    "orderId": String(row["orderId"] as Int64), "number": row["orderNumber"],
                    "counterpartyId": String(row["counterpartyId"] as Int64), "link": "/orders/\(row["orderId"] as Int64)",
                ]
                if let user: Int64 = row["userId"] { payload["userId"] = String(user) }
                try Outbox.publish(
                    db, topic: "shipment.tracking", payload: payload, idempotencyKey: "shipment.tracking.\(shipmentId).\(Self.stamp(now))", now: now)
            }
            return changed
        }
    }
}
