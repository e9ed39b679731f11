import Foundation
import GRDB
import GRDBSQLite
import WholesailCore

extension CatalogImporter {
    struct ExistingProduct {
        var id: Int64
        var erpId: String?
        var sku: String
        var hash: String?
        var active: Bool
        var baseUnitId: Int64
    }

    struct ResolvedProperty {
        var propertyId: Int64
        var valueId: Int64?
        var text: String?
        var number: Double?
    }

    static func jsonArray(_ values: [String]) -> String {
        (try? String(decoding: JSONEncoder().encode(values), as: UTF8.self)) ?? "[]"
    }

    static func existingProducts(_ db: Database, erpIds: [String]) throws -> [String: ExistingProduct] {
        guard !erpIds.isEmpty else { return [:] }
        var result: [String: ExistingProduct] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, erpId, sku, contentHash, active, baseUnitId FROM product WHERE erpId IN (SELECT value FROM json_each(?))",
            arguments: [jsonArray(erpIds)])
        while let row = try rows.next() {
            let erpId: String = row["erpId"]
            result[erpId] = ExistingProduct(id: row["id"], erpId: erpId, sku: row["sku"], hash: row["contentHash"], active: row["active"], baseUnitId: row["baseUnitId"])
        }
        return result
    }

    static func existingProducts(_ db: Database, skus: [String]) throws -> [String: ExistingProduct] {
        guard !skus.isEmpty else { return [:] }
        var result: [String: ExistingProduct] = [:]
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, erpId, sku, contentHash, active, baseUnitId FROM product WHERE sku IN (SELECT value FROM json_each(?))",
            arguments: [jsonArray(skus)])
        while let row = try rows.next() {
            let sku: String = row["sku"]
            result[sku.lowercased()] = ExistingProduct(
                id: row["id"], erpId: row["erpId"], sku: sku, hash: row["contentHash"], active: row["active"], baseUnitId: row["baseUnitId"])
        }
        return result
    }

    // MARK: Products

    func applyProducts(_ db: Database) throws {
        guard !pendingProducts.isEmpty else { return }
        var byErp = try Self.existingProducts(db, erpIds: pendingProducts.compactMap { $0.product.id.isEmpty ? nil : $0.product.id })
        var bySku = try Self.existingProducts(
            db, skus: pendingProducts.compactMap { $0.product.id.isEmpty || $0.keying == .flexible ? $0.product.article : nil })
        let writer = try ProductWriter(db)
        let now = WholesailDatabase.stamp(Date())
        for (product, file, keying, _, prepared) in pendingProducts {
            fileName = file
            let existing: ExistingProduct?
            if !product.id.isEmpty {
                existing = byErp[product.id] ?? (keying == .flexible ? product.article.flatMap { bySku[$0.lowercased()] } : nil)
            } else if let sku = product.article {
                existing = bySku[sku.lowercased()]
            } else {
                addIssue(line: product.line, entity: "product", erpId: nil, code: "cml.missing_id", message: "Line \(product.line): a product has neither an id nor a SKU.")
                counts.add("product", .failed)
                continue
            }
            if let written = try applyProduct(db, product, prepared: prepared, existing: existing, keying: keying, writer: writer, now: now) {
                if let erpId = written.erpId { byErp[erpId] = written }
                bySku[written.sku.lowercased()] = written
                if recordsSeen, let erpId = written.erpId, !product.isDeleted { try writer.seen(CommerceML.ItemID(erpId).productID) }
            }
        }
        // New products and property rows were written with SQLite's own calls: tell observers
        // (facets, prices, the catalog index).
        try db.notifyChanges(in: Table("product"))
        try db.notifyChanges(in: Table("productProperty"))
    }

    /// What a product's row needs that the database does not decide: its package files, content
    /// hash, description and VAT. The parser's thread works it out (`preparer`) while the writer
    /// applies the previous batch, so the writer's time goes to SQL.
    public struct PreparedProduct: @unchecked Sendable {
        let images: [Attachment?]
        let files: [(Attachment?, String?)]
        let hash: String
        let description: String
        let vat: String
    }

    /// Prepares products on another thread. It reads only the job's package-file lookup, which
    /// stays the same for the whole job: set `options` before asking for it.
    public var preparer: (CommerceML.Product) -> PreparedProduct {
        let options = self.options
        return { product in Self.prepare(product, options: options) }
    }

    static func prepare(_ product: CommerceML.Product, options: Options) -> PreparedProduct {
        let attachments = attachmentsOf(product, options: options)
        return PreparedProduct(
            images: attachments.images, files: attachments.files, hash: contentHash(product, images: attachments.images, files: attachments.files),
            description: descriptionHTML(product), vat: vatRate(product.taxRates))
    }

    /// Images and files of a product resolved to stored blobs (nil: not in the package).
    static func attachmentsOf(_ product: CommerceML.Product, options: Options) -> (images: [Attachment?], files: [(Attachment?, String?)]) {
        guard options.hasAttachments else { return (product.images.map { _ in nil }, product.files.map { (nil, $0.caption) }) }
        let images = product.images.map { path in ImportFiles.normalizedPath(path).flatMap { options.attachments($0) } }
        let files = product.files.map { file in (ImportFiles.normalizedPath(file.path).flatMap { options.attachments($0) }, file.caption) }
        return (images, files)
    }

    static func contentHash(_ product: CommerceML.Product, images: [Attachment?], files: [(Attachment?, String?)]) -> String {
        var hasher = StableHasher()
        hasher.combine("product.v1")
        hasher.combine(product.id)
        hasher.combine(product.name)
        hasher.combine(product.fullName)
        hasher.combine(product.article)
        hasher.combine(product.barcode)
        hasher.combine(product.description)
        hasher.combine(product.baseUnit?.code)
        hasher.combine(product.baseUnit?.name)
        hasher.combine(product.baseUnit?.fullName)
        hasher.combine(product.baseUnit?.internationalAbbreviation)
        for conversion in product.baseUnit?.conversions ?? [] {
            hasher.combine(conversion.unit)
            hasher.combine(conversion.coefficient)
        }
        hasher.combine(product.groupIDs)
        hasher.combine(product.images)
        hasher.combine(images.map { $0?.sha256 ?? "-" })
        for (file, caption) in files {
            hasher.combine(file?.sha256 ?? "-")
            hasher.combine(caption)
        }
        hasher.combine(product.manufacturer?.name)
        hasher.combine(product.brand)
        hasher.combine(product.country)
        hasher.combine(String(product.propertyValues.count))
        for value in product.propertyValues {
            hasher.combine(value.propertyID)
            hasher.combine(value.values)
        }
        for rate in product.taxRates {
            hasher.combine(rate.name)
            hasher.combine(rate.rate)
        }
        for characteristic in product.characteristics {
            hasher.combine(characteristic.name)
            hasher.combine(characteristic.value)
        }
        for requisite in product.requisites {
            hasher.combine(requisite.name)
            hasher.combine(requisite.value)
        }
        hasher.combine(product.weight)
        hasher.combine(product.isDeleted)
        return hasher.finalize()
    }

    /// One product: skipped when its hash is unchanged, else written with its categories,
    /// properties, units and images. Returns the row as it now is (nil when refused).
    func applyProduct(
        _ db: Database, _ product: CommerceML.Product, prepared: PreparedProduct?, existing: ExistingProduct?, keying: Keying, writer: ProductWriter,
        now: String
    ) throws -> ExistingProduct? {
        let prepared = prepared ?? Self.prepare(product, options: options)
        let attachments = (images: prepared.images, files: prepared.files)
        let hash = prepared.hash
        let active = !product.isDeleted
        if var existing, existing.hash == hash {
            if existing.active != active {
                try db.execute(sql: "UPDATE product SET active = ?, updatedAt = ? WHERE id = ?", arguments: [active, now, existing.id])
                counts.add("product", active ? .updated : .deleted)
                existing.active = active
                noteCatalogChange(db, productId: existing.id)
            } else {
                counts.add("product", .unchanged)
            }
            return existing
        }
        let erpId = product.id.isEmpty ? nil : product.id
        guard
            let name = [product.name, product.fullName, product.requisites.value(named: "Полное наименование"), product.article, erpId]
                .compactMap({ $0?.importTrimmed }).first(where: { !$0.isEmpty })
        else {
            addIssue(line: product.line, entity: "product", erpId: erpId, code: "import.product_without_name", message: "Line \(product.line): the product has no name.")
            counts.add("product", .failed)
            return nil
        }
        if product.name == nil {
            addIssue(
                line: product.line, entity: "product", erpId: erpId, code: "import.product_without_name",
                message: "Line \(product.line): the product has no name; \"\(name.prefix(80))\" is used.", severity: "warning")
        }
        let unitId = try resolveUnit(db, product.baseUnit)
        let brand = try brandId(db, product.brand ?? product.manufacturer?.name)
        let article = product.article.map { $0.clipped(255) }
        let desiredSku: String? =
            keying == .flexible
            ? article : ([article, product.requisites.value(named: "Код")].compactMap { $0?.importTrimmed }.first { !$0.isEmpty })
        guard let sku = try chooseSku(db, desired: desiredSku, fallback: erpId ?? desiredSku ?? name, current: existing) else {
            addIssue(line: product.line, entity: "product", erpId: erpId, code: "import.sku_taken", message: "Line \(product.line): no free SKU for the product.")
            counts.add("product", .failed)
            return nil
        }
        if let desiredSku, sku.lowercased() != desiredSku.lowercased(), existing == nil {
            addIssue(
                line: product.line, entity: "product", erpId: erpId, code: "import.sku_taken",
                message: "Line \(product.line): the SKU \"\(desiredSku)\" belongs to another product; this one got \"\(sku)\".", severity: "warning")
        }
        let description = prepared.description
        let vat = prepared.vat
        let weight = (product.weight ?? product.requisites.value(named: "Вес")).flatMap(ExactDecimal.importValue).flatMap {
            $0.scaled(to: 1000, rounding: true)
        }.flatMap { $0 >= 0 ? $0 : nil }
        let pack = product.requisites.value(named: "Кратность").flatMap(ExactDecimal.importValue).flatMap { $0.scaled(to: 1000, rounding: true) }
            .flatMap { $0 > 0 ? $0 : nil }
        let properties = try resolveProperties(db, product.propertyValues, characteristics: product.characteristics, line: product.line, erpId: erpId)
        var search = [name, sku, article ?? "", product.barcode ?? ""]
        if let brandName = product.brand ?? product.manufacturer?.name { search.append(brandName) }
        for property in properties where cache.searchableProperties.contains(property.propertyId) {
            if let text = property.text ?? property.valueId.flatMap({ cache.valueText[$0] }) { search.append(text) }
        }
        let searchText = SearchText.normalize(search.joined(separator: " "))
        let productId: Int64
        if let existing {
            try writer.update.execute(arguments: [
                sku, article, product.barcode, name.clipped(1000), brand, description, unitId, pack, pack, weight, vat, active, searchText, hash, now,
                erpId ?? existing.erpId, existing.id,
            ])
            productId = existing.id
            counts.add("product", active ? .updated : .deleted)
        } else {
            productId = try writer.insertProduct(
                erpId: erpId, sku: sku, article: article, barcode: product.barcode, name: name.clipped(1000), brand: brand, description: description,
                unit: unitId, pack: pack ?? 1000, weight: weight, vat: vat, active: active, searchText: searchText, hash: hash, now: now)
            counts.add("product", active ? .created : .deleted)
        }
        // Categories through the group mapping.
        var categories: [Int64] = []
        for group in product.groupIDs {
            if let mapped = cache.groupByErp[group]?.categories {
                for category in mapped where !categories.contains(category) { categories.append(category) }
            } else {
                warnOnce(
                    "group:\(group)", entity: "product", erpId: erpId, code: "import.unknown_group",
                    message: "Line \(product.line): products refer to the group \(group), which is not in the classifier.", line: product.line)
            }
        }
        if existing != nil {
            let old = try Int64.fetchAll(db.cachedStatement(sql: "SELECT categoryId FROM productCategory WHERE productId = ?"), arguments: [productId])
            touchedCategories.formUnion(old)
            try writer.deleteCategories.execute(arguments: [productId])
        }
        for (index, category) in categories.enumerated() {
            try writer.insertCategory.execute(arguments: [productId, category, index == 0])
        }
        touchedCategories.formUnion(categories)
        catalogChanged = true
        // Properties.
        if existing != nil { try writer.deleteProperties.execute(arguments: [productId]) }
        try writer.insertProperties(productId, properties)
        // Other units (packs) from Пересчет.
        try applyProductUnits(
            db, productId: productId, baseUnitId: unitId, conversions: product.baseUnit?.conversions ?? [], line: product.line, erpId: erpId,
            fresh: existing == nil)
        try applyImages(db, productId: productId, images: attachments.images, files: attachments.files, fresh: existing == nil)
        return ExistingProduct(id: productId, erpId: erpId ?? existing?.erpId, sku: sku, hash: hash, active: active, baseUnitId: unitId)
    }

    func noteCatalogChange(_ db: Database, productId: Int64) {
        catalogChanged = true
        if let categories = try? Int64.fetchAll(db.cachedStatement(sql: "SELECT categoryId FROM productCategory WHERE productId = ?"), arguments: [productId]) {
            touchedCategories.formUnion(categories)
        }
    }

    /// A SKU for a product: the one asked for when free (or already its own); an existing
    /// product keeps its SKU otherwise; a new one falls back to its ERP id.
    func chooseSku(_ db: Database, desired: String?, fallback: String, current: ExistingProduct?) throws -> String? {
        func free(_ candidate: String) throws -> Bool {
            guard let owner = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM product WHERE sku = ?"), arguments: [candidate]) else { return true }
            return owner == current?.id
        }
        if let desired = desired.map({ $0.clipped(255) }), !desired.isEmpty {
            if let current, current.sku.lowercased() == desired.lowercased() { return current.sku }
            if try free(desired) { return desired }
        }
        if let current { return current.sku }
        let base = fallback.clipped(240)
        if try free(base) { return base }
        for attempt in 2...50 where try free("\(base)-\(attempt)") { return "\(base)-\(attempt)" }
        return nil
    }

    /// The product's description as the safe HTML subset: 1C's plain text is escaped (line
    /// breaks kept); HTML (`ОписаниеВФорматеHTML`, or text that is markup) is sanitized.
    static func descriptionHTML(_ product: CommerceML.Product) -> String {
        if let html = product.requisites.value(named: "ОписаниеВФорматеHTML"), !html.isEmpty {
            return HTMLSanitizer.sanitize(html)
        }
        guard let text = product.description?.importTrimmed, !text.isEmpty else { return "" }
        if text.utf8.contains(UInt8(ascii: "<")),
            text.range(of: #"</?(p|br|ul|ol|li|b|strong|i|em|table|tr|td|h[1-6]|div|span)\b"#, options: [.regularExpression, .caseInsensitive]) != nil
        {
            return HTMLSanitizer.sanitize(text)
        }
        let special: Set<UInt8> = [UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), 10, 13]
        if !text.utf8.contains(where: { special.contains($0) }) { return text }
        let bytes = Array(text.utf8)
        var escaped: [UInt8] = []
        escaped.reserveCapacity(bytes.count + 32)
        for (index, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "&"): escaped.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): escaped.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): escaped.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): escaped.append(contentsOf: "&quot;".utf8)
            case 10: escaped.append(contentsOf: "<br>".utf8)
            case 13: if index + 1 == bytes.count || bytes[index + 1] != 10 { escaped.append(contentsOf: "<br>".utf8) }
            default: escaped.append(byte)
            }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    /// VAT as the portal stores it: "20", "10", "0" (`Без НДС` / `Без налога`).
    static func vatRate(_ rates: [CommerceML.TaxRate]) -> String {
        for rate in rates {
            guard let raw = rate.rate?.importTrimmed, !raw.isEmpty else { continue }
            if raw.lowercased().hasPrefix("без") { return "0" }
            let digits = raw.replacingOccurrences(of: "%", with: "").importTrimmed
            if let value = DecimalText.canonical(digits), let decimal = ExactDecimal(parsing: value), decimal.units >= 0 { return value }
        }
        return "20"
    }

    /// Property values of a record, resolved to property and value ids. Reference values by id,
    /// then by text; a value that resolves to nothing is kept by its text.
    func resolveProperties(
        _ db: Database, _ values: [CommerceML.PropertyValue], characteristics: [CommerceML.Characteristic], line: Int, erpId: String?
    ) throws -> [ResolvedProperty] {
        var result: [ResolvedProperty] = []
        result.reserveCapacity(values.count + characteristics.count)
        var seen = Set<Int64>(minimumCapacity: values.count + characteristics.count)
        for value in values {
            // One value is the usual case: no arrays built for it.
            let texts: [String]
            if value.values.count == 1 {
                let text = value.values[0].importTrimmed
                guard !text.isEmpty else { continue }
                texts = text.utf8.count == value.values[0].utf8.count ? value.values : [text]
            } else {
                texts = value.values.compactMap { let text = $0.importTrimmed; return text.isEmpty ? nil : text }
                guard !texts.isEmpty else { continue }
            }
            guard let info = cache.propertyByErp[value.propertyID] else {
                warnOnce(
                    "property:\(value.propertyID)", entity: "product", erpId: erpId, code: "import.unknown_property",
                    message: "Line \(line): values of the property \(value.propertyID), which no classifier declares, were skipped.", line: line)
                continue
            }
            guard seen.insert(info.id).inserted else { continue }
            switch info.kind {
            case "enum", "bool":
                let first = texts[0].clipped(500)
                let valueId: Int64
                if let byId = try loadAndFind(db, property: info.id, erpId: first) {
                    valueId = byId
                } else {
                    valueId = try self.valueId(db, property: info.id, erpId: nil, text: first)
                }
                let joined = texts.count > 1 ? texts.map { cache.valueByErp[info.id]?[$0].flatMap { cache.valueText[$0] } ?? $0 }.joined(separator: "; ") : nil
                result.append(ResolvedProperty(propertyId: info.id, valueId: valueId, text: joined.map { $0.clipped(2000) }, number: nil))
            case "number":
                let canonical = DecimalText.canonical(texts[0])
                result.append(ResolvedProperty(propertyId: info.id, valueId: nil, text: canonical ?? texts[0].clipped(200), number: canonical.flatMap(Double.init)))
            default:
                // A text property whose values are reference ids (some configurations) shows the text.
                try loadValues(db, property: info.id)
                let shown = texts.map { cache.valueByErp[info.id]?[$0].flatMap { cache.valueText[$0] } ?? $0 }
                result.append(ResolvedProperty(propertyId: info.id, valueId: nil, text: shown.joined(separator: "; ").clipped(2000), number: nil))
            }
        }
        for characteristic in characteristics {
            let info = try characteristicProperty(db, name: characteristic.name)
            guard seen.insert(info.id).inserted else { continue }
            let valueId = try self.valueId(db, property: info.id, erpId: nil, text: characteristic.value.clipped(500))
            result.append(ResolvedProperty(propertyId: info.id, valueId: valueId, text: nil, number: nil))
        }
        return result
    }

    private func loadAndFind(_ db: Database, property: Int64, erpId: String) throws -> Int64? {
        try loadValues(db, property: property)
        return cache.valueByErp[property]?[erpId]
    }

    func applyProductUnits(
        _ db: Database, productId: Int64, baseUnitId: Int64, conversions: [CommerceML.UnitConversion], line: Int, erpId: String?, fresh: Bool
    ) throws {
        if fresh && conversions.isEmpty { return }
        var wanted: [(Int64, String)] = []
        for conversion in conversions {
            let factor = conversion.coefficient ?? "1"
            guard let decimal = ExactDecimal(parsing: factor), decimal.units > 0 else { continue }
            let unit = try unitByText(db, conversion.unit)
            guard unit != baseUnitId, decimal != ExactDecimal(1), !wanted.contains(where: { $0.0 == unit }) else { continue }
            wanted.append((unit, decimal.description))
        }
        let current = try Row.fetchAll(db.cachedStatement(sql: "SELECT unitId, factor FROM productUnit WHERE productId = ?"), arguments: [productId]).map {
            ($0["unitId"] as Int64, $0["factor"] as String)
        }
        guard current.map({ "\($0.0)=\($0.1)" }).sorted() != wanted.map({ "\($0.0)=\($0.1)" }).sorted() else { return }
        try db.execute(sql: "DELETE FROM productUnit WHERE productId = ?", arguments: [productId])
        for (unit, factor) in wanted {
            try db.execute(sql: "INSERT INTO productUnit (productId, unitId, factor) VALUES (?, ?, ?)", arguments: [productId, unit, factor])
        }
        if !wanted.isEmpty {
            addIssue(
                line: line, entity: "product", erpId: erpId, code: "import.pack_unit",
                message: "Line \(line): the product has pack units (\(wanted.map(\.1).joined(separator: ", ")) base units each).", severity: "warning")
        }
    }

    /// Photos and files from the package. Imported photos are file rows with an `import:` ERP id;
    /// those are replaced when the record changes, photos an editor added stay.
    func applyImages(_ db: Database, productId: Int64, images: [Attachment?], files: [(Attachment?, String?)], fresh: Bool) throws {
        let raster: Set<ContentSniffer.Kind> = [.png, .jpeg, .gif, .webp]
        var imageFiles: [Int64] = []
        for image in images {
            guard let image else {
                missingImages += 1
                continue
            }
            guard raster.contains(image.kind) else {
                warnOnce(
                    "image:\(image.sha256)", entity: "product", erpId: nil, code: "import.bad_image",
                    message: "\(image.fileName) is not a PNG, JPEG, GIF or WebP image and was not attached.", line: nil)
                continue
            }
            let fileId = try importFile(db, image, title: nil, kind: "image")
            if !imageFiles.contains(fileId) { imageFiles.append(fileId) }
        }
        if !fresh {
            try db.execute(
                sql: "DELETE FROM productImage WHERE productId = ? AND fileId IN (SELECT id FROM file WHERE erpId LIKE 'import:%')",
                arguments: [productId])
        }
        if !imageFiles.isEmpty {
            for (index, fileId) in imageFiles.enumerated() {
                try db.execute(
                    sql: "INSERT INTO productImage (productId, fileId, kind, sortOrder) VALUES (?, ?, 'photo', ?)", arguments: [productId, fileId, index])
            }
        }
        if !fresh || !imageFiles.isEmpty {
            try db.execute(
                sql: """
                    UPDATE product SET mainImageFileId = coalesce(
                        (SELECT fileId FROM productImage WHERE productId = :p AND kind = 'photo' ORDER BY fileId IN (SELECT id FROM file WHERE erpId LIKE 'import:%') DESC, sortOrder LIMIT 1),
                        NULL) WHERE id = :p
                    """, arguments: ["p": productId])
        }
        for (file, caption) in files {
            guard let file else {
                missingImages += 1
                continue
            }
            let fileId = try importFile(db, file, title: caption, kind: "manual")
            try db.execute(sql: "INSERT INTO productDocument (productId, fileId) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [productId, fileId])
        }
    }

    /// The file row of a package file, one per blob and kind.
    func importFile(_ db: Database, _ attachment: Attachment, title: String?, kind: String) throws -> Int64 {
        let key = "import:\(kind):\(attachment.sha256)"
        if let id = cache.imageFileBySha[key] { return id }
        if let id = try Int64.fetchOne(db, sql: "SELECT id FROM file WHERE erpId = ?", arguments: [key]) {
            cache.imageFileBySha[key] = id
            return id
        }
        let name = String((attachment.fileName.split(separator: "/").last.map(String.init) ?? attachment.fileName).prefix(255))
        try db.execute(
            sql: "INSERT INTO file (blobSha256, fileName, title, kind, erpId) VALUES (?, ?, ?, ?, ?)",
            arguments: [attachment.sha256, name.isEmpty ? "file" : name, title.map { $0.clipped(300) }, kind, key])
        let id = db.lastInsertedRowID
        cache.imageFileBySha[key] = id
        counts.add("file", .created)
        return id
    }
}

/// The statements of the product hot path, prepared once per batch. Property rows use SQLite's
/// own binding calls: a 100,000-product catalog with 30 properties each is 3 million of them.
struct ProductWriter {
    let db: Database
    let insert: Statement
    let update: Statement
    let deleteCategories: Statement
    let insertCategory: Statement
    let deleteProperties: Statement
    let property: Statement
    let seenStatement: Statement

    init(_ db: Database) throws {
        self.db = db
        insert = try db.cachedStatement(
            sql: """
                INSERT INTO product (erpId, sku, article, barcode, name, brandId, description, baseUnitId, minQtyMilli, stepQtyMilli,
                    weightGrams, vatRate, active, searchText, contentHash, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        update = try db.cachedStatement(
            sql: """
                UPDATE product SET sku = ?, article = ?, barcode = ?, name = ?, brandId = ?, description = ?, baseUnitId = ?,
                    minQtyMilli = coalesce(?, minQtyMilli), stepQtyMilli = coalesce(?, stepQtyMilli), weightGrams = ?, vatRate = ?, active = ?,
                    searchText = ?, contentHash = ?, updatedAt = ?, erpId = ?
                WHERE id = ?
                """)
        deleteCategories = try db.cachedStatement(sql: "DELETE FROM productCategory WHERE productId = ?")
        insertCategory = try db.cachedStatement(sql: "INSERT OR IGNORE INTO productCategory (productId, categoryId, isPrimary) VALUES (?, ?, ?)")
        deleteProperties = try db.cachedStatement(sql: "DELETE FROM productProperty WHERE productId = ?")
        property = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO productProperty (productId, propertyId, valueId, textValue, numberValue) VALUES (?, ?, ?, ?, ?)")
        seenStatement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO temp.importSeen (erpId) VALUES (?)")
    }

    /// A new product row, bound with SQLite's own calls (GRDB's arguments cost more than the
    /// insert on a first load); returns its id.
    func insertProduct(
        erpId: String?, sku: String, article: String?, barcode: String?, name: String, brand: Int64?, description: String, unit: Int64, pack: Int64,
        weight: Int64?, vat: String, active: Bool, searchText: String, hash: String, now: String
    ) throws -> Int64 {
        let handle = insert.sqliteStatement
        func text(_ index: Int32, _ value: String?) {
            if let value {
                bindText(handle, index, value)
            } else {
                sqlite3_bind_null(handle, index)
            }
        }
        func integer(_ index: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
        }
        text(1, erpId)
        text(2, sku)
        text(3, article)
        text(4, barcode)
        text(5, name)
        integer(6, brand)
        text(7, description)
        integer(8, unit)
        integer(9, pack)
        integer(10, pack)
        integer(11, weight)
        text(12, vat)
        integer(13, active ? 1 : 0)
        text(14, searchText)
        text(15, hash)
        text(16, now)
        text(17, now)
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: insert.sql)
        }
        return sqlite3_last_insert_rowid(db.sqliteConnection)
    }

    func insertProperty(_ productId: Int64, _ value: CatalogImporter.ResolvedProperty) throws {
        let handle = property.sqliteStatement
        sqlite3_bind_int64(handle, 1, productId)
        sqlite3_bind_int64(handle, 2, value.propertyId)
        if let valueId = value.valueId { sqlite3_bind_int64(handle, 3, valueId) } else { sqlite3_bind_null(handle, 3) }
        if let text = value.text {
            bindText(handle, 4, text)
        } else {
            sqlite3_bind_null(handle, 4)
        }
        if let number = value.number { sqlite3_bind_double(handle, 5, number) } else { sqlite3_bind_null(handle, 5) }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: property.sql)
        }
    }

    /// Many rows per statement (up to 32): one step instead of one per property.
    func insertProperties(_ productId: Int64, _ values: [CatalogImporter.ResolvedProperty]) throws {
        var start = 0
        while start < values.count {
            let count = min(32, values.count - start)
            if count == 1 {
                try insertProperty(productId, values[start])
            } else {
                let statement = try db.cachedStatement(
                    sql: "INSERT OR IGNORE INTO productProperty (productId, propertyId, valueId, textValue, numberValue) VALUES "
                        + Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", "))
                let handle = statement.sqliteStatement
                for offset in 0..<count {
                    let value = values[start + offset]
                    let base = Int32(offset * 5)
                    sqlite3_bind_int64(handle, base + 1, productId)
                    sqlite3_bind_int64(handle, base + 2, value.propertyId)
                    if let valueId = value.valueId { sqlite3_bind_int64(handle, base + 3, valueId) } else { sqlite3_bind_null(handle, base + 3) }
                    if let text = value.text {
                        bindText(handle, base + 4, text)
                    } else {
                        sqlite3_bind_null(handle, base + 4)
                    }
                    if let number = value.number { sqlite3_bind_double(handle, base + 5, number) } else { sqlite3_bind_null(handle, base + 5) }
                }
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
                }
            }
            start += count
        }
    }

    func seen(_ erpId: String) throws {
        try seenStatement.execute(arguments: [erpId])
    }
}

/// SQLite's SQLITE_TRANSIENT: bound text is copied before the call returns.
let SQLITE_TRANSIENT_DESTRUCTOR = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Binds a string by its UTF-8 bytes and length (a NUL inside stays; an empty string is '', not NULL).
func bindText(_ handle: SQLiteStatement, _ index: Int32, _ value: String) {
    var value = value
    value.withUTF8 { bytes in
        if let base = bytes.baseAddress {
            _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(handle, index, $0, Int32(bytes.count), SQLITE_TRANSIENT_DESTRUCTOR) }
        } else {
            _ = sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT_DESTRUCTOR)
        }
    }
}
