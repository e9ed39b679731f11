import Foundation
import GRDB
import WholesailCore

/// Fills an empty database with the demo distributor: two seller organizations, three regions,
/// four warehouses, about 60 categories and 600 products with properties, units, photos and
/// certificates, three price types, four customer companies (one a holding of two legal
/// entities) with agreements, addresses and a history of orders, and one user per role.
///
/// Deterministic: the same `now` and hasher give the same database, row for row.
public enum DemoSeeder {
    public struct Login: Sendable, Equatable {
        public var role: String
        public var email: String
        public var password: String
    }

    /// The demo logins, one per role and buyers of several companies.
    public static let logins: [Login] = [
        Login(role: "admin", email: "admin@wholesail.example", password: "Demo2026-admin"),
        Login(role: "executive", email: "director@wholesail.example", password: "Demo2026-exec"),
        Login(role: "manager", email: "manager@wholesail.example", password: "Demo2026-manager"),
        Login(role: "assistant", email: "assistant@wholesail.example", password: "Demo2026-assistant"),
        Login(role: "editor", email: "editor@wholesail.example", password: "Demo2026-editor"),
        Login(role: "buyer_admin", email: "ivanov@elektrosnab.example", password: "Demo2026-buyeradmin"),
        Login(role: "buyer", email: "petrov@elektrosnab.example", password: "Demo2026-buyer"),
        Login(role: "buyer", email: "sidorova@stroymontazh.example", password: "Demo2026-buyer"),
        Login(role: "buyer", email: "belova@energyplus.example", password: "Demo2026-buyer"),
    ]

    public static let productCount = 600

    /// Seeds when the database has no products yet; returns the logins to print either way when
    /// the demo is present, or an empty list for a database that holds other data.
    public static func ensureSeeded(
        _ database: WholesailDatabase, hasher: PasswordHasher = .standard, now: Date = Date()
    ) async throws -> [Login] {
        let state = try await database.read { db -> (seeded: Bool, products: Int) in
            let seeded = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'demo.seeded'") != nil
            return (seeded, try Int.fetchOne(db, sql: "SELECT count(*) FROM product") ?? 0)
        }
        if state.seeded { return logins }
        guard state.products == 0 else { return [] }
        // Hash outside the write transaction: scrypt is deliberately slow.
        var hashes: [String: String] = [:]
        for login in logins where hashes[login.password] == nil {
            hashes[login.password] = hasher.hash(login.password, salt: Array(Crypto.sha256(Data(login.password.utf8)).prefix(16)))
        }
        let passwordHashes = hashes
        try await database.write { db in
            try seed(db, passwordHashes: passwordHashes, now: now)
        }
        return logins
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return formatter.string(from: date)
    }

    static func seed(_ db: Database, passwordHashes: [String: String], now: Date) throws {
        var rng = SeededGenerator(seed: 2026)
        let stamp = timestamp(now)

        // Units
        var unitIds: [String: Int64] = [:]
        for unit in DemoCatalog.units {
            try db.execute(sql: "INSERT INTO unit (code, name, fullName) VALUES (?, ?, ?)", arguments: [unit.code, unit.name, unit.fullName])
            unitIds[unit.name] = db.lastInsertedRowID
        }

        // Seller organizations
        try db.execute(
            sql: """
                INSERT INTO sellerOrganization (erpId, name, inn, kpp, ogrn, address, bankName, bik, account, correspondentAccount, director, accountant, orderPrefix)
                VALUES ('org-1', 'ООО «Вольтаж Дистрибуция»', '7701234567', '770101001', '1177746000001', '125009, г. Москва, ул. Тверская, д. 7, оф. 12',
                        'ПАО Сбербанк', '044525225', '40702810938000012345', '30101810400000000225', 'Орлов А. В.', 'Смирнова Е. П.', 'ВД'),
                       ('org-2', 'ООО «Вольтаж Урал»', '6671234568', '667101001', '1186658000002', '620014, г. Екатеринбург, ул. Малышева, д. 51',
                        'АО «Альфа-Банк»', '044525593', '40702810901000054321', '30101810200000000593', 'Зайцев И. Н.', 'Крылова О. С.', 'ВУ')
                """)

        // Regions and warehouses
        let regions = ["Москва и область", "Санкт-Петербург и Северо-Запад", "Урал"]
        for (index, name) in regions.enumerated() {
            try db.execute(sql: "INSERT INTO region (erpId, name, sortOrder) VALUES (?, ?, ?)", arguments: ["region-\(index + 1)", name, index])
        }
        let warehouses: [(String, Int, String, Int)] = [
            ("Москва, склад Север", 1, "г. Москва, Дмитровское ш., д. 157", 0),
            ("Москва, склад Юг", 1, "г. Москва, ул. Подольских Курсантов, д. 15", 0),
            ("Санкт-Петербург, Парнас", 2, "г. Санкт-Петербург, 2-й Верхний пер., д. 10", 1),
            ("Екатеринбург, Эльмаш", 3, "г. Екатеринбург, ул. Таганская, д. 55", 2),
        ]
        for (index, warehouse) in warehouses.enumerated() {
            try db.execute(
                sql: "INSERT INTO warehouse (erpId, regionId, name, address, deliveryDays) VALUES (?, ?, ?, ?, ?)",
                arguments: ["wh-\(index + 1)", warehouse.1, warehouse.0, warehouse.2, warehouse.3])
        }

        // Price types: retail is shown to guests; wholesale and large wholesale go to customers.
        try db.execute(
            sql: """
                INSERT INTO priceType (erpId, name, currency, rounding, isDefault, sortOrder) VALUES
                ('pt-retail', 'Розничная', 'RUB', 'whole', 1, 1),
                ('pt-wholesale', 'Оптовая', 'RUB', 'minor', 0, 2),
                ('pt-large', 'Крупный опт', 'RUB', 'minor', 0, 3)
                """)

        // Properties
        var propertyIds: [String: Int64] = [:]
        for (index, property) in DemoCatalog.properties.enumerated() {
            let searchable = ["Тип", "Исполнение", "Цоколь", "Степень защиты"].contains(property.name)
            try db.execute(
                sql: """
                    INSERT INTO property (erpId, name, kind, unitName, filterable, searchable, showOnCard, sortOrder)
                    VALUES (?, ?, ?, ?, ?, ?, 1, ?)
                    """,
                arguments: ["prop-\(index + 1)", property.name, property.kind, property.unit, property.filterable, searchable, index])
            propertyIds[property.name] = db.lastInsertedRowID
        }
        var valueIds: [String: Int64] = [:]
        func valueId(_ property: String, _ value: String) throws -> Int64 {
            let key = property + "\u{1}" + value
            if let id = valueIds[key] { return id }
            try db.execute(
                sql: "INSERT INTO propertyValue (propertyId, value, sortOrder) VALUES (?, ?, ?)",
                arguments: [propertyIds[property]!, value, valueIds.count])
            valueIds[key] = db.lastInsertedRowID
            return db.lastInsertedRowID
        }

        // Brands
        var brandIds: [String: Int64] = [:]
        for category in DemoCatalog.categories {
            for sub in category.children {
                for brand in sub.brands where brandIds[brand] == nil {
                    try db.execute(sql: "INSERT INTO brand (erpId, name) VALUES (?, ?)", arguments: ["brand-\(brandIds.count + 1)", brand])
                    brandIds[brand] = db.lastInsertedRowID
                }
            }
        }

        // Certificates: one PDF per brand, assigned to all of that brand's products.
        var certificateIds: [String: Int64] = [:]
        for (brand, _) in brandIds.sorted(by: { $0.value < $1.value }) {
            let number = "RU C-RU.AD07.B.\(String(format: "%05d", certificateIds.count * 37 + 1042))"
            let pdf = MinimalPDF.document(lines: [
                "CERTIFICATE OF CONFORMITY / SERTIFIKAT SOOTVETSTVIYA", "No. \(number)",
                "Manufacturer: \(transliterate(brand))", "Valid until 31.12.2028", "Issued for the Wholesail demo catalog",
            ])
            let sha = try WholesailDatabase.storeBlob(db, pdf, contentType: "application/pdf")
            try db.execute(
                sql: "INSERT INTO file (blobSha256, fileName, title, kind) VALUES (?, ?, ?, 'certificate')",
                arguments: [sha, "certificate-\(certificateIds.count + 1).pdf", "Сертификат соответствия \(number)"])
            certificateIds[brand] = db.lastInsertedRowID
        }

        // Categories and products
        let totalSubcategories = DemoCatalog.categories.reduce(0) { $0 + $1.children.count }
        var remaining = productCount
        var subcategoriesLeft = totalSubcategories
        var productNumber = 0
        var allProducts: [(id: Int64, unit: Int64, price: Int64)] = []
        let tagIds = try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT code, id FROM tag").map { ($0["code"] as String, $0["id"] as Int64) })
        for (topIndex, top) in DemoCatalog.categories.enumerated() {
            try db.execute(
                sql: "INSERT INTO category (parentId, name, sortOrder, depth) VALUES (NULL, ?, ?, 0)", arguments: [top.name, topIndex])
            let topId = db.lastInsertedRowID
            try db.execute(sql: "UPDATE category SET path = ? WHERE id = ?", arguments: ["/\(topId)/", topId])
            try db.execute(sql: "INSERT INTO erpGroup (erpId, name) VALUES (?, ?)", arguments: ["group-\(topId)", top.name])
            try db.execute(sql: "INSERT INTO erpGroupCategory (erpGroupId, categoryId) VALUES (?, ?)", arguments: [db.lastInsertedRowID, topId])
            for (subIndex, sub) in top.children.enumerated() {
                try db.execute(
                    sql: "INSERT INTO category (parentId, name, sortOrder, depth) VALUES (?, ?, ?, 1)", arguments: [topId, sub.name, subIndex])
                let subId = db.lastInsertedRowID
                try db.execute(sql: "UPDATE category SET path = ? WHERE id = ?", arguments: ["/\(topId)/\(subId)/", subId])
                try db.execute(
                    sql: "INSERT INTO erpGroup (erpId, parentErpId, name) VALUES (?, ?, ?)",
                    arguments: ["group-\(subId)", "group-\(topId)", sub.name])
                try db.execute(sql: "INSERT INTO erpGroupCategory (erpGroupId, categoryId) VALUES (?, ?)", arguments: [db.lastInsertedRowID, subId])

                // Every combination of every line's axes, crossed with the brands, then an even share.
                var variants: [(name: String, props: [(String, String)], brand: String)] = []
                for brand in sub.brands {
                    for line in sub.lines {
                        for combination in combinations(line.axes.map(\.values)) {
                            var name = line.pattern
                            var props = line.fixed
                            for (axisIndex, value) in combination.enumerated() {
                                name = name.replacingOccurrences(of: "{\(axisIndex)}", with: value)
                                props.append((line.axes[axisIndex].property, value))
                            }
                            variants.append((name + " " + brand, props, brand))
                        }
                    }
                }
                let share = Int((Double(remaining) / Double(subcategoriesLeft)).rounded(.up))
                let take = min(share, variants.count, remaining)
                subcategoriesLeft -= 1
                remaining -= take
                let stride = max(1, variants.count / max(take, 1))
                var chosen: [(name: String, props: [(String, String)], brand: String)] = []
                var index = 0
                while chosen.count < take, index < variants.count * 2 {
                    let candidate = variants[(index * stride + index / variants.count) % variants.count]
                    if !chosen.contains(where: { $0.name == candidate.name }) { chosen.append(candidate) }
                    index += 1
                }
                for variant in chosen {
                    productNumber += 1
                    let sku = String(format: "VD-%05d", 10_000 + productNumber * 7)
                    let article = "\(variant.brand.prefix(3).uppercased())-\(rng.int(1000...99999))"
                    let country = rng.pick(DemoCatalog.countries)
                    let props = variant.props + [("Страна производства", country), ("Гарантия", String(rng.pick([12, 24, 36, 60])))]
                    let unitId = unitIds[sub.unit]!
                    let basePrice = Int64(rng.int(sub.priceRange)) * 100 + Int64(rng.pick([0, 0, 50, 90]))
                    let productLine = variant.name.split(separator: " ").prefix(2).joined(separator: " ")
                    let searchParts = [variant.name, sku, article, variant.brand, productLine]
                        + props.filter { ["Тип", "Исполнение", "Цоколь", "Степень защиты"].contains($0.0) }.map(\.1)
                    let description = "<p>\(escapeHTML(variant.name)) — \(escapeHTML(sub.name.lowercased())) от \(escapeHTML(variant.brand)). Поставляется со склада дистрибьютора, с сертификатом соответствия.</p><ul><li>Страна производства: \(escapeHTML(country))</li><li>Единица: \(sub.unit)</li></ul>"
                    let svg = productImage(name: variant.name, sku: sku, category: topIndex)
                    let imageSha = try WholesailDatabase.storeBlob(db, Data(svg.utf8), contentType: "image/svg+xml")
                    try db.execute(sql: "INSERT INTO file (blobSha256, fileName, kind) VALUES (?, ?, 'image')", arguments: [imageSha, "\(sku).svg"])
                    let imageId = db.lastInsertedRowID
                    let minQty: Int64 = sub.unit == "м" ? 1000 : 1000
                    try db.execute(
                        sql: """
                            INSERT INTO product (erpId, sku, article, name, brandId, productLine, description, baseUnitId, minQtyMilli, stepQtyMilli,
                                weightGrams, mainImageFileId, searchText, createdAt, updatedAt)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1000, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            "erp-\(sku)", sku, article, variant.name, brandIds[variant.brand], productLine, description, unitId, minQty,
                            rng.int(50...5000), imageId, SearchText.normalize(searchParts.joined(separator: " ")), stamp, stamp,
                        ])
                    let productId = db.lastInsertedRowID
                    try db.execute(sql: "INSERT INTO productImage (productId, fileId, kind, sortOrder) VALUES (?, ?, 'photo', 0)", arguments: [productId, imageId])
                    try db.execute(
                        sql: "INSERT INTO productCategory (productId, categoryId, isPrimary) VALUES (?, ?, 1)", arguments: [productId, subId])
                    try db.execute(
                        sql: "INSERT INTO productDocument (productId, fileId) VALUES (?, ?)", arguments: [productId, certificateIds[variant.brand]!])
                    for (property, value) in props {
                        guard let propertyId = propertyIds[property] else { continue }
                        let kind = DemoCatalog.properties.first { $0.name == property }!.kind
                        if kind == "number", let number = Double(value.replacingOccurrences(of: ",", with: ".")) {
                            try db.execute(
                                sql: "INSERT OR REPLACE INTO productProperty (productId, propertyId, textValue, numberValue) VALUES (?, ?, ?, ?)",
                                arguments: [productId, propertyId, value, number])
                        } else {
                            try db.execute(
                                sql: "INSERT OR REPLACE INTO productProperty (productId, propertyId, valueId) VALUES (?, ?, ?)",
                                arguments: [productId, propertyId, try valueId(property, value)])
                        }
                    }
                    // Prices: retail, wholesale (−12…18%), large wholesale (−20…28%).
                    let wholesale = basePrice * Int64(100 - rng.int(12...18)) / 100
                    let large = basePrice * Int64(100 - rng.int(20...28)) / 100
                    for (priceTypeId, amount) in [(1, basePrice), (2, wholesale), (3, large)] as [(Int64, Int64)] {
                        try db.execute(
                            sql: "INSERT INTO price (priceTypeId, productId, unitId, amountMinor, updatedAt) VALUES (?, ?, ?, ?, ?)",
                            arguments: [priceTypeId, productId, unitId, amount, stamp])
                    }
                    if let pack = sub.pack {
                        try db.execute(
                            sql: "INSERT INTO productUnit (productId, unitId, factor) VALUES (?, ?, ?)",
                            arguments: [productId, unitIds[pack.unit]!, String(pack.factor)])
                    }
                    // Stock: most products in Moscow, fewer in the regions, some out of stock.
                    for warehouseId in 1...4 {
                        let present = warehouseId <= 2 ? rng.chance(85) : rng.chance(55)
                        guard present else { continue }
                        let qty = Int64(rng.int(1...(sub.unit == "м" ? 5000 : 400))) * 1000
                        try db.execute(
                            sql: "INSERT INTO stock (productId, warehouseId, qtyMilli, updatedAt) VALUES (?, ?, ?, ?)",
                            arguments: [productId, warehouseId, qty, stamp])
                    }
                    if productNumber % 23 == 0 { try db.execute(sql: "INSERT INTO productTag (productId, tagId) VALUES (?, ?)", arguments: [productId, tagIds["novelty"]!]) }
                    if productNumber % 31 == 0 { try db.execute(sql: "INSERT INTO productTag (productId, tagId) VALUES (?, ?)", arguments: [productId, tagIds["sale"]!]) }
                    if productNumber % 17 == 0 { try db.execute(sql: "INSERT INTO productTag (productId, tagId) VALUES (?, ?)", arguments: [productId, tagIds["best_seller"]!]) }
                    allProducts.append((productId, unitId, basePrice))
                }
            }
        }
        // Related products: neighbours in the same line.
        for index in stride(from: 0, to: allProducts.count - 1, by: 2) {
            try db.execute(
                sql: "INSERT INTO relatedProduct (productId, relatedId, sortOrder) VALUES (?, ?, 0), (?, ?, 0)",
                arguments: [allProducts[index].id, allProducts[index + 1].id, allProducts[index + 1].id, allProducts[index].id])
        }
        try WholesailDatabase.refreshCategoryCounts(db)

        // Customers: a holding of two legal entities and three stand-alone companies.
        try db.execute(sql: "INSERT INTO holding (erpId, name) VALUES ('holding-1', 'ГК «СтройМонтаж»')")
        let companies: [(erp: String, name: String, inn: String, kpp: String?, holding: Int64?, region: Int64, limit: Int64, terms: Int, priceType: Int64)] = [
            ("cp-1", "ООО «ЭлектроСнаб»", "7722334455", "772201001", nil, 1, 500_000_00, 14, 2),
            ("cp-2", "ООО «СтройМонтаж-Центр»", "7733445566", "773301001", 1, 1, 1_500_000_00, 30, 3),
            ("cp-3", "ООО «СтройМонтаж-Урал»", "6677889900", "667701001", 1, 3, 800_000_00, 30, 3),
            ("cp-4", "ООО «Энергия Плюс»", "7811223344", "781101001", nil, 2, 300_000_00, 7, 2),
            ("cp-5", "ИП Кузнецов Андрей Викторович", "502712345678", nil, nil, 1, 0, 0, 1),
        ]
        for company in companies {
            try db.execute(
                sql: """
                    INSERT INTO counterparty (erpId, holdingId, name, inn, kpp, regionId, creditLimitMinor, paymentTermDays, priceTypeId, legalAddress, createdAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    company.erp, company.holding, company.name, company.inn, company.kpp, company.region, company.limit, company.terms,
                    company.priceType, "\(regions[Int(company.region) - 1]), ул. Промышленная, д. \(company.inn.suffix(2))", stamp,
                ])
            let counterpartyId = db.lastInsertedRowID
            let seller: Int64 = company.region == 3 ? 2 : 1
            try db.execute(
                sql: """
                    INSERT INTO agreement (erpId, counterpartyId, sellerOrganizationId, number, date, currency, priceTypeId, isDefault)
                    VALUES (?, ?, ?, ?, '2026-01-15', 'RUB', ?, 1)
                    """,
                arguments: ["agr-\(counterpartyId)", counterpartyId, seller, "Д-\(2026)/\(String(format: "%03d", counterpartyId * 11))", company.priceType])
            try db.execute(
                sql: "INSERT INTO deliveryAddress (counterpartyId, address, consignee, contactName, contactPhone, isDefault) VALUES (?, ?, ?, ?, ?, 1)",
                arguments: [counterpartyId, "\(regions[Int(company.region) - 1]), Складской проезд, д. \(counterpartyId + 3)", company.name, "Кладовщик", "+7 900 000-00-0\(counterpartyId)"])
            try db.execute(
                sql: "INSERT INTO priceTypeAssignment (priceTypeId, counterpartyId, priority) VALUES (?, ?, 0)",
                arguments: [company.priceType, counterpartyId])
        }

        // Staff and buyers
        let people: [(login: Login, name: String, phone: String, counterparties: [Int64])] = [
            (logins[0], "Администратор портала", "+7 495 100-00-01", []),
            (logins[1], "Орлов Алексей Викторович", "+7 495 100-00-02", []),
            (logins[2], "Волкова Марина Сергеевна", "+7 495 100-00-03", []),
            (logins[3], "Никитин Павел Олегович", "+7 495 100-00-04", []),
            (logins[4], "Лебедева Анна Игоревна", "+7 495 100-00-05", []),
            (logins[5], "Иванов Сергей Петрович", "+7 916 200-00-01", [1]),
            (logins[6], "Петров Дмитрий Андреевич", "+7 916 200-00-02", [1]),
            (logins[7], "Сидорова Елена Викторовна", "+7 916 200-00-03", [2, 3]),
            (logins[8], "Белова Ольга Николаевна", "+7 921 300-00-04", [4]),
        ]
        for person in people {
            try db.execute(
                sql: """
                    INSERT INTO user (email, fullName, phone, passwordHash, status, locale, defaultCounterpartyId, createdAt)
                    VALUES (?, ?, ?, ?, 'active', 'ru', ?, ?)
                    """,
                arguments: [person.login.email, person.name, person.phone, passwordHashes[person.login.password], person.counterparties.first, stamp])
            let userId = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO userRole (userId, roleId) SELECT ?, id FROM role WHERE code = ?", arguments: [userId, person.login.role])
            for counterpartyId in person.counterparties {
                try db.execute(sql: "INSERT INTO userCounterparty (userId, counterpartyId) VALUES (?, ?)", arguments: [userId, counterpartyId])
            }
        }
        // The manager serves the holding and ЭлектроСнаб; the assistant helps with Энергия Плюс.
        try db.execute(sql: "INSERT INTO managerAssignment (userId, holdingId, role) VALUES (3, 1, 'manager')")
        try db.execute(sql: "INSERT INTO managerAssignment (userId, counterpartyId, role) VALUES (3, 1, 'manager'), (4, 4, 'assistant'), (3, 5, 'manager')")

        // Order history: online and offline orders over the last 120 days for each company.
        let statusCodes = try Dictionary(uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT code, id FROM orderStatus").map { ($0["code"] as String, $0["id"] as Int64) })
        let buyerOf: [Int64: Int64] = [1: 7, 2: 8, 3: 8, 4: 9]
        var counters: [Int64: Int] = [:]
        for counterpartyId in Int64(1)...5 {
            let priceType = companies[Int(counterpartyId) - 1].priceType
            let seller: Int64 = companies[Int(counterpartyId) - 1].region == 3 ? 2 : 1
            let prefix = seller == 1 ? "ВД" : "ВУ"
            let orderCount = counterpartyId == 5 ? 3 : 7
            for orderIndex in 0..<orderCount {
                let daysAgo = Double(120 - orderIndex * 16 - Int(counterpartyId))
                let placedAt = timestamp(now.addingTimeInterval(-daysAgo * 86_400))
                let offline = orderIndex % 3 == 2 || buyerOf[counterpartyId] == nil
                let status: String
                switch orderIndex {
                case orderCount - 1: status = "new"
                case orderCount - 2: status = "assembling"
                case 1: status = "cancelled"
                default: status = orderIndex % 2 == 0 ? "completed" : "shipped"
                }
                counters[seller, default: 0] += 1
                let number = "\(prefix)-\(String(format: "%05d", counters[seller]!))"
                var lines: [(product: (id: Int64, unit: Int64, price: Int64), qty: Int64, price: Int64)] = []
                for _ in 0..<rng.int(2...6) {
                    let product = rng.pick(allProducts)
                    if lines.contains(where: { $0.product.id == product.id }) { continue }
                    let price = try Int64.fetchOne(
                        db, sql: "SELECT amountMinor FROM price WHERE priceTypeId = ? AND productId = ?", arguments: [priceType, product.id]) ?? product.price
                    lines.append((product, Int64(rng.int(1...40)) * 1000, price))
                }
                let subtotal = lines.reduce(Int64(0)) { $0 + $1.price * $1.qty / 1000 }
                let vat = subtotal * 20 / 120
                try db.execute(
                    sql: """
                        INSERT INTO customerOrder (erpId, number, sellerOrganizationId, counterpartyId, agreementId, userId, statusId, source, currency,
                            subtotalMinor, vatMinor, totalMinor, priceTypeId, deliveryMethod, warehouseId, deliveryAddressId, contactName, placedAt, updatedAt)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'RUB', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        offline ? "erp-order-\(number)" : nil, number, seller, counterpartyId, counterpartyId, offline ? nil : buyerOf[counterpartyId],
                        statusCodes[status]!, offline ? "offline" : "online", subtotal, vat, subtotal, priceType,
                        orderIndex % 2 == 0 ? "pickup" : "delivery", seller == 2 ? 4 : 1, orderIndex % 2 == 0 ? nil : counterpartyId,
                        people.first { $0.counterparties.contains(counterpartyId) }?.name, placedAt, placedAt,
                    ])
                let orderId = db.lastInsertedRowID
                for (lineIndex, line) in lines.enumerated() {
                    let name = try String.fetchOne(db, sql: "SELECT name FROM product WHERE id = ?", arguments: [line.product.id]) ?? ""
                    let sku = try String.fetchOne(db, sql: "SELECT sku FROM product WHERE id = ?", arguments: [line.product.id]) ?? ""
                    let amount = line.price * line.qty / 1000
                    let shipped = ["shipped", "completed"].contains(status) ? line.qty : 0
                    try db.execute(
                        sql: """
                            INSERT INTO orderLine (orderId, lineNo, productId, sku, name, unitId, qtyMilli, priceMinor, amountMinor, vatMinor, shippedMilli)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [orderId, lineIndex + 1, line.product.id, sku, name, line.product.unit, line.qty, line.price, amount, amount * 20 / 120, shipped])
                }
                try db.execute(
                    sql: "INSERT INTO orderEvent (orderId, at, userId, kind, statusId, note) VALUES (?, ?, ?, 'placed', ?, NULL)",
                    arguments: [orderId, placedAt, offline ? nil : buyerOf[counterpartyId], statusCodes["new"]!])
                if status != "new" {
                    try db.execute(
                        sql: "INSERT INTO orderEvent (orderId, at, userId, kind, statusId) VALUES (?, ?, NULL, 'status', ?)",
                        arguments: [orderId, timestamp(now.addingTimeInterval(-(daysAgo - 1) * 86_400)), statusCodes[status]!])
                }
                if ["shipped", "completed"].contains(status) {
                    try db.execute(
                        sql: "INSERT INTO shipment (orderId, number, warehouseId, status, carrier, trackingNumber, shippedAt) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [orderId, "\(number)/1", seller == 2 ? 4 : 1, status == "completed" ? "delivered" : "shipped", "Деловые Линии",
                                    "DL\(100_000 + orderId * 37)", timestamp(now.addingTimeInterval(-(daysAgo - 2) * 86_400))])
                    let shipmentId = db.lastInsertedRowID
                    try db.execute(
                        sql: "INSERT INTO shipmentLine (shipmentId, orderLineId, qtyMilli) SELECT ?, id, qtyMilli FROM orderLine WHERE orderId = ?",
                        arguments: [shipmentId, orderId])
                    try db.execute(
                        sql: "INSERT INTO settlement (counterpartyId, agreementId, orderId, date, dueDate, amountMinor, description) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        arguments: [counterpartyId, counterpartyId, orderId, String(placedAt.prefix(10)), nil, subtotal, "Реализация \(number)"])
                    if status == "completed" {
                        try db.execute(
                            sql: "INSERT INTO settlement (counterpartyId, agreementId, orderId, date, amountMinor, description) VALUES (?, ?, ?, ?, ?, ?)",
                            arguments: [counterpartyId, counterpartyId, orderId, String(placedAt.prefix(10)), -subtotal, "Оплата по заказу \(number)"])
                    }
                }
            }
        }
        for (seller, last) in counters {
            try db.execute(
                sql: "INSERT INTO orderCounter (sellerOrganizationId, year, lastNumber) VALUES (?, ?, ?)",
                arguments: [seller, Calendar(identifier: .gregorian).component(.year, from: now), last])
        }

        try db.execute(
            sql: """
                INSERT INTO contentItem (kind, slug, language, title, body, published, publishedAt) VALUES
                ('news', 'new-warehouse', 'ru', 'Открыт склад в Екатеринбурге', 'Самовывоз и доставка по Уралу — от 1 дня.', 1, ?),
                ('news', 'new-warehouse', 'en', 'New warehouse in Yekaterinburg', 'Pickup and delivery across the Urals from 1 day.', 1, ?)
                """, arguments: [stamp, stamp])
        // Cart-level pricing and ordering settings: a promocode, large wholesale from 100 000 ₽ for
        // wholesale buyers, stock reserved for 3 days, orders split into "in stock" / "to bring in".
        try db.execute(sql: "INSERT INTO promocode (code, kind, percent, minTotalMinor, validTo) VALUES ('ZIMA5', 'percent', '5', 1000000, '2027-03-01')")
        try db.execute(sql: "INSERT INTO cartThreshold (fromPriceTypeId, minTotalMinor, priceTypeId) VALUES (2, 10000000, 3)")
        try db.execute(
            sql: "INSERT INTO setting (key, value, updatedAt) VALUES ('orders.reservation_days', '3', ?), ('orders.split', 'shipments', ?)",
            arguments: [stamp, stamp])
        // Customers' requests answered by their manager or assistant (the executive's response
        // times), one still open, and a registration request waiting on ЭлектроСнаб's page.
        let requests: [(company: Int64, buyer: Int64, staff: Int64, subject: String, question: String, answer: String?, daysAgo: Double, replyMinutes: Double)] = [
            (1, 6, 3, "Сертификаты на кабель ВВГнг", "Пришлите, пожалуйста, сертификаты соответствия на ВВГнг-LS.", "Сертификаты во вложении к карточкам товаров, продублировал на почту.", 20, 125),
            (1, 7, 3, "Срок поставки автоматов", "Когда будут автоматические выключатели на 25 А?", "Поступление в четверг, резерв за вами.", 3, 40),
            (4, 9, 4, "Акт сверки за квартал", "Нужен акт сверки за III квартал.", "Акт сформирован, отправим подписанный скан сегодня.", 10, 310),
            (2, 8, 3, "Возврат двух светильников", "Два светильника пришли с трещинами, хотим вернуть.", nil, 1, 0),
        ]
        for request in requests {
            let created = now.addingTimeInterval(-request.daysAgo * 86_400)
            try db.execute(
                sql: "INSERT INTO ticket (kind, counterpartyId, userId, subject, status, assignedTo, createdAt, updatedAt) VALUES ('message', ?, ?, ?, ?, ?, ?, ?)",
                arguments: [request.company, request.buyer, request.subject, request.answer == nil ? "open" : "answered", request.staff, timestamp(created), timestamp(created)])
            let ticketId = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO ticketMessage (ticketId, userId, body, at) VALUES (?, ?, ?, ?)",
                arguments: [ticketId, request.buyer, request.question, timestamp(created)])
            if let answer = request.answer {
                try db.execute(
                    sql: "INSERT INTO ticketMessage (ticketId, userId, body, at) VALUES (?, ?, ?, ?)",
                    arguments: [ticketId, request.staff, answer, timestamp(created.addingTimeInterval(request.replyMinutes * 60))])
            }
        }
        try db.execute(
            sql: """
                INSERT INTO registrationRequest (companyName, inn, contactName, email, phone, comment, consentAt, consentVersion, createdAt)
                VALUES ('ООО «ЭлектроСнаб»', '7722334455', 'Кравцова Наталья Юрьевна', 'kravtsova@elektrosnab.example', '+7 916 200-00-07',
                    'Новый сотрудник отдела снабжения', ?, '2026-11', ?)
                """,
            arguments: [timestamp(now.addingTimeInterval(-2 * 3600)), timestamp(now.addingTimeInterval(-2 * 3600))])
        try seedCreditAndMaterials(db, now: now)
        try seedListsAndPartNumbers(db, now: now)
        try seedRegularPurchases(db, now: now)
        try seedVariantProduct(db, now: now)
        try db.execute(
            sql: "INSERT INTO setting (key, value, updatedAt) VALUES ('demo.seeded', ?, ?)", arguments: [stamp, stamp])
    }

    /// Every combination of one value from each list, in order.
    static func combinations(_ lists: [[String]]) -> [[String]] {
        lists.reduce([[]]) { partial, values in partial.flatMap { prefix in values.map { prefix + [$0] } } }
    }

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func transliterate(_ text: String) -> String {
        text.applyingTransform(.toLatin, reverse: false)?.applyingTransform(.stripDiacritics, reverse: false) ?? text
    }

    /// A simple drawn product picture: a shape for the category, the SKU and the first words of the name.
    static func productImage(name: String, sku: String, category: Int) -> String {
        let colors = ["#1f5f8b", "#8b5a1f", "#2e7d32", "#c79100", "#6a1b9a", "#455a64", "#00838f", "#b3261e"]
        let color = colors[category % colors.count]
        let shapes = [
            "<circle cx='200' cy='170' r='90' fill='none' stroke='\(color)' stroke-width='18'/><circle cx='200' cy='170' r='50' fill='none' stroke='\(color)' stroke-width='12'/>",
            "<rect x='110' y='80' width='180' height='180' rx='24' fill='#fff' stroke='\(color)' stroke-width='10'/><circle cx='170' cy='170' r='12' fill='\(color)'/><circle cx='230' cy='170' r='12' fill='\(color)'/>",
            "<rect x='140' y='70' width='120' height='200' rx='10' fill='#fff' stroke='\(color)' stroke-width='10'/><rect x='180' y='120' width='40' height='70' fill='\(color)'/>",
            "<circle cx='200' cy='150' r='80' fill='#fff3c4' stroke='\(color)' stroke-width='10'/><rect x='170' y='225' width='60' height='45' fill='\(color)'/>",
            "<rect x='90' y='130' width='170' height='70' rx='14' fill='\(color)'/><rect x='260' y='150' width='70' height='30' fill='#888'/><rect x='130' y='200' width='50' height='80' rx='8' fill='\(color)'/>",
            "<path d='M130 90 L270 90 L250 250 L150 250 Z' fill='#fff' stroke='\(color)' stroke-width='10'/><line x1='150' y1='150' x2='250' y2='150' stroke='\(color)' stroke-width='10'/>",
            "<rect x='80' y='140' width='240' height='60' rx='30' fill='none' stroke='\(color)' stroke-width='14'/>",
            "<path d='M200 70 L300 120 L280 250 L200 280 L120 250 L100 120 Z' fill='#fff' stroke='\(color)' stroke-width='10'/>",
        ]
        let title = escapeHTML(String(name.split(separator: " ").prefix(3).joined(separator: " ")))
        return """
            <svg xmlns='http://www.w3.org/2000/svg' width='400' height='400' viewBox='0 0 400 400'>\
            <rect width='400' height='400' fill='#f4f7fa'/>\(shapes[category % shapes.count])\
            <text x='200' y='330' font-family='sans-serif' font-size='22' text-anchor='middle' fill='#1b2430'>\(title)</text>\
            <text x='200' y='365' font-family='monospace' font-size='18' text-anchor='middle' fill='#5b6675'>\(sku)</text></svg>
            """
    }
}

/// A tiny single-page PDF with lines of ASCII text in Helvetica: enough for demo certificates.
/// (The real document writer, with an embedded Unicode font, belongs to the documents feature.)
enum MinimalPDF {
    static func document(lines: [String]) -> Data {
        var content = "BT /F1 14 Tf 60 780 Td 18 TL\n"
        for line in lines {
            let safe = String(line.unicodeScalars.filter { $0.isASCII && $0.value >= 32 }.map(Character.init))
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
            content += "(\(safe)) Tj T*\n"
        }
        content += "ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
        ]
        var pdf = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(pdf.utf8.count)
            pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = pdf.utf8.count
        pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { pdf += String(format: "%010d 00000 n \n", offset) }
        pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(pdf.utf8)
    }
}
