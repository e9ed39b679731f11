import Foundation
import GRDB
import WholesailCore

/// Why a registration code was not accepted (or not sent).
public struct PhoneCodeError: WholesailError, Equatable {
    public enum Reason: String, Sendable {
        case wrong = "registration.code_wrong"
        case expired = "registration.code_expired"
        case tooManyAttempts = "registration.code_attempts"
        case resendTooSoon = "registration.code_too_soon"
        case tooManyCodes = "registration.code_limit"
        case unknown = "registration.code_unknown"
    }

    public var reason: Reason
    public var kind: ErrorKind { reason == .unknown ? .notFound : reason == .resendTooSoon || reason == .tooManyCodes ? .rateLimited : .invalid }
    public var code: String { reason.rawValue }
    public var message: String {
        switch reason {
        case .wrong: "The code is not right."
        case .expired: "The code has expired; ask for a new one."
        case .tooManyAttempts: "Too many wrong codes; ask for a new one."
        case .resendTooSoon: "Wait a minute before asking for another code."
        case .tooManyCodes: "No more codes can be sent for this request."
        case .unknown: "This confirmation is not known; register again."
        }
    }

    public init(_ reason: Reason) {
        self.reason = reason
    }
}

/// Confirming the phone of a registration request by a code sent in an SMS (topic
/// `registration.code`, to that number only, never to webhooks).
///
/// The applicant's page holds a random token (its hash is stored) that names the request; a code
/// is 6 digits, valid 15 minutes, 5 tries; a new code at most once a minute and 5 in all.
extension WholesailDatabase {
    public static let phoneCodeLifetime: TimeInterval = 15 * 60
    public static let phoneCodeTries = 5
    public static let phoneCodesPerRequest = 5
    public static let phoneCodeInterval: TimeInterval = 60

    /// Sends the first code for a request just submitted; returns the page's token.
    public func startPhoneConfirmation(requestId: Int64, language: String, now: Date = Date()) async throws -> String {
        let token = Crypto.randomToken()
        try await write { db in
            try db.execute(
                sql: "UPDATE registrationRequest SET phoneConfirmToken = ? WHERE id = ? AND phoneVerifiedAt IS NULL",
                arguments: [Crypto.sha256Hex(Data(token.utf8)), requestId])
            guard db.changesCount > 0 else { throw PhoneCodeError(.unknown) }
            try Self.sendPhoneCode(db, requestId: requestId, language: language, now: now)
        }
        return token
    }

    /// A new code for the page's request (the old one stops working).
    public func resendPhoneCode(token: String, language: String, now: Date = Date()) async throws {
        try await write { db in
            let row = try Self.confirmationRow(db, token: token)
            if let sent = (row["phoneCodeSentAt"] as String?).flatMap(Self.date(fromStamp:)),
                now.timeIntervalSince(sent) < Self.phoneCodeInterval
            {
                throw PhoneCodeError(.resendTooSoon)
            }
            guard (row["phoneCodesSent"] as Int) < Self.phoneCodesPerRequest else { throw PhoneCodeError(.tooManyCodes) }
            try Self.sendPhoneCode(db, requestId: row["id"], language: language, now: now)
        }
    }

    /// Checks a code; true when the phone is (now, or already) confirmed. A wrong code counts
    /// against the tries and throws.
    @discardableResult
    public func confirmPhone(token: String, code: String, now: Date = Date()) async throws -> Bool {
        // The outcome is written even when the code is wrong (the tries count), so the error is
        // thrown after the transaction commits.
        let outcome: PhoneCodeError? = try await write { db in
            let row = try Self.confirmationRow(db, token: token)
            let id: Int64 = row["id"]
            if (row["phoneVerifiedAt"] as String?) != nil { return nil }
            guard let hash = row["phoneCodeHash"] as String?, let expires = (row["phoneCodeExpiresAt"] as String?).flatMap(Self.date(fromStamp:))
            else { return PhoneCodeError(.expired) }
            if (row["phoneCodeAttempts"] as Int) >= Self.phoneCodeTries { return PhoneCodeError(.tooManyAttempts) }
            if now > expires { return PhoneCodeError(.expired) }
            let digits = code.filter { $0.isASCII && $0.isNumber }
            let given = Crypto.sha256(Data("\(id):\(digits)".utf8))
            guard digits.count == 6, Crypto.constantTimeEqual(given, Self.bytes(hex: hash)) else {
                try db.execute(sql: "UPDATE registrationRequest SET phoneCodeAttempts = phoneCodeAttempts + 1 WHERE id = ?", arguments: [id])
                return PhoneCodeError(.wrong)
            }
            try db.execute(
                sql: "UPDATE registrationRequest SET phoneVerifiedAt = ?, phoneCodeHash = NULL, phoneCodeExpiresAt = NULL WHERE id = ?",
                arguments: [Self.stamp(now), id])
            return nil
        }
        if let outcome { throw outcome }
        return true
    }

    /// When the phone of a request was confirmed, if it was.
    public func phoneVerifiedAt(requestId: Int64) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT phoneVerifiedAt FROM registrationRequest WHERE id = ?", arguments: [requestId])
        }
    }

    static func confirmationRow(_ db: Database, token: String) throws -> Row {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM registrationRequest WHERE phoneConfirmToken = ? AND status = 'pending'",
                arguments: [Crypto.sha256Hex(Data(token.utf8))])
        else { throw PhoneCodeError(.unknown) }
        return row
    }

    /// A fresh code: stored as a hash, sent through the outbox to the request's phone only.
    static func sendPhoneCode(_ db: Database, requestId: Int64, language: String, now: Date) throws {
        let random = Crypto.randomBytes(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let code = String(format: "%06u", random % 1_000_000)
        let hash = Crypto.hex(Crypto.sha256(Data("\(requestId):\(code)".utf8)))
        try db.execute(
            sql: """
                UPDATE registrationRequest SET phoneCodeHash = ?, phoneCodeExpiresAt = ?, phoneCodeAttempts = 0,
                    phoneCodesSent = phoneCodesSent + 1, phoneCodeSentAt = ? WHERE id = ?
                """,
            arguments: [hash, stamp(now.addingTimeInterval(phoneCodeLifetime)), stamp(now), requestId])
        guard let row = try Row.fetchOne(db, sql: "SELECT phone, phoneCodesSent FROM registrationRequest WHERE id = ?", arguments: [requestId])
        else { throw PhoneCodeError(.unknown) }
        try Outbox.publish(
            db, topic: "registration.code", payload: ["smsTo": row["phone"], "code": code, "lang": language],
            idempotencyKey: "registration.code.\(requestId).\(row["phoneCodesSent"] as Int)", now: now)
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }
}
