import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The content editor's product page: photos (and a 360° spin set), documents assigned to any
/// number of products, related products.
struct EditorController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/editor/products/:id", .permission("content.edit"), use: page)
        routes.post("/editor/products/:id/images", .permission("content.edit"), use: addImage)
        routes.post("/editor/products/:id/images/:image/delete", .permission("content.edit"), use: removeImage)
        routes.post("/editor/products/:id/documents", .permission("content.edit"), use: addDocument)
        routes.post("/editor/products/:id/documents/:file/delete", .permission("content.edit"), use: removeDocument)
        routes.post("/editor/products/:id/related", .permission("content.edit"), use: setRelated)
        routes.get("/editor/groups", .permission("content.edit"), use: groups)
        routes.post("/editor/groups/:group", .permission("content.edit"), use: setGroup)
    }

    @Sendable func groups(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let mappings = try await database.erpGroupMappings()
        let tree = try await database.categoryTree()
        let t = renderer.localizer(context.language)
        return renderer.render(
            "editor-groups",
            [
                "title": t["editor.groups_title"],
                "groups": mappings.map { group in
                    [
                        "id": group.id, "erpId": group.erpId, "name": group.name,
                        "categories": tree.map { node in
                            ["id": node.id, "name": String(repeating: "— ", count: node.depth) + node.name, "selected": group.categoryIds.contains(node.id)]
                                as [String: Any]
                        },
                    ] as [String: Any]
                },
                "hasGroups": !mappings.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context)
    }

    @Sendable func setGroup(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let group = context.parameters.get("group", as: Int64.self) else { throw HTTPError(.notFound) }
        let categories = Set(AdminAccessController.checked(context.form, prefix: "category.").compactMap { Int64($0) })
        try await database.setERPGroupCategories(groupId: group, categoryIds: categories, actor: try context.requireSignedIn())
        return .redirect(to: "/editor/groups?saved=1")
    }

    func productId(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }

    @Sendable func page(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, errors: [:], status: .ok)
    }

    func render(_ request: Request, context: WholesailRequestContext, errors: [String: String], status: HTTPResponse.Status) async throws -> HTML {
        let id = try productId(context)
        guard let card = try await database.productCard(id: id) else {
            throw DomainError(.notFound, code: "catalog.product_not_found", message: "The product was not found.")
        }
        let media = try await database.productMedia(productId: id)
        let t = renderer.localizer(context.language)
        return renderer.render(
            "editor-product",
            [
                "title": t["editor.title"] + ": " + card.summary.name, "productId": id, "name": card.summary.name, "sku": card.summary.sku,
                "photos": media.images.filter { $0.kind == "photo" }.map { ["id": $0.id, "sha": $0.sha256] },
                "spin": media.images.filter { $0.kind == "spin" }.map { ["id": $0.id, "sha": $0.sha256] },
                "documents": media.documents.map { ["fileId": $0.fileId, "title": $0.title] },
                "related": media.related.map(\.sku).joined(separator: "\n"),
                "errors": errors, "hasErrors": !errors.isEmpty,
            ], request: request, context: context, status: status)
    }

    func failed(_ error: ValidationError, _ request: Request, _ context: WholesailRequestContext) async throws -> Response {
        let t = renderer.localizer(context.language)
        return try await render(request, context: context, errors: t.fieldMessages(error), status: .unprocessableContent)
            .response(from: request, context: context)
    }

    static func skus(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0.isNewline || $0 == " " || $0 == ";" }).map(String.init).filter { !$0.isEmpty }
    }

    @Sendable func addImage(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let id = try productId(context)
        let upload = context.uploads["image"]
        do {
            try await database.addProductImage(
                productId: id, fileName: upload?.fileName ?? "", data: upload?.data ?? Data(), spin: context.form["spin"] == "1",
                actor: try context.requireSignedIn())
        } catch let error as ValidationError { return try await failed(error, request, context) }
        return .redirect(to: "/editor/products/\(id)")
    }

    @Sendable func removeImage(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let id = try productId(context)
        guard let image = context.parameters.get("image", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.removeProductImage(imageId: image, actor: try context.requireSignedIn())
        return .redirect(to: "/editor/products/\(id)")
    }

    @Sendable func addDocument(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let id = try productId(context)
        let upload = context.uploads["document"]
        do {
            try await database.addProductDocument(
                productId: id, alsoSkus: Self.skus(context.form["skus"] ?? ""), title: context.form["title"] ?? "",
                fileName: upload?.fileName ?? "", data: upload?.data ?? Data(), kind: context.form["kind"] ?? "", actor: try context.requireSignedIn())
        } catch let error as ValidationError { return try await failed(error, request, context) }
        return .redirect(to: "/editor/products/\(id)")
    }

    @Sendable func removeDocument(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let id = try productId(context)
        guard let file = context.parameters.get("file", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.unassignProductDocument(productId: id, fileId: file, actor: try context.requireSignedIn())
        return .redirect(to: "/editor/products/\(id)")
    }

    @Sendable func setRelated(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let id = try productId(context)
        do {
            try await database.setRelatedProducts(productId: id, skus: Self.skus(context.form["related"] ?? ""), actor: try context.requireSignedIn())
        } catch let error as ValidationError { return try await failed(error, request, context) }
        return .redirect(to: "/editor/products/\(id)")
    }
}
