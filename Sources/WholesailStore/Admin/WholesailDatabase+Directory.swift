import Foundation
import GRDB
import WholesailCore

/// A region on the admin's list, with what refers to it.
public struct RegionRow: Sendable, Equatable {
    public var id: Int64
    public var erpId: String?
    public var name: String
    public var sortOrder: Int
    public var companies: Int
    public var warehouses: Int
    public var branches: Int
    public var contacts: [StaffContact]
}

/// A warehouse on the admin's list.
public struct WarehouseRow: Sendable, Equatable {
    public var id: Int64
    public var erpId: String?
    public var name: String
    public var address: String
    public var regionId: Int64?
    public var regionName: String?
    public var isPickupPoint: Bool
    public var deliveryDays: Int
    public var active: Bool
    /// Products with a stock row here (any quantity).
    public var stockedProducts: Int
    /// Orders and shipments that name this warehouse.
    public var orders: Int
}

/// A branch, as the admin lists it and buyers read it.
public struct BranchRow: Sendable, Equatable {
    public var entry: BranchEntry
    public var regionName: String?
}

/// A staff member who can be a region's contact.
public struct StaffCandidate: Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var email: String
}

/// One page of a directory list.
public struct DirectoryPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
}

extension WholesailDatabase {
    static let notFoundError = DomainError(.notFound, code: "not_found", message: "The page or item was not found.")

    /// `%text%` for LIKE with the user's `%`, `_` and `\` taken literally.
    static func likePattern(_ text: String) -> String {
        "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    /// An admin form's save: updates row `id` (not found when it is gone) or inserts a new row,
    /// with the same columns and values; `insertOnly` adds columns a new row alone gets.
    static func saveRow(
        _ db: Database, table: String, id: Int64?, columns: [String], values: StatementArguments,
        insertOnly: [(column: String, value: (any DatabaseValueConvertible)?)] = []
    ) throws -> Int64 {
        if let id {
            try db.execute(
                sql: "UPDATE \(table) SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?", arguments: values + [id])
            guard db.changesCount == 1 else { throw Self.notFoundError }
            return id
        }
        let all = columns + insertOnly.map(\.column)
        try db.execute(
            sql: "INSERT INTO \(table) (\(all.joined(separator: ", "))) VALUES (\(all.map { _ in "?" }.joined(separator: ", ")))",
            arguments: values + StatementArguments(insertOnly.map(\.value)))
        return db.lastInsertedRowID
    }

    /// A form's region, when one is chosen, must exist.
    static func checkRegionChoice(_ db: Database, _ regionId: Int64?) throws {
        if let regionId, try Bool.fetchOne(db, sql: "SELECT 1 FROM region WHERE id = ?", arguments: [regionId]) == nil {
            throw ValidationError(field: "regionId", code: "field.invalid", message: "Choose one of the options.")
        }
    }

    // MARK: Regions

    /// All regions (few: tens), in their order, with their companies, warehouses, branches and
    /// contacts counted.
    public func directoryRegions() async throws -> [RegionRow] {
        try await read { db in
            let contacts = try Row.fetchAll(
                db,
                sql: """
                    SELECT rc.regionId, u.id, u.fullName, u.phone, u.email FROM regionContact rc JOIN user u ON u.id = rc.userId
                    ORDER BY rc.regionId, rc.sortOrder, u.fullName, u.email
                    """)
            var byRegion: [Int64: [StaffContact]] = [:]
            for row in contacts {
                let name: String = row["fullName"]
                byRegion[row["regionId"], default: []].append(
                    StaffContact(userId: row["id"], role: "manager", name: name.isEmpty ? row["email"] : name, phone: row["phone"], email: row["email"]))
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT r.id, r.erpId, r.name, r.sortOrder,
                        (SELECT count(*) FROM counterparty c WHERE c.regionId = r.id) AS companies,
                        (SELECT count(*) FROM warehouse w WHERE w.regionId = r.id) AS warehouses,
                        (SELECT count(*) FROM branch b WHERE b.regionId = r.id) AS branches
                    FROM region r ORDER BY r.sortOrder, r.name, r.id
                    """
            ).map { row in
                RegionRow(
                    id: row["id"], erpId: row["erpId"], name: row["name"], sortOrder: row["sortOrder"], companies: row["companies"],
                    warehouses: row["warehouses"], branches: row["branches"], contacts: byRegion[row["id"]] ?? [])
            }
        }
    }

    /// Creates (no id) or updates a region; an ERP id must stay unique. Audited. Returns the id.
    @discardableResult
    public func saveRegion(_ entry: RegionEntry, actor: Principal, now: Date = Date()) async throws -> Int64 {
        if let error = entry.validate() { throw error }
        let name = entry.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let erpId = entry.erpId.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await write { db in
            if !erpId.isEmpty,
                try Int64.fetchOne(db, sql: "SELECT id FROM region WHERE erpId = ? AND id IS NOT ?", arguments: [erpId, entry.id]) != nil
            {
                throw ValidationError(field: "erpId", code: "field.taken", message: "Another record already has this value.")
            }
            let id = try Self.saveRow(
                db, table: "region", id: entry.id, columns: ["erpId", "name", "sortOrder"], values: [erpId.isEmpty ? nil : erpId, name, entry.sortOrder])
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: entry.id == nil ? "region.create" : "region.update", objectType: "region",
                objectId: String(id), details: ["name": name, "erpId": erpId], now: now)
            return id
        }
    }

    /// Deletes a region nothing depends on. Refused (`region.in_use`) while companies,
    /// warehouses, branches, price rules, price type assignments or delivery tariffs name it:
    /// deleting it would silently drop those rules or move those companies out of their region.
    public func deleteRegion(id: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let name = try String.fetchOne(db, sql: "SELECT name FROM region WHERE id = ?", arguments: [id]) else { throw Self.notFoundError }
            let uses = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) FROM counterparty WHERE regionId = :id) AS companies,
                        (SELECT count(*) FROM warehouse WHERE regionId = :id) AS warehouses,
                        (SELECT count(*) FROM branch WHERE regionId = :id) AS branches,
                        (SELECT count(*) FROM priceRule WHERE regionId = :id) + (SELECT count(*) FROM priceTypeAssignment WHERE regionId = :id)
                            + (SELECT count(*) FROM deliveryTariff WHERE regionId = :id) AS rules
                    """, arguments: ["id": id])!
            let companies: Int = uses["companies"]
            let warehouses: Int = uses["warehouses"]
            let branches: Int = uses["branches"]
            let rules: Int = uses["rules"]
            guard companies + warehouses + branches + rules == 0 else {
                throw DomainError(
                    .conflict, code: "region.in_use",
                    message:
                        "The region \(name) cannot be deleted: \(companies) companies, \(warehouses) warehouses, \(branches) branches and \(rules) price or delivery rules refer to it. Move them to another region first.",
                    values: ["name": name, "companies": String(companies), "warehouses": String(warehouses), "branches": String(branches), "rules": String(rules)])
            }
            try db.execute(sql: "DELETE FROM region WHERE id = ?", arguments: [id])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "region.delete", objectType: "region", objectId: String(id), details: ["name": name], now: now)
        }
    }

    // MARK: Regional contacts

    /// Active staff who serve customers: who may be named a region's contact.
    public func staffCandidates() async throws -> [StaffCandidate] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.fullName, u.email FROM user u
                    WHERE u.status = 'active' AND EXISTS (
                        SELECT 1 FROM userRole ur JOIN rolePermission rp ON rp.roleId = ur.roleId
                        WHERE ur.userId = u.id AND rp.permissionCode = 'customers.serve')
                    ORDER BY u.fullName, u.email
                    """
            ).map { row in
                let name: String = row["fullName"]
                return StaffCandidate(id: row["id"], name: name.isEmpty ? row["email"] : name, email: row["email"])
            }
        }
    }

    /// Names a staff member (who serves customers) a region's contact. Audited.
    public func addRegionContact(regionId: Int64, userId: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM region WHERE id = ?", arguments: [regionId]) != nil else { throw Self.notFoundError }
            let isStaff = try Bool.fetchOne(
                db,
                sql: """
                    SELECT 1 FROM user u WHERE u.id = ? AND u.status = 'active' AND EXISTS (
                        SELECT 1 FROM userRole ur JOIN rolePermission rp ON rp.roleId = ur.roleId
                        WHERE ur.userId = u.id AND rp.permissionCode = 'customers.serve')
                    """, arguments: [userId]) != nil
            guard isStaff else { throw ValidationError(field: "userId", code: "field.invalid", message: "Choose one of the options.") }
            try db.execute(
                sql: """
                    INSERT INTO regionContact (regionId, userId, sortOrder)
                    VALUES (?, ?, (SELECT coalesce(max(sortOrder), 0) + 1 FROM regionContact WHERE regionId = ?))
                    ON CONFLICT DO NOTHING
                    """, arguments: [regionId, userId, regionId])
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "region.contact_add", objectType: "region", objectId: String(regionId),
                details: ["userId": String(userId)], now: now)
        }
    }

    /// Removes a region's contact. Audited.
    public func removeRegionContact(regionId: Int64, userId: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM regionContact WHERE regionId = ? AND userId = ?", arguments: [regionId, userId])
            guard db.changesCount == 1 else { throw Self.notFoundError }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: "region.contact_remove", objectType: "region", objectId: String(regionId),
                details: ["userId": String(userId)], now: now)
        }
    }

    /// Who a buyer's company contacts: its personal manager and assistant, else the contacts of
    /// its region (shown with the role `region`).
    public func buyerContacts(counterpartyId: Int64) async throws -> [StaffContact] {
        try await read { db in
            let personal = try Self.personalManagers(db, counterpartyId: counterpartyId)
            if !personal.isEmpty { return personal }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.fullName, u.phone, u.email FROM regionContact rc JOIN user u ON u.id = rc.userId AND u.status = 'active'
                    WHERE rc.regionId = (SELECT regionId FROM counterparty WHERE id = ?) ORDER BY rc.sortOrder, u.fullName LIMIT 3
                    """, arguments: [counterpartyId]
            ).map { row in
                let name: String = row["fullName"]
                return StaffContact(userId: row["id"], role: "region", name: name.isEmpty ? row["email"] : name, phone: row["phone"], email: row["email"])
            }
        }
    }

    // MARK: Warehouses

    /// Warehouses matching a search (name, address or ERP id) and a region (0: without one),
    /// a page at a time, by name.
    public func directoryWarehouses(search: String, regionId: Int64?, page: Int, perPage: Int) async throws -> DirectoryPage<WarehouseRow> {
        let rows = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT w.*, r.name AS regionName,
                        (SELECT count(*) FROM stock s WHERE s.warehouseId = w.id AND (s.qtyMilli > 0 OR s.reservedMilli > 0)) AS stocked,
                        (SELECT count(*) FROM customerOrder o WHERE o.warehouseId = w.id) + (SELECT count(*) FROM shipment s WHERE s.warehouseId = w.id) AS orders
                    FROM warehouse w LEFT JOIN region r ON r.id = w.regionId
                    WHERE (:region IS NULL OR (:region = 0 AND w.regionId IS NULL) OR w.regionId = :region)
                    ORDER BY w.active DESC, w.name, w.id
                    """, arguments: ["region": regionId]
            ).map(Self.warehouseRow)
        }
        // Warehouses are tens, not thousands: the search runs here, case-insensitive in any
        // alphabet (SQLite's LIKE folds ASCII only).
        let found = search.isEmpty ? rows : rows.filter { Self.matches(search, [$0.name, $0.address, $0.erpId ?? ""]) }
        return DirectoryPage(items: Self.pageOf(found, page: page, perPage: perPage), total: found.count)
    }

    /// Whether any of the texts contains the search, ignoring case (Cyrillic too) and ё/е.
    static func matches(_ search: String, _ texts: [String]) -> Bool {
        let needle = search.lowercased().replacingOccurrences(of: "ё", with: "е")
        return texts.contains { $0.lowercased().replacingOccurrences(of: "ё", with: "е").contains(needle) }
    }

    static func pageOf<T>(_ items: [T], page: Int, perPage: Int) -> [T] {
        let start = max(0, page - 1) * perPage
        guard start < items.count else { return [] }
        return Array(items[start..<min(items.count, start + perPage)])
    }

    /// One warehouse, for its edit form.
    public func directoryWarehouse(id: Int64) async throws -> WarehouseRow? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT w.*, r.name AS regionName,
                        (SELECT count(*) FROM stock s WHERE s.warehouseId = w.id AND (s.qtyMilli > 0 OR s.reservedMilli > 0)) AS stocked,
                        (SELECT count(*) FROM customerOrder o WHERE o.warehouseId = w.id) + (SELECT count(*) FROM shipment s WHERE s.warehouseId = w.id) AS orders
                    FROM warehouse w LEFT JOIN region r ON r.id = w.regionId WHERE w.id = ?
                    """, arguments: [id]
            ).map(Self.warehouseRow)
        }
    }

    static func warehouseRow(_ row: Row) -> WarehouseRow {
        WarehouseRow(
            id: row["id"], erpId: row["erpId"], name: row["name"], address: row["address"] ?? "", regionId: row["regionId"], regionName: row["regionName"],
            isPickupPoint: row["isPickupPoint"], deliveryDays: row["deliveryDays"], active: row["active"], stockedProducts: row["stocked"],
            orders: row["orders"])
    }

    /// Creates a portal-only warehouse (no ERP id) or updates one. The ERP id is never written
    /// here, so the import keeps matching the ERP's warehouses. Audited. Returns the id.
    @discardableResult
    public func saveWarehouse(_ entry: WarehouseEntry, actor: Principal, now: Date = Date()) async throws -> Int64 {
        if let error = entry.validate() { throw error }
        let name = entry.name.trimmingCharacters(in: .whitespacesAndNewlines)
        let address = entry.address.trimmingCharacters(in: .whitespacesAndNewlines)
        return try await write { db in
            try Self.checkRegionChoice(db, entry.regionId)
            let id = try Self.saveRow(
                db, table: "warehouse", id: entry.id, columns: ["name", "address", "regionId", "isPickupPoint", "deliveryDays", "active"],
                values: [name, address.isEmpty ? nil : address, entry.regionId, entry.isPickupPoint, entry.deliveryDays, entry.active])
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: entry.id == nil ? "warehouse.create" : "warehouse.update", objectType: "warehouse",
                objectId: String(id),
                details: [
                    "name": name, "regionId": entry.regionId.map(String.init) ?? "", "pickup": entry.isPickupPoint ? "1" : "0",
                    "deliveryDays": String(entry.deliveryDays), "active": entry.active ? "1" : "0",
                ], now: now)
            return id
        }
    }

    /// Turns a warehouse off (no longer offered for pickup nor counted in stock) or on again. Audited.
    public func setWarehouseActive(id: Int64, active: Bool, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE warehouse SET active = ? WHERE id = ?", arguments: [active, id])
            guard db.changesCount == 1 else { throw Self.notFoundError }
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: active ? "warehouse.activate" : "warehouse.deactivate", objectType: "warehouse",
                objectId: String(id), now: now)
        }
    }

    /// Deletes a warehouse that holds no stock and that no order, shipment or reservation names;
    /// otherwise refuses (`warehouse.in_use`): deactivating it is the way out. Empty stock rows
    /// go with it. Audited.
    public func deleteWarehouse(id: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let name = try String.fetchOne(db, sql: "SELECT name FROM warehouse WHERE id = ?", arguments: [id]) else { throw Self.notFoundError }
            let uses = try Row.fetchOne(
                db,
                sql: """
                    SELECT (SELECT count(*) FROM stock WHERE warehouseId = :id AND (qtyMilli > 0 OR reservedMilli > 0)) AS stocked,
                        (SELECT count(*) FROM customerOrder WHERE warehouseId = :id) + (SELECT count(*) FROM shipment WHERE warehouseId = :id)
                            + (SELECT count(*) FROM reservation WHERE warehouseId = :id) AS orders
                    """, arguments: ["id": id])!
            let stocked: Int = uses["stocked"]
            let orders: Int = uses["orders"]
            guard stocked + orders == 0 else {
                throw DomainError(
                    .conflict, code: "warehouse.in_use",
                    message: "The warehouse \(name) cannot be deleted: it holds stock of \(stocked) products and \(orders) orders or shipments name it. Deactivate it instead.",
                    values: ["name": name, "stocked": String(stocked), "orders": String(orders)])
            }
            try db.execute(sql: "DELETE FROM warehouse WHERE id = ?", arguments: [id])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "warehouse.delete", objectType: "warehouse", objectId: String(id), details: ["name": name], now: now)
        }
    }

    // MARK: Branches

    /// Branches matching a search (name, address, phone, e-mail) and a region (0: without one).
    public func directoryBranches(search: String, regionId: Int64?, page: Int, perPage: Int) async throws -> DirectoryPage<BranchRow> {
        let rows = try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT b.*, r.name AS regionName FROM branch b LEFT JOIN region r ON r.id = b.regionId
                    WHERE (:region IS NULL OR (:region = 0 AND b.regionId IS NULL) OR b.regionId = :region)
                    ORDER BY b.sortOrder, b.name, b.id
                    """, arguments: ["region": regionId]
            ).map(Self.branchRow)
        }
        let found = search.isEmpty ? rows : rows.filter { Self.matches(search, [$0.entry.name, $0.entry.address, $0.entry.phone, $0.entry.email]) }
        return DirectoryPage(items: Self.pageOf(found, page: page, perPage: perPage), total: found.count)
    }

    public func directoryBranch(id: Int64) async throws -> BranchRow? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT b.*, r.name AS regionName FROM branch b LEFT JOIN region r ON r.id = b.regionId WHERE b.id = ?", arguments: [id])
                .map(Self.branchRow)
        }
    }

    static func branchRow(_ row: Row) -> BranchRow {
        BranchRow(
            entry: BranchEntry(
                id: row["id"], regionId: row["regionId"], name: row["name"], address: row["address"], phone: row["phone"], email: row["email"],
                hours: row["hours"], sortOrder: row["sortOrder"], active: row["active"]),
            regionName: row["regionName"])
    }

    /// The active branches a buyer of a region sees: those of the region and those without one
    /// (a head office); `nil` (a visitor, staff): every active branch.
    public func visibleBranches(regionId: Int64?, everyRegion: Bool) async throws -> [BranchRow] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT b.*, r.name AS regionName FROM branch b LEFT JOIN region r ON r.id = b.regionId
                    WHERE b.active = 1 AND (:every OR b.regionId IS NULL OR b.regionId = :region)
                    ORDER BY b.regionId IS NOT NULL, r.sortOrder, r.name, b.sortOrder, b.name
                    """, arguments: ["every": everyRegion, "region": regionId]
            ).map(Self.branchRow)
        }
    }

    /// Creates or updates a branch. Audited. Returns the id.
    @discardableResult
    public func saveBranch(_ entry: BranchEntry, actor: Principal, now: Date = Date()) async throws -> Int64 {
        if let error = entry.validate() { throw error }
        @Sendable func clean(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
        return try await write { db in
            try Self.checkRegionChoice(db, entry.regionId)
            let id = try Self.saveRow(
                db, table: "branch", id: entry.id,
                columns: ["regionId", "name", "address", "phone", "email", "hours", "sortOrder", "active", "updatedAt"],
                values: [
                    entry.regionId, clean(entry.name), clean(entry.address), clean(entry.phone), clean(entry.email), clean(entry.hours), entry.sortOrder,
                    entry.active, Self.stamp(now),
                ])
            let who = Self.auditActor(actor)
            try Self.audit(
                db, actor: who.actor, actingAs: who.actingAs, action: entry.id == nil ? "branch.create" : "branch.update", objectType: "branch",
                objectId: String(id), details: ["name": clean(entry.name), "regionId": entry.regionId.map(String.init) ?? ""], now: now)
            return id
        }
    }

    /// Deletes a branch (nothing refers to one). Audited.
    public func deleteBranch(id: Int64, actor: Principal, now: Date = Date()) async throws {
        try await write { db in
            guard let name = try String.fetchOne(db, sql: "SELECT name FROM branch WHERE id = ?", arguments: [id]) else { throw Self.notFoundError }
            try db.execute(sql: "DELETE FROM branch WHERE id = ?", arguments: [id])
            let who = Self.auditActor(actor)
            try Self.audit(db, actor: who.actor, actingAs: who.actingAs, action: "branch.delete", objectType: "branch", objectId: String(id), details: ["name": name], now: now)
        }
    }
}
