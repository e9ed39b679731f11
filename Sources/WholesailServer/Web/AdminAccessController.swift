import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The admin's roles and users: custom roles composed of permissions, and each user's roles.
struct AdminAccessController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/admin/roles", .permission("admin.users"), use: roles)
        routes.post("/admin/roles", .permission("admin.users"), use: createRole)
        routes.post("/admin/roles/:role", .permission("admin.users"), use: updateRole)
        routes.get("/admin/users", .permission("admin.users"), use: users)
        routes.post("/admin/users/:user/roles", .permission("admin.users"), use: setRoles)
    }

    /// Checkboxes arrive as `perm.<code>=1` (or `role.<code>=1`): one field per box.
    static func checked(_ form: [String: String], prefix: String) -> Set<String> {
        Set(form.compactMap { key, value in key.hasPrefix(prefix) && value == "1" ? String(key.dropFirst(prefix.count)) : nil })
    }

    @Sendable func roles(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderRoles(request, context: context, errors: [:], values: [:], status: .ok)
    }

    func renderRoles(
        _ request: Request, context: WholesailRequestContext, errors: [String: String], values: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let roles = try await database.roles()
        let permissions = try await database.permissions()
        let ru = context.language == .ru
        let t = renderer.localizer(context.language)
        return renderer.render(
            "admin-roles",
            [
                "title": t["admin.roles_title"],
                "roles": roles.map { role in
                    [
                        "id": role.id, "code": role.code, "name": ru ? role.nameRu : role.nameEn, "builtIn": role.isBuiltIn,
                        "permissions": permissions.map { permission in
                            ["code": permission.code, "name": ru ? permission.nameRu : permission.nameEn, "on": role.permissions.contains(permission.code)]
                                as [String: Any]
                        },
                    ] as [String: Any]
                },
                "permissions": permissions.map { ["code": $0.code, "name": ru ? $0.nameRu : $0.nameEn] },
                "errors": errors, "values": values, "hasErrors": !errors.isEmpty, "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context, status: status)
    }

    @Sendable func createRole(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let f = context.form
        do {
            try await database.createRole(
                code: f["code"] ?? "", nameEn: f["nameEn"] ?? "", nameRu: f["nameRu"] ?? "", staff: f["staff"] == "1",
                permissions: Self.checked(f, prefix: "perm."), actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderRoles(
                request, context: context, errors: t.fieldMessages(error),
                values: ["code": String((f["code"] ?? "").prefix(40)), "nameEn": String((f["nameEn"] ?? "").prefix(100)), "nameRu": String((f["nameRu"] ?? "").prefix(100))],
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/admin/roles?saved=1")
    }

    @Sendable func updateRole(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("role", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setRolePermissions(roleId: id, permissions: Self.checked(context.form, prefix: "perm."), actor: principal)
        return .redirect(to: "/admin/roles?saved=1")
    }

    @Sendable func users(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let query = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(100))
        let found = try await database.findUsers(matching: query)
        let roles = try await database.roles()
        let ru = context.language == .ru
        let t = renderer.localizer(context.language)
        return renderer.render(
            "admin-users",
            [
                "title": t["admin.users_title"], "q": query,
                "users": found.map { user in
                    [
                        "id": user.id, "email": user.email, "name": user.fullName, "status": t["status." + user.status],
                        "roles": roles.map { role in
                            ["code": role.code, "name": ru ? role.nameRu : role.nameEn, "on": user.roles.contains(role.code)] as [String: Any]
                        },
                    ] as [String: Any]
                },
                "saved": request.uri.queryParameters["saved"] != nil,
            ], request: request, context: context)
    }

    @Sendable func setRoles(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("user", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setUserRoles(userId: id, roles: Self.checked(context.form, prefix: "role."), actor: principal)
        return .redirect(to: "/admin/users?saved=1")
    }
}
