import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// The catalog in JSON (API.md): products with the caller's price, one product, the category tree.
struct CatalogAPIController {
    let database: WholesailDatabase
    let pricing: PricingService

    func mount(on routes: Routes) {
        routes.get("/api/v1/products", .open, use: list)
        routes.get("/api/v1/products/suggest", .open, use: suggest)
        routes.get("/api/v1/products/:id", .open, use: show)
        routes.get("/api/v1/categories", .open, use: categories)
    }

    struct PriceDTO: Encodable {
        var amount: String
        var currency: String
    }

    struct ProductDTO: Encodable {
        var id: Int64
        var sku: String
        var article: String?
        var name: String
        var brand: String?
        var unit: String
        var price: PriceDTO?
        var stock: String
        var image: String?

        init(_ item: ProductSummary) {
            id = item.id
            sku = item.sku
            article = item.article
            name = item.name
            brand = item.brand
            unit = item.unit
            price = item.priceMinor.map { PriceDTO(amount: Money(minorUnits: $0, currency: item.currency ?? "RUB").decimalString, currency: item.currency ?? "RUB") }
            stock = ExactDecimal(units: item.stockMilli, scale: 1000).description
            image = item.imageSha256.map { "/files/\($0)" }
        }
    }

    struct FacetDTO: Encodable {
        struct Value: Encodable {
            var id: Int64
            var value: String
            var count: Int
            var selected: Bool
        }

        var propertyId: Int64
        var name: String
        var unit: String?
        var values: [Value]

        enum CodingKeys: String, CodingKey {
            case name, unit, values
            case propertyId = "property_id"
        }
    }

    struct ListDTO: Encodable {
        var items: [ProductDTO]
        var total: Int
        var page: Int
        var perPage: Int
        var facets: [FacetDTO]

        enum CodingKeys: String, CodingKey {
            case items, total, page, facets
            case perPage = "per_page"
        }
    }

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let text = query["q"].map(String.init)
        let paging = try ListingParameters(query, defaultSort: text == nil ? .name : .relevance)
        var categoryId: Int64?
        if let raw = query["category"] {
            guard let id = Int64(raw) else {
                throw DomainError(.malformed, code: "catalog.bad_category", message: "category must be a category id.")
            }
            guard try await database.category(id: id) != nil else {
                throw DomainError(.notFound, code: "catalog.category_not_found", message: "The category was not found.")
            }
            categoryId = id
        }
        let buyer = try await pricing.context(for: context.principal)
        let prices = pricing.view(for: buyer)
        var listQuery = ProductListQuery(categoryId: categoryId, text: text, sort: paging.sort, page: paging.page, perPage: paging.perPage)
        paging.apply(to: &listQuery)
        listQuery.regionId = buyer.regionId
        guard ["0", "1", nil].contains(query["facets"].map(String.init)) else {
            throw DomainError(.malformed, code: "catalog.bad_filter", message: "A filter could not be read.")
        }
        listQuery.withFacets = query["facets"] != "0"
        var hideFilter: (@Sendable (Int64) -> Bool)?
        if prices.hidesAny { hideFilter = { @Sendable id in prices.hides(id) } }
        let listed = try await database.listProducts(listQuery, price: { prices.price(of: $0) }, isHidden: hideFilter)
        let facets = listed.facets.map { facet in
            FacetDTO(
                propertyId: facet.propertyId, name: facet.name, unit: facet.unit,
                values: facet.values.map {
                    .init(id: $0.id, value: $0.value, count: $0.count, selected: paging.properties[facet.propertyId]?.contains($0.id) ?? false)
                })
        }
        return try JSONResponse.make(
            ListDTO(items: listed.items.map(prices.priced).map(ProductDTO.init), total: listed.total, page: paging.page, perPage: paging.perPage, facets: facets))
    }

    struct SuggestionDTO: Encodable {
        var id: Int64
        var sku: String
        var name: String
    }

    @Sendable func suggest(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let text = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(200))
        let prices = try await pricing.view(for: context.principal)
        let found = try await database.suggest(text, limit: 15).filter { !prices.hides($0.id) }.prefix(10)
        return try JSONResponse.make(["items": found.map { SuggestionDTO(id: $0.id, sku: $0.sku, name: $0.name) }])
    }

    struct CardDTO: Encodable {
        struct Property: Encodable { var name: String; var value: String }
        struct StockLine: Encodable { var warehouse: String; var region: String?; var qty: String }
        struct UnitDTO: Encodable { var unit: String; var factor: String; var price: PriceDTO? }
        struct Document: Encodable { var title: String; var url: String }
        var product: ProductDTO
        var description: String
        var productLine: String?
        var categories: [Int64]
        var properties: [Property]
        var images: [String]
        var stock: [StockLine]
        var units: [UnitDTO]
        var documents: [Document]
        var tags: [String]
    }

    @Sendable func show(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let prices = try await pricing.view(for: context.principal)
        guard let id = context.parameters.get("id", as: Int64.self), !prices.hides(id), let found = try await database.productCard(id: id) else {
            throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
        }
        let card = prices.priced(found)
        let currency = card.summary.currency ?? "RUB"
        return try JSONResponse.make(
            CardDTO(
                product: ProductDTO(card.summary), description: HTMLSanitizer.sanitize(card.description), productLine: card.productLine,
                categories: card.categoryPath.map(\.id),
                properties: card.properties.map { .init(name: $0.name, value: $0.value) },
                images: card.images.map { "/files/\($0)" },
                stock: card.stock.map { .init(warehouse: $0.warehouse, region: $0.region, qty: ExactDecimal(units: $0.qtyMilli, scale: 1000).description) },
                units: card.units.map { unit in
                    .init(unit: unit.unit, factor: unit.factor, price: unit.priceMinor.map { PriceDTO(amount: Money(minorUnits: $0, currency: currency).decimalString, currency: currency) })
                },
                documents: card.documents.map { .init(title: $0.title, url: "/files/\($0.sha256)/\($0.fileName)") },
                tags: card.tags))
    }

    struct CategoryDTO: Encodable {
        var id: Int64
        var name: String
        var productCount: Int
        var children: [CategoryDTO]
    }

    @Sendable func categories(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let nodes = try await database.categoryTree()
        func children(of parent: Int64?) -> [CategoryDTO] {
            nodes.filter { $0.parentId == parent }.map { CategoryDTO(id: $0.id, name: $0.name, productCount: $0.productCount, children: children(of: $0.id)) }
        }
        return try JSONResponse.make(["items": children(of: nil)])
    }
}

enum JSONResponse {
    /// The portal's JSON encoding (sorted keys, `/` unescaped): responses and server-sent events.
    static func data(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try data(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
