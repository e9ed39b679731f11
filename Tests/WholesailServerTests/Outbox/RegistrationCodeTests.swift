import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

/// The applicant's phone confirmed by an SMS code when a gateway is set up.
@Suite struct RegistrationCodeTests {
    static let form = RegistrationForm(
        companyName: "ООО «Гамма»", inn: "7701234567", contactName: "Галина", email: "g@example.com", phone: "+7 900 123-45-67", comment: "",
        consent: true)

    /// The code of the newest SMS to the applicant.
    static func lastCode(_ database: WholesailDatabase) async throws -> String {
        let sms = try #require(try await database.latestOutboxMessages().first { $0.topic == "registration.code" })
        #expect(sms.kind == "sms" && sms.payload["phone"] == "+7 900 123-45-67")
        return try #require(sms.payload["code"])
    }

    @Test("a code confirms the phone; wrong codes count, old codes die, resends are spaced and limited, codes expire")
    func rules() async throws {
        let database = try TestDatabase.inMemory()
        _ = try await database.createWebhookEndpoint(name: "All", url: "https://crm.example/hook", topics: "*", format: .json, actor: nil)
        let start = Date()
        let request = try await database.submitRegistration(Self.form, ip: nil, now: start)
        let token = try await database.startPhoneConfirmation(requestId: request, language: "ru", now: start)
        let first = try await Self.lastCode(database)
        #expect(first.count == 6 && first.allSatisfy(\.isNumber))
        #expect(try await database.latestOutboxMessages().allSatisfy { $0.topic != "registration.code" || $0.kind == "sms" }, "never to webhooks")

        let wrong = first == "000000" ? "111111" : "000000"
        await #expect(throws: PhoneCodeError(.wrong)) { try await database.confirmPhone(token: token, code: wrong, now: start) }
        await #expect(throws: PhoneCodeError(.resendTooSoon)) { try await database.resendPhoneCode(token: token, language: "ru", now: start.addingTimeInterval(30)) }
        try await database.resendPhoneCode(token: token, language: "ru", now: start.addingTimeInterval(61))
        let second = try await Self.lastCode(database)
        if second != first {
            await #expect(throws: PhoneCodeError(.wrong), "the first code died with the resend") {
                try await database.confirmPhone(token: token, code: first, now: start.addingTimeInterval(62))
            }
        }
        await #expect(throws: PhoneCodeError(.unknown)) { try await database.confirmPhone(token: "forged", code: second, now: start) }
        await #expect(throws: PhoneCodeError(.expired)) {
            try await database.confirmPhone(token: token, code: second, now: start.addingTimeInterval(61 + 15 * 60 + 1))
        }
        #expect(try await database.phoneVerifiedAt(requestId: request) == nil)
        try await database.confirmPhone(token: token, code: " \(second.prefix(3)) \(second.suffix(3)) ", now: start.addingTimeInterval(120))
        #expect(try await database.phoneVerifiedAt(requestId: request) != nil)
        #expect(try await database.confirmPhone(token: token, code: "whatever", now: start.addingTimeInterval(130)), "confirmed stays confirmed")

        // Five wrong tries use a code up; five codes in all.
        let other = try await database.submitRegistration(Self.form, ip: nil, now: start)
        let otherToken = try await database.startPhoneConfirmation(requestId: other, language: "en", now: start)
        let code = try await Self.lastCode(database)
        let bad = code == "999999" ? "999998" : "999999"
        for _ in 0..<5 { _ = try? await database.confirmPhone(token: otherToken, code: bad, now: start) }
        await #expect(throws: PhoneCodeError(.tooManyAttempts)) { try await database.confirmPhone(token: otherToken, code: code, now: start) }
        for round in 1...4 { try await database.resendPhoneCode(token: otherToken, language: "en", now: start.addingTimeInterval(Double(round) * 61)) }
        await #expect(throws: PhoneCodeError(.tooManyCodes)) {
            try await database.resendPhoneCode(token: otherToken, language: "en", now: start.addingTimeInterval(400))
        }
    }

    @Test("with an SMS gateway, registering asks for the code; the staff see the phone confirmed; without one, no code is asked")
    func flow() async throws {
        let (app, database) = try await TestApp.make(seed: TwoCompanies.seed, configuration: AdminOutboxTests.configuration)
        let fields = [
            "companyName": "ООО «Гамма»", "inn": "7701234567", "contactName": "Галина", "email": "g@example.com", "phone": "+7 900 123-45-67",
            "consent": "yes",
        ]
        try await app.test(.router) { client in
            var browser = Browser()
            _ = try await browser.get(client, "/register?lang=en")
            let plain = try await browser.post(client, "/register?lang=en", fields)
            #expect(plain.status == .ok && !plain.text.contains("/register/confirm"), "no gateway: no code")

            var sms = ChannelSettings.SMS()
            sms.url = "https://sms.example/send?to={phone}&text={text}"
            try await database.saveSMSSettings(sms, secret: nil, actor: nil)
            let asked = try await browser.post(client, "/register?lang=en", fields)
            #expect(asked.status == .ok && asked.text.contains(#"action="/register/confirm""#) && asked.text.contains("+7 900 123-45-67"))
            let token = try #require(asked.text.components(separatedBy: #"name="token" value=""#).dropFirst().first?.split(separator: "\"").first)
            let code = try await Self.lastCode(database)

            let wrong = try await browser.post(
                client, "/register/confirm?lang=en", ["token": String(token), "phone": "+7 900 123-45-67", "code": code == "123456" ? "654321" : "123456"])
            #expect(wrong.status == .unprocessableContent && wrong.text.contains("The code is not right."))
            let again = try await browser.post(client, "/register/resend?lang=en", ["token": String(token), "phone": "+7 900 123-45-67"])
            #expect(again.status == .tooManyRequests && again.text.contains("Wait a minute"))
            let right = try await browser.post(client, "/register/confirm?lang=en", ["token": String(token), "phone": "+7 900 123-45-67", "code": code])
            #expect(right.status == .ok && right.text.contains("Your phone is confirmed."))
            #expect(try await browser.post(client, "/register/confirm", ["token": "forged", "code": code]).status == .notFound)

            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: TwoCompanies.password)
            let queue = try await manager.get(client, "/staff/registrations?lang=en")
            #expect(queue.text.components(separatedBy: "phone confirmed").count == 2, "one of the two requests")
        }
    }
}
