import Foundation
import GRDB
import WholesailCore

/// One line of a cart with what the pages and the pricing need to know about its product.
public struct CartLineRecord: Sendable, Equatable {
    public var id: Int64
    public var productId: Int64
    public var sku: String
    public var name: String
    public var unitId: Int64
    public var unit: String
    /// Base units in one of this unit.
    public var factor: String
    public var qtyMilli: Int64
    public var rule: Quantity.Rule
    public var vatRate: String
    public var imageSha256: String?
    /// The product is still sold (active, not deleted).
    public var available: Bool
    public var categories: [Int64]

    public var item: CartItem {
        CartItem(
            productId: productId, factor: ExactDecimal(parsing: factor) ?? ExactDecimal(1), qtyMilli: qtyMilli,
            vatRate: ExactDecimal(parsing: vatRate) ?? ExactDecimal(20), categories: categories, unitId: unitId)
    }
}

/// The working cart of a user, or one of their saved carts.
public struct CartRecord: Sendable, Equatable {
    public var id: Int64?
    public var name: String?
    public var counterpartyId: Int64?
    public var promocode: String?
    public var updatedAt: String?
    public var lines: [CartLineRecord]

    /// Changes whenever a line, the company or the promocode changes: checkout sends the version
    /// the buyer looked at, so an order never differs from what was on the screen.
    public var version: String {
        var text = "\(counterpartyId ?? 0)|\(promocode ?? "")"
        for line in lines.sorted(by: { $0.id < $1.id }) { text += "|\(line.id):\(line.productId):\(line.unitId):\(line.qtyMilli)" }
        return String(Crypto.sha256Hex(Data(text.utf8)).prefix(16))
    }
}

/// A saved cart in the list of the personal account.
public struct SavedCartSummary: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var lineCount: Int
    public var updatedAt: String
}

/// How a quantity arrives: added to what the cart has, or replacing it.
public enum CartQuantityMode: Sendable { case add, set }

extension WholesailDatabase {
    /// The most lines one cart holds.
    public static let maxCartLines = 2000

    /// The user's working cart (empty when they have none yet).
    public func workingCart(userId: Int64) async throws -> CartRecord {
        try await read { db in
            guard let id = try Int64.fetchOne(db.cached("SELECT id FROM cart WHERE userId = ? AND name IS NULL"), arguments: [userId]) else {
                let counterparty = try Int64.fetchOne(db.cached("SELECT defaultCounterpartyId FROM user WHERE id = ?"), arguments: [userId])
                return CartRecord(id: nil, name: nil, counterpartyId: counterparty, promocode: nil, updatedAt: nil, lines: [])
            }
            return try Self.loadCart(db, id: id)
        }
    }

    /// A saved cart of the user, or nil (also for another user's cart).
    public func savedCart(userId: Int64, id: Int64) async throws -> CartRecord? {
        try await read { db in
            guard try Bool.fetchOne(db.cached("SELECT 1 FROM cart WHERE id = ? AND userId = ? AND name IS NOT NULL"), arguments: [id, userId]) == true
            else { return nil }
            return try Self.loadCart(db, id: id)
        }
    }

    static func loadCart(_ db: Database, id: Int64) throws -> CartRecord {
        let head = try Row.fetchOne(
            db.cached("SELECT c.name, c.counterpartyId, c.updatedAt, p.code FROM cart c LEFT JOIN promocode p ON p.id = c.promocodeId WHERE c.id = ?"),
            arguments: [id])
        return CartRecord(
            id: id, name: head?["name"], counterpartyId: head?["counterpartyId"], promocode: head?["code"], updatedAt: head?["updatedAt"],
            lines: try lines(db, table: "cartLine", owner: "cartId", id: id))
    }

    /// The lines of a cart (`cartLine`/`cartId`) or of anything kept like one (`quoteLine`/`quoteId`),
    /// with their products, units and quantity rules, in the order they were added.
    static func lines(_ db: Database, table: String, owner: String, id: Int64) throws -> [CartLineRecord] {
        // `table` and `owner` are one of a few fixed pairs: one compiled statement each.
        let rows = try Row.fetchAll(
            db.cached("""
                SELECT l.id, l.productId, l.unitId, l.qtyMilli, p.sku, p.name, p.vatRate, p.active, p.deleted, u.name AS unit,
                    p.baseUnitId, p.minQtyMilli, p.stepQtyMilli, pu.factor, pu.minQtyMilli AS unitMin, pu.stepQtyMilli AS unitStep,
                    (SELECT b.blobSha256 FROM file b WHERE b.id = p.mainImageFileId) AS image,
                    (SELECT group_concat(pc.categoryId) FROM productCategory pc WHERE pc.productId = p.id) AS categories
                FROM \(table) l JOIN product p ON p.id = l.productId JOIN unit u ON u.id = l.unitId
                LEFT JOIN productUnit pu ON pu.productId = l.productId AND pu.unitId = l.unitId
                WHERE l.\(owner) = ? ORDER BY l.id
                """),
            arguments: [id])
        let parents = try categoryParents(db)
        return rows.map { row -> CartLineRecord in
            let isBase = (row["unitId"] as Int64) == (row["baseUnitId"] as Int64)
            let rule = isBase
                ? Quantity.Rule(minMilli: row["minQtyMilli"], stepMilli: row["stepQtyMilli"])
                : Quantity.Rule(minMilli: row["unitMin"] ?? 1000, stepMilli: row["unitStep"] ?? 1000)
            let direct = (row["categories"] as String?)?.split(separator: ",").compactMap { Int64($0) } ?? []
            return CartLineRecord(
                id: row["id"], productId: row["productId"], sku: row["sku"], name: row["name"], unitId: row["unitId"], unit: row["unit"],
                factor: isBase ? "1" : (row["factor"] ?? "1"), qtyMilli: row["qtyMilli"], rule: rule, vatRate: row["vatRate"],
                imageSha256: row["image"], available: row["active"] == 1 && row["deleted"] == 0,
                categories: withAncestors(direct, parents: parents))
        }
    }

    static func categoryParents(_ db: Database) throws -> [Int64: Int64] {
        var parents: [Int64: Int64] = [:]
        for row in try Row.fetchAll(db.cached("SELECT id, parentId FROM category WHERE parentId IS NOT NULL")) {
            parents[row["id"]] = row["parentId"]
        }
        return parents
    }

    static func withAncestors(_ ids: [Int64], parents: [Int64: Int64]) -> [Int64] {
        var result = Set<Int64>()
        for id in ids {
            var current: Int64? = id
            var steps = 0
            while let node = current, steps < 64, result.insert(node).inserted {
                current = parents[node]
                steps += 1
            }
        }
        return result.sorted()
    }

    /// The id of the user's working cart, made on first use with their default company.
    static func ensureWorkingCart(_ db: Database, userId: Int64) throws -> Int64 {
        if let id = try Int64.fetchOne(db.cached("SELECT id FROM cart WHERE userId = ? AND name IS NULL"), arguments: [userId]) { return id }
        try db.cached("INSERT INTO cart (userId, counterpartyId) SELECT id, defaultCounterpartyId FROM user WHERE id = ?").execute(arguments: [userId])
        return db.lastInsertedRowID
    }

    static func touch(_ db: Database, cart id: Int64) throws {
        try db.cached("UPDATE cart SET updatedAt = ? WHERE id = ?").execute(arguments: [stamp(Date()), id])
    }

    /// The product and unit a line may use, with the unit's quantity rule; throws a clear error
    /// for a product that is not sold or a unit it is not sold in.
    static func orderableUnit(_ db: Database, productId: Int64, unitId: Int64?) throws -> (unitId: Int64, unit: String, rule: Quantity.Rule) {
        guard let product = try Row.fetchOne(
            db.cached("SELECT sku, active, deleted, baseUnitId, minQtyMilli, stepQtyMilli FROM product WHERE id = ?"), arguments: [productId])
        else {
            throw DomainError(.notFound, code: "cart.product_not_found", message: "The product was not found.")
        }
        guard product["active"] == 1, product["deleted"] == 0 else {
            throw DomainError(
                .invalid, code: "cart.product_unavailable", message: "Product \(product["sku"] as String) is no longer sold.",
                values: ["sku": product["sku"]])
        }
        let base: Int64 = product["baseUnitId"]
        let chosen = unitId ?? base
        if chosen == base {
            let name = try String.fetchOne(db.cached("SELECT name FROM unit WHERE id = ?"), arguments: [base]) ?? ""
            return (base, name, Quantity.Rule(minMilli: product["minQtyMilli"], stepMilli: product["stepQtyMilli"]))
        }
        guard let unit = try Row.fetchOne(
            db.cached("SELECT u.name, pu.minQtyMilli, pu.stepQtyMilli FROM productUnit pu JOIN unit u ON u.id = pu.unitId WHERE pu.productId = ? AND pu.unitId = ?"),
            arguments: [productId, chosen])
        else {
            throw DomainError(.invalid, code: "cart.unit_unknown", message: "This product is not sold in that unit.")
        }
        return (chosen, unit["name"], Quantity.Rule(minMilli: unit["minQtyMilli"], stepMilli: unit["stepQtyMilli"]))
    }

    /// Puts a product into the working cart. Without a quantity the unit's minimum is added.
    /// Returns the line's new quantity.
    @discardableResult
    public func addToCart(userId: Int64, productId: Int64, unitId: Int64? = nil, qtyMilli: Int64?, mode: CartQuantityMode = .add) async throws -> Int64 {
        try await write { db in
            try Self.addLine(db, cartId: try Self.ensureWorkingCart(db, userId: userId), productId: productId, unitId: unitId, qtyMilli: qtyMilli, mode: mode)
        }
    }

    /// Adds many products in one transaction (quick order, uploads): each item succeeds or fails
    /// on its own; the answer is nil for an added item or the error that refused it.
    public func addManyToCart(userId: Int64, items: [(productId: Int64, unitId: Int64?, qtyMilli: Int64?)]) async throws -> [DomainError?] {
        try await write { db in
            let cartId = try Self.ensureWorkingCart(db, userId: userId)
            var results: [DomainError?] = []
            results.reserveCapacity(items.count)
            for item in items {
                try db.cached("SAVEPOINT item").execute()
                do {
                    _ = try Self.addLine(db, cartId: cartId, productId: item.productId, unitId: item.unitId, qtyMilli: item.qtyMilli, mode: .add)
                    try db.cached("RELEASE item").execute()
                    results.append(nil)
                } catch let error as DomainError {
                    try db.cached("ROLLBACK TO item").execute()
                    try db.cached("RELEASE item").execute()
                    results.append(error)
                }
            }
            return results
        }
    }

    static func addLine(_ db: Database, cartId: Int64, productId: Int64, unitId: Int64?, qtyMilli: Int64?, mode: CartQuantityMode) throws -> Int64 {
        let unit = try orderableUnit(db, productId: productId, unitId: unitId)
        let existing = try Row.fetchOne(
            db.cached("SELECT id, qtyMilli FROM cartLine WHERE cartId = ? AND productId = ? AND unitId = ?"),
            arguments: [cartId, productId, unit.unitId])
        let requested = qtyMilli ?? unit.rule.roundedUp(0)
        let total = mode == .add ? requested + (existing?["qtyMilli"] ?? 0) : requested
        try Quantity.validate(total, rule: unit.rule, unit: unit.unit)
        if let existing {
            try db.cached("UPDATE cartLine SET qtyMilli = ? WHERE id = ?").execute(arguments: [total, existing["id"] as Int64])
        } else {
            let count = try Int.fetchOne(db.cached("SELECT count(*) FROM cartLine WHERE cartId = ?"), arguments: [cartId]) ?? 0
            guard count < maxCartLines else {
                throw DomainError(.invalid, code: "cart.too_many_lines", message: "A cart holds at most \(maxCartLines) lines.",
                                  values: ["max": String(maxCartLines)])
            }
            try db.cached("INSERT INTO cartLine (cartId, productId, unitId, qtyMilli, addedAt) VALUES (?, ?, ?, ?, ?)").execute(arguments: [cartId, productId, unit.unitId, total, stamp(Date())])
        }
        try touch(db, cart: cartId)
        return total
    }

    /// Changes a line's quantity (0 removes it) or its unit.
    public func updateCartLine(userId: Int64, lineId: Int64, qtyMilli: Int64, unitId: Int64? = nil) async throws {
        try await write { db in
            guard let line = try Row.fetchOne(
                db.cached("SELECT l.id, l.cartId, l.productId, l.unitId FROM cartLine l JOIN cart c ON c.id = l.cartId WHERE l.id = ? AND c.userId = ? AND c.name IS NULL"),
                arguments: [lineId, userId])
            else { throw DomainError(.notFound, code: "cart.line_not_found", message: "This line is no longer in the cart.") }
            let cartId: Int64 = line["cartId"]
            if qtyMilli == 0 {
                try db.cached("DELETE FROM cartLine WHERE id = ?").execute(arguments: [lineId])
            } else {
                let newUnit = unitId ?? line["unitId"]
                let unit = try Self.orderableUnit(db, productId: line["productId"], unitId: newUnit)
                try Quantity.validate(qtyMilli, rule: unit.rule, unit: unit.unit)
                if newUnit != line["unitId"] {
                    // Another line with the same product in the new unit absorbs this one.
                    if let other = try Int64.fetchOne(
                        db.cached("SELECT id FROM cartLine WHERE cartId = ? AND productId = ? AND unitId = ?"),
                        arguments: [cartId, line["productId"] as Int64, newUnit])
                    {
                        try db.cached("DELETE FROM cartLine WHERE id = ?").execute(arguments: [lineId])
                        try db.cached("UPDATE cartLine SET qtyMilli = ? WHERE id = ?").execute(arguments: [qtyMilli, other])
                        try Self.touch(db, cart: cartId)
                        return
                    }
                }
                try db.cached("UPDATE cartLine SET qtyMilli = ?, unitId = ? WHERE id = ?").execute(arguments: [qtyMilli, newUnit, lineId])
            }
            try Self.touch(db, cart: cartId)
        }
    }

    /// Empties the working cart (lines and promocode).
    public func clearCart(userId: Int64) async throws {
        try await write { db in
            try db.cached("DELETE FROM cartLine WHERE cartId IN (SELECT id FROM cart WHERE userId = ? AND name IS NULL)").execute(arguments: [userId])
            try db.cached("UPDATE cart SET promocodeId = NULL, updatedAt = ? WHERE userId = ? AND name IS NULL").execute(arguments: [Self.stamp(Date()), userId])
        }
    }

    /// Switches the company the cart is ordered for (the user must work for it).
    public func setCartCounterparty(userId: Int64, counterpartyId: Int64) async throws {
        try await write { db in
            guard try Bool.fetchOne(
                db.cached("SELECT 1 FROM userCounterparty WHERE userId = ? AND counterpartyId = ?"), arguments: [userId, counterpartyId]) == true
            else { throw DomainError(.notFound, code: "cart.counterparty_not_yours", message: "You do not order for this company.") }
            let cartId = try Self.ensureWorkingCart(db, userId: userId)
            try db.cached("UPDATE cart SET counterpartyId = ?, updatedAt = ? WHERE id = ?").execute(arguments: [counterpartyId, Self.stamp(Date()), cartId])
        }
    }

    /// Applies a promocode to the working cart (nil or "" removes it). Unknown codes are refused;
    /// whether a known one gives a discount is decided when the cart is priced.
    public func setCartPromocode(userId: Int64, code: String?) async throws {
        try await write { db in
            let cartId = try Self.ensureWorkingCart(db, userId: userId)
            let trimmed = code?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            var promocodeId: Int64?
            if !trimmed.isEmpty {
                guard trimmed.count <= 64,
                    let id = try Int64.fetchOne(db.cached("SELECT id FROM promocode WHERE code = ? AND active = 1"), arguments: [trimmed])
                else {
                    throw DomainError(.invalid, code: "promocode.unknown", message: "There is no such promocode.")
                }
                promocodeId = id
            }
            try db.cached("UPDATE cart SET promocodeId = ?, updatedAt = ? WHERE id = ?").execute(arguments: [promocodeId, Self.stamp(Date()), cartId])
        }
    }

    /// Cart thresholds in force.
    public func cartThresholds() async throws -> [CartThreshold] {
        try await read { db in
            try Row.fetchAll(db.cached("SELECT id, fromPriceTypeId, minTotalMinor, priceTypeId FROM cartThreshold WHERE active = 1")).map {
                CartThreshold(id: $0["id"], fromPriceTypeId: $0["fromPriceTypeId"], minTotalMinor: $0["minTotalMinor"], priceTypeId: $0["priceTypeId"])
            }
        }
    }

    /// The promocode as pricing needs it, with the reason it cannot be used today, if any.
    public func cartPromocode(code: String, counterpartyId: Int64?, day: String) async throws -> CartPromocode? {
        try await read { db in try Self.promocode(db, code: code, counterpartyId: counterpartyId, day: day) }
    }

    static func promocode(_ db: Database, code: String, counterpartyId: Int64?, day: String) throws -> CartPromocode? {
        guard let row = try Row.fetchOne(db.cached("SELECT * FROM promocode WHERE code = ?"), arguments: [code]) else { return nil }
        let discount: CartPromocode.Discount
        if row["kind"] == "percent" {
            discount = .percent(ExactDecimal(parsing: row["percent"] ?? "0") ?? ExactDecimal(0))
        } else {
            discount = .fixed(row["amountMinor"] ?? 0)
        }
        var refusal: String?
        let id: Int64 = row["id"]
        if row["active"] == 0 {
            refusal = "promocode.inactive"
        } else if let from: String = row["validFrom"], day < String(from.prefix(10)) {
            refusal = "promocode.not_started"
        } else if let to: String = row["validTo"], day > String(to.prefix(10)) {
            refusal = "promocode.expired"
        } else {
            let cancelled = "(SELECT id FROM orderStatus WHERE code = 'cancelled')"
            if let maxUses: Int = row["maxUses"],
                try Int.fetchOne(db, sql: "SELECT count(*) FROM customerOrder WHERE promocodeId = ? AND statusId <> \(cancelled)", arguments: [id]) ?? 0 >= maxUses
            {
                refusal = "promocode.used_up"
            } else if let perCompany: Int = row["maxUsesPerCounterparty"], let counterpartyId,
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM customerOrder WHERE promocodeId = ? AND counterpartyId = ? AND statusId <> \(cancelled)",
                    arguments: [id, counterpartyId]) ?? 0 >= perCompany
            {
                refusal = "promocode.used_up"
            }
        }
        return CartPromocode(
            id: id, code: row["code"], discount: discount, categoryId: row["categoryId"], productId: row["productId"],
            minTotalMinor: row["minTotalMinor"], refusal: refusal)
    }

    // MARK: Saved carts

    /// Saves the working cart's lines under a name (a cart of the same name is replaced).
    @discardableResult
    public func saveCart(userId: Int64, name: String) async throws -> Int64 {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError(field: "name", code: "field.required", message: "This field is required.") }
        guard trimmed.count <= 100 else { throw ValidationError(field: "name", code: "field.too_long", message: "This is too long.") }
        return try await write { db in
            guard let working = try Int64.fetchOne(db.cached("SELECT id FROM cart WHERE userId = ? AND name IS NULL"), arguments: [userId]),
                try Int.fetchOne(db.cached("SELECT count(*) FROM cartLine WHERE cartId = ?"), arguments: [working]) ?? 0 > 0
            else { throw DomainError(.invalid, code: "cart.empty", message: "The cart is empty.") }
            try db.cached("DELETE FROM cart WHERE userId = ? AND name = ?").execute(arguments: [userId, trimmed])
            let count = try Int.fetchOne(db.cached("SELECT count(*) FROM cart WHERE userId = ? AND name IS NOT NULL"), arguments: [userId]) ?? 0
            guard count < 200 else {
                throw DomainError(.invalid, code: "cart.too_many_saved", message: "You have too many saved carts; delete some first.")
            }
            let now = Self.stamp(Date())
            try db.cached("INSERT INTO cart (userId, counterpartyId, name, createdAt, updatedAt) SELECT userId, counterpartyId, ?, ?, ? FROM cart WHERE id = ?").execute(arguments: [trimmed, now, now, working])
            let saved = db.lastInsertedRowID
            try db.cached("INSERT INTO cartLine (cartId, productId, unitId, qtyMilli, comment, addedAt) SELECT ?, productId, unitId, qtyMilli, comment, addedAt FROM cartLine WHERE cartId = ?").execute(arguments: [saved, working])
            return saved
        }
    }

    public func savedCarts(userId: Int64) async throws -> [SavedCartSummary] {
        try await read { db in
            try Row.fetchAll(
                db.cached("""
                    SELECT c.id, c.name, c.updatedAt, (SELECT count(*) FROM cartLine l WHERE l.cartId = c.id) AS lineCount
                    FROM cart c WHERE c.userId = ? AND c.name IS NOT NULL ORDER BY c.updatedAt DESC, c.id DESC
                    """),
                arguments: [userId]
            ).map { SavedCartSummary(id: $0["id"], name: $0["name"], lineCount: $0["lineCount"], updatedAt: $0["updatedAt"]) }
        }
    }

    /// Loads a saved cart into the working cart: merged (quantities added) or replacing it.
    /// Lines whose product is no longer sold are skipped and returned by SKU.
    @discardableResult
    public func loadSavedCart(userId: Int64, id: Int64, replace: Bool) async throws -> [String] {
        try await write { db in
            guard try Bool.fetchOne(db.cached("SELECT 1 FROM cart WHERE id = ? AND userId = ? AND name IS NOT NULL"), arguments: [id, userId]) == true
            else { throw DomainError(.notFound, code: "cart.saved_not_found", message: "The saved cart was not found.") }
            let working = try Self.ensureWorkingCart(db, userId: userId)
            if replace { try db.cached("DELETE FROM cartLine WHERE cartId = ?").execute(arguments: [working]) }
            return try Self.copyLines(db, from: try Row.fetchAll(
                db.cached("SELECT l.productId, l.unitId, l.qtyMilli, p.sku FROM cartLine l JOIN product p ON p.id = l.productId WHERE l.cartId = ? ORDER BY l.id"),
                arguments: [id]), into: working)
        }
    }

    /// Adds rows (productId, unitId, qtyMilli, sku) to a cart; returns the SKUs that could not be added.
    static func copyLines(_ db: Database, from rows: [Row], into cartId: Int64) throws -> [String] {
        var skipped: [String] = []
        for row in rows {
            guard let productId: Int64 = row["productId"] else { continue }
            try db.cached("SAVEPOINT copyline").execute()
            do {
                _ = try addLine(db, cartId: cartId, productId: productId, unitId: row["unitId"], qtyMilli: row["qtyMilli"], mode: .add)
                try db.cached("RELEASE copyline").execute()
            } catch is DomainError {
                try db.cached("ROLLBACK TO copyline").execute()
                try db.cached("RELEASE copyline").execute()
                skipped.append(row["sku"] ?? String(productId))
            }
        }
        return skipped
    }

    public func deleteSavedCart(userId: Int64, id: Int64) async throws {
        try await write { db in
            try db.cached("DELETE FROM cart WHERE id = ? AND userId = ? AND name IS NOT NULL").execute(arguments: [id, userId])
            guard db.changesCount == 1 else {
                throw DomainError(.notFound, code: "cart.saved_not_found", message: "The saved cart was not found.")
            }
        }
    }

    // MARK: Quick order

    /// Products by stock number (then by article, then barcode), case-insensitive: what quick
    /// order and spreadsheet uploads look up. Keys are the lower-cased codes as given.
    public func productsByCode(_ codes: [String]) async throws -> [String: (id: Int64, sku: String, name: String)] {
        let unique = Array(Set(codes.map { $0.lowercased() }.filter { !$0.isEmpty && $0.count <= 100 }))
        guard !unique.isEmpty else { return [:] }
        return try await read { db in
            var found: [String: (id: Int64, sku: String, name: String)] = [:]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: unique), as: UTF8.self)
            for column in ["sku", "article", "barcode"] {
                let missing = unique.filter { found[$0] == nil }
                if missing.isEmpty { break }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT lower(p.\(column)) AS code, p.id, p.sku, p.name FROM product p
                        WHERE p.\(column) IN (SELECT value FROM json_each(?)) AND p.deleted = 0 ORDER BY p.active DESC, p.id
                        """,
                    arguments: [column == "sku" ? json : String(decoding: try JSONSerialization.data(withJSONObject: missing), as: UTF8.self)])
                for row in rows {
                    let code: String = row["code"]
                    if found[code] == nil { found[code] = (row["id"], row["sku"], row["name"]) }
                }
            }
            return found
        }
    }
}
