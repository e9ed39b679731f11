import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WholesailCore
import WholesailStore

/// Paying an order by card through a redirect-and-callback gateway (`PaymentGatewaySettings`):
/// the buyer's "Pay by card" makes a payment and sends them to the gateway with a signed URL;
/// the gateway's signed callback (`POST /api/v1/payments/callback`) moves the payment to paid or
/// failed, idempotently; the buyer comes back to `/payments/{token}`. The admin sets the gateway
/// on `/admin/payments`. Bank transfer against the bill stays the default: nothing changes for
/// buyers while no gateway is set up.
struct PaymentsController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let baseURL: String

    func mount(on routes: Routes) {
        routes.post("/orders/:order/pay", .owned(.customerOrder, parameter: "order", permission: "orders.place"), use: pay)
        routes.get("/payments/:token", .open, use: result)
        routes.post("/api/v1/payments/callback", .open, use: callback)
        routes.get("/admin/payments", .permission("admin.settings"), use: admin)
        routes.post("/admin/payments", .permission("admin.settings"), use: saveSettings)
    }

    static func hmac(_ secret: String, _ text: String) -> String {
        Crypto.hex(Crypto.hmacSHA256(key: Array(secret.utf8), message: Array(text.utf8)))
    }

    /// The gateway's URL for a payment, every placeholder filled (percent-encoded).
    static func gatewayURL(settings: PaymentGatewaySettings, payment: Payment, baseURL: String) -> String {
        let amount = Money(minorUnits: payment.amountMinor, currency: payment.currency).decimalString
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        let values = [
            "payment": payment.token, "amount": amount, "amount_minor": String(payment.amountMinor), "currency": payment.currency,
            "order": payment.orderNumber, "description": "Order \(payment.orderNumber)",
            "return_url": "\(base)/payments/\(payment.token)", "callback_url": "\(base)/api/v1/payments/callback",
            "signature": hmac(settings.secret, PaymentSignature.outgoing(payment: payment.token, amount: amount, currency: payment.currency)),
        ]
        var url = settings.payURL
        for (name, value) in values { url = url.replacingOccurrences(of: "{\(name)}", with: SMSGateway.percentEncoded(value)) }
        return url
    }

    @Sendable func pay(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let orderId = context.parameters.get("order", as: Int64.self) else { throw DomainError.notFound("order") }
        if try await database.orderAwaitsApproval(orderId: orderId) {
            throw DomainError(.conflict, code: "order.awaiting_approval", message: "This order waits for the approval of the buyer's company.")
        }
        let settings = try await database.paymentSettings()
        guard settings.isUsable else {
            throw DomainError(.conflict, code: "payment.unavailable", message: "Paying by card is not available; pay by bank transfer against the bill.")
        }
        let payment = try await database.createPayment(orderId: orderId, userId: principal.userId)
        return .redirect(to: Self.gatewayURL(settings: settings, payment: payment, baseURL: baseURL), type: .normal)
    }

    /// Where the gateway sends the buyer back: the payment's status (the callback decides it; this
    /// page only shows it).
    @Sendable func result(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        guard let token = context.parameters.get("token"), let payment = try await database.payment(token: token) else {
            throw PaymentError(.unknown)
        }
        let format = Formatter(language: context.language, localizer: t)
        return renderer.render(
            "payment-result",
            [
                "title": t["payment.title"], "status": t["payment.status_\(payment.status.rawValue)"], "paid": payment.status == .paid,
                "failed": payment.status == .failed, "waiting": payment.status == .created || payment.status == .pending,
                "amount": format.money(payment.amountMinor, payment.currency), "order": payment.orderNumber, "orderId": payment.orderId,
            ], request: request, context: context)
    }

    struct CallbackAnswer: Encodable {
        var ok: Bool
        var status: String
        var changed: Bool
    }

    /// The gateway's callback: form fields or a JSON object with `payment`, `status`, `amount`,
    /// `currency`, `external_id`, `signature`. A bad signature is 403 and changes nothing.
    @Sendable func callback(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 64 * 1024)
        let text = String(buffer: body)
        var fields: [String: String] = [:]
        if (request.headers[.contentType] ?? "").lowercased().contains("json") {
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
            for (key, value) in object { fields[key] = JSONPath.text(value) }
        } else {
            fields = FormDecoder.decode(text)
        }
        let settings = try await database.paymentSettings()
        guard settings.isUsable else { throw DomainError(.notFound, code: "payment.unavailable", message: "No payment gateway is set up.") }
        let token = fields["payment"] ?? ""
        let word = fields["status"] ?? ""
        let amount = fields["amount"] ?? ""
        let currency = fields["currency"] ?? ""
        let externalId = fields["external_id"] ?? ""
        let expected = Self.hmac(
            settings.secret, PaymentSignature.callback(payment: token, status: word, amount: amount, currency: currency, externalId: externalId))
        guard let given = fields["signature"]?.lowercased(), Crypto.constantTimeEqual(Array(given.utf8), Array(expected.utf8)) else {
            throw DomainError(.forbidden, code: "payment.bad_signature", message: "The signature does not match.")
        }
        let minor = amount.isEmpty ? nil : Money(decimal: amount, currency: currency.isEmpty ? "RUB" : currency.uppercased())?.minorUnits
        if !amount.isEmpty && minor == nil { throw PaymentError(.amountMismatch) }
        let (payment, changed) = try await database.applyPaymentCallback(
            token: token, gatewayStatus: word, status: settings.status(for: word), amountMinor: minor, currency: currency.isEmpty ? nil : currency,
            externalId: externalId.isEmpty ? nil : externalId)
        return try JSONResponse.make(CallbackAnswer(ok: true, status: payment.status.rawValue, changed: changed))
    }

    // MARK: Admin

    @Sendable func admin(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderAdmin(request, context: context, values: nil, errors: [:], status: .ok)
    }

    func renderAdmin(
        _ request: Request, context: WholesailRequestContext, values: [String: String]?, errors: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let format = Formatter(language: context.language, localizer: t)
        let settings = try await database.paymentSettings()
        let shown = values ?? [
            "name": settings.name, "payURL": settings.payURL, "paid": settings.paidStatuses, "failed": settings.failedStatuses,
        ]
        return renderer.render(
            "admin-payments",
            [
                "title": t["payment.admin_title"], "saved": request.uri.queryParameters["saved"] != nil, "values": shown, "errors": errors,
                "enabledOn": values.map { $0["enabled"] == "1" } ?? settings.enabled, "secretSet": !settings.secret.isEmpty,
                "secretMask": ChannelSettings.masked(settings.secret),
                "callbackURL": (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/api/v1/payments/callback",
                "payments": try await database.latestPayments().map { payment -> [String: Any] in
                    [
                        "order": payment.orderNumber, "orderId": payment.orderId, "amount": format.money(payment.amountMinor, payment.currency),
                        "status": t["payment.status_\(payment.status.rawValue)"], "external": payment.externalId ?? "",
                        "created": String(payment.createdAt.prefix(16)), "paidAt": payment.paidAt.map { String($0.prefix(16)) } ?? "",
                    ]
                },
            ], request: request, context: context, status: status)
    }

    @Sendable func saveSettings(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        let form = context.form
        func field(_ name: String) -> String { (form[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var settings = PaymentGatewaySettings()
        settings.enabled = form["enabled"] == "1"
        settings.name = field("name")
        settings.payURL = field("payURL")
        settings.paidStatuses = field("paid")
        settings.failedStatuses = field("failed")
        let typed = field("secret")
        let secret: String? = form["clearSecret"] == "1" ? "" : (typed.isEmpty ? nil : typed)
        do {
            try await database.savePaymentSettings(settings, secret: secret, actor: principal.userId)
        } catch let error as ValidationError {
            return try await renderAdmin(
                request, context: context, values: context.echoedForm(limit: 2000, dropping: ["secret"]),
                errors: renderer.localizer(context.language).fieldMessages(error), status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/admin/payments?saved=1")
    }
}
