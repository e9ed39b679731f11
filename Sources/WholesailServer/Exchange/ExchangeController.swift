import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import WholesailCore
import WholesailStore

/// The 1C "exchange with site" protocol at `/1c/exchange` and, for drop-in compatibility,
/// `/bitrix/admin/1c_exchange.php` (docs/import.md; research/commerceml.md §10).
///
/// - `type=catalog`: `checkauth` (HTTP basic auth: an admin, a user with `import.run`, or the
///   exchange user of the configuration) → `success\n<cookie>\n<value>`; `init` →
///   `zip=yes\nfile_limit=<bytes>` and a fresh upload area; `file&filename=X` appends the raw
///   body to X (1C sends large files in chunks); `import&filename=X` queues the session's files
///   as one import job and answers `progress` until X is done, then `success` (or `failure`).
/// - `type=sale`: `query` → the orders the ERP has not seen, as CommerceML; `success` marks
///   them exported; `file` applies status and shipment updates (and offline orders) from 1C.
///
/// Answers are plain text (UTF-8; the words 1C reads are ASCII) and failures are
/// `failure\n<reason>` with status 200, as the reference server does, so 1C logs the reason.
struct ExchangeController {
    let database: WholesailDatabase
    let coordinator: ImportCoordinator
    let exchangeUser: String?
    let exchangePassword: String?
    let hashGate: HashGate
    let hasher: PasswordHasher

    static let cookieName = "wholesail_exchange"
    static let paths = ["/1c/exchange", "/bitrix/admin/1c_exchange.php"]

    func mount(on routes: Routes) {
        for path in Self.paths {
            routes.get(path, .open, use: handle)
            routes.post(path, .open, use: handle)
        }
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    @Sendable func handle(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        do {
            return try await dispatch(request, context: context)
        } catch let error as any WholesailError {
            return Self.text("failure\n\(error.message)\n", status: error.kind == .tooLarge ? .contentTooLarge : .ok)
        } catch {
            context.logger.error("1C exchange failed: \(String(reflecting: error))", metadata: ["request_id": .string(context.requestId)])
            return Self.text("failure\nThe request could not be processed (request \(context.requestId)).\n")
        }
    }

    struct Failure: WholesailError {
        var code: String
        var message: String
        var kind: ErrorKind { .invalid }
    }

    func dispatch(_ request: Request, context: WholesailRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let type = query["type"].map { String($0).lowercased() } ?? "catalog"
        let mode = query["mode"].map { String($0).lowercased() } ?? ""
        guard ["catalog", "sale"].contains(type) else { throw Failure(code: "exchange.bad_type", message: "Unknown type \(type): use catalog or sale.") }
        if mode == "checkauth" { return try await checkAuth(request, context: context, type: type) }
        guard let session = try await session(request, context: context, type: type) else {
            throw Failure(code: "exchange.not_authorized", message: "Not authorized: call mode=checkauth with the exchange login first.")
        }
        switch (type, mode) {
        case (_, "init"):
            if type == "catalog" { try await database.resetExchangeSession(id: session.id) }
            return Self.text("zip=yes\nfile_limit=\(coordinator.limits.exchangeChunkBytes)\n")
        case (_, "file"):
            let name = try fileName(query["filename"].map(String.init))
            let key = try await receiveChunk(request)
            try await database.appendExchangeFile(sessionId: session.id, fileName: name, parts: [key])
            if type == "sale" { return try await importSaleFile(session: session, name: name, context: context) }
            return Self.text("success\n")
        case ("catalog", "import"):
            return try await importStatus(session: session, target: try fileName(query["filename"].map(String.init)))
        case ("catalog", "deactivate"):
            return try await deactivate(session: session, context: context)
        case ("catalog", "complete"), ("sale", "import"), ("sale", "complete"):
            return Self.text("success\n")
        case ("sale", "query"):
            let orders = try await database.ordersToExport()
            try await database.recordSaleQuery(sessionId: session.id, orderIds: orders.map(\.id), at: WholesailDatabase.nowStamp())
            return Response(
                status: .ok, headers: [.contentType: "application/xml; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: CommerceMLOrderWriter.document(orders))))
        case ("sale", "info"):
            let statuses = try await database.exchangeStatusReference()
            return Response(
                status: .ok, headers: [.contentType: "application/xml; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: CommerceMLOrderWriter.reference(statuses: statuses))))
        case ("sale", "success"):
            let count = try await database.confirmSaleQuery(sessionId: session.id, actor: session.userId)
            return Self.text("success\n\(count) orders marked as exported\n")
        default:
            throw Failure(code: "exchange.bad_mode", message: "Unknown mode \(mode) for type \(type).")
        }
    }

    // MARK: Authentication

    static func basicCredentials(_ request: Request) -> (user: String, password: String)? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    /// The user a basic-auth pair stands for: the configured exchange user (user id nil), or a
    /// portal user holding `import.run`. Throws `failure` for anything else.
    func authenticate(_ request: Request, context: WholesailRequestContext) async throws -> Int64? {
        guard let credentials = Self.basicCredentials(request) else {
            throw Failure(code: "exchange.no_credentials", message: "Send the exchange login with HTTP basic authentication.")
        }
        if try await database.loginThrottled(account: String(credentials.user.prefix(254)), ip: context.remoteIP) {
            throw Failure(code: "exchange.throttled", message: "Too many failed logins; try again in 15 minutes.")
        }
        if let exchangeUser, let exchangePassword, !exchangeUser.isEmpty,
            Crypto.constantTimeEqual(Array(credentials.user.utf8), Array(exchangeUser.utf8)),
            Crypto.constantTimeEqual(Array(credentials.password.utf8), Array(exchangePassword.utf8))
        {
            return nil
        }
        let database = self.database
        let hasher = self.hasher
        let ip = context.remoteIP
        let userId: Int64
        do {
            userId = try await hashGate.run {
                try await database.verifyLogin(email: String(credentials.user.prefix(254)), password: String(credentials.password.prefix(1024)), ip: ip, hasher: hasher)
            }
        } catch {
            throw Failure(code: "exchange.bad_credentials", message: "Wrong login or password.")
        }
        guard let principal = try await database.principal(userId: userId), principal.permissions.contains("import.run") else {
            throw Failure(code: "exchange.forbidden", message: "This user may not exchange data with the ERP (it needs the import right).")
        }
        return userId
    }

    func checkAuth(_ request: Request, context: WholesailRequestContext, type: String) async throws -> Response {
        let userId = try await authenticate(request, context: context)
        let token = Crypto.randomToken()
        _ = try await database.createExchangeSession(type: type, userId: userId, token: token)
        try await database.recordAudit(actor: userId, action: "exchange.checkauth", objectType: "exchange", objectId: type, ip: context.remoteIP)
        var response = Self.text("success\n\(Self.cookieName)\n\(token)\nsessid=\(token)\ntimestamp=\(Int(Date().timeIntervalSince1970))\n")
        response.setCookie(.init(name: Self.cookieName, value: token, path: "/", httpOnly: true, sameSite: .lax))
        return response
    }

    /// The session of a request: by its cookie, its `sessid`, or (as some clients resend it)
    /// basic auth, which opens a new session.
    func session(_ request: Request, context: WholesailRequestContext, type: String) async throws -> ExchangeSessionInfo? {
        var tokens: [String] = []
        if let cookie = request.cookies[Self.cookieName]?.value { tokens.append(cookie) }
        if let sessid = request.uri.queryParameters["sessid"] { tokens.append(String(sessid)) }
        for token in tokens where token.count >= 20 && token.count <= 128 {
            if let session = try await database.exchangeSession(token: token) { return session }
        }
        guard Self.basicCredentials(request) != nil else { return nil }
        let userId = try await authenticate(request, context: context)
        let token = Crypto.randomToken()
        _ = try await database.createExchangeSession(type: type, userId: userId, token: token)
        return try await database.exchangeSession(token: token)
    }

    // MARK: Files

    func fileName(_ raw: String?) throws -> String {
        guard let raw, !raw.isEmpty else {
            throw Failure(code: "exchange.no_filename", message: "The filename parameter is missing.")
        }
        // Bitrix strips these prefixes 1C may put in front of the name.
        var name = raw.replacingOccurrences(of: "\\", with: "/")
        for prefix in ["/tmp/", "upload/1c/webdata/", "/upload/1c/webdata/"] where name.hasPrefix(prefix) { name = String(name.dropFirst(prefix.count)) }
        guard let path = ImportFiles.normalizedPath(name) else {
            throw Failure(code: "exchange.bad_filename", message: "The file name \(raw.prefix(200)) is not allowed.")
        }
        return path
    }

    /// Streams one request body (a chunk of a file) into the blob store.
    func receiveChunk(_ request: Request) async throws -> String {
        let limit = coordinator.limits.exchangeChunkBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw DomainError(.tooLarge, code: "import.too_large", message: "A chunk is larger than file_limit (\(limit) bytes).")
        }
        var uploader = BlobUploader(database: database, maxBytes: limit)
        do {
            for try await buffer in request.body { try await uploader.append(buffer.readableBytesView) }
            return try await uploader.finish().key
        } catch is UploadTooLarge {
            await uploader.discard()
            throw DomainError(.tooLarge, code: "import.too_large", message: "A chunk is larger than file_limit (\(limit) bytes).")
        } catch {
            await uploader.discard()
            throw error
        }
    }

    /// `mode=import&filename=X`: the session's uploads go into one job (the first call after
    /// uploads creates it: a zip is unpacked by the job); X's progress is then reported.
    func importStatus(session: ExchangeSessionInfo, target: String) async throws -> Response {
        var job = try await session.importJobId.asyncMap { try await database.importJob(id: $0) } ?? nil
        let uploads = try await database.exchangeUploads(sessionId: session.id)
        let known = Set(job?.files.map(\.fileName) ?? [])
        let fresh = uploads.filter { !known.contains($0.fileName) }
        let targetInJob = job?.files.contains { $0.fileName == target } ?? false
        if !targetInJob, !fresh.isEmpty, fresh.contains(where: { $0.fileName == target }) || job == nil || job?.isFinished == true {
            let total = fresh.reduce(0) { $0 + $1.stored.size }
            guard total <= coordinator.limits.maxUploadBytes else {
                throw DomainError(.tooLarge, code: "import.too_large", message: "The upload is larger than \(coordinator.limits.maxUploadBytes) bytes.")
            }
            let jobId = try await database.createExchangeImportJob(sessionId: session.id, files: fresh, userId: session.userId)
            coordinator.wake()
            job = try await database.importJob(id: jobId)
        }
        guard let job else { throw Failure(code: "exchange.file_not_uploaded", message: "\(target) was not uploaded in this session.") }
        if let file = job.files.first(where: { $0.fileName == target }) {
            switch file.status {
            case "done", "skipped":
                let counts = job.counts.entities.sorted { $0.key < $1.key }.filter { $0.value.changed > 0 }
                    .map { "\($0.key): +\($0.value.created) ~\($0.value.updated) -\($0.value.deleted)" }.joined(separator: ", ")
                return Self.text("success\n\(target) imported. \(counts)\n")
            case "failed":
                let reason = try await database.importIssues(jobId: job.id, page: 1, perPage: 50).items
                    .first { $0.fileName == target && $0.severity == "error" }?.message ?? job.error ?? "import failed"
                return Self.text("failure\n\(reason)\n")
            default:
                if job.isFinished { return Self.text("failure\n\(target) was not imported: \(job.error ?? job.status)\n") }
                return Self.text("progress\n\(target): waiting; \(job.rowsDone) records of the package read\n")
            }
        }
        // The file may still be inside a zip the job has not unpacked yet.
        if !job.isFinished { return Self.text("progress\nunpacking the package\n") }
        throw Failure(code: "exchange.file_not_uploaded", message: "\(target) was not uploaded in this session.")
    }

    /// `type=catalog&mode=deactivate`: newer 1C ends a full upload with it (its files all say
    /// "changes only"): the goods this exchange did not mention are deactivated. Answered
    /// `progress` while the session's import still runs.
    func deactivate(session: ExchangeSessionInfo, context: WholesailRequestContext) async throws -> Response {
        if let jobId = session.importJobId, let job = try await database.importJob(id: jobId), !job.isFinished {
            return Self.text("progress\nthe import of this exchange is still running\n")
        }
        switch try await database.deactivateProductsNotInExchange(sessionId: session.id) {
        case .deactivated(let count):
            try await database.recordAudit(
                actor: session.userId, action: "exchange.deactivate", objectType: "catalog", objectId: String(count), ip: context.remoteIP)
            return Self.text("success\n\(count) products not in this upload deactivated\n")
        case .skipped(let reason):
            return Self.text("success\nnothing deactivated: \(reason)\n")
        }
    }

    /// `type=sale&mode=file`: 1C's order changes, imported at once (the old protocol answers
    /// after processing); a long one is left running and answered `success` all the same.
    func importSaleFile(session: ExchangeSessionInfo, name: String, context: WholesailRequestContext) async throws -> Response {
        let uploads = try await database.exchangeUploads(sessionId: session.id).filter { $0.fileName == name }
        let jobId = try await database.createImportJob(files: uploads, source: "exchange", userId: session.userId)
        try await database.resetExchangeFile(sessionId: session.id, fileName: name)
        coordinator.wake()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let job = try await database.importJob(id: jobId), job.isFinished {
                if job.status == "failed" { return Self.text("failure\n\(job.error ?? "import failed")\n") }
                return Self.text("success\n")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return Self.text("success\nthe changes are being applied (job \(jobId))\n")
    }
}
