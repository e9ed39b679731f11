import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The buyer's company: colleagues (for buyer admins), delivery addresses, and a manager's
/// "log in as" a customer's user.
struct CompanyPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let hashGate: HashGate
    let hasher: PasswordHasher

    func mount(on routes: Routes) {
        routes.get("/company/users", .permission("users.manage_company"), use: users)
        routes.post("/company/users", .permission("users.manage_company"), use: createUser)
        routes.post("/company/users/:user/status", .owned(.user, parameter: "user", permission: "users.manage_company"), use: setStatus)
        routes.post("/company/users/:user/rights", .owned(.user, parameter: "user", permission: "users.manage_company"), use: setRights)
        routes.get("/company/addresses", .signedIn, use: addresses)
        routes.post("/company/addresses", .signedIn, use: addAddress)
        routes.post(
            "/company/addresses/:address/delete", .owned(.deliveryAddress, parameter: "address", permission: "orders.place"), use: deleteAddress)
        routes.get("/company/change-request", .permission("users.manage_company"), use: changeForm)
        routes.post("/company/change-request", .permission("users.manage_company"), use: submitChange)
        routes.post("/staff/act-as/:user", .owned(.user, parameter: "user", permission: "customers.impersonate"), use: actAs)
        routes.post("/staff/act-as-stop", .signedIn, use: stopActing)
    }

    /// The counterparty the page is about: the session's current one, checked again through the
    /// access policy (a buyer admin of company A manages company A only).
    func currentCompany(_ context: WholesailRequestContext, permission: String) throws -> Int64 {
        let principal = try context.requireSignedIn()
        guard let id = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil) else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        try context.require(permission, on: .counterparty(id))
        return id
    }

    @Sendable func users(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderUsers(request, context: context, values: [:], errors: [:], status: .ok)
    }

    func renderUsers(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let company = try currentCompany(context, permission: "users.manage_company")
        let people = try await database.companyUsers(counterpartyId: company)
        var denied: [Int64: Set<String>] = [:]
        for person in people { denied[person.id] = try await database.deniedPermissions(userId: person.id, counterpartyId: company) }
        let card = try await database.counterpartyCard(id: company)
        let t = renderer.localizer(context.language)
        return renderer.render(
            "company-users",
            [
                "title": t["company.users_title"], "company": card?.name ?? "",
                "users": people.map { user in
                    [
                        "id": user.id, "email": user.email, "name": user.fullName, "phone": user.phone ?? "",
                        "active": user.status == "active", "status": t["status." + user.status],
                        "roles": user.roles.map { t["role." + $0] }.joined(separator: ", "),
                        "isMe": user.id == context.principal?.userId,
                        "rights": NarrowableRights.codes.map { code in
                            ["code": code, "name": t["right." + code], "on": !(denied[user.id] ?? []).contains(code)] as [String: Any]
                        },
                    ] as [String: Any]
                },
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
                "created": request.uri.queryParameters["created"] != nil,
            ], request: request, context: context, status: status)
    }

    @Sendable func createUser(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try currentCompany(context, permission: "users.manage_company")
        let principal = try context.requireSignedIn()
        let f = context.form
        do {
            let database = self.database
            let hasher = self.hasher
            _ = try await hashGate.run {
                try await database.createColleague(
                    counterpartyId: company, email: f["email"] ?? "", fullName: f["fullName"] ?? "", phone: f["phone"] ?? "",
                    role: f["role"] ?? "", password: f["password"] ?? "", actor: principal, hasher: hasher)
            }
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderUsers(
                request, context: context, values: context.echoedForm(limit: 300, dropping: ["password"]),
                errors: t.fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/company/users?created=1")
    }

    @Sendable func setStatus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let userId = context.parameters.get("user", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.setUserStatus(userId: userId, active: context.form["active"] == "1", actor: principal)
        return .redirect(to: "/company/users")
    }

    @Sendable func setRights(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try currentCompany(context, permission: "users.manage_company")
        guard let userId = context.parameters.get("user", as: Int64.self) else { throw HTTPError(.notFound) }
        let granted = AdminAccessController.checked(context.form, prefix: "right.")
        let denied = Set(NarrowableRights.codes).subtracting(granted)
        try await database.setDeniedPermissions(userId: userId, counterpartyId: company, denied: denied, actor: try context.requireSignedIn())
        return .redirect(to: "/company/users")
    }

    @Sendable func addresses(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderAddresses(request, context: context, values: [:], errors: [:], status: .ok)
    }

    func renderAddresses(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let company = try currentCompany(context, permission: "orders.view")
        let list = try await database.deliveryAddresses(counterpartyId: company)
        let card = try await database.counterpartyCard(id: company)
        let t = renderer.localizer(context.language)
        let canEdit = context.principal?.permissions.contains("orders.place") ?? false
        return renderer.render(
            "company-addresses",
            [
                "title": t["company.addresses_title"], "company": card?.name ?? "", "canEdit": canEdit,
                "addresses": list.map { address in
                    [
                        "id": address.id, "address": address.address, "consignee": address.consignee ?? "",
                        "contact": [address.contactName, address.contactPhone].compactMap { $0 }.joined(separator: ", "),
                        "comment": address.comment ?? "", "isDefault": address.isDefault,
                    ] as [String: Any]
                },
                "hasAddresses": !list.isEmpty,
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
            ], request: request, context: context, status: status)
    }

    @Sendable func addAddress(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try currentCompany(context, permission: "orders.place")
        let f = context.form
        let form = AddressForm(
            address: f["address"] ?? "", consignee: f["consignee"] ?? "", contactName: f["contactName"] ?? "",
            contactPhone: f["contactPhone"] ?? "", comment: f["comment"] ?? "")
        do {
            try await database.addDeliveryAddress(counterpartyId: company, form, actor: try context.requireSignedIn())
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderAddresses(
                request, context: context, values: context.echoedForm(limit: 1000),
                errors: t.fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/company/addresses")
    }

    @Sendable func deleteAddress(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("address", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.deleteDeliveryAddress(id: id, actor: try context.requireSignedIn())
        return .redirect(to: "/company/addresses")
    }

    @Sendable func changeForm(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderChange(request, context: context, values: [:], errors: [:], status: .ok)
    }

    func renderChange(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let company = try currentCompany(context, permission: "users.manage_company")
        guard let card = try await database.counterpartyCard(id: company) else { throw HTTPError(.notFound) }
        let t = renderer.localizer(context.language)
        return renderer.render(
            "company-change",
            [
                "title": t["company.change_title"],
                "card": ["name": card.name, "inn": card.inn ?? "", "kpp": card.kpp ?? "", "legalAddress": card.legalAddress ?? ""],
                "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
                "sent": request.uri.queryParameters["sent"] != nil,
            ], request: request, context: context, status: status)
    }

    @Sendable func submitChange(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let company = try currentCompany(context, permission: "users.manage_company")
        let principal = try context.requireSignedIn()
        let document = context.uploads["document"]
        do {
            try await database.submitChangeRequest(
                counterpartyId: company, actor: principal, changes: context.form, fileName: document?.fileName ?? "",
                file: document?.data ?? Data())
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderChange(
                request, context: context, values: context.echoedForm(limit: 500),
                errors: t.fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/company/change-request?sent=1")
    }

    @Sendable func actAs(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let session = context.session, principal.impersonatorId == nil, let target = context.parameters.get("user", as: Int64.self) else {
            throw DomainError(.conflict, code: "access.already_acting", message: "Return to your own account first.")
        }
        try await database.startActingAs(sessionId: session.id, staff: principal, target: target, ip: context.remoteIP)
        return .redirect(to: "/account")
    }

    @Sendable func stopActing(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let session = context.session, let staff = principal.impersonatorId else { return .redirect(to: "/account") }
        try await database.stopActingAs(sessionId: session.id, staffUserId: staff, actingAs: principal.userId, ip: context.remoteIP)
        return .redirect(to: "/account")
    }
}
