import Foundation

/// One row of the outbox: an e-mail, SMS or webhook call waiting for, or done with, delivery.
public struct OutboxMessage: Sendable, Equatable, Identifiable {
    public enum Kind: String, Sendable, CaseIterable {
        case email
        case sms
        case webhook
    }

    public enum Status: String, Sendable, CaseIterable {
        case pending
        case sending
        case sent
        case failed
    }

    public var id: Int64
    public var kind: String
    public var topic: String
    /// The event's fields, as published (strings only).
    public var payload: [String: String]
    /// Stable across retries and restarts: the receiver's way to drop a repeat.
    public var idempotencyKey: String
    public var status: Status
    /// Attempts started so far, this one included while `sending`.
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var createdAt: Date
    public var sentAt: Date?
    public var lastAttemptAt: Date?
    public var webhookEndpointId: Int64?

    public init(
        id: Int64, kind: String, topic: String, payload: [String: String], idempotencyKey: String, status: Status,
        attempts: Int, nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, sentAt: Date? = nil,
        lastAttemptAt: Date? = nil, webhookEndpointId: Int64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.topic = topic
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.lastAttemptAt = lastAttemptAt
        self.webhookEndpointId = webhookEndpointId
    }
}

/// When to try again: exponential backoff with jitter, up to a number of attempts.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included; after the last failure the message is `failed`.
    public var maxAttempts: Int
    /// The wait after the first failure; it doubles with each further failure.
    public var baseDelay: TimeInterval
    /// The longest wait between two attempts.
    public var maxDelay: TimeInterval
    /// Spread of the wait, as a fraction (0.2: ±20 %), so that a recovering server is not hit
    /// by every queued message in the same second.
    public var jitter: Double

    public init(maxAttempts: Int = 12, baseDelay: TimeInterval = 30, maxDelay: TimeInterval = 6 * 3600, jitter: Double = 0.2) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = jitter
    }

    /// The wait after failed attempt number `attempt` (1-based), or nil when none is left.
    /// `random` is a number in 0..<1 (injected so tests are exact).
    public func delay(afterAttempt attempt: Int, random: Double) -> TimeInterval? {
        guard attempt < maxAttempts else { return nil }
        let exponent = Double(min(max(attempt - 1, 0), 40))
        let plain = min(baseDelay * pow(2, exponent), maxDelay)
        let spread = plain * jitter * (random * 2 - 1)
        return max(0, plain + spread)
    }
}

/// One endpoint that receives events as signed HTTP POSTs.
public struct WebhookEndpoint: Sendable, Equatable, Identifiable {
    public enum Format: String, Sendable, CaseIterable {
        /// The event as JSON, signed with HMAC-SHA256.
        case json
        /// A lead in Bitrix24 through an incoming-webhook URL (`…/rest/1/KEY/`).
        case bitrix24
    }

    public var id: Int64
    public var name: String
    public var url: String
    public var secret: String
    /// Topic patterns: `order.placed`, `order.*` or `*`.
    public var topics: [String]
    public var format: Format
    public var active: Bool

    public init(id: Int64, name: String, url: String, secret: String, topics: [String], format: Format, active: Bool) {
        self.id = id
        self.name = name
        self.url = url
        self.secret = secret
        self.topics = topics
        self.format = format
        self.active = active
    }

    /// Whether this endpoint wants events of `topic`.
    public func accepts(_ topic: String) -> Bool {
        Self.matches(patterns: topics, topic: topic)
    }

    public static func matches(patterns: [String], topic: String) -> Bool {
        patterns.contains { pattern in
            pattern == "*" || pattern == topic || (pattern.hasSuffix(".*") && topic.hasPrefix(pattern.dropLast()))
        }
    }
}
