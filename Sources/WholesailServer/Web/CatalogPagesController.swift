import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The catalog as buyers see it: front page, category listings, search results, product cards.
struct CatalogPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let pricing: PricingService

    func mount(on routes: Routes) {
        routes.get("/", .open, use: front)
        routes.get("/catalog", .open, use: catalog)
        routes.get("/catalog/:id", .open, use: category)
        routes.get("/search", .open, use: search)
        routes.get("/product/:id", .open, use: product)
        routes.get("/favorites", .signedIn, use: favorites)
        routes.post("/product/:id/review", .signedIn, use: review)
        routes.post("/product/:id/variants/cart", .permission("orders.place"), use: addVariants)
        routes.get("/editor/reviews", .permission("reviews.moderate"), use: moderation)
        routes.post("/editor/reviews/:review", .permission("reviews.moderate"), use: moderate)
        routes.post("/favorites/:id", .signedIn, use: toggleFavorite)
    }

    @Sendable func front(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let tree = try await database.categoryTree()
        let prices = try await pricing.view(for: context.principal)
        let novelties = try await database.taggedProducts("novelty", limit: 10).filter { !prices.hides($0.id) }.map(prices.priced)
        let bestSellers = try await database.taggedProducts("best_seller", limit: 10).filter { !prices.hides($0.id) }.map(prices.priced)
        let format = Formatter(language: context.language)
        let t = renderer.localizer(context.language)
        // Banners for this visitor today (by user group) and the latest news (ContentController).
        let banners = try await database.visibleBanners(userId: context.principal?.userId, day: PricingService.today())
        let bannerItems = { (position: String) in
            banners.filter { $0.entry.position == position }.map { ["title": $0.entry.title, "image": $0.imageSha256, "link": $0.entry.link] as [String: Any] }
        }
        let news = try await database.newsList(publishedOnly: true, page: 1, perPage: 3).items
        return renderer.render(
            "catalog-index",
            [
                "bannersTop": bannerItems("home_top"), "hasBannersTop": banners.contains { $0.entry.position == "home_top" },
                "bannersBottom": bannerItems("home_bottom"), "hasBannersBottom": banners.contains { $0.entry.position == "home_bottom" },
                "news": news.map { ["id": $0.id, "title": $0.title, "date": String($0.date)] as [String: Any] }, "hasNews": !news.isEmpty,
                "title": t["catalog.front_title"],
                "topCategories": tree.filter { $0.parentId == nil }.map { node in
                    [
                        "id": node.id, "name": node.name, "count": node.productCount,
                        "children": tree.filter { $0.parentId == node.id }.prefix(6).map { ["id": $0.id, "name": $0.name] },
                    ] as [String: Any]
                },
                "novelties": novelties.map { format.card($0) },
                "hasNovelties": !novelties.isEmpty,
                "bestSellers": bestSellers.map { format.card($0) },
                "hasBestSellers": !bestSellers.isEmpty,
                "empty": tree.isEmpty,
            ], request: request, context: context)
    }

    @Sendable func catalog(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await listing(request, context: context, categoryId: nil, text: nil)
    }

    @Sendable func category(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw DomainError(.notFound, code: "catalog.category_not_found", message: "The category was not found.")
        }
        return try await listing(request, context: context, categoryId: id, text: nil)
    }

    @Sendable func search(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let text = request.uri.queryParameters["q"].map(String.init) ?? ""
        return try await listing(request, context: context, categoryId: nil, text: text)
    }

    func listing(_ request: Request, context: WholesailRequestContext, categoryId: Int64?, text: String?) async throws -> HTML {
        let paging = try ListingParameters(request.uri.queryParameters, defaultSort: text == nil ? .name : .relevance)
        let tree = try await database.categoryTree()
        var current: CategoryNode?
        if let categoryId {
            guard let found = tree.first(where: { $0.id == categoryId }) else {
                throw DomainError(.notFound, code: "catalog.category_not_found", message: "The category was not found.")
            }
            current = found
        }
        let buyer = try await pricing.context(for: context.principal)
        let prices = pricing.view(for: buyer)
        var listQuery = ProductListQuery(categoryId: categoryId, text: text, sort: paging.sort, page: paging.page, perPage: paging.perPage)
        paging.apply(to: &listQuery)
        listQuery.regionId = buyer.regionId
        listQuery.withFacets = categoryId != nil || text != nil
        var hideFilter: (@Sendable (Int64) -> Bool)?
        if prices.hidesAny { hideFilter = { @Sendable id in prices.hides(id) } }
        let listed = try await database.listProducts(listQuery, price: { prices.price(of: $0) }, isHidden: hideFilter)
        let result = (items: listed.items.map(prices.priced), total: listed.total)
        let available = try await database.availability(productIds: result.items.map(\.id), regionId: buyer.regionId)
        let format = Formatter(language: context.language, availability: available, localizer: renderer.localizer(context.language))
        let t = renderer.localizer(context.language)
        let basePath = categoryId.map { "/catalog/\($0)" } ?? (text != nil ? "/search" : "/catalog")
        var baseQuery: [String: [String]] = paging.queryItems
        if let text { baseQuery["q"] = [text] }
        if paging.sort != (text == nil ? .name : .relevance) { baseQuery["sort"] = [paging.sort.rawValue] }
        var crumbs: [[String: Any]] = []
        if let current {
            var node: CategoryNode? = current
            while let step = node {
                crumbs.insert(["id": step.id, "name": step.name], at: 0)
                node = step.parentId.flatMap { parent in tree.first { $0.id == parent } }
            }
        }
        let expanded = Set(crumbs.compactMap { $0["id"] as? Int64 })
        let shown = Set(tree.map(\.id))
        // The company's own numbers: a buyer may search by them (for their company only).
        var ownMatches: [[String: Any]] = []
        if let text, paging.page == 1, let principal = context.principal,
            let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil), principal.memberOf.contains(company)
        {
            ownMatches = try await database.partNumberMatches(text, counterpartyId: company).filter { !prices.hides($0.productId) }.map {
                ["number": $0.number, "productId": $0.productId, "sku": $0.sku, "name": $0.name,
                 "price": prices.price(of: $0.productId).map { format.money($0, prices.currency) } ?? ""] as [String: Any]
            }
        }
        let sorts: [ProductSort] = text == nil ? [.name, .price, .priceDesc, .rating, .newest] : [.relevance, .name, .price, .priceDesc, .rating]
        let title = text.map { t.format("search.title", ["q": $0]) } ?? current?.name ?? t["catalog.all"]
        return renderer.render(
            "catalog-list",
            [
                "title": title,
                "heading": title,
                "isSearch": text != nil,
                "crumbs": crumbs,
                // The top level, and the children of the current category and its ancestors: a
                // distributor's tree can have thousands of branches, the sidebar shows the path.
                "tree": tree.filter { node in node.parentId.map { expanded.contains($0) || !shown.contains($0) } ?? true }.map { node in
                    [
                        "id": node.id, "name": node.name, "count": node.productCount, "sub": node.depth > 0,
                        "current": node.id == categoryId,
                    ] as [String: Any]
                },
                "items": result.items.map { format.card($0) },
                "hasItems": !result.items.isEmpty,
                "ownMatches": ownMatches, "hasOwnMatches": !ownMatches.isEmpty,
                "total": result.total,
                "totalText": t.format("catalog.found", ["n": String(result.total)]),
                "sorts": sorts.map { sort in
                    ["value": sort.rawValue, "label": t["sort." + sort.rawValue], "selected": sort == paging.sort] as [String: Any]
                },
                "q": text ?? "",
                "action": basePath,
                "pager": Pager(page: paging.page, perPage: paging.perPage, total: result.total, path: basePath, query: baseQuery).links(t),
                "facets": listed.facets.map { facet in
                    [
                        "propertyId": facet.propertyId, "name": facet.name + (facet.unit.map { ", \($0)" } ?? ""),
                        "values": facet.values.map { value in
                            [
                                "id": value.id, "value": value.value, "count": value.count,
                                "checked": paging.properties[facet.propertyId]?.contains(value.id) ?? false,
                            ] as [String: Any]
                        },
                    ] as [String: Any]
                },
                "hasFacets": !listed.facets.isEmpty,
                "inStock": paging.inStock,
                "priceMin": paging.minPrice.map { Money(minorUnits: $0, currency: "RUB").decimalString } ?? "",
                "priceMax": paging.maxPrice.map { Money(minorUnits: $0, currency: "RUB").decimalString } ?? "",
                "tagChoices": ListingParameters.knownTags.sorted().map { ["code": $0, "label": t["tag." + $0], "checked": paging.tags.contains($0)] },
                "filtered": !paging.queryItems.isEmpty,
            ], request: request, context: context)
    }

    @Sendable func product(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderProduct(request, context: context)
    }

    /// The product card; `variantForm` carries what was entered in the variant grid and what was
    /// wrong with it when an "add all" is refused.
    func renderProduct(
        _ request: Request, context: WholesailRequestContext, variantForm: VariantForm = VariantForm(), status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let buyer = try await pricing.context(for: context.principal)
        let prices = pricing.view(for: buyer)
        guard let id = context.parameters.get("id", as: Int64.self), !prices.hides(id), let found = try await database.productCard(id: id) else {
            throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
        }
        let grid = try await database.variantGrid(productId: id, regionId: buyer.regionId, hidden: prices.hides, price: prices.price(of:))
        let card = prices.priced(found)
        let available = try await database.availability(productIds: [id], regionId: buyer.regionId)
        let format = Formatter(language: context.language, availability: available, localizer: renderer.localizer(context.language))
        let t = renderer.localizer(context.language)
        let related = try await database.relatedProducts(of: id).filter { !prices.hides($0.id) }.map(prices.priced)
        let novelties = try await database.taggedProducts("novelty", limit: 10).filter { !prices.hides($0.id) && $0.id != id }.map(prices.priced)
        let reviews = try await database.publishedReviews(productId: id)
        var favorite = false
        if let principal = context.principal { favorite = try await database.isFavorite(userId: principal.userId, productId: id) }
        // The company's shared lists the buyer may add to, and the company's own number of the product.
        var lists: [ShoppingListSummary] = []
        var ownNumber = ""
        if let principal = context.principal, principal.permissions.contains("orders.place"),
            let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil), principal.memberOf.contains(company)
        {
            lists = try await database.shoppingLists(userId: principal.userId, counterpartyId: company)
            ownNumber = try await database.partNumbers(counterpartyId: company, productIds: [id])[id] ?? ""
        }
        let why = try await priceExplanation(productId: id, sku: found.summary.sku, buyer: buyer, prices: prices, context: context, format: format, t: t)
        return renderer.render(
            "catalog-product",
            [
                "why": why.reasons.map { ["text": $0] }, "hasWhy": !why.reasons.isEmpty, "trace": why.trace,
                "lists": lists.map { ["id": $0.id, "name": $0.name] as [String: Any] }, "hasLists": !lists.isEmpty,
                "listed": request.uri.queryParameters["listed"] != nil, "ownNumber": ownNumber,
                "related": related.map { format.card($0) }, "hasRelated": !related.isEmpty,
                "novelties": novelties.map { format.card($0) }, "hasNovelties": !novelties.isEmpty,
                "favorite": favorite, "canFavorite": context.principal != nil,
                "canEdit": context.principal?.permissions.contains("content.edit") ?? false, "productId": id,
                "reviews": reviews.map { ["author": $0.author, "stars": String(repeating: "★", count: $0.rating) + String(repeating: "☆", count: 5 - $0.rating), "body": $0.body, "date": String($0.createdAt.prefix(10))] },
                "hasReviews": !reviews.isEmpty, "canReview": context.principal != nil,
                "reviewSent": request.uri.queryParameters["review"] != nil,
                "ratingText": card.summary.rating10.map { t.format("reviews.average", ["r": format.quantity(Int64($0) * 100), "n": String(reviews.count)]) } ?? "",
                "title": card.summary.name,
                "product": format.card(card.summary),
                "description": HTMLSanitizer.sanitize(card.description),
                "productLine": card.productLine ?? "",
                "crumbs": card.categoryPath.map { ["id": $0.id, "name": $0.name] },
                "properties": card.properties.map { ["name": $0.name, "value": $0.value] },
                "hasProperties": !card.properties.isEmpty,
                "images": card.images.dropFirst().map { ["sha": $0] },
                "spin": card.spin.enumerated().map { ["sha": $0.element, "index": $0.offset] }, "hasSpin": card.spin.count > 1,
                "spinMax": max(0, card.spin.count - 1), "spinFirst": card.spin.first ?? "",
                "stockLines": card.stock.map { line in
                    [
                        "warehouse": line.warehouse, "region": line.region ?? "",
                        "qty": format.quantity(line.qtyMilli), "inStock": line.qtyMilli > 0,
                    ] as [String: Any]
                },
                "hasStock": !card.stock.isEmpty,
                "unitOptions": card.units.map { unit in
                    [
                        "unit": unit.unit,
                        "factor": unit.factor == "1" ? "" : t.format("product.unit_factor", ["n": unit.factor, "unit": card.summary.unit]),
                        "price": unit.priceMinor.map { format.money($0, card.summary.currency ?? "RUB") } ?? "",
                        "unitId": String(unit.unitId),
                    ]
                },
                "documents": card.documents.map { ["title": $0.title, "fileName": $0.fileName, "sha": $0.sha256] },
                "hasDocuments": !card.documents.isEmpty,
                "tags": card.tags.map { ["code": $0, "label": t["tag." + $0]] },
                "added": request.uri.queryParameters["added"] != nil,
                "minQty": Quantity.text(milli: card.units.first?.rule.roundedUp(0) ?? 1000),
                "variants": grid.map { variantGridValues($0, openedId: id, currency: prices.currency, form: variantForm, format: format, t: t) } ?? [:],
                "hasVariants": grid != nil,
                "variantsAdded": request.uri.queryParameters["variants_added"].flatMap { Int(String($0)) }.map { t.format("variants.added", ["n": String($0)]) } ?? "",
            ], request: request, context: context, status: status)
    }
}

extension CatalogPagesController {
    /// "Why this price?" on the card: a signed-in buyer's plain reasons; staff (customers.serve)
    /// also get the trace the pricing page shows (source, rules by id and name, price type, and
    /// whether the reference evaluator agrees). Guests get nothing.
    func priceExplanation(
        productId: Int64, sku: String, buyer: PricingContext, prices: PriceView, context: WholesailRequestContext, format: Formatter, t: Localizer
    ) async throws -> (reasons: [String], trace: [String: Any]) {
        guard let principal = context.principal, let quote = prices.quote(productId: productId) else { return ([], [:]) }
        let names = try await database.priceExplanationNames(agreementId: buyer.agreementId, counterpartyId: buyer.counterpartyId)
        let matrix = pricing.matrix
        let reasons = format.reasons(
            PriceExplainer.reasons(for: quote, context: buyer, snapshot: matrix.snapshot, names: names), currency: quote.currency, t: t)
        guard principal.permissions.contains("customers.serve"), let index = matrix.index(of: productId) else { return (reasons, [:]) }
        // Matrix and reference from the same matrix (a rebuild may have swapped it since `prices`).
        let traced = matrix.view(for: buyer).quote(productIndex: index)
        let reference = PricingReference.quote(matrix.snapshot, context: buyer, productIndex: index)
        let rules = try await database.priceRules()
        let trace: [String: Any] = [
            "shown": true,
            "source": t["pricing.source_" + traced.source.rawValue],
            "priceType": traced.priceTypeId.map { id in "\(names.priceTypes[id] ?? "") (#\(id))" } ?? "—",
            "agreement": buyer.agreementId.map { "#\($0)" } ?? "—",
            "rules": traced.ruleIds.map { id in ["id": id, "name": rules.first { $0.id == id }?.name ?? ""] as [String: Any] },
            "hasRules": !traced.ruleIds.isEmpty,
            "agrees": traced == reference, "canManage": principal.permissions.contains("pricing.manage"),
            "link": "/admin/pricing?sku=" + (sku.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                + (buyer.counterpartyId.map { "&counterparty=\($0)" } ?? ""),
        ]
        return (reasons, trace)
    }

    @Sendable func review(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.submitReview(
            productId: id, userId: principal.userId, rating: Int(context.form["rating"] ?? "") ?? 0, body: context.form["body"] ?? "")
        return .redirect(to: "/product/\(id)?review=sent")
    }

    @Sendable func moderation(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let pending = try await database.pendingReviews()
        return renderer.render(
            "editor-reviews",
            [
                "title": t["reviews.moderation"],
                "reviews": pending.map { ["id": $0.id, "product": $0.productName, "productId": $0.productId, "author": $0.author,
                                          "stars": String(repeating: "★", count: $0.rating), "body": $0.body] as [String: Any] },
                "hasReviews": !pending.isEmpty,
            ], request: request, context: context)
    }

    @Sendable func moderate(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("review", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.moderateReview(id: id, publish: context.form["decision"] == "publish", actor: principal)
        return .redirect(to: "/editor/reviews")
    }

    @Sendable func favorites(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.requireSignedIn()
        let prices = try await pricing.view(for: principal)
        let items = try await database.favorites(userId: principal.userId).filter { !prices.hides($0.id) }.map(prices.priced)
        let format = Formatter(language: context.language)
        let t = renderer.localizer(context.language)
        return renderer.render(
            "catalog-favorites", ["title": t["favorites.title"], "items": items.map { format.card($0) }, "hasItems": !items.isEmpty],
            request: request, context: context)
    }

    @Sendable func toggleFavorite(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setFavorite(userId: principal.userId, productId: id, on: context.form["on"] == "1")
        return .redirect(to: "/product/\(id)")
    }
}

/// `page`, `per_page` and `sort` from a query string, validated: a clear 400 for nonsense.
struct ListingParameters {
    var page: Int
    var perPage: Int
    var sort: ProductSort
    var properties: [Int64: Set<Int64>] = [:]
    var tags: Set<String> = []
    var inStock = false
    var minPrice: Int64?
    var maxPrice: Int64?

    static let knownTags: Set<String> = ["novelty", "sale", "special_price", "best_seller", "discount"]

    /// The filters as query items, to keep them in page and sort links.
    var queryItems: [String: [String]] {
        var items: [String: [String]] = [:]
        for (property, values) in properties { items["prop.\(property)"] = values.sorted().map(String.init) }
        if !tags.isEmpty { items["tag"] = tags.sorted() }
        if inStock { items["in_stock"] = ["1"] }
        if let minPrice { items["price_min"] = [Money(minorUnits: minPrice, currency: "RUB").decimalString] }
        if let maxPrice { items["price_max"] = [Money(minorUnits: maxPrice, currency: "RUB").decimalString] }
        return items
    }

    func apply(to query: inout ProductListQuery) {
        query.properties = properties
        query.tags = tags
        query.inStock = inStock
        query.minPrice = minPrice
        query.maxPrice = maxPrice
    }

    init(_ query: Parameters, defaultSort: ProductSort) throws {
        func int(_ name: String, _ fallback: Int) -> Int? {
            guard let raw = query[name[...]] else { return fallback }
            return Int(raw)
        }
        guard let page = int("page", 1), (1...100_000).contains(page) else {
            throw DomainError(.malformed, code: "catalog.bad_page", message: "The page number must be a whole number from 1.")
        }
        guard let perPage = int("per_page", 24), (1...100).contains(perPage) else {
            throw DomainError(.malformed, code: "catalog.bad_per_page", message: "Items per page must be a whole number from 1 to 100.")
        }
        var sort = defaultSort
        if let raw = query["sort"], !raw.isEmpty {
            guard let parsed = ProductSort(rawValue: String(raw)) else {
                throw DomainError(.malformed, code: "catalog.bad_sort", message: "Unknown sort order.")
            }
            sort = parsed
        }
        self.page = page
        self.perPage = perPage
        self.sort = sort
        let badFilter = DomainError(.malformed, code: "catalog.bad_filter", message: "A filter could not be read.")
        for (key, value) in query {
            if key.hasPrefix("prop.") {
                guard let property = Int64(key.dropFirst(5)) else { throw badFilter }
                for piece in value.split(separator: ",") where !piece.isEmpty {
                    guard let valueId = Int64(piece) else { throw badFilter }
                    properties[property, default: []].insert(valueId)
                }
                guard properties.count <= 20, (properties[property]?.count ?? 0) <= 100 else { throw badFilter }
            } else if key == "tag", !value.isEmpty {
                guard Self.knownTags.contains(String(value)) else { throw badFilter }
                tags.insert(String(value))
            } else if key == "in_stock" {
                guard ["1", "true", "on", "0", "false", ""].contains(String(value)) else { throw badFilter }
                inStock = value == "1" || value == "true" || value == "on"
            } else if key == "price_min" || key == "price_max", !value.isEmpty {
                guard let money = Money(decimal: String(value), currency: "RUB"), money.minorUnits >= 0 else {
                    throw DomainError(.malformed, code: "catalog.bad_price", message: "A price must be an amount such as 1500 or 1500.50.")
                }
                if key == "price_min" { minPrice = money.minorUnits } else { maxPrice = money.minorUnits }
            }
        }
    }
}

/// Page links for a listing.
struct Pager {
    var page: Int
    var perPage: Int
    var total: Int
    var path: String
    var query: [String: [String]]

    var pageCount: Int { max(1, (total + perPage - 1) / perPage) }

    func url(_ page: Int) -> String {
        var items = query.sorted { $0.key < $1.key }.flatMap { key, values in values.map { URLQueryItem(name: key, value: $0) } }
        if page > 1 { items.append(URLQueryItem(name: "page", value: String(page))) }
        var components = URLComponents()
        components.path = path
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? path
    }

    func links(_ t: Localizer) -> [String: Any] {
        guard pageCount > 1 else { return ["show": false] }
        let window = Set([1, pageCount] + Array(max(1, page - 2)...min(pageCount, page + 2)))
        var pages: [[String: Any]] = []
        var previous = 0
        for number in window.sorted() {
            if number - previous > 1 { pages.append(["gap": true]) }
            pages.append(["number": number, "url": url(number), "current": number == page])
            previous = number
        }
        return [
            "show": true, "pages": pages,
            "prev": page > 1 ? url(page - 1) : "", "next": page < pageCount ? url(page + 1) : "",
            "label": t.format("pager.label", ["page": String(page), "pages": String(pageCount)]),
        ]
    }
}

/// Money and quantities as people read them, per language.
struct Formatter {
    var language: Language
    /// Regional availability of the listed products, when known.
    var availability: [Int64: RegionalAvailability] = [:]
    var localizer: Localizer?

    func money(_ minor: Int64, _ currency: String) -> String {
        let text = Money(minorUnits: minor, currency: currency).decimalString
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var whole = String(parts[0])
        let negative = whole.hasPrefix("-")
        if negative { whole.removeFirst() }
        var grouped = ""
        for (index, character) in whole.reversed().enumerated() {
            if index > 0 && index % 3 == 0 { grouped.append(language == .ru ? "\u{00A0}" : ",") }
            grouped.append(character)
        }
        whole = (negative ? "-" : "") + String(grouped.reversed())
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let symbol = ["RUB": "₽", "USD": "$", "EUR": "€"][currency] ?? currency
        let number = fraction.isEmpty ? whole : whole + (language == .ru ? "," : ".") + fraction
        return language == .ru ? "\(number)\u{00A0}\(symbol)" : (symbol.count == 1 && currency != "RUB" ? symbol + number : "\(number) \(symbol)")
    }

    func quantity(_ milli: Int64) -> String {
        let text = ExactDecimal(units: milli, scale: 1000).description
        return language == .ru ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    func card(_ item: ProductSummary) -> [String: Any] {
        [
            "id": item.id, "sku": item.sku, "article": item.article ?? "", "name": item.name, "brand": item.brand ?? "",
            "unit": item.unit, "image": item.imageSha256 ?? "",
            "price": item.priceMinor.map { money($0, item.currency ?? "RUB") } ?? "",
            "inStock": (availability[item.id]?.regionalMilli ?? item.stockMilli) > 0,
            "stock": quantity(availability[item.id]?.regionalMilli ?? item.stockMilli),
            "delivery": availability[item.id].flatMap { $0.regionalMilli > 0 ? nil : $0.deliveryDays }
                .map { localizer?.format("product.delivery_days", ["n": String($0)]) ?? "\($0)" } ?? "",
            "rating": item.rating10.map { quantity(Int64($0) * 100) } ?? "",
        ]
    }
}
