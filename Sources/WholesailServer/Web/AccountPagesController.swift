import Foundation
import HTTPTypes
import Hummingbird
import WholesailCore
import WholesailStore

/// Bounds how many password hashes run at once: scrypt takes 128 MiB and ~0.3 s each, so a burst
/// of logins must queue rather than exhaust memory (issue 3: at most 2 at once).
actor HashGate {
    private let limit: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func run<T: Sendable>(_ work: @Sendable () async throws -> T) async throws -> T {
        if running >= limit {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            running += 1
        }
        defer {
            if waiting.isEmpty { running -= 1 } else { waiting.removeFirst().resume() }
        }
        return try await work()
    }
}

/// Sign in and out, the profile, registration requests and password resets.
struct AccountPagesController {
    let database: WholesailDatabase
    let renderer: TemplateRenderer
    let hashGate: HashGate
    let hasher: PasswordHasher
    let secureCookies: Bool
    let baseURL: String
    /// Whether an SMS gateway can send registration codes now (nil: never ask for one).
    var smsAvailable: (@Sendable () async -> Bool)?

    func mount(on routes: Routes) {
        routes.get("/login", .open, use: loginForm)
        routes.post("/login", .open, use: login)
        routes.post("/logout", .open, use: logout)
        routes.get("/account", .signedIn, use: account)
        routes.post("/account/counterparty", .signedIn, use: switchCounterparty)
        routes.post("/account/profile", .signedIn, use: updateProfile)
        routes.post("/account/logout-all", .signedIn, use: logoutEverywhere)
        routes.get("/register", .open, use: registerForm)
        routes.post("/register", .open, use: register)
        routes.post("/register/confirm", .open, use: confirmPhone)
        routes.post("/register/resend", .open, use: resendCode)
        routes.get("/password/forgot", .open, use: forgotForm)
        routes.post("/password/forgot", .open, use: forgot)
        routes.get("/password/reset/:token", .open, use: resetForm)
        routes.post("/password/reset/:token", .open, use: reset)
    }

    /// Only local paths are followed after login (no open redirect).
    static func safeReturnPath(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\"), !raw.contains("\n"), raw.count < 500 else {
            return "/account"
        }
        return raw
    }

    @Sendable func loginForm(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        if context.principal != nil { return .redirect(to: "/account") }
        let from = request.uri.queryParameters["from"].map(String.init) ?? ""
        return try renderLogin(request, context: context, email: "", from: from, error: nil, status: .ok)
    }

    func renderLogin(
        _ request: Request, context: WholesailRequestContext, email: String, from: String, error: String?, status: HTTPResponse.Status
    ) throws -> Response {
        let t = renderer.localizer(context.language)
        return try renderer.render(
            "account-login",
            ["title": t["login.title"], "email": email, "from": from, "error": error ?? "", "hasError": error != nil],
            request: request, context: context, status: status
        ).response(from: request, context: context)
    }

    @Sendable func login(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let email = String((context.form["email"] ?? "").prefix(254))
        let password = String((context.form["password"] ?? "").prefix(1024))
        let from = Self.safeReturnPath(context.form["from"])
        let database = self.database
        let hasher = self.hasher
        let ip = context.remoteIP
        let userId: Int64
        do {
            userId = try await hashGate.run { try await database.verifyLogin(email: email, password: password, ip: ip, hasher: hasher) }
        } catch let error as AuthError {
            let t = renderer.localizer(context.language)
            return try renderLogin(
                request, context: context, email: email, from: from, error: t.message(code: error.code, fallback: error.message),
                status: error.kind.status)
        }
        // A fresh session on every login (no fixation); the old one, if any, ends.
        if let old = request.cookies[AuthCookies.session]?.value { try await database.deleteSession(token: old) }
        let session = try await database.createSession(userId: userId, ip: ip, userAgent: request.headers[.userAgent])
        var response = Response.redirect(to: from)
        response.setCookie(
            .init(name: AuthCookies.session, value: session.token, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func logout(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        if let token = request.cookies[AuthCookies.session]?.value {
            if let principal = context.principal {
                try await database.recordAudit(
                    actor: principal.impersonatorId ?? principal.userId, action: "auth.logout", objectType: "user",
                    objectId: String(principal.userId), ip: context.remoteIP)
            }
            try await database.deleteSession(token: token)
        }
        var response = Response.redirect(to: "/")
        response.setCookie(.init(name: AuthCookies.session, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func account(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        try await renderAccount(request, context: context, errors: [:], status: .ok)
    }

    func renderAccount(
        _ request: Request, context: WholesailRequestContext, errors: [String: String], status: HTTPResponse.Status
    ) async throws -> HTML {
        let principal = try context.requireSignedIn()
        let profile = try await database.userProfile(id: principal.userId)
        let sms = try await database.smsPreference(userId: principal.userId)
        let mailing = try await database.mailingOptIn(userId: principal.userId)
        let t = renderer.localizer(context.language)
        let companies = try await database.memberships(userId: principal.userId)
        let roleNames = try await database.roleNames(codes: principal.roles, russian: context.language == .ru)
        return renderer.render(
            "account-profile",
            [
                "title": t["account.title"],
                "roles": roleNames.joined(separator: ", "),
                "companies": companies.map { company in
                    ["id": company.id, "name": company.name, "inn": company.inn ?? "", "current": company.id == principal.currentCounterpartyId] as [String: Any]
                },
                "hasCompanies": !companies.isEmpty,
                "canManageUsers": principal.permissions.contains("users.manage_company") && !companies.isEmpty,
                "canApprove": principal.permissions.contains("orders.approve") && !companies.isEmpty,
                "canManageApprovals": principal.permissions.contains("approvals.manage") && !companies.isEmpty,
                "switched": request.uri.queryParameters["switched"] != nil,
                "saved": request.uri.queryParameters["saved"] != nil,
                "profile": ["fullName": profile?.fullName ?? "", "phone": profile?.phone ?? "", "ru": profile?.locale == "ru", "en": profile?.locale == "en", "smsOptIn": sms.optIn, "mailingOptIn": mailing],
                "errors": errors,
                "isStaff": principal.permissions.contains("customers.serve"),
                "isAdmin": principal.permissions.contains("admin.users"),
                "canSeeOutbox": principal.permissions.contains("admin.outbox"),
                "isEditor": principal.permissions.contains("content.edit"),
            ], request: request, context: context, status: status)
    }

    @Sendable func updateProfile(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        do {
            try await database.updateProfile(
                userId: principal.userId, fullName: context.form["fullName"] ?? "", phone: context.form["phone"] ?? "",
                locale: context.form["locale"] ?? "ru", smsOptIn: context.form["smsOptIn"] == "1")
            // Consent to mailings is the person's own: staff acting as the user cannot give or withdraw it.
            if principal.impersonatorId == nil {
                try await database.setMailingOptIn(userId: principal.userId, context.form["mailingOptIn"] == "1")
            }
        } catch let error as ValidationError {
            let t = renderer.localizer(context.language)
            return try await renderAccount(
                request, context: context, errors: t.fieldMessages(error),
                status: .unprocessableContent
            ).response(from: request, context: context)
        }
        return .redirect(to: "/account?saved=1")
    }

    @Sendable func logoutEverywhere(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        try await database.deleteAllSessions(userId: principal.impersonatorId ?? principal.userId)
        try await database.recordAudit(
            actor: principal.impersonatorId ?? principal.userId, action: "auth.logout_all", objectType: "user",
            objectId: String(principal.userId), ip: context.remoteIP)
        var response = Response.redirect(to: "/login")
        response.setCookie(.init(name: AuthCookies.session, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax))
        return response
    }

    @Sendable func switchCounterparty(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let principal = try context.requireSignedIn()
        guard let session = context.session, let id = context.form["counterparty"].flatMap({ Int64($0) }) else {
            throw DomainError(.malformed, code: "request.malformed", message: "The request could not be read.")
        }
        try context.require("catalog.view", on: .counterparty(id))
        try await database.switchCounterparty(sessionId: session.id, userId: principal.userId, to: id)
        return .redirect(to: "/account?switched=1")
    }

    // MARK: Registration

    @Sendable func registerForm(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        guard try await database.portalSettings().registrationOpen else { return registrationClosed(request, context: context) }
        return renderRegister(request, context: context, values: [:], errors: [:], status: .ok)
    }

    /// The admin turned registration off (`/admin/settings`): the form is not offered.
    func registrationClosed(_ request: Request, context: WholesailRequestContext) -> HTML {
        let t = renderer.localizer(context.language)
        return renderer.render(
            "account-message", ["title": t["register.title"], "heading": t["register.closed_title"], "text": t["error.registration.closed"]],
            request: request, context: context, status: .forbidden)
    }

    func renderRegister(
        _ request: Request, context: WholesailRequestContext, values: [String: String], errors: [String: String], status: HTTPResponse.Status
    ) -> HTML {
        let t = renderer.localizer(context.language)
        return renderer.render(
            "account-register",
            [
                "title": t["register.title"], "values": values, "errors": errors, "hasErrors": !errors.isEmpty,
                "consentVersion": RegistrationForm.consentVersion,
            ], request: request, context: context, status: status)
    }

    @Sendable func register(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let f = context.form
        let form = RegistrationForm(
            companyName: f["companyName"] ?? "", inn: f["inn"] ?? "", contactName: f["contactName"] ?? "", email: f["email"] ?? "",
            phone: f["phone"] ?? "", comment: f["comment"] ?? "", consent: f["consent"] == "yes")
        let t = renderer.localizer(context.language)
        let requestId: Int64
        do {
            requestId = try await database.submitRegistration(form, ip: context.remoteIP)
        } catch let error as ValidationError {
            return renderRegister(
                request, context: context, values: context.echoedForm(limit: 2000), errors: t.fieldMessages(error), status: .unprocessableContent)
        } catch let error as DomainError where error.code == "registration.closed" {
            return registrationClosed(request, context: context)
        }
        // With an SMS gateway, the phone is confirmed by a code before the request is done.
        if let smsAvailable, await smsAvailable() {
            let token = try await database.startPhoneConfirmation(requestId: requestId, language: context.language.rawValue)
            return renderConfirm(request, context: context, token: token, phone: form.phone, error: nil, notice: nil, status: .ok)
        }
        return renderer.render(
            "account-message", ["title": t["register.title"], "heading": t["register.done_title"], "text": t["register.done_text"]],
            request: request, context: context)
    }

    func renderConfirm(
        _ request: Request, context: WholesailRequestContext, token: String, phone: String, error: String?, notice: String?,
        status: HTTPResponse.Status
    ) -> HTML {
        let t = renderer.localizer(context.language)
        return renderer.render(
            "account-register-confirm",
            ["title": t["register.title"], "token": token, "phone": phone, "error": error ?? "", "notice": notice ?? ""],
            request: request, context: context, status: status)
    }

    @Sendable func confirmPhone(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let token = String((context.form["token"] ?? "").prefix(200))
        let phone = String((context.form["phone"] ?? "").prefix(40))
        do {
            try await database.confirmPhone(token: token, code: String((context.form["code"] ?? "").prefix(20)))
        } catch let error as PhoneCodeError {
            if error.reason == .unknown { throw error }
            return renderConfirm(
                request, context: context, token: token, phone: phone, error: t.message(code: error.code, fallback: error.message), notice: nil,
                status: .unprocessableContent)
        }
        return renderer.render(
            "account-message", ["title": t["register.title"], "heading": t["register.done_title"], "text": t["register.phone_confirmed"]],
            request: request, context: context)
    }

    @Sendable func resendCode(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        let token = String((context.form["token"] ?? "").prefix(200))
        let phone = String((context.form["phone"] ?? "").prefix(40))
        do {
            try await database.resendPhoneCode(token: token, language: context.language.rawValue)
        } catch let error as PhoneCodeError {
            if error.reason == .unknown { throw error }
            return renderConfirm(
                request, context: context, token: token, phone: phone, error: t.message(code: error.code, fallback: error.message), notice: nil,
                status: .tooManyRequests)
        }
        return renderConfirm(request, context: context, token: token, phone: phone, error: nil, notice: t["register.code_resent"], status: .ok)
    }

    // MARK: Password reset

    @Sendable func forgotForm(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let t = renderer.localizer(context.language)
        return renderer.render("account-forgot", ["title": t["forgot.title"]], request: request, context: context)
    }

    @Sendable func forgot(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let email = String((context.form["email"] ?? "").prefix(254))
        let t = renderer.localizer(context.language)
        if EmailAddress.isValid(email.trimmingCharacters(in: .whitespaces)) {
            try await database.startPasswordReset(email: email, baseURL: baseURL)
        }
        // The same answer whether or not the address exists.
        return renderer.render(
            "account-message", ["title": t["forgot.title"], "heading": t["forgot.sent_title"], "text": t["forgot.sent_text"]],
            request: request, context: context)
    }

    @Sendable func resetForm(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        let t = renderer.localizer(context.language)
        guard try await database.passwordResetIsValid(token: token) else {
            return renderer.render(
                "account-message", ["title": t["reset.title"], "heading": t["reset.title"], "text": t["error.password_reset.invalid"]],
                request: request, context: context, status: .notFound)
        }
        return renderer.render("account-reset", ["title": t["reset.title"], "token": token], request: request, context: context)
    }

    @Sendable func reset(_ request: Request, context: WholesailRequestContext) async throws -> HTML {
        let token = context.parameters.get("token") ?? ""
        let password = context.form["password"] ?? ""
        let t = renderer.localizer(context.language)
        guard password == context.form["password2"] else {
            return renderer.render(
                "account-reset", ["title": t["reset.title"], "token": token, "error": t["reset.mismatch"]],
                request: request, context: context, status: .unprocessableContent)
        }
        do {
            let database = self.database
            let hasher = self.hasher
            try await hashGate.run { try await database.completePasswordReset(token: token, newPassword: password, hasher: hasher) }
        } catch let error as ValidationError {
            return renderer.render(
                "account-reset", ["title": t["reset.title"], "token": token, "error": t.message(code: error.fields.values.first?.code ?? "", fallback: error.message)],
                request: request, context: context, status: .unprocessableContent)
        }
        return renderer.render(
            "account-message", ["title": t["reset.title"], "heading": t["reset.done_title"], "text": t["reset.done_text"]],
            request: request, context: context)
    }
}
