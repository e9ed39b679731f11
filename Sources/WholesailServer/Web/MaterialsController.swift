import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Advertising and media materials: the buyer's list and downloads (`/materials`), the editor's
/// page that uploads, publishes, withdraws, re-targets and deletes them (`/editor/materials`), and
/// the admin's user groups they can be published for (`/admin/user-groups`).
///
/// A download names the material, so the router asks `AccessPolicy` with its audience first:
/// someone outside it (or anyone but an editor, for an unpublished one) gets 404.
struct MaterialsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/materials", .permission("materials.view"), use: list)
        routes.get("/materials/:material/file", .audience(.material, parameter: "material", permission: "materials.view"), use: file)
        routes.get("/editor/materials", .permission("content.edit"), use: editorPage)
        routes.post("/editor/materials", .permission("content.edit"), use: add)
        routes.post("/editor/materials/:material", .permission("content.edit"), use: update)
        routes.post("/editor/materials/:material/publish", .permission("content.edit"), use: publish)
        routes.post("/editor/materials/:material/unpublish", .permission("content.edit"), use: unpublish)
        routes.post("/editor/materials/:material/delete", .permission("content.edit"), use: delete)
        routes.get("/admin/user-groups", .permission("admin.users"), use: groupsPage)
        routes.post("/admin/user-groups", .permission("admin.users"), use: createGroup)
        routes.post("/admin/user-groups/:group/delete", .permission("admin.users"), use: deleteGroup)
        routes.post("/admin/user-groups/:group/members", .permission("admin.users"), use: addMembers)
        routes.post("/admin/user-groups/:group/members/:user/delete", .permission("admin.users"), use: removeMember)
    }

    // MARK: - Buyers

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("materials.view")
        let t = renderer.localizer(context.language)
        let items = try await database.materials(forGroups: principal.userGroups)
        return renderer.render(
            "materials",
            [
                "title": t["materials.title"],
                "materials": items.map { Self.row($0, t: t, language: context.language) },
                "hasMaterials": !items.isEmpty, "canEdit": principal.permissions.contains("content.edit"),
            ], request: request, context: context)
    }

    @Sendable func file(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("material", as: Int64.self), let fileId = try await database.materialFileId(id: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return try await FilesController.download(fileId: fileId, database: database)
    }

    static func row(_ material: Material, t: Localizer, language: Language) -> [String: Any] {
        [
            "id": material.id, "title": material.title, "description": material.description, "fileName": material.fileName,
            "kind": kindName(material.contentType, fileName: material.fileName), "size": size(material.size, language: language),
            "date": String((material.publishedAt ?? material.createdAt).prefix(10)),
            "forGroups": material.groupNames.joined(separator: ", "), "published": material.published,
        ]
    }

    /// `PDF`, `PNG`, `XLSX`… from the content type, else the file's extension.
    static func kindName(_ contentType: String, fileName: String) -> String {
        let known = [
            "application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP", "application/zip": "ZIP",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
        ]
        if let name = known[contentType] { return name }
        let ext = (fileName as NSString).pathExtension.uppercased()
        return ext.isEmpty ? "—" : ext
    }

    static func size(_ bytes: Int, language: Language) -> String {
        let unitKB = language == .ru ? "КБ" : "KB"
        let unitMB = language == .ru ? "МБ" : "MB"
        if bytes < 1024 * 1024 { return "\(max(1, (bytes + 512) / 1024)) \(unitKB)" }
        let tenths = (bytes * 10 + 512 * 1024) / (1024 * 1024)
        let text = "\(tenths / 10)" + (language == .ru ? "," : ".") + "\(tenths % 10)"
        return "\(text) \(unitMB)"
    }

    // MARK: - The editor

    @Sendable func editorPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderEditor(request, context: context, values: [:], errors: [:])
    }

    func renderEditor(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let items = try await database.allMaterials()
        let groups = try await database.userGroupSummaries()
        let chosen = Set(values.keys.filter { $0.hasPrefix("group.") }.compactMap { Int64($0.dropFirst("group.".count)) })
        return renderer.render(
            "editor-materials",
            [
                "title": t["materials.editor_title"],
                "materials": items.map { material in
                    var row = Self.row(material, t: t, language: context.language)
                    row["forAll"] = material.groups == nil
                    row["groupChoices"] = groups.map { group in
                        ["groupId": group.id, "groupName": group.name, "groupChecked": material.groups?.contains(group.id) ?? false] as [String: Any]
                    }
                    return row
                },
                "hasMaterials": !items.isEmpty,
                "groups": groups.map { ["groupId": $0.id, "groupName": $0.name, "groupMembers": $0.members, "groupChecked": chosen.contains($0.id)] as [String: Any] },
                "hasGroups": !groups.isEmpty, "canManageGroups": (try? context.require("admin.users")) != nil,
                "values": ["title": values["title"] ?? "", "description": values["description"] ?? ""],
                "audienceGroups": values["audience"] == "groups", "publishChecked": values["publish"] == "1",
                "errors": errors, "hasErrors": !errors.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    /// The audience a form asks for: everyone, or the ticked groups.
    static func groups(_ form: [String: String]) -> Set<Int64>? {
        guard form["audience"] == "groups" else { return nil }
        return Set(AdminAccessController.checked(form, prefix: "group.").compactMap { Int64($0) })
    }

    @Sendable func add(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("content.edit")
        let f = context.form
        let upload = context.uploads["file"]
        let form = MaterialForm(title: f["title"] ?? "", description: f["description"] ?? "", groups: Self.groups(f), publish: f["publish"] == "1")
        do {
            try await database.addMaterial(form, fileName: upload?.fileName ?? "", data: upload?.data ?? Data(), actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderEditor(
                request, context: context, values: context.echoedForm(limit: 2000), errors: t.fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/editor/materials?saved=1", type: .normal)
    }

    func materialId(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("material", as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }

    @Sendable func update(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("content.edit")
        let id = try materialId(context)
        let f = context.form
        do {
            try await database.updateMaterial(
                id: id, MaterialForm(title: f["title"] ?? "", description: f["description"] ?? "", groups: Self.groups(f)), actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderEditor(request, context: context, values: [:], errors: t.fieldMessages(error), status: .unprocessableContent)
                .response(from: request, context: context)
        }
        return .redirect(to: "/editor/materials?saved=1", type: .normal)
    }

    @Sendable func publish(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await database.setMaterialPublished(id: try materialId(context), true, actor: try context.require("content.edit"))
        return .redirect(to: "/editor/materials?saved=1", type: .normal)
    }

    @Sendable func unpublish(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await database.setMaterialPublished(id: try materialId(context), false, actor: try context.require("content.edit"))
        return .redirect(to: "/editor/materials?saved=1", type: .normal)
    }

    @Sendable func delete(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await database.deleteMaterial(id: try materialId(context), actor: try context.require("content.edit"))
        return .redirect(to: "/editor/materials?saved=1", type: .normal)
    }

    // MARK: - User groups (admin)

    @Sendable func groupsPage(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderGroups(request, context: context, values: [:], errors: [:])
    }

    func renderGroups(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status = .ok
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        var groups: [[String: Any]] = []
        for group in try await database.userGroupSummaries() {
            let members = try await database.userGroupMembers(groupId: group.id)
            groups.append([
                "groupId": group.id, "groupCode": group.code, "groupName": group.name, "groupCount": group.members,
                "members": members.map { ["userId": $0.id, "email": $0.email, "fullName": $0.name, "companies": $0.companies] as [String: Any] },
                "hasMembers": !members.isEmpty, "failed": values["group"] == String(group.id),
            ])
        }
        return renderer.render(
            "admin-user-groups",
            [
                "title": t["groups.title"], "groups": groups, "hasGroups": !groups.isEmpty,
                "values": ["code": values["code"] ?? "", "name": values["name"] ?? "", "emails": values["emails"] ?? ""],
                "errors": errors, "hasErrors": !errors.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    func groupsFailed(_ error: ValidationError, values: [String: String], _ request: Request, _ context: WholesailRequestContext) async throws -> Response {
        let t = renderer.localizer(context.language)
        return try await renderGroups(request, context: context, values: values, errors: t.fieldMessages(error), status: .unprocessableContent)
            .response(from: request, context: context)
    }

    @Sendable func createGroup(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("admin.users")
        do {
            try await database.createUserGroup(code: context.form["code"] ?? "", name: context.form["name"] ?? "", actor: principal)
        } catch let error as ValidationError {
            return try await groupsFailed(error, values: context.echoedForm(limit: 500), request, context)
        }
        return .redirect(to: "/admin/user-groups?saved=1", type: .normal)
    }

    func groupId(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("group", as: Int64.self) else { throw HTTPError(.notFound) }
        return id
    }

    @Sendable func deleteGroup(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        try await database.deleteUserGroup(id: try groupId(context), actor: try context.require("admin.users"))
        return .redirect(to: "/admin/user-groups?saved=1", type: .normal)
    }

    @Sendable func addMembers(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.require("admin.users")
        let id = try groupId(context)
        let emails = (context.form["emails"] ?? "").split(whereSeparator: { $0 == "," || $0 == ";" || $0.isNewline || $0 == " " }).map(String.init)
        do {
            try await database.addUserGroupMembers(groupId: id, emails: emails, actor: principal)
        } catch let error as ValidationError {
            var values = context.echoedForm(limit: 5000)
            values["group"] = String(id)
            return try await groupsFailed(error, values: values, request, context)
        }
        return .redirect(to: "/admin/user-groups?saved=1", type: .normal)
    }

    @Sendable func removeMember(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let user = context.parameters.get("user", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.removeUserGroupMember(groupId: try groupId(context), userId: user, actor: try context.require("admin.users"))
        return .redirect(to: "/admin/user-groups?saved=1", type: .normal)
    }
}
