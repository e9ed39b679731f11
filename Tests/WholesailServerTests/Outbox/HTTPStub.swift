import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// An HTTP server on loopback for fault tests of webhooks and SMS gateways, with a behaviour
/// the test switches at any time: answer 200, answer a status, answer late, or read the request
/// and never answer. `stop()` takes it off the network (connections refused) and `start()` puts
/// it back on the same port. With a certificate it speaks TLS (one no client trusts).
///
/// Every request is recorded when it has fully arrived — before any answer — so a request the
/// sender gave up on still counts as an arrival, as it would at a real receiver.
final class HTTPStub: Sendable {
    enum Mode: Sendable, Equatable {
        case ok
        case status(Int)
        /// Answers 200 after this long.
        case delay(Duration)
        /// Reads the request and never answers.
        case hang
        /// Answers with this status and body (JSON).
        case answer(Int, String)
    }

    struct Call: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: [UInt8]
        var at: Date
    }

    private struct State {
        var mode: Mode = .ok
        var calls: [Call] = []
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var port = 0
    }

    private let state = Mutex(State())
    private let tls: NIOSSLContext?

    /// Listens on 127.0.0.1 (a free port); `certificate` makes it a TLS server.
    init(mode: Mode = .ok, certificate: (cert: String, key: String)? = nil) async throws {
        if let certificate {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate.cert).map { NIOSSLCertificateSource.certificate($0) }
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: certificate.key, format: .pem)))
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
        state.withLock { $0.mode = mode }
        try await start()
    }

    var port: Int { state.withLock { $0.port } }
    var calls: [Call] { state.withLock { $0.calls } }

    func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }
    var mode: Mode { state.withLock { $0.mode } }

    /// Starts listening (again, on the same port once it had one).
    func start() async throws {
        let port = state.withLock { $0.port }
        let tls = self.tls
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(StubHandler(stub: self))
                    self.state.withLock { $0.connections[ObjectIdentifier(channel)] = channel }
                    channel.closeFuture.whenComplete { _ in
                        _ = self.state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
                    }
                }
            }
        let listener = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        state.withLock {
            $0.listener = listener
            $0.port = listener.localAddress?.port ?? port
        }
    }

    /// Stops listening and drops every open connection: the server is down.
    func stop() async {
        let (listener, connections) = state.withLock { state in
            defer {
                state.listener = nil
                state.connections = [:]
            }
            return (state.listener, Array(state.connections.values))
        }
        for connection in connections { try? await connection.close() }
        try? await listener?.close()
    }

    /// Records a request and says how to answer it.
    fileprivate func received(_ call: Call) -> Mode {
        state.withLock { state in
            state.calls.append(call)
            return state.mode
        }
    }

    deinit {
        let (listener, connections) = state.withLock { ($0.listener, Array($0.connections.values)) }
        connections.forEach { $0.close(promise: nil) }
        listener?.close(promise: nil)
    }
}

/// Collects one request at a time and answers as the stub's mode says.
private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let stub: HTTPStub
    var head: HTTPRequestHead?
    var body: [UInt8] = []

    init(stub: HTTPStub) {
        self.stub = stub
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
        case .body(let buffer):
            body += Array(buffer: buffer)
        case .end:
            guard let head else { return }
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let mode = stub.received(HTTPStub.Call(method: head.method.rawValue, uri: head.uri, headers: headers, body: body, at: Date()))
            self.head = nil
            switch mode {
            case .ok: respond(context: context, status: 200)
            case .status(let code): respond(context: context, status: code)
            case .answer(let code, let body): respond(context: context, status: code, body: body)
            case .delay(let delay):
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let nanoseconds = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
                context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                    let (handler, context) = loopBound.value
                    handler.respond(context: context, status: 200)
                }
            case .hang: break
            }
        }
    }

    func respond(context: ChannelHandlerContext, status: Int, body: String? = nil) {
        let text = body ?? (status == 200 ? #"{"ok":true}"# : #"{"error":"stub says \#(status)"}"#)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
