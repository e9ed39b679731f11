import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Content: news for buyers (`/news`, written under `/editor/news`) and the personal-data policy
/// (`/privacy`, each save under `/editor/policy` a new version; registration records the version
/// in force). Bodies are the safe HTML subset (`HTMLSanitizer`), sanitized when saved.
struct ContentController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    static let perPage = 20

    func mount(on routes: Routes) {
        routes.get("/news", .open, use: newsList)
        routes.get("/news/:news", .open, use: newsPage)
        routes.get("/privacy", .open, use: privacy)
        let editor = RouteAccess.permission("content.edit")
        routes.get("/editor/news", editor, use: editorNews)
        routes.post("/editor/news", editor, use: saveNews)
        routes.get("/editor/news/:news", editor, use: editorNewsItem)
        routes.post("/editor/news/:news", editor, use: saveNews)
        routes.post("/editor/news/:news/delete", editor, use: deleteNews)
        routes.get("/editor/policy", editor, use: editorPolicy)
        routes.post("/editor/policy", editor, use: savePolicy)
        routes.get("/editor/banners", editor, use: editorBanners)
        routes.post("/editor/banners", editor, use: saveBanner)
        routes.get("/editor/banners/:banner", editor, use: editorBanner)
        routes.post("/editor/banners/:banner", editor, use: saveBanner)
        routes.post("/editor/banners/:banner/delete", editor, use: deleteBanner)
    }

    func day(_ language: Language, _ text: String) -> String {
        let parts = text.prefix(10).split(separator: "-")
        guard parts.count == 3 else { return String(text.prefix(10)) }
        return language == .ru ? "\(parts[2]).\(parts[1]).\(parts[0])" : String(text.prefix(10))
    }

    // MARK: Buyers

    @Sendable func newsList(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let page = max(1, request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1)
        let list = try await database.newsList(publishedOnly: true, page: page, perPage: Self.perPage)
        return renderer.render(
            "news",
            [
                "title": t["news.title"],
                "items": list.items.map { ["id": $0.id, "title": $0.title, "date": day(context.language, $0.date)] as [String: Any] },
                "hasItems": !list.items.isEmpty,
                "pager": Pager(page: page, perPage: Self.perPage, total: list.total, path: "/news", query: [:]).links(t),
                "canEdit": context.principal?.permissions.contains("content.edit") ?? false,
            ], request: request, context: context)
    }

    @Sendable func newsPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let editor = context.principal?.permissions.contains("content.edit") ?? false
        guard let id = context.parameters.get("news", as: Int64.self), let item = try await database.newsItem(id: id), item.published || editor else {
            throw DomainError(.notFound, code: "news.not_found", message: "The news item was not found.")
        }
        return renderer.render(
            "news-item",
            [
                "title": item.title, "id": item.id, "date": day(context.language, item.date), "body": item.bodyHtml, "draft": !item.published,
                "canEdit": editor,
            ], request: request, context: context)
    }

    @Sendable func privacy(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let requested = request.uri.queryParameters["version"].map(String.init)
        let policy = try await requested.asyncMap { try await database.policyVersion(String($0.prefix(40))) } ?? nil
        if requested != nil, policy == nil { throw DomainError(.notFound, code: "policy.not_found", message: "There is no such version of the policy.") }
        let current = try await database.currentPolicy()
        let shown = policy ?? current
        return renderer.render(
            "privacy",
            [
                "title": t["policy.title"],
                "version": shown?.version ?? PolicyText.builtInVersion,
                "date": shown.map { day(context.language, $0.createdAt) } ?? "",
                "body": shown?.bodyHtml ?? "", "builtIn": shown == nil,
                "old": policy != nil && policy?.version != current?.version, "currentVersion": current?.version ?? "",
            ], request: request, context: context)
    }

    // MARK: Editors

    @Sendable func editorNews(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderEditor(request, context: context, editing: nil, values: nil, errors: [:], status: .ok)
    }

    @Sendable func editorNewsItem(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("news", as: Int64.self), let item = try await database.newsItem(id: id) else {
            throw DomainError(.notFound, code: "news.not_found", message: "The news item was not found.")
        }
        return try await renderEditor(request, context: context, editing: item, values: nil, errors: [:], status: .ok)
    }

    func renderEditor(
        _ request: Request, context: WholesailRequestContext, editing: NewsItem?, values: [String: String]?, errors: [String: String],
        status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let query = request.uri.queryParameters
        let search = String((query["q"].map(String.init) ?? "").trimmingCharacters(in: .whitespaces).prefix(200))
        let page = max(1, query["page"].flatMap { Int(String($0)) } ?? 1)
        let list = try await database.newsList(publishedOnly: false, search: search, page: page, perPage: Self.perPage)
        let shown =
            values
            ?? editing.map { ["title": $0.title, "body": $0.bodyHtml, "date": $0.date, "published": $0.published ? "1" : ""] }
            ?? ["date": PricingService.today()]
        return renderer.render(
            "editor-news",
            [
                "title": t["news.editor_title"], "saved": query["saved"] != nil, "search": search, "total": list.total,
                "items": list.items.map {
                    ["id": $0.id, "title": $0.title, "date": day(context.language, $0.date), "draft": !$0.published] as [String: Any]
                },
                "hasItems": !list.items.isEmpty,
                "pager": Pager(page: page, perPage: Self.perPage, total: list.total, path: "/editor/news", query: search.isEmpty ? [:] : ["q": [search]])
                    .links(t),
                "editing": editing.map { ["id": $0.id, "title": $0.title] as Any } ?? false,
                "formAction": editing.map { "/editor/news/\($0.id)" } ?? "/editor/news",
                "values": shown, "publishedOn": shown["published"] == "1", "errors": errors,
            ], request: request, context: context, status: status)
    }

    @Sendable func saveNews(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = context.parameters.get("news", as: Int64.self)
        let form = context.form
        let entry = NewsEntry(
            id: id, title: String((form["title"] ?? "").prefix(301)), bodyHtml: form["body"] ?? "",
            date: (form["date"] ?? "").trimmingCharacters(in: .whitespaces), published: form["published"] == "1")
        let saved: Int64
        do {
            saved = try await database.saveNews(entry, actor: principal)
        } catch let error as ValidationError {
            let editing = try await id.asyncMap { try await database.newsItem(id: $0) } ?? nil
            if id != nil, editing == nil { throw DomainError(.notFound, code: "news.not_found", message: "The news item was not found.") }
            var values = context.echoedForm(limit: 200_000)
            values["published"] = form["published"] == "1" ? "1" : ""
            return try await renderEditor(
                request, context: context, editing: editing, values: values, errors: renderer.localizer(context.language).fieldMessages(error),
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/editor/news/\(saved)?saved=1")
    }

    @Sendable func deleteNews(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("news", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteNews(id: id, actor: principal)
        return .redirect(to: "/editor/news?saved=1")
    }

    @Sendable func editorPolicy(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderPolicyEditor(request, context: context, body: nil, error: nil, status: .ok)
    }

    func renderPolicyEditor(_ request: Request, context: WholesailRequestContext, body: String?, error: String?, status: HTTPResponse.Status) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let versions = try await database.policyVersions()
        return renderer.render(
            "editor-policy",
            [
                "title": t["policy.editor_title"], "saved": request.uri.queryParameters["saved"] != nil, "error": error ?? "",
                "body": body ?? versions.first?.bodyHtml ?? "", "current": versions.first?.version ?? PolicyText.builtInVersion,
                "versions": versions.map { ["version": $0.version, "date": String($0.createdAt.prefix(16))] as [String: Any] },
                "hasVersions": !versions.isEmpty,
            ], request: request, context: context, status: status)
    }

    @Sendable func savePolicy(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let body = context.form["body"] ?? ""
        do {
            try await database.savePolicy(bodyHtml: body, actor: principal)
        } catch let error as ValidationError {
            let message = renderer.localizer(context.language).fieldMessages(error)["body"] ?? error.message
            return try await renderPolicyEditor(request, context: context, body: String(body.prefix(200_000)), error: message, status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/editor/policy?saved=1")
    }

    // MARK: Banners

    @Sendable func editorBanners(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderBanners(request, context: context, editing: nil, values: nil, errors: [:], status: .ok)
    }

    @Sendable func editorBanner(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("banner", as: Int64.self), let banner = try await database.banner(id: id) else {
            throw DomainError(.notFound, code: "banner.not_found", message: "The banner was not found.")
        }
        return try await renderBanners(request, context: context, editing: banner, values: nil, errors: [:], status: .ok)
    }

    func renderBanners(
        _ request: Request, context: WholesailRequestContext, editing: BannerRow?, values: [String: String]?, errors: [String: String],
        status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let banners = try await database.banners()
        let groups = try await database.userGroupSummaries()
        let shown =
            values
            ?? editing.map { b in
                let e = b.entry
                return [
                    "title": e.title, "link": e.link, "position": e.position, "startsOn": e.startsOn, "endsOn": e.endsOn,
                    "userGroupId": e.userGroupId.map(String.init) ?? "", "active": e.active ? "1" : "", "sortOrder": String(e.sortOrder),
                ]
            } ?? ["position": "home_top", "active": "1", "sortOrder": "0"]
        return renderer.render(
            "editor-banners",
            [
                "title": t["banners.editor_title"], "saved": request.uri.queryParameters["saved"] != nil,
                "banners": banners.map { b in
                    [
                        "id": b.entry.id ?? 0, "title": b.entry.title, "image": b.imageSha256, "link": b.entry.link,
                        "position": t["banners.position_" + b.entry.position],
                        "days": [b.entry.startsOn, b.entry.endsOn].contains(where: { !$0.isEmpty }) ? "\(b.entry.startsOn) — \(b.entry.endsOn)" : "",
                        "group": b.groupName ?? "", "inactive": !b.entry.active,
                    ] as [String: Any]
                },
                "hasBanners": !banners.isEmpty,
                "editing": editing.map { ["id": $0.entry.id ?? 0, "title": $0.entry.title, "image": $0.imageSha256] as Any } ?? false,
                "formAction": editing.map { "/editor/banners/\($0.entry.id ?? 0)" } ?? "/editor/banners",
                "values": shown, "activeOn": shown["active"] == "1", "errors": errors,
                "positions": BannerEntry.positions.map { ["code": $0, "name": t["banners.position_" + $0], "on": shown["position"] == $0] as [String: Any] },
                "groups": groups.map { ["id": $0.id, "name": $0.name, "on": shown["userGroupId"] == String($0.id)] as [String: Any] },
            ], request: request, context: context, status: status)
    }

    @Sendable func saveBanner(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let id = context.parameters.get("banner", as: Int64.self)
        let form = context.form
        func field(_ name: String, _ limit: Int) -> String { String((form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(limit + 1)) }
        let entry = BannerEntry(
            id: id, title: field("title", 200), link: field("link", 2000), position: field("position", 40), startsOn: field("startsOn", 10),
            endsOn: field("endsOn", 10), userGroupId: Int64(field("userGroupId", 20)), active: form["active"] == "1",
            sortOrder: Int(field("sortOrder", 10)) ?? 0)
        let upload = context.uploads["image"]
        let saved: Int64
        do {
            saved = try await database.saveBanner(entry, image: upload.map { (fileName: $0.fileName ?? "", data: $0.data) }, actor: principal)
        } catch let error as ValidationError {
            let editing = try await id.asyncMap { try await database.banner(id: $0) } ?? nil
            if id != nil, editing == nil { throw DomainError(.notFound, code: "banner.not_found", message: "The banner was not found.") }
            var values = context.echoedForm(limit: 2000)
            values["active"] = form["active"] == "1" ? "1" : ""
            return try await renderBanners(
                request, context: context, editing: editing, values: values, errors: renderer.localizer(context.language).fieldMessages(error),
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/editor/banners?saved=1#banner-\(saved)")
    }

    @Sendable func deleteBanner(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("banner", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteBanner(id: id, actor: principal)
        return .redirect(to: "/editor/banners?saved=1")
    }
}
