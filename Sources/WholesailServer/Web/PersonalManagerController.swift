import Foundation
import Hummingbird
import WholesailCore
import WholesailStore

/// "Ask a question" from the personal-manager widget under a buyer's pages: the question becomes
/// a request (ticket) of the buyer's current company and reaches the assistant by e-mail.
struct PersonalManagerController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer

    func mount(on routes: Routes) {
        routes.post("/manager/question", .permission("requests.create"), use: ask)
    }

    @Sendable func ask(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let company = principal.currentCounterpartyId ?? (principal.memberOf.count == 1 ? principal.memberOf.first : nil) else {
            throw DomainError(.conflict, code: "company.none_selected", message: "Choose the company you work for in your account first.")
        }
        try context.require("requests.create", on: .counterparty(company))
        let ticketId: Int64
        do {
            ticketId = try await database.askPersonalManager(counterpartyId: company, userId: principal.userId, question: context.form["question"] ?? "")
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try renderer.render(
                "account-message",
                [
                    "title": t["manager_widget.title"], "heading": t["manager_widget.ask"],
                    "text": t.fieldMessages(error)["question"] ?? error.message,
                ],
                request: request, context: context, status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/requests/\(ticketId)?sent=1")
    }
}
