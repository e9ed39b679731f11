import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Staff handling registration requests: accept (linking a company) or decline (with a reason).
struct StaffPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let baseURL: String

    func mount(on routes: Routes) {
        routes.get("/staff/registrations", .permission("customers.serve"), use: list)
        routes.post("/staff/registrations/:request/accept", .permission("customers.serve"), use: accept)
        routes.post("/staff/registrations/:request/decline", .permission("customers.serve"), use: decline)
        routes.get("/staff/change-requests", .permission("customers.serve"), use: changeRequests)
        routes.get(
            "/staff/change-requests/:request/document", .owned(.counterpartyChangeRequest, parameter: "request", permission: "customers.serve"),
            use: changeDocument)
        routes.post(
            "/staff/change-requests/:request/decide", .owned(.counterpartyChangeRequest, parameter: "request", permission: "customers.serve"),
            use: decideChange)
    }

    @Sendable func changeRequests(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let principal = try context.requireSignedIn()
        let list = try await database.changeRequests(counterparties: principal.seesAllCustomers ? nil : principal.serves)
        let t = renderer.localizer(context.language)
        return renderer.render(
            "staff-change-requests",
            [
                "title": t["staff.change_requests_title"],
                "requests": list.map { item in
                    [
                        "id": item.id, "company": item.counterpartyName, "by": item.requestedBy, "fileName": item.fileName,
                        "createdAt": String(item.createdAt.prefix(16)),
                        "changes": item.changes.sorted { $0.key < $1.key }.map { ["field": t["company.field_" + $0.key], "value": $0.value] },
                    ] as [String: Any]
                },
                "hasRequests": !list.isEmpty, "done": request.uri.queryParameters["done"] != nil,
            ], request: request, context: context)
    }

    @Sendable func changeDocument(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        guard let id = context.parameters.get("request", as: Int64.self), let document = try await database.changeRequestDocument(id: id),
            let info = try await database.blobInfo(sha256: document.sha256), let data = try await database.blobData(sha256: document.sha256)
        else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [
                .contentType: info.contentType, .contentDisposition: ContentDisposition.attachment(fileName: document.fileName),
                .cacheControl: "private, no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    @Sendable func decideChange(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("request", as: Int64.self) else { throw HTTPError(.notFound) }
        try await database.decideChangeRequest(
            id: id, approve: context.form["decision"] == "approve", comment: context.form["comment"] ?? "", actor: principal)
        return .redirect(to: "/staff/change-requests?done=1")
    }

    @Sendable func list(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await render(request, context: context, error: nil, status: .ok)
    }

    func render(_ request: Request, context: WholesailRequestContext, error: String?, status: HTTPResponse.Status) async throws -> HTML {
        let principal = try context.requireSignedIn()
        let requests = try await database.registrationRequests()
        let newUser = principal.permissions.contains("customers.impersonate")
            ? request.uri.queryParameters["user"].flatMap { Int64(String($0)) } : nil
        let t = renderer.localizer(context.language)
        return renderer.render(
            "staff-registrations",
            [
                "title": t["staff.registrations_title"],
                "requests": requests.map { item in
                    [
                        "id": item.id, "company": item.companyName, "inn": item.inn, "contact": item.contactName, "email": item.email,
                        "phone": item.phone, "phoneVerified": item.phoneVerifiedAt != nil, "comment": item.comment ?? "", "createdAt": String(item.createdAt.prefix(16)),
                        "matches": item.matches.filter { AccessPolicy.canSee(principal, counterparty: $0) }.map { ["id": $0] },
                        "canCreate": principal.seesAllCustomers,
                        // No company with this tax id the caller may link to: it comes from the ERP.
                        "erpNote": !principal.seesAllCustomers && !item.matches.contains { AccessPolicy.canSee(principal, counterparty: $0) },
                    ] as [String: Any]
                },
                "hasRequests": !requests.isEmpty,
                "error": error ?? "",
                "done": request.uri.queryParameters["done"] != nil,
                // Right after an acceptance: "log in as" the new user, to check what they will see.
                "hasActAs": newUser != nil, "actAsUser": newUser ?? 0,
            ], request: request, context: context, status: status)
    }

    @Sendable func accept(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("request", as: Int64.self) else { throw HTTPError(.notFound) }
        let choice = context.form["counterparty"] ?? ""
        var counterpartyId: Int64?
        if choice == "new" {
            guard principal.seesAllCustomers else {
                let t = renderer.localizer(context.language)
                return try await render(request, context: context, error: t["staff.new_company_in_erp"], status: .unprocessableContent)
                    .response(from: request, context: context)
            }
        } else {
            guard let chosen = Int64(choice) else {
                throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
            }
            try context.require("customers.serve", on: .counterparty(chosen))
            counterpartyId = chosen
        }
        let userId: Int64
        do {
            userId = try await database.acceptRegistration(id: id, counterpartyId: counterpartyId, actor: principal, baseURL: baseURL)
        } catch let error as DomainError where error.kind == .conflict {
            let t = renderer.localizer(context.language)
            return try await render(
                request, context: context, error: t.message(code: error.code, fallback: error.message), status: .conflict
            ).response(from: request, context: context)
        }
        return .redirect(to: "/staff/registrations?done=1&user=\(userId)")
    }

    @Sendable func decline(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let id = context.parameters.get("request", as: Int64.self) else { throw HTTPError(.notFound) }
        let t = renderer.localizer(context.language)
        do {
            try await database.declineRegistration(id: id, reason: context.form["reason"] ?? "", actor: principal)
        } catch let error as ValidationError {
            return try await render(request, context: context, error: t.message(code: "staff.reason_required", fallback: error.message), status: .unprocessableContent)
                .response(from: request, context: context)
        } catch let error as DomainError where error.kind == .conflict {
            return try await render(request, context: context, error: t.message(code: error.code, fallback: error.message), status: .conflict)
                .response(from: request, context: context)
        }
        return .redirect(to: "/staff/registrations?done=1")
    }
}
