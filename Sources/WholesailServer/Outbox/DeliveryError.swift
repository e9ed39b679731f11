import Foundation

/// Why a delivery did not happen. `permanent` ends the message (`failed`); anything else is
/// retried with backoff until the attempts run out.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var permanent: Bool

    public init(_ message: String, permanent: Bool) {
        self.message = message
        self.permanent = permanent
    }

    public static func temporary(_ message: String) -> DeliveryError { DeliveryError(message, permanent: false) }
    public static func permanent(_ message: String) -> DeliveryError { DeliveryError(message, permanent: true) }

    public var description: String { (permanent ? "permanent: " : "") + message }

    /// An HTTP answer as a delivery outcome: 2xx is delivered (nil); 408, 429 and 5xx are worth
    /// retrying; any other status (4xx, an unfollowed 3xx) will not change by itself.
    static func fromHTTP(status: Int, body: [UInt8]) -> DeliveryError? {
        if (200..<300).contains(status) { return nil }
        let excerpt = String(decoding: body.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        let message = "HTTP \(status)" + (excerpt.isEmpty ? "" : ": " + excerpt)
        if status == 408 || status == 429 || status >= 500 { return .temporary(message) }
        return .permanent(message)
    }
}
