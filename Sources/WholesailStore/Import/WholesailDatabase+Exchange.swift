import Foundation
import GRDB
import WholesailCore

/// A 1C "exchange with site" session, found by its cookie.
public struct ExchangeSessionInfo: Sendable, Equatable {
    public var id: Int64
    public var type: String
    public var userId: Int64?
    public var importJobId: Int64?
}

extension WholesailDatabase {
    // MARK: Orders for the ERP

    /// The order statuses for 1C's `type=sale&mode=info`, in the portal's order (active ones).
    public func exchangeStatusReference() async throws -> [CommerceMLOrderWriter.StatusReference] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT code, nameRu, isFinal FROM orderStatus WHERE isActive = 1 ORDER BY sortOrder, id").map {
                CommerceMLOrderWriter.StatusReference(code: $0["code"], name: $0["nameRu"], isFinal: $0["isFinal"])
            }
        }
    }

    /// Orders the ERP has not seen in their current state (never exported, or changed since),
    /// oldest change first. Orders that came from the ERP (`offline`) are not sent back.
    public func ordersToExport(limit: Int = 500) async throws -> [ExportedOrder] {
        try await read { db in
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM customerOrder WHERE source <> 'offline' AND (exportedAt IS NULL OR exportedAt < updatedAt)
                        AND statusId NOT IN (SELECT id FROM orderStatus WHERE code IN (\(Self.notForERP)))
                    ORDER BY updatedAt, id LIMIT ?
                    """, arguments: [limit])
            return try ids.compactMap { try Self.exportedOrder(db, id: $0) }
        }
    }

    /// Orders the buyer company has not approved (yet): the distributor's ERP does not see them.
    static let notForERP = "'pending_approval', 'approval_declined'"

    /// Orders changed after `since` (a portal time stamp or ISO date; nil: all), oldest change
    /// first: the JSON export for ERPs other than 1C. Returns the orders and the stamp to pass as
    /// `since` next time.
    public func ordersChanged(since: String?, limit: Int) async throws -> (orders: [ExportedOrder], next: String?) {
        try await read { db in
            let from = since.map { $0.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "") } ?? ""
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, updatedAt FROM customerOrder
                    WHERE updatedAt > ? AND statusId NOT IN (SELECT id FROM orderStatus WHERE code IN (\(Self.notForERP)))
                    ORDER BY updatedAt, id LIMIT ?
                    """, arguments: [from, limit])
            let orders = try rows.compactMap { try Self.exportedOrder(db, id: $0["id"]) }
            return (orders, rows.last.map { $0["updatedAt"] as String })
        }
    }

    static func decimal(minor: Int64, currency: String) -> String { Money(minorUnits: minor, currency: currency).decimalString }

    static func quantity(milli: Int64) -> String { ExactDecimal(units: milli, scale: 1000).description }

    static func exportedOrder(_ db: Database, id: Int64) throws -> ExportedOrder? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT o.*, s.code AS statusCode, s.nameRu AS statusName, s.erpCode AS statusERPCode, s.isFinal, s.isActive,
                        c.erpId AS cpErpId, c.name AS cpName, c.fullName AS cpFullName, c.inn AS cpInn, c.kpp AS cpKpp, c.legalAddress AS cpAddress,
                        so.erpId AS soErpId, so.name AS soName, so.inn AS soInn, so.kpp AS soKpp, so.address AS soAddress,
                        a.erpId AS agErpId, a.number AS agNumber, a.date AS agDate, d.address AS deliveryAddress
                    FROM customerOrder o JOIN orderStatus s ON s.id = o.statusId JOIN counterparty c ON c.id = o.counterpartyId
                    JOIN sellerOrganization so ON so.id = o.sellerOrganizationId LEFT JOIN agreement a ON a.id = o.agreementId
                    LEFT JOIN deliveryAddress d ON d.id = o.deliveryAddressId
                    WHERE o.id = ?
                    """, arguments: [id])
        else { return nil }
        let currency: String = row["currency"]
        let placedAt: String = row["placedAt"]
        let lines = try Row.fetchAll(
            db,
            sql: """
                SELECT l.*, p.erpId AS productErpId, u.code AS unitCode, u.name AS unitName, u.fullName AS unitFullName,
                    (SELECT coalesce(sum(qtyMilli), 0) FROM reservation r WHERE r.orderLineId = l.id AND r.releasedAt IS NULL) AS reserved
                FROM orderLine l JOIN unit u ON u.id = l.unitId LEFT JOIN product p ON p.id = l.productId
                WHERE l.orderId = ? ORDER BY l.lineNo
                """, arguments: [id]
        ).map { line in
            ExportedOrder.Line(
                productErpId: line["productErpId"], sku: line["sku"], name: line["name"], unitCode: line["unitCode"], unitName: line["unitName"],
                unitFullName: line["unitFullName"], unitFactor: line["unitFactor"], quantity: quantity(milli: line["qtyMilli"]),
                price: decimal(minor: line["priceMinor"], currency: currency), discount: decimal(minor: line["discountMinor"], currency: currency),
                sum: decimal(minor: line["amountMinor"], currency: currency), vatRate: line["vatRate"],
                vat: decimal(minor: line["vatMinor"], currency: currency), reserved: quantity(milli: line["reserved"]))
        }
        let statusChangedAt = try String.fetchOne(
            db, sql: "SELECT max(at) FROM orderEvent WHERE orderId = ? AND kind IN ('placed', 'status', 'cancelled')", arguments: [id])
        let statusCode: String = row["statusCode"]
        var exported = ExportedOrder(
            id: id, erpId: row["erpId"], number: row["number"], date: String(placedAt.prefix(10)), time: String(placedAt.dropFirst(11).prefix(8)),
            currency: currency, subtotal: decimal(minor: row["subtotalMinor"], currency: currency),
            discount: decimal(minor: row["discountMinor"], currency: currency), delivery: decimal(minor: row["deliveryMinor"], currency: currency),
            vat: decimal(minor: row["vatMinor"], currency: currency), total: decimal(minor: row["totalMinor"], currency: currency),
            statusCode: statusCode, statusName: row["statusName"], statusERPCode: row["statusERPCode"],
            statusChangedAt: statusChangedAt.map { $0.replacingOccurrences(of: " ", with: "T").prefix(19) }.map(String.init),
            isCancelled: statusCode == "cancelled", isFinal: row["isFinal"], source: row["source"], comment: row["comment"],
            counterparty: ExportedOrder.Party(
                erpId: row["cpErpId"], name: row["cpName"], fullName: row["cpFullName"], inn: row["cpInn"], kpp: row["cpKpp"], address: row["cpAddress"]),
            seller: ExportedOrder.Party(erpId: row["soErpId"], name: row["soName"], inn: row["soInn"], kpp: row["soKpp"], address: row["soAddress"]),
            agreement: (row["agNumber"] as String?).map { ExportedOrder.Agreement(erpId: row["agErpId"], number: $0, date: row["agDate"]) },
            deliveryMethod: row["deliveryMethod"], deliveryAddress: row["deliveryAddressText"] ?? row["deliveryAddress"], deliveryDate: row["deliveryDate"],
            reservedUntil: row["reservedUntil"], updatedAt: row["updatedAt"], lines: lines)
        exported.poNumber = row["poNumber"]
        return exported
    }

    /// Marks orders as handed to the ERP as of `at` (the time they were read): each gets an
    /// `exported` event; an order changed after `at` is sent again next time.
    @discardableResult
    public func markOrdersExported(ids: [Int64], at: String, actor: Int64?) async throws -> Int {
        try await write { db in
            var count = 0
            for id in ids {
                try db.execute(
                    sql: "UPDATE customerOrder SET exportedAt = ? WHERE id = ? AND (exportedAt IS NULL OR exportedAt < ?)", arguments: [at, id, at])
                guard db.changesCount > 0 else { continue }
                try db.execute(
                    sql: "INSERT INTO orderEvent (orderId, at, userId, kind, note) VALUES (?, ?, ?, 'exported', 'ERP')",
                    arguments: [id, Self.stamp(Date()), actor])
                count += 1
            }
            return count
        }
    }

    // MARK: Sessions of the 1C exchange

    public func createExchangeSession(type: String, userId: Int64?, token: String, now: Date = Date(), lifetime: TimeInterval = 24 * 3600) async throws -> Int64 {
        try await write { db in
            try db.execute(sql: "DELETE FROM exchangeSession WHERE expiresAt < ?", arguments: [Self.stamp(now)])
            try db.execute(
                sql: "INSERT INTO exchangeSession (cookieHash, userId, type, createdAt, expiresAt) VALUES (?, ?, ?, ?, ?)",
                arguments: [Self.tokenHash(token), userId, type, Self.stamp(now), Self.stamp(now.addingTimeInterval(lifetime))])
            return db.lastInsertedRowID
        }
    }

    public func exchangeSession(token: String, now: Date = Date()) async throws -> ExchangeSessionInfo? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT id, type, userId, importJobId FROM exchangeSession WHERE cookieHash = ? AND expiresAt >= ?",
                arguments: [Self.tokenHash(token), Self.stamp(now)]
            ).map { ExchangeSessionInfo(id: $0["id"], type: $0["type"], userId: $0["userId"], importJobId: $0["importJobId"]) }
        }
    }

    /// `mode=init`: the session's uploads start over.
    public func resetExchangeSession(id: Int64) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM exchangeFile WHERE exchangeSessionId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM exchangeSeen WHERE exchangeSessionId = ?", arguments: [id])
            try db.execute(
                sql: "UPDATE exchangeSession SET importJobId = NULL, queriedOrders = NULL, queriedAt = NULL, failedImports = 0 WHERE id = ?",
                arguments: [id])
        }
    }

    /// `mode=import` for a file no job has yet: the session's fresh uploads become one job, and
    /// the session's current job, in one transaction (the runner never sees a job of a session
    /// that does not know it).
    public func createExchangeImportJob(sessionId: Int64, files: [ImportUpload], userId: Int64?) async throws -> Int64 {
        try await write { db in
            let jobId = try Self.createImportJob(db, files: files, source: "exchange", userId: userId)
            try db.execute(sql: "UPDATE exchangeSession SET importJobId = ? WHERE id = ?", arguments: [jobId, sessionId])
            return jobId
        }
    }

    /// The catalog exchange session a job imports for, if any.
    public func catalogExchangeSession(ofJob jobId: Int64) throws -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM exchangeSession WHERE importJobId = ? AND type = 'catalog'", arguments: [jobId])
        }
    }

    /// What `mode=deactivate` did.
    public enum ExchangeDeactivation: Sendable, Equatable {
        /// The session's products were kept; this many others were deactivated.
        case deactivated(Int)
        /// Nothing can be concluded: no goods came in this session, or one of its imports failed.
        case skipped(reason: String)
    }

    /// 1C's `mode=deactivate` after a full upload (newer 1C; its files all say "changes only"):
    /// the ERP's active products this session's imports did not mention are deactivated, never
    /// deleted. Nothing happens when no goods came or an import of the session failed a file.
    public func deactivateProductsNotInExchange(sessionId: Int64) async throws -> ExchangeDeactivation {
        try await write { db in
            let failed = try Int.fetchOne(db, sql: "SELECT failedImports FROM exchangeSession WHERE id = ?", arguments: [sessionId]) ?? 0
            if failed > 0 { return .skipped(reason: "an import of this exchange failed, so nothing is concluded from missing goods") }
            let seen = try Int.fetchOne(db, sql: "SELECT count(*) FROM exchangeSeen WHERE exchangeSessionId = ?", arguments: [sessionId]) ?? 0
            if seen == 0 { return .skipped(reason: "no goods were imported in this exchange") }
            let count = try Self.deactivateProducts(
                db, notIn: "SELECT erpId FROM exchangeSeen WHERE exchangeSessionId = ?", arguments: [sessionId])
            try db.execute(sql: "DELETE FROM exchangeSeen WHERE exchangeSessionId = ?", arguments: [sessionId])
            return .deactivated(count)
        }
    }

    /// Appends stored parts to a file of the session (`mode=file`: repeated calls append).
    public func appendExchangeFile(sessionId: Int64, fileName: String, parts: [String]) async throws {
        try await write { db in
            var next = (try Int.fetchOne(
                db, sql: "SELECT max(chunkNo) FROM exchangeFile WHERE exchangeSessionId = ? AND fileName = ?", arguments: [sessionId, fileName]) ?? -1) + 1
            for part in parts {
                try db.execute(
                    sql: "INSERT INTO exchangeFile (exchangeSessionId, fileName, chunkNo, blobSha256) VALUES (?, ?, ?, ?)",
                    arguments: [sessionId, fileName, next, part])
                next += 1
            }
        }
    }

    /// The session's files with their parts in order (a file made of several uploads becomes
    /// one stored file: its parts' manifest).
    public func exchangeUploads(sessionId: Int64) async throws -> [ImportUpload] {
        try await write { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT fileName, blobSha256 FROM exchangeFile WHERE exchangeSessionId = ? ORDER BY id, chunkNo", arguments: [sessionId])
            var order: [String] = []
            var parts: [String: [String]] = [:]
            for row in rows {
                let name: String = row["fileName"]
                if parts[name] == nil { order.append(name) }
                parts[name, default: []].append(contentsOf: try BlobReader.parts(db, key: row["blobSha256"]).0)
            }
            return try order.map { name in
                let keys = parts[name] ?? []
                var size = 0
                for key in keys { size += try BlobReader.partSize(db, entry: key) }
                if keys.count == 1, PartRef(keys[0])?.rawSize == nil { return ImportUpload(fileName: name, stored: StoredUpload(key: keys[0], size: size)) }
                let manifest = try BlobParts.Manifest(size: size, parts: keys).encoded()
                let key = try Self.storeBlob(db, manifest, contentType: BlobParts.manifestType)
                return ImportUpload(fileName: name, stored: StoredUpload(key: key, size: size))
            }
        }
    }

    /// Forgets one file of the session (a sale file, once it is queued for import).
    public func resetExchangeFile(sessionId: Int64, fileName: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM exchangeFile WHERE exchangeSessionId = ? AND fileName = ?", arguments: [sessionId, fileName])
        }
    }

    /// `mode=query`: remembers which orders the answer carried, and when.
    public func recordSaleQuery(sessionId: Int64, orderIds: [Int64], at: String) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE exchangeSession SET queriedOrders = ?, queriedAt = ? WHERE id = ?",
                arguments: ["[" + orderIds.map(String.init).joined(separator: ",") + "]", at, sessionId])
        }
    }

    /// `mode=success`: the orders of the last query are exported. Returns how many.
    public func confirmSaleQuery(sessionId: Int64, actor: Int64?) async throws -> Int {
        let pending = try await read { db -> [String?] in
            let row = try Row.fetchOne(db, sql: "SELECT queriedOrders, queriedAt FROM exchangeSession WHERE id = ?", arguments: [sessionId])
            return [row?["queriedOrders"], row?["queriedAt"]]
        }
        guard let text = pending[0], let at = pending[1],
            let ids = try? JSONDecoder().decode([Int64].self, from: Data(text.utf8))
        else { return 0 }
        let count = try await markOrdersExported(ids: ids, at: at, actor: actor)
        try await write { db in
            try db.execute(sql: "UPDATE exchangeSession SET queriedOrders = NULL, queriedAt = NULL WHERE id = ?", arguments: [sessionId])
        }
        return count
    }

    /// Whether logins for `account` or from `ip` have failed too often lately (the policy of
    /// `verifyLogin`): the exchange login is checked against it before its password is compared.
    public func loginThrottled(account: String, ip: String?, now: Date = Date(), throttle: ThrottlePolicy = ThrottlePolicy()) async throws -> Bool {
        let since = Self.stamp(now.addingTimeInterval(-throttle.window))
        return try await read { db in
            let byAccount = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM loginAttempt WHERE email = ? AND succeeded = 0 AND at >= ?", arguments: [account, since]) ?? 0
            let byAddress = try ip.map {
                try Int.fetchOne(db, sql: "SELECT count(*) FROM loginAttempt WHERE ip = ? AND succeeded = 0 AND at >= ?", arguments: [$0, since]) ?? 0
            } ?? 0
            return byAccount >= throttle.perAccount || byAddress >= throttle.perAddress
        }
    }

    /// The current time as the portal stores it.
    public static func nowStamp() -> String { stamp(Date()) }
}
