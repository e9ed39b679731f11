import Foundation
import GRDB
import GRDBSQLite
import WholesailCore

extension CatalogImporter {
    /// The alternative unit (not the base unit) of a product that a price names, when the
    /// product has that unit; nil for the base unit, an unknown unit or no unit at all. Never
    /// creates a unit.
    func alternativeUnit(_ text: String?, of product: ExistingProduct, units: [Int64: [Int64: ExactDecimal]]) -> Int64? {
        guard let text = text?.importTrimmed, !text.isEmpty, let own = units[product.id], !own.isEmpty else { return nil }
        var id = cache.unitByCode[text] ?? cache.unitByName[text.lowercased()]
        if id == nil, let code = Self.internationalCodes[text.uppercased()] { id = cache.unitByCode[code] }
        guard let id, id != product.baseUnitId, own[id] != nil else { return nil }
        return id
    }

    struct PriceKey: Hashable {
        var priceType: Int64
        var product: Int64
        var unit: Int64
    }

    struct StockKey: Hashable {
        var product: Int64
        var warehouse: Int64
    }

    /// Offers: prices per price type and stock per warehouse of products and their variants.
    /// Prices and stock are compared with what is stored and only differences are written; the
    /// reserved quantities of stock are never touched.
    func applyOffers(_ db: Database) throws {
        guard !pendingOffers.isEmpty else { return }
        var erpIds = Set<String>()
        var skus = Set<String>()
        for (offer, _, keying, _) in pendingOffers {
            erpIds.insert(offer.id.raw)
            erpIds.insert(offer.id.productID)
            if keying == .flexible { skus.insert(offer.id.raw) }
        }
        var byErp = try Self.existingProducts(db, erpIds: Array(erpIds))
        let bySku = try Self.existingProducts(db, skus: Array(skus))
        let now = WholesailDatabase.stamp(Date())

        // Which product each offer prices (variants created from their product on first sight).
        var targets: [ExistingProduct?] = []
        targets.reserveCapacity(pendingOffers.count)
        for (offer, file, keying, _) in pendingOffers {
            fileName = file
            var target: ExistingProduct?
            if keying == .flexible {
                target = byErp[offer.id.raw] ?? bySku[offer.id.raw.lowercased()]
            } else if offer.id.variantID == nil {
                // "<product>" or "<product>#" (an empty characteristic) price the product itself.
                target = byErp[offer.id.raw] ?? byErp[offer.id.productID]
            } else {
                target = byErp[offer.id.raw]
                if let parent = byErp[offer.id.productID] {
                    target = try applyVariant(db, offer, existing: target, parent: parent, now: now)
                    if let target { byErp[offer.id.raw] = target }
                }
            }
            if target == nil {
                addIssue(
                    line: offer.line, entity: "offer", erpId: offer.id.raw, code: "import.unknown_product",
                    message: "Line \(offer.line): the offer is for a product that is not in the catalog; it was skipped.", severity: "warning")
                counts.add("offer", .failed)
            } else if offer.markedForDeletion == true, var found = target, found.active {
                try db.execute(sql: "UPDATE product SET active = 0, updatedAt = ? WHERE id = ?", arguments: [now, found.id])
                counts.add("product", .deleted)
                noteCatalogChange(db, productId: found.id)
                found.active = false
                target = found
            }
            targets.append(target)
        }
        let productIds = Array(Set(targets.compactMap { $0?.id }))
        guard !productIds.isEmpty else { return }
        let idList = "[" + productIds.map(String.init).joined(separator: ",") + "]"
        var prices: [PriceKey: Int64] = [:]
        let priceRows = try Row.fetchCursor(
            db, sql: "SELECT priceTypeId, productId, unitId, amountMinor FROM price WHERE productId IN (SELECT value FROM json_each(?))", arguments: [idList])
        while let row = try priceRows.next() {
            prices[PriceKey(priceType: row["priceTypeId"], product: row["productId"], unit: row["unitId"])] = row["amountMinor"]
        }
        // The alternative units of these products (unit → base units in one), for per-unit prices.
        var productUnits: [Int64: [Int64: ExactDecimal]] = [:]
        let unitRows = try Row.fetchCursor(
            db, sql: "SELECT productId, unitId, factor FROM productUnit WHERE productId IN (SELECT value FROM json_each(?))", arguments: [idList])
        while let row = try unitRows.next() {
            if let factor = ExactDecimal(parsing: row["factor"] as String), factor.units > 0 { productUnits[row["productId"], default: [:]][row["unitId"]] = factor }
        }
        var stock: [StockKey: Int64] = [:]
        let stockRows = try Row.fetchCursor(
            db, sql: "SELECT productId, warehouseId, qtyMilli FROM stock WHERE productId IN (SELECT value FROM json_each(?))", arguments: [idList])
        while let row = try stockRows.next() {
            stock[StockKey(product: row["productId"], warehouse: row["warehouseId"])] = row["qtyMilli"]
        }
        let writePrice = try db.cachedStatement(
            sql: """
                INSERT INTO price (priceTypeId, productId, unitId, amountMinor, updatedAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (priceTypeId, productId, unitId) DO UPDATE SET amountMinor = excluded.amountMinor, updatedAt = excluded.updatedAt
                """)
        let writeStock = try db.cachedStatement(
            sql: """
                INSERT INTO stock (productId, warehouseId, qtyMilli, updatedAt) VALUES (?, ?, ?, ?)
                ON CONFLICT (productId, warehouseId) DO UPDATE SET qtyMilli = excluded.qtyMilli, updatedAt = excluded.updatedAt
                """)

        for (index, entry) in pendingOffers.enumerated() {
            guard let product = targets[index] else { continue }
            let offer = entry.offer
            fileName = entry.file
            var changed = false
            // Prices: one per price type and unit (1C files sometimes repeat a price type in an offer: the last wins).
            // A price for one of the product's alternative units (a box) is also kept as that unit's own price.
            var offerPrices: [(price: CommerceML.Price, unit: Int64?)] = []
            offerPrices.reserveCapacity(offer.prices.count)
            for price in offer.prices.reversed() {
                let unit = alternativeUnit(price.unit, of: product, units: productUnits)
                guard !offerPrices.contains(where: { $0.unit == unit && $0.price.priceTypeID == price.priceTypeID }) else { continue }
                offerPrices.append((price, unit))
            }
            offerPrices.reverse()
            if offerPrices.count < offer.prices.count {
                addIssue(
                    line: offer.line, entity: "price", erpId: offer.id.raw, code: "import.duplicate_price",
                    message: "Line \(offer.line): the offer gives a price type more than once; the last price was used.", severity: "warning")
            }
            // Price types that have a price for the base unit itself in this offer.
            let baseTyped = Set(offerPrices.filter { $0.unit == nil }.map(\.price.priceTypeID))
            func writePriceRow(_ type: Int64, _ unit: Int64, _ minor: Int64) throws {
                let key = PriceKey(priceType: type, product: product.id, unit: unit)
                if let old = prices[key] {
                    if old == minor {
                        counts.add("price", .unchanged)
                        return
                    }
                    counts.add("price", .updated)
                } else {
                    counts.add("price", .created)
                }
                try Self.run(writePrice, db, type, product.id, unit, minor, text: now)
                prices[key] = minor
                changed = true
            }
            for (price, altUnit) in offerPrices {
                guard let value = price.value, let amount = ExactDecimal.importValue(value) else {
                    counts.add("price", .failed)
                    continue
                }
                let type = try resolvePriceType(db, price.priceTypeID, currencyHint: price.currency, keying: entry.keying, line: offer.line)
                guard amount.units >= 0 else {
                    addIssue(
                        line: offer.line, entity: "price", erpId: offer.id.raw, code: "import.negative_price",
                        message: "Line \(offer.line): the price \(value) is negative; it was skipped.")
                    counts.add("price", .failed)
                    continue
                }
                var factor = ExactDecimal(1)
                if let raw = price.coefficient {
                    guard let parsed = ExactDecimal.importValue(raw), parsed.units > 0 else {
                        addIssue(
                            line: offer.line, entity: "price", erpId: offer.id.raw, code: "import.bad_coefficient",
                            message: "Line \(offer.line): the unit coefficient \(raw) is not a positive number; the price was skipped.")
                        counts.add("price", .failed)
                        continue
                    }
                    factor = parsed
                } else if let altUnit, let known = productUnits[product.id]?[altUnit] {
                    factor = known
                }
                if let raw = price.currency, raw != type.currency, let written = isoCode(raw), written != type.currency {
                    warnOnce(
                        "price-currency:\(written):\(type.id)", entity: "price", erpId: offer.id.raw, code: "import.price_currency",
                        message: "Line \(offer.line): a price is in \(written) but its price type is in \(type.currency); it is stored as \(type.currency).",
                        line: offer.line)
                }
                let scale = Money.scale(of: type.currency)
                if let altUnit {
                    // The unit's own price, as given; and the base unit's (÷ factor) unless the offer prices the base unit too.
                    let own = Money.rounded(numerator: Int128(amount.units) * Int128(scale), denominator: Int128(amount.scale))
                    try writePriceRow(type.id, altUnit, own)
                    if baseTyped.contains(price.priceTypeID) { continue }
                }
                if factor != ExactDecimal(1) && altUnit == nil {
                    warnOnce(
                        "coefficient", entity: "price", erpId: offer.id.raw, code: "import.pack_price",
                        message: "Line \(offer.line): prices are given per pack (coefficient \(factor)); they are stored per base unit (price ÷ coefficient).",
                        line: offer.line)
                }
                let minor = Money.rounded(
                    numerator: Int128(amount.units) * Int128(scale) * Int128(factor.scale),
                    denominator: Int128(amount.scale) * Int128(factor.units))
                try writePriceRow(type.id, product.baseUnitId, minor)
            }
            // Stock.
            func setStock(_ warehouse: Int64, _ raw: String?, reference: String) throws {
                guard let raw, let quantity = ExactDecimal.importValue(raw) else {
                    counts.add("stock", .failed)
                    return
                }
                guard quantity.units >= 0 else {
                    addIssue(
                        line: offer.line, entity: "stock", erpId: offer.id.raw, code: "import.negative_stock",
                        message: "Line \(offer.line): the stock \(raw) at \(reference) is negative; it was skipped.")
                    counts.add("stock", .failed)
                    return
                }
                let milli = quantity.scaled(to: 1000, rounding: true) ?? 0
                try writeQuantity(warehouse, milli)
            }
            func writeQuantity(_ warehouse: Int64, _ milli: Int64) throws {
                let key = StockKey(product: product.id, warehouse: warehouse)
                if let old = stock[key] {
                    if old == milli {
                        counts.add("stock", .unchanged)
                        return
                    }
                    counts.add("stock", .updated)
                } else {
                    counts.add("stock", .created)
                }
                try Self.run(writeStock, db, product.id, warehouse, milli, text: now)
                stock[key] = milli
                changed = true
            }
            if !offer.stocks.isEmpty {
                var listed = Set<Int64>()
                for entry2 in offer.stocks {
                    let warehouse = try resolveWarehouse(db, entry2.warehouseID, keying: entry.keying, line: offer.line)
                    listed.insert(warehouse)
                    try setStock(warehouse, entry2.quantity, reference: entry2.warehouseID)
                }
                // CommerceML lists an offer's stock by warehouse: a warehouse left out has none.
                if entry.keying == .erpId {
                    for warehouse in cache.erpWarehouses where !listed.contains(warehouse) {
                        if let old = stock[StockKey(product: product.id, warehouse: warehouse)], old > 0 { try writeQuantity(warehouse, 0) }
                    }
                }
            } else if offer.quantity != nil {
                try setStock(try defaultWarehouse(db), offer.quantity, reference: "the main warehouse")
            }
            counts.add("offer", changed ? .updated : .unchanged)
        }
        // The rows were written with SQLite's own calls: tell observers (the price matrix).
        try db.notifyChanges(in: Table("price"))
        try db.notifyChanges(in: Table("stock"))
    }

    /// Runs a prepared statement whose parameters are integers and then one text, with SQLite's
    /// own binding calls: an offers file is hundreds of thousands of these rows.
    static func run(_ statement: Statement, _ db: Database, _ integers: Int64..., text: String) throws {
        let handle = statement.sqliteStatement
        for (index, value) in integers.enumerated() { sqlite3_bind_int64(handle, Int32(index + 1), value) }
        bindText(handle, Int32(integers.count + 1), text)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
        }
    }

    /// A variant (`<product>#<characteristic>`) is a product row of its own, made from its
    /// product: same unit, brand, description, categories and properties, plus its
    /// characteristics; named by the offer. Refreshed when the offer's description or its
    /// product changes; offers without a description (prices, rests) only price it.
    func applyVariant(_ db: Database, _ offer: CommerceML.Offer, existing: ExistingProduct?, parent: ExistingProduct, now: String) throws -> ExistingProduct? {
        let descriptive = offer.name != nil || !offer.characteristics.isEmpty || !offer.propertyValues.isEmpty
        if let existing, !descriptive { return existing }
        var hasher = StableHasher()
        hasher.combine("variant.v1")
        hasher.combine(offer.id.raw)
        hasher.combine(offer.name)
        hasher.combine(offer.article)
        hasher.combine(offer.barcode)
        for characteristic in offer.characteristics {
            hasher.combine(characteristic.name)
            hasher.combine(characteristic.value)
        }
        for value in offer.propertyValues {
            hasher.combine(value.propertyID)
            hasher.combine(value.values)
        }
        hasher.combine(parent.hash)
        hasher.combine(offer.markedForDeletion ?? false)
        let hash = hasher.finalize()
        if let existing, existing.hash == hash {
            counts.add("variant", .unchanged)
            return existing
        }
        guard
            let base = try Row.fetchOne(
                db, sql: "SELECT sku, name, brandId, description, baseUnitId, vatRate, weightGrams, minQtyMilli, stepQtyMilli, active FROM product WHERE id = ?",
                arguments: [parent.id])
        else { return existing }
        let suffix = offer.characteristics.map(\.value).filter { !$0.isEmpty }.joined(separator: ", ")
        let parentName: String = base["name"]
        let name = (offer.name ?? (suffix.isEmpty ? parentName : "\(parentName) (\(suffix))")).clipped(1000)
        let parentSku: String = base["sku"]
        let article = offer.article?.importTrimmed
        let desired = article.flatMap { $0.isEmpty || $0.lowercased() == parentSku.lowercased() ? nil : $0 }
            ?? "\(parentSku)-\(offer.id.variantID?.prefix(8) ?? "")"
        guard let sku = try chooseSku(db, desired: desired, fallback: offer.id.raw, current: existing) else { return existing }
        let properties = try resolveProperties(db, offer.propertyValues, characteristics: offer.characteristics, line: offer.line, erpId: offer.id.raw)
        let active = offer.markedForDeletion != true && base["active"] as Bool
        var search = [name, sku, article ?? ""]
        for property in properties where cache.searchableProperties.contains(property.propertyId) {
            if let text = property.text ?? property.valueId.flatMap({ cache.valueText[$0] }) { search.append(text) }
        }
        let searchText = SearchText.normalize(search.joined(separator: " "))
        let id: Int64
        if let existing {
            try db.execute(
                sql: """
                    UPDATE product SET sku = ?, article = ?, barcode = ?, name = ?, brandId = ?, description = ?, baseUnitId = ?, vatRate = ?,
                        weightGrams = ?, active = ?, searchText = ?, contentHash = ?, updatedAt = ? WHERE id = ?
                    """,
                arguments: [
                    sku, article, offer.barcode, name, base["brandId"] as Int64?, base["description"] as String, base["baseUnitId"] as Int64,
                    base["vatRate"] as String, base["weightGrams"] as Int64?, active, searchText, hash, now, existing.id,
                ])
            id = existing.id
            counts.add("variant", .updated)
            try db.execute(sql: "DELETE FROM productCategory WHERE productId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM productProperty WHERE productId = ?", arguments: [id])
        } else {
            try db.execute(
                sql: """
                    INSERT INTO product (erpId, sku, article, barcode, name, brandId, description, baseUnitId, minQtyMilli, stepQtyMilli, weightGrams,
                        vatRate, active, searchText, contentHash, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    offer.id.raw, sku, article, offer.barcode, name, base["brandId"] as Int64?, base["description"] as String,
                    base["baseUnitId"] as Int64, base["minQtyMilli"] as Int64, base["stepQtyMilli"] as Int64, base["weightGrams"] as Int64?,
                    base["vatRate"] as String, active, searchText, hash, now, now,
                ])
            id = db.lastInsertedRowID
            counts.add("variant", .created)
        }
        try db.execute(
            sql: "INSERT INTO productCategory (productId, categoryId, isPrimary) SELECT ?, categoryId, isPrimary FROM productCategory WHERE productId = ?",
            arguments: [id, parent.id])
        try db.execute(
            sql: """
                INSERT INTO productProperty (productId, propertyId, valueId, textValue, numberValue)
                SELECT ?, propertyId, valueId, textValue, numberValue FROM productProperty WHERE productId = ?
                """, arguments: [id, parent.id])
        let writer = try ProductWriter(db)
        for property in properties {
            try db.execute(sql: "DELETE FROM productProperty WHERE productId = ? AND propertyId = ?", arguments: [id, property.propertyId])
            try writer.insertProperty(id, property)
        }
        noteCatalogChange(db, productId: id)
        return ExistingProduct(id: id, erpId: offer.id.raw, sku: sku, hash: hash, active: active, baseUnitId: base["baseUnitId"])
    }

    // MARK: Counterparties

    /// Counterparties by ERP id, else by INN and KPP; name, legal name, INN, KPP, legal address
    /// and (CSV/JSON) the price type are kept in step with the ERP.
    func applyCounterparties(_ db: Database) throws {
        for (counterparty, file) in pendingCounterparties {
            fileName = file
            let erpId = counterparty.id.isEmpty ? nil : counterparty.id
            let name = [counterparty.name, counterparty.officialName, counterparty.fullName, erpId]
                .compactMap { $0?.importTrimmed }.first { !$0.isEmpty }
            guard let name else {
                addIssue(line: counterparty.line, entity: "counterparty", erpId: erpId, code: "import.counterparty_without_name",
                         message: "Line \(counterparty.line): the counterparty has no name.")
                counts.add("counterparty", .failed)
                continue
            }
            let fullName = counterparty.officialName ?? counterparty.fullName
            let address = counterparty.addresses.first { $0.kind == "ЮридическийАдрес" }?.presentation ?? counterparty.addresses.first?.presentation
            var priceTypeId: Int64?
            if let reference = counterparty.contacts.first(where: { $0.type == TableImportReader.priceTypeContact })?.value {
                priceTypeId = try resolvePriceType(db, reference, currencyHint: nil, keying: .flexible, line: counterparty.line).id
            }
            var row: Row?
            if let erpId { row = try Row.fetchOne(db, sql: "SELECT * FROM counterparty WHERE erpId = ?", arguments: [erpId]) }
            if row == nil, let inn = counterparty.inn, !inn.isEmpty {
                row = try Row.fetchOne(
                    db, sql: "SELECT * FROM counterparty WHERE inn = ? AND coalesce(kpp, '') = ? AND (erpId IS NULL OR ? IS NULL) ORDER BY id LIMIT 1",
                    arguments: [inn, counterparty.kpp ?? "", erpId])
            }
            let trimmedName = name.clipped(500)
            if let row {
                let id: Int64 = row["id"]
                var same = row["name"] as String == trimmedName
                same = same && row["fullName"] as String? == fullName
                same = same && row["inn"] as String? == counterparty.inn
                same = same && row["kpp"] as String? == counterparty.kpp
                same = same && (address == nil || row["legalAddress"] as String? == address)
                same = same && (priceTypeId == nil || row["priceTypeId"] as Int64? == priceTypeId)
                same = same && (erpId == nil || row["erpId"] as String? == erpId)
                if same {
                    counts.add("counterparty", .unchanged)
                    continue
                }
                try db.execute(
                    sql: """
                        UPDATE counterparty SET name = ?, fullName = ?, inn = ?, kpp = ?, legalAddress = coalesce(?, legalAddress),
                            priceTypeId = coalesce(?, priceTypeId), erpId = coalesce(erpId, ?) WHERE id = ?
                        """, arguments: [trimmedName, fullName, counterparty.inn, counterparty.kpp, address, priceTypeId, erpId, id])
                counts.add("counterparty", .updated)
            } else {
                try db.execute(
                    sql: "INSERT INTO counterparty (erpId, name, fullName, inn, kpp, legalAddress, priceTypeId) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [erpId, trimmedName, fullName, counterparty.inn, counterparty.kpp, address, priceTypeId])
                counts.add("counterparty", .created)
            }
        }
    }

    // MARK: The end of a job

    /// After the last file: a full catalog upload deactivates the products (and their variants)
    /// it did not mention — unless a file failed, when nothing can be concluded from absence.
    /// Then category counts are refreshed (only the touched branches for a small upload).
    public func finishJob(deactivateMissing: Bool) throws {
        try flush()
        let closing = ContinuousClock.now
        defer { timings.closing += ContinuousClock.now - closing }
        if issueCount > storedIssues + pendingIssues.count && storedIssues + pendingIssues.count >= options.maxIssues {
            pendingIssues.append(
                PendingIssue(
                    fileName: nil, line: nil, entity: nil, erpId: nil, severity: "warning", code: "import.too_many_issues",
                    message: "\(issueCount - storedIssues - pendingIssues.count) more issues were counted but not stored."))
        }
        try database.write { db in
            if fullCatalog && deactivateMissing && recordsSeen {
                let missing = try WholesailDatabase.deactivateProducts(db, notIn: "SELECT erpId FROM temp.importSeen")
                if missing > 0 {
                    counts.add("product", .deleted, missing)
                    touchedCategories = []  // recounted in full
                    catalogChanged = false
                }
            }
            if let session = options.exchangeSessionId {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO exchangeSeen (exchangeSessionId, erpId) SELECT ?, erpId FROM temp.importSeen", arguments: [session])
                if !deactivateMissing {
                    try db.execute(sql: "UPDATE exchangeSession SET failedImports = failedImports + 1 WHERE id = ?", arguments: [session])
                }
            }
            if catalogChanged { try WholesailDatabase.refreshCategoryCounts(db, touching: touchedCategories) }
            try storeIssues(db)
            try db.execute(sql: "UPDATE importJob SET rowsDone = ?, bytesDone = ?, counts = ? WHERE id = ?", arguments: [rowsDone, options.bytesDone(), countsJSON(), jobId])
        }
        endJob()
    }

    /// Gives the writer connection back its usual page cache (after `finishJob`, or a job that
    /// stopped half-way) and builds what a first load deferred. The longer checkpoint interval
    /// stays: imports and uploads come again.
    public func endJob() {
        try? database.writeWithoutTransaction { db in
            try db.execute(sql: "DELETE FROM temp.importSeen")
            try db.execute(sql: "PRAGMA cache_size = -2000")
        }
        let start = ContinuousClock.now
        try? database.restoreDeferredImportObjects()
        timings.deferred += ContinuousClock.now - start
    }
}

extension WholesailDatabase {
    /// What a first load drops and builds once at its end (`CatalogImporter.beginJob`): the
    /// search index's triggers and the indexes that no query of the import itself reads (each
    /// costs a B-tree insert per row, most of them at random places; built at the end they are
    /// one sort each).
    static let deferrableImportObjects = [
        "product_fts_insert", "product_fts_update", "product_fts_delete", "productProperty_value", "productProperty_number",
        "product_active_name", "product_article", "product_baseUnit", "product_brand", "price_unit", "stock_warehouse",
    ]

    /// Recreates what a first load dropped (its SQL was kept in `setting`), rebuilding the search
    /// index when its trigger was among them: at the end of the load, or after a crash during it.
    ///
    /// A dropped index is built with SQLite's sorter on temporary files and one helper thread
    /// (`temp_store = MEMORY`, which every connection uses otherwise, keeps the sort on one
    /// thread): the facet index of 3 million property values took 4.2 s that way and 1.6 s this
    /// way. Changing `temp_store` drops the connection's temporary tables, so this runs before a
    /// job makes its own, outside any transaction.
    public func restoreDeferredImportObjects() throws {
        try writeWithoutTransaction { db in
            let pending = try String.fetchAll(db, sql: "SELECT value FROM setting WHERE key LIKE 'import.deferred.%'")
            guard !pending.isEmpty else { return }
            func replay() throws {
                try db.inTransaction(.immediate) {
                    try Self.restoreDeferredImportObjects(db)
                    return .commit
                }
            }
            guard pending.contains(where: { $0.uppercased().hasPrefix("CREATE INDEX") }) else { return try replay() }
            let cacheSize = try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? -2000
            let usual = "PRAGMA temp_store = MEMORY; PRAGMA threads = 0; PRAGMA cache_size = \(cacheSize)"
            defer { try? db.execute(sql: usual) }
            do {
                try db.execute(sql: "PRAGMA temp_store = FILE; PRAGMA threads = 1; PRAGMA cache_size = -4096")
                try replay()
            } catch {
                // No writable temporary folder: sort in memory, on this thread.
                try db.execute(sql: usual)
                try replay()
            }
        }
    }

    /// The deferred objects' SQL replayed inside the caller's transaction.
    static func restoreDeferredImportObjects(_ db: Database) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT key, value FROM setting WHERE key LIKE 'import.deferred.%'")
        var rebuildSearch = false
        for row in rows {
            let key: String = row["key"]
            let name = String(key.dropFirst("import.deferred.".count))
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = ?)", arguments: [name]) == false {
                try db.execute(sql: row["value"])
                if name.hasPrefix("product_fts_") { rebuildSearch = true }
            }
            try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
        }
        if rebuildSearch { try db.execute(sql: "INSERT INTO productFts(productFts) VALUES ('rebuild')") }
    }

    /// Deactivates the active ERP products (a variant by its product's id) whose ids `seenSQL`
    /// (a query of one `erpId` column) does not list, and recounts the categories when any went.
    /// Never deletes: order history keeps them. Returns how many were deactivated.
    static func deactivateProducts(_ db: Database, notIn seenSQL: String, arguments: StatementArguments = []) throws -> Int {
        let now = stamp(Date())
        let missing = try Int64.fetchAll(
            db,
            sql: """
                SELECT id FROM product WHERE erpId IS NOT NULL AND active = 1
                AND (CASE WHEN instr(erpId, '#') > 1 THEN substr(erpId, 1, instr(erpId, '#') - 1) ELSE erpId END) NOT IN (\(seenSQL))
                """, arguments: arguments)
        for chunk in stride(from: 0, to: missing.count, by: 5_000) {
            let ids = missing[chunk..<min(chunk + 5_000, missing.count)]
            try db.execute(
                sql: "UPDATE product SET active = 0, updatedAt = ? WHERE id IN (SELECT value FROM json_each(?))",
                arguments: [now, "[" + ids.map(String.init).joined(separator: ",") + "]"])
        }
        if !missing.isEmpty { try refreshCategoryCounts(db) }
        return missing.count
    }

    /// Recounts active products of the given categories and all their ancestors (a small
    /// upload touches a few branches); falls back to the one-pass full recount (about 0.2 s at
    /// 100,000 products) when many are touched.
    public static func refreshCategoryCounts(_ db: Database, touching categories: Set<Int64>) throws {
        guard !categories.isEmpty else { return }
        // Each branch recount walks the products of its subtree: past a handful of branches the
        // one-pass recount of the whole tree is cheaper.
        guard categories.count <= 16 else { return try refreshCategoryCounts(db) }
        var affected = Set<Int64>()
        for category in categories {
            guard let path = try String.fetchOne(db, sql: "SELECT path FROM category WHERE id = ?", arguments: [category]) else { continue }
            for id in path.split(separator: "/").compactMap({ Int64($0) }) { affected.insert(id) }
            affected.insert(category)
        }
        guard affected.count <= 32 else { return try refreshCategoryCounts(db) }
        for category in affected {
            try db.execute(
                sql: """
                    UPDATE category SET productCount = (
                        SELECT count(DISTINCT pc.productId) FROM productCategory pc JOIN product p ON p.id = pc.productId
                        WHERE p.active = 1 AND p.deleted = 0 AND pc.categoryId IN (
                            SELECT id FROM category WHERE path LIKE (SELECT path FROM category WHERE id = :id) || '%'))
                    WHERE id = :id
                    """, arguments: ["id": category])
        }
    }
}
