import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// The manager's workstation: the served holdings and legal entities at a glance, and a legal
/// entity's page with its users (and what staff do to them), pending registration requests,
/// who serves it, recent orders and open requests.
///
/// Every action names the company in its path, so the router's ownership check (the access
/// policy) runs first: a manager acts on the companies assigned to them only (others are 404),
/// executives and admins on all. The user an action names must work for that company (404
/// otherwise).
struct WorkstationController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let baseURL: String

    func mount(on routes: Routes) {
        routes.get("/staff", .permission("customers.serve"), use: home)
        routes.get("/staff/companies/:company", .owned(.counterparty, parameter: "company", permission: "customers.serve"), use: company)
        let manage = RouteAccess.owned(.counterparty, parameter: "company", permission: "customers.manage_users")
        routes.post("/staff/companies/:company/users", manage, use: createUser)
        routes.post("/staff/companies/:company/users/link", manage, use: linkUser)
        routes.post("/staff/companies/:company/users/invite", manage, use: invite)
        routes.post("/staff/companies/:company/users/status", manage, use: setStatus)
        routes.post("/staff/companies/:company/users/remove", manage, use: remove)
        routes.post(
            "/staff/companies/:company/registrations/decline", .owned(.counterparty, parameter: "company", permission: "customers.serve"),
            use: declineRegistration)
        routes.post(
            "/staff/companies/:company/assignment", .owned(.counterparty, parameter: "company", permission: "customers.assign"), use: assign)
    }

    // MARK: Home

    @Sendable func home(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("customers.serve")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        // Executives and admins see every customer, or one manager's when they pick one.
        let staff = principal.seesAllCustomers ? try await database.staffMembers() : []
        let chosenManager = principal.seesAllCustomers
            ? request.uri.queryParameters["manager"].flatMap { Int64(String($0)) }.flatMap { id in staff.contains { $0.id == id } ? id : nil } : nil
        let scope: Set<Int64>?
        if let chosenManager {
            scope = try await database.servedCompanyIds(userId: chosenManager)
        } else {
            scope = principal.seesAllCustomers ? nil : principal.serves
        }
        let search = String((request.uri.queryParameters["q"].map(String.init) ?? "").prefix(100))
        let page = max(1, request.uri.queryParameters["page"].flatMap { Int(String($0)) } ?? 1)
        let perPage = 100
        let total = try await database.servedCompanyCount(ids: scope, search: search)
        let companies = try await database.servedCompanies(ids: scope, search: search, limit: perPage, offset: (page - 1) * perPage)
        var kept: [String: [String]] = [:]
        if !search.isEmpty { kept["q"] = [search] }
        if let chosenManager { kept["manager"] = [String(chosenManager)] }
        let registrations = try await database.registrationRequests()
        let tickets = try await database.tickets(counterparties: scope, openOnly: true, limit: 20)
        var groups: [(holding: String, rows: [[String: Any]])] = []
        for company in companies {
            let row: [String: Any] = [
                "id": company.id, "name": company.name, "inn": company.inn ?? "",
                "debt": format.money(company.balanceMinor, company.currency),
                "limit": company.creditLimitMinor > 0 ? format.money(company.creditLimitMinor, company.currency) : "",
                "overLimit": company.blocked || (company.creditLimitMinor > 0 && company.balanceMinor >= company.creditLimitMinor),
                "lastOrderId": company.lastOrderId ?? 0, "lastOrder": company.lastOrderNumber ?? "",
                "lastOrderAt": company.lastOrderAt.map { String($0.prefix(10)) } ?? "",
                "active": company.activeOrders, "requests": company.openRequests, "users": company.users,
            ]
            let holding = company.holding ?? t["staff.no_holding"]
            if let index = groups.firstIndex(where: { $0.holding == holding }) { groups[index].rows.append(row) } else { groups.append((holding, [row])) }
        }
        return renderer.render(
            "staff-home",
            [
                "title": t["staff.home_title"],
                "groups": groups.map { ["holding": $0.holding, "companies": $0.rows] as [String: Any] }, "hasCompanies": !companies.isEmpty,
                "registrations": registrations.count, "hasRegistrations": !registrations.isEmpty,
                "tickets": tickets.map { ["id": $0.id, "subject": $0.subject, "company": $0.counterparty, "status": t["requests.status_" + $0.status]] as [String: Any] },
                "hasTickets": !tickets.isEmpty,
                "seesAll": principal.seesAllCustomers, "canDashboard": principal.permissions.contains("staff.dashboard"),
                "managers": staff.map { ["id": $0.id, "name": $0.fullName.isEmpty ? $0.email : $0.fullName, "selected": $0.id == chosenManager] as [String: Any] },
                "filtered": chosenManager != nil, "search": search, "searched": !search.isEmpty, "total": total,
                "pager": Pager(page: page, perPage: perPage, total: total, path: "/staff", query: kept).links(t),
            ], request: request, context: context)
    }

    // MARK: A legal entity's page

    @Sendable func company(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderCompany(request, context: context, form: [:], errors: [:], error: nil, status: .ok)
    }

    /// The company page; after a refused action, with the form's values and messages.
    func renderCompany(
        _ request: Request, context: WholesailRequestContext, form: [String: String], errors: [String: String], error: String?,
        status: HTTPResponse.Status
    ) async throws -> HTML {
        let principal = try context.require("customers.serve")
        guard let id = context.parameters.get("company", as: Int64.self), let card = try await database.counterpartyCard(id: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let users = try await database.companyUsers(counterpartyId: id)
        let registrations = try await database.registrationRequests().filter { $0.matches.contains(id) }
        var filter = OrderFilter(counterparties: [id])
        filter.perPage = 10
        let orders = try await database.orders(filter).items
        let tickets = try await database.tickets(counterparties: [id], openOnly: true, limit: 20)
        let credit = try await database.creditState(counterpartyId: id, today: PricingService.today())
        let canImpersonate = principal.permissions.contains("customers.impersonate")
        let canManage = principal.permissions.contains("customers.manage_users")
        let canAssign = principal.permissions.contains("customers.assign")
        let assignment = try await database.companyAssignment(counterpartyId: id)
        let staff = canAssign ? try await database.staffMembers() : []
        let done = request.uri.queryParameters["done"].map(String.init) ?? ""
        let doneKeys = ["created", "invited", "linked", "enabled", "disabled", "removed", "declined", "assigned", "accepted"]
        func option(_ member: StaffMember, chosen: Int64?) -> [String: Any] {
            ["id": member.id, "name": member.fullName.isEmpty ? member.email : member.fullName, "selected": member.id == chosen]
        }
        return renderer.render(
            "staff-company",
            [
                "title": card.name, "id": id, "companyId": id, "name": card.name, "inn": card.inn ?? "", "kpp": card.kpp ?? "", "holding": card.holding ?? "",
                "region": card.region ?? "", "address": card.legalAddress ?? "",
                "debt": format.money(credit.debtMinor, credit.currency),
                "limit": credit.limitMinor > 0 ? format.money(credit.limitMinor, credit.currency) : "",
                "overdue": credit.overdueMinor > 0 ? format.money(credit.overdueMinor, credit.currency) : "",
                "locked": credit.refusal(orderMinor: 0) != nil,
                "users": users.map { user in
                    let isBuyer = !user.roles.isEmpty && user.roles.allSatisfy { ["buyer", "buyer_admin"].contains($0) }
                    return [
                        "id": user.id, "name": user.fullName.isEmpty ? user.email : user.fullName, "email": user.email, "phone": user.phone ?? "",
                        "status": user.status == "active" && !user.hasPassword ? t["staff.status_invited"] : t["status." + user.status],
                        "roles": user.roles.map { t["role." + $0] }.joined(separator: ", "),
                        "active": user.status == "active", "canImpersonate": canImpersonate && user.status == "active" && isBuyer,
                        "canManage": canManage && isBuyer, "invited": !user.hasPassword,
                    ] as [String: Any]
                },
                "hasUsers": !users.isEmpty, "canManage": canManage,
                "registrations": registrations.map { item in
                    ["id": item.id, "company": item.companyName, "contact": item.contactName, "email": item.email, "phone": item.phone,
                     "createdAt": String(item.createdAt.prefix(16))] as [String: Any]
                },
                "hasRegistrations": !registrations.isEmpty,
                "orders": orders.map { order in
                    ["id": order.id, "number": order.number, "date": String(order.placedAt.prefix(10)),
                     "status": context.language == .ru ? order.status.nameRu : order.status.nameEn, "color": order.status.color,
                     "total": format.money(order.totalMinor, order.currency), "poNumber": order.poNumber ?? ""] as [String: Any]
                },
                "hasOrders": !orders.isEmpty,
                "tickets": tickets.map { ["id": $0.id, "subject": $0.subject, "status": t["requests.status_" + $0.status]] as [String: Any] },
                "hasTickets": !tickets.isEmpty,
                "servedBy": assignment.entries.map { entry in
                    ["name": entry.name, "role": t["role." + entry.role], "viaHolding": entry.holding ?? ""] as [String: Any]
                },
                "hasServedBy": !assignment.entries.isEmpty,
                "canAssign": canAssign,
                "managerOptions": staff.map { option($0, chosen: assignment.manager?.userId) },
                "assistantOptions": staff.map { option($0, chosen: assignment.assistant?.userId) },
                "noManager": assignment.manager == nil, "noAssistant": assignment.assistant == nil,
                "done": doneKeys.contains(done) ? t["staff.done_" + done] : "",
                "values": form, "errors": errors, "error": error ?? "", "hasErrors": !errors.isEmpty || error != nil,
            ], request: request, context: context, status: status)
    }

    /// The company of the path (the router has checked that the caller may act on it).
    func companyId(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("company", as: Int64.self) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        return id
    }

    /// The user a form names.
    func formUser(_ context: WholesailRequestContext) throws -> Int64 {
        guard let id = context.form["user"].flatMap({ Int64($0) }) else {
            throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
        }
        return id
    }

    func done(_ company: Int64, _ what: String) -> Response {
        .redirect(to: "/staff/companies/\(company)?done=\(what)")
    }

    /// Renders the company page again with a refusal: field messages for a form, else one alert.
    func refused(_ error: any Error, request: Request, context: WholesailRequestContext, echo: [String: String] = [:]) async throws -> Response {
        let t = renderer.localizer(context.language)
        switch error {
        case let error as ValidationError:
            return try await renderCompany(
                request, context: context, form: echo, errors: t.fieldMessages(error), error: nil, status: .unprocessableContent
            ).response(from: request, context: context)
        case let error as DomainError where error.kind == .conflict:
            return try await renderCompany(
                request, context: context, form: echo, errors: [:], error: t.message(for: error), status: .conflict
            ).response(from: request, context: context)
        default:
            throw error
        }
    }

    // MARK: Actions on users

    @Sendable func createUser(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        let f = context.form
        let form = CompanyUserForm(email: f["email"] ?? "", fullName: f["fullName"] ?? "", phone: f["phone"] ?? "", role: f["role"] ?? "")
        do {
            try await database.inviteCompanyUser(counterpartyId: company, form, actor: principal, baseURL: baseURL)
        } catch {
            return try await refused(error, request: request, context: context, echo: context.echoedForm(limit: 300))
        }
        return done(company, "created")
    }

    @Sendable func linkUser(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        do {
            try await database.linkCompanyUser(email: context.form["linkEmail"] ?? "", counterpartyId: company, actor: principal)
        } catch {
            return try await refused(error, request: request, context: context, echo: context.echoedForm(limit: 300))
        }
        return done(company, "linked")
    }

    @Sendable func invite(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        do {
            try await database.resendInvitation(userId: try formUser(context), counterpartyId: company, actor: principal, baseURL: baseURL)
        } catch {
            return try await refused(error, request: request, context: context)
        }
        return done(company, "invited")
    }

    @Sendable func setStatus(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        let active = context.form["active"] == "1"
        do {
            try await database.setCompanyUserStatus(userId: try formUser(context), counterpartyId: company, active: active, actor: principal)
        } catch {
            return try await refused(error, request: request, context: context)
        }
        return done(company, active ? "enabled" : "disabled")
    }

    @Sendable func remove(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        do {
            try await database.removeCompanyUser(userId: try formUser(context), counterpartyId: company, actor: principal)
        } catch {
            return try await refused(error, request: request, context: context)
        }
        return done(company, "removed")
    }

    // MARK: Registration requests and assignment

    /// Declines a registration request listed on this company's page (same tax id), with the
    /// reason e-mailed to the applicant.
    @Sendable func declineRegistration(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        guard let requestId = context.form["request"].flatMap({ Int64($0) }),
            try await database.registrationMatches(requestId: requestId, counterpartyId: company)
        else { throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.") }
        do {
            try await database.declineRegistration(id: requestId, reason: context.form["reason"] ?? "", actor: principal)
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderCompany(
                request, context: context, form: [:], errors: [:], error: t.message(code: "staff.reason_required", fallback: error.message),
                status: .unprocessableContent
            ).response(from: request, context: context)
        } catch {
            return try await refused(error, request: request, context: context)
        }
        return done(company, "declined")
    }

    /// An executive sets the company's own manager and assistant.
    @Sendable func assign(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let company = try companyId(context)
        func chosen(_ field: String) -> Int64? { context.form[field].flatMap { Int64($0) } }
        do {
            try await database.assignCustomer(counterpartyId: company, managerId: chosen("manager"), assistantId: chosen("assistant"), actor: principal)
        } catch {
            return try await refused(error, request: request, context: context)
        }
        return done(company, "assigned")
    }
}
