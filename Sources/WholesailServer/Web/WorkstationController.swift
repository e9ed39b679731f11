import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// The manager's workstation: the served holdings and legal entities at a glance, and a legal
/// entity's page with its users, pending registration requests, recent orders and open requests.
struct WorkstationController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.get("/staff", .permission("customers.serve"), use: home)
        routes.get("/staff/companies/:company", .owned(.counterparty, parameter: "company", permission: "customers.serve"), use: company)
    }

    @Sendable func home(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.require("customers.serve")
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let companies = try await database.servedCompanies(ids: principal.seesAllCustomers ? nil : principal.serves)
        let registrations = try await database.registrationRequests()
        let tickets = try await database.tickets(counterparties: principal.seesAllCustomers ? nil : principal.serves, openOnly: true, limit: 20)
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
            ], request: request, context: context)
    }

    @Sendable func company(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
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
                    [
                        "id": user.id, "name": user.fullName, "email": user.email, "phone": user.phone ?? "", "status": t["status." + user.status],
                        "active": user.status == "active", "canImpersonate": canImpersonate && user.status == "active",
                    ] as [String: Any]
                },
                "hasUsers": !users.isEmpty,
                "registrations": registrations.map { item in
                    ["id": item.id, "company": item.companyName, "contact": item.contactName, "email": item.email, "phone": item.phone,
                     "createdAt": String(item.createdAt.prefix(16))] as [String: Any]
                },
                "hasRegistrations": !registrations.isEmpty,
                "orders": orders.map { order in
                    ["id": order.id, "number": order.number, "date": String(order.placedAt.prefix(10)),
                     "status": context.language == .ru ? order.status.nameRu : order.status.nameEn, "color": order.status.color,
                     "total": format.money(order.totalMinor, order.currency)] as [String: Any]
                },
                "hasOrders": !orders.isEmpty,
                "tickets": tickets.map { ["id": $0.id, "subject": $0.subject, "status": t["requests.status_" + $0.status]] as [String: Any] },
                "hasTickets": !tickets.isEmpty,
            ], request: request, context: context)
    }
}
