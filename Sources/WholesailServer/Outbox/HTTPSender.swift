import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One outbound HTTP call (a webhook, an SMS gateway).
public struct OutboundRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (lhs: OutboundRequest, rhs: OutboundRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }

    /// The value of a header (case-insensitive name).
    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

public struct OutboundResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Makes outbound HTTP calls; tests can swap in their own.
public protocol HTTPSender: Sendable {
    func send(_ request: OutboundRequest) async throws -> OutboundResponse
}

/// AsyncHTTPClient with short timeouts and no redirects (a webhook that moved is a failure the
/// admin should see, not something to follow).
public struct AsyncHTTPSender: HTTPSender {
    /// The whole call, connection included.
    public var timeout: TimeAmount

    public init(timeout: TimeAmount = .seconds(20)) {
        self.timeout = timeout
    }

    /// One client for the process: AsyncHTTPClient pools connections per host.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(15)))
        configuration.httpVersion = .http1Only
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method.uppercased())
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await Self.client.execute(outgoing, timeout: timeout)
            let body = try await response.body.collect(upTo: 64 * 1024)
            return OutboundResponse(status: Int(response.status.code), body: Array(buffer: body))
        } catch let error as DeliveryError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw DeliveryError.temporary(
                "\(request.method) \(Self.redacted(request.url)): no answer within \(timeout.nanoseconds / 1_000_000_000) s")
        } catch {
            throw DeliveryError.temporary("\(request.method) \(Self.redacted(request.url)): \(error)")
        }
    }

    /// The URL without its query (gateways put API keys there).
    static func redacted(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }
}
