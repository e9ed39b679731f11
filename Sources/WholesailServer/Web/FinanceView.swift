import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// One company's finance as the buyer's `/finance` page and the manager's
/// `/staff/companies/:company/finance` page show it (the `_finance-company` partial): the balance
/// and credit, debt by order, credit lines, payment schedules and the latest settlement entries.
struct FinanceView {
    let database: WholesailDatabase

    func company(id: Int64, name: String, localizer t: Localizer, language: Language, today: String, entries limit: Int) async throws
        -> [String: Any]
    {
        let format = Formatter(language: language, localizer: t)
        let state = try await database.creditState(counterpartyId: id, today: today)
        let entries = try await database.settlements(counterpartyId: id, limit: limit)
        let receivables = try await database.receivablesByOrder(counterpartyId: id, today: today)
        let lines = try await database.creditLines(counterpartyId: id)
        let schedules = try await database.paymentSchedules(counterpartyId: id)
        func agreement(_ number: String?, _ date: String?) -> String {
            guard let number else { return "" }
            return t.format("finance.agreement_ref", ["number": number, "date": date ?? ""])
        }
        return [
            "id": id, "name": name, "debt": format.money(state.debtMinor, state.currency),
            "limit": state.limitMinor > 0 ? format.money(state.limitMinor, state.currency) : "",
            "available": state.limitMinor > 0 ? format.money(max(0, state.limitMinor - state.debtMinor), state.currency) : "",
            "overdue": state.overdueMinor > 0 ? format.money(state.overdueMinor, state.currency) : "",
            "locked": state.refusal(orderMinor: 0) != nil || state.blocked,
            "entries": entries.map { entry in
                [
                    "date": entry.date, "due": entry.dueDate ?? "", "description": entry.description ?? "", "order": entry.orderNumber ?? "",
                    "debit": entry.amountMinor > 0 ? format.money(entry.amountMinor, entry.currency) : "",
                    "credit": entry.amountMinor < 0 ? format.money(-entry.amountMinor, entry.currency) : "",
                ]
            },
            "hasEntries": !entries.isEmpty,
            "receivables": receivables.map { item in
                [
                    "orderId": item.orderId, "orderNumber": item.orderNumber, "orderDebt": format.money(item.debtMinor, item.currency),
                    "orderOverdue": item.overdueMinor > 0 ? format.money(item.overdueMinor, item.currency) : "", "orderDue": item.dueDate ?? "",
                ] as [String: Any]
            },
            "hasReceivables": !receivables.isEmpty,
            "creditLines": lines.map { line in
                let status = line.status == .open && !line.isActive(today: today) ? "expired" : line.status.rawValue
                return [
                    "lineName": line.name, "lineAgreement": agreement(line.agreementNumber, line.agreementDate),
                    "lineLimit": format.money(line.limitMinor, line.currency), "lineUsed": line.usedMinor.map { format.money($0, line.currency) } ?? "—",
                    "usedComputed": line.usedMinor != nil && !line.usedReported,
                    "lineAvailable": line.availableMinor.map { format.money($0, line.currency) } ?? "—",
                    "lineTerm": line.termDays.map { t.format("finance.cl_term_days", ["n": String($0)]) } ?? "",
                    "lineRate": line.ratePercent.map { t.format("finance.cl_rate_value", ["rate": language == .ru ? $0.replacingOccurrences(of: ".", with: ",") : $0]) }
                        ?? "",
                    "linePeriod": [line.openedOn, line.expiresOn].compactMap { $0 }.joined(separator: " — "),
                    "lineStatus": t["finance.cl_status_" + status], "lineInactive": status != "open",
                ] as [String: Any]
            },
            "hasCreditLines": !lines.isEmpty,
            "schedules": schedules.map { schedule in
                let next = schedule.next(today: today)
                let overdue = schedule.overdueMinor(today: today)
                return [
                    "scheduleTitle": t.format("finance.schedule_title", ["number": schedule.number, "date": schedule.date]),
                    "scheduleAgreement": agreement(schedule.agreementNumber, schedule.agreementDate), "scheduleLine": schedule.creditLine ?? "",
                    "scheduleDescription": schedule.description ?? "",
                    "scheduleTotal": format.money(schedule.totalMinor, schedule.currency), "schedulePaid": format.money(schedule.paidMinor, schedule.currency),
                    "scheduleRemaining": format.money(schedule.remainingMinor, schedule.currency),
                    "scheduleOverdue": overdue > 0 ? format.money(overdue, schedule.currency) : "",
                    "scheduleNext": next.map {
                        t.format("finance.schedule_next_value", ["amount": format.money($0.remainingMinor, schedule.currency), "date": $0.dueDate])
                    } ?? "",
                    "instalments": schedule.instalments.map { item in
                        let status = item.status(today: today)
                        return [
                            "itemDue": item.dueDate, "itemAmount": format.money(item.amountMinor, schedule.currency),
                            "itemPaid": item.paidMinor > 0 ? format.money(item.paidMinor, schedule.currency) : "", "itemPaidOn": item.paidOn ?? "",
                            "itemStatus": t["finance.instalment_" + status.rawValue], "itemOverdue": status == .overdue, "itemDone": status == .paid,
                        ] as [String: Any]
                    },
                ] as [String: Any]
            },
            "hasSchedules": !schedules.isEmpty,
        ]
    }
}

extension DocumentsController {
    /// The manager's view of a customer company's finance: what the company's buyers see on
    /// `/finance`, for one company a manager serves (executives and admins: any). The route
    /// names the company, so `AccessPolicy` decides (404 for a company one does not serve).
    @Sendable func staffFinance(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard let id = context.parameters.get("company", as: Int64.self) else { throw HTTPError(.notFound) }
        try context.require("finance.view", on: .counterparty(id))
        guard let company = try await database.companyHeading(id: id) else {
            throw DomainError(.notFound, code: "not_found", message: "The page or item was not found.")
        }
        let t = renderer.localizer(context.language)
        let view = try await FinanceView(database: database).company(
            id: id, name: company.name, localizer: t, language: context.language, today: PricingService.today(), entries: 300)
        return renderer.render(
            "staff-finance",
            [
                "title": t.format("staff.finance_title", ["company": company.name]), "company": view, "companyId": id, "inn": company.inn ?? "",
            ], request: request, context: context)
    }
}
