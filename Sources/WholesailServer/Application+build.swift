import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle
import WholesailStore

/// The application's type, for those who hold one (the CLI, tests).
public typealias WholesailApplication = Application<RouterResponder<WholesailRequestContext>>

/// Builds the portal: opens the database (creating and migrating it), parses the templates,
/// wires the router. `onRunning` is called once the server accepts connections.
public func buildApplication(
    configuration: WholesailConfiguration, logger: Logger,
    onRunning: @escaping @Sendable (String) async -> Void = { _ in }
) async throws -> WholesailApplication {
    let database = try WholesailDatabase.open(at: configuration.databasePath)
    let dependencies = try await WholesailDependencies(database: database, importLimits: configuration.importLimits)
    return buildApplication(configuration: configuration, dependencies: dependencies, logger: logger, onRunning: onRunning)
}

/// Builds the portal over given dependencies: the function tests call. Plain HTTP; `buildServer`
/// adds the built-in HTTPS when the configuration names a certificate.
public func buildApplication(
    configuration: WholesailConfiguration, dependencies: WholesailDependencies, logger: Logger,
    onRunning: @escaping @Sendable (String) async -> Void = { _ in }
) -> WholesailApplication {
    makeApplication(configuration: configuration, dependencies: dependencies, logger: logger, server: .http1(), onRunning: onRunning)
}

/// What `serve` runs: HTTPS with the configured certificate and key (PEM files), or plain HTTP
/// for a reverse proxy in front. Throws when the files cannot be read.
public func buildServer(
    configuration: WholesailConfiguration, dependencies: WholesailDependencies, logger: Logger,
    onRunning: @escaping @Sendable (String) async -> Void = { _ in }
) throws -> WholesailApplication {
    var server = HTTPServerBuilder.http1()
    if let certificate = configuration.tlsCertificatePath, let key = configuration.tlsKeyPath {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
        guard !chain.isEmpty else { throw TLSFilesError(message: "no certificate in \(certificate)") }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        tls.minimumTLSVersion = .tlsv12
        server = try .tls(.http1(), tlsConfiguration: tls)
    }
    return makeApplication(configuration: configuration, dependencies: dependencies, logger: logger, server: server, onRunning: onRunning)
}

struct TLSFilesError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

func makeApplication(
    configuration: WholesailConfiguration, dependencies: WholesailDependencies, logger: Logger, server: HTTPServerBuilder,
    onRunning: @escaping @Sendable (String) async -> Void
) -> WholesailApplication {
    let router = buildRouter(configuration: configuration, dependencies: dependencies)
    let host = configuration.host
    var services: [any Service] = [
        PricingUpdater(pricing: dependencies.pricing, imports: dependencies.imports, logger: logger),
        CatalogIndexUpdater(database: dependencies.database, imports: dependencies.imports, logger: logger),
        ReservationReleaser(database: dependencies.database, interval: .seconds(300), logger: logger),
        ImportRunner(database: dependencies.database, coordinator: dependencies.imports, logger: logger),
    ]
    // A backup cut short by a crash or a kill (from the admin page, the schedule) leaves its
    // `.partial` file; remove those at every start, with or without a schedule.
    let leftovers = BackupFolder(path: configuration.resolvedBackupDirectory).removeLeftovers()
    if leftovers > 0 { logger.notice("removed \(leftovers) unfinished backup file(s) left by a stopped process") }
    if configuration.backupIntervalMinutes > 0 {
        services.append(
            BackupScheduler(
                database: dependencies.database, folder: BackupFolder(path: configuration.resolvedBackupDirectory),
                interval: .seconds(configuration.backupIntervalMinutes * 60), keep: configuration.backupKeep, logger: logger))
    }
    if configuration.outbox.dispatcherEnabled {
        services.append(OutboxDispatcher.make(configuration: configuration, dependencies: dependencies, logger: logger))
        services.append(
            OutboxRetention(database: dependencies.database, defaultDays: configuration.outbox.keepDays, interval: .seconds(3600), logger: logger))
        services.append(CartReminderScanner(database: dependencies.database, interval: .seconds(3600), logger: logger))
        services.append(
            TrackingPoller(database: dependencies.database, http: AsyncHTTPSender(timeout: .seconds(30)), interval: .seconds(1800), logger: logger))
    }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(host, port: configuration.port), serverName: "Wholesail"),
        services: services,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            let shownHost = host.contains(":") ? "[\(host)]" : host
            await onRunning("\(configuration.servesHTTPS ? "https" : "http")://\(shownHost):\(port)")
        },
        logger: logger
    )
}

/// The router on one screen: the global middleware in order, then each feature's routes.
func buildRouter(
    configuration: WholesailConfiguration, dependencies: WholesailDependencies, table: RouteTable = RouteTable()
) -> Router<WholesailRequestContext> {
    let router = Router(context: WholesailRequestContext.self)
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware(strictTransportSecurity: configuration.publicHTTPS))
    router.add(middleware: LanguageMiddleware(settings: dependencies.settings))
    router.add(middleware: ErrorMiddleware(renderer: dependencies.renderer))
    router.add(middleware: RateLimitMiddleware(limits: configuration.rateLimits))
    let secureCookies = configuration.publicHTTPS
    router.add(middleware: AuthMiddleware(database: dependencies.database, secureCookies: secureCookies))
    router.add(middleware: CSRFMiddleware(maxFormBytes: 256 * 1024, maxUploadBytes: 10 * 1024 * 1024))
    router.add(middleware: PersonalManagerMiddleware(database: dependencies.database))
    let chatHub = ChatHub()
    router.add(middleware: ChatMiddleware(database: dependencies.database, hub: chatHub))
    let hashGate = HashGate(limit: 2)
    let baseURL = configuration.baseURL ?? "\(configuration.servesHTTPS ? "https" : "http")://\(configuration.host):\(configuration.port)"

    let routes = Routes(router: router, database: dependencies.database, table: table)
    OperationsController(database: dependencies.database, metrics: dependencies.metrics, metricsToken: configuration.metricsToken).mount(on: routes)
    FilesController(database: dependencies.database).mount(on: routes)
    CatalogPagesController(database: dependencies.database, renderer: dependencies.renderer, pricing: dependencies.pricing).mount(on: routes)
    CatalogAPIController(database: dependencies.database, pricing: dependencies.pricing).mount(on: routes)
    let hasher = dependencies.passwordHasher
    let channels = ConfiguredChannels(
        database: dependencies.database, composer: NotificationComposer(renderer: dependencies.renderer, baseURL: baseURL),
        environment: configuration.outbox, smtpURL: configuration.smtpURL, mailFrom: configuration.mailFrom, baseURL: baseURL,
        logger: Logger(label: "wholesail.outbox"))
    AccountPagesController(
        database: dependencies.database, renderer: dependencies.renderer, hashGate: hashGate, hasher: hasher,
        secureCookies: secureCookies, baseURL: baseURL, smsAvailable: { await channels.smsUsable() }
    ).mount(on: routes)
    AuthAPIController(database: dependencies.database, hashGate: hashGate, hasher: hasher).mount(on: routes)
    CompanyPagesController(database: dependencies.database, renderer: dependencies.renderer, hashGate: hashGate, hasher: hasher)
        .mount(on: routes)
    CompanyAPIController(database: dependencies.database).mount(on: routes)
    EditorController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    MaterialsController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    AdminAccessController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    AdminBackupController(
        database: dependencies.database, renderer: dependencies.renderer,
        folder: BackupFolder(path: configuration.resolvedBackupDirectory), keep: configuration.backupKeep
    ).mount(on: routes)
    AdminPricingController(database: dependencies.database, renderer: dependencies.renderer, pricing: dependencies.pricing).mount(on: routes)
    StaffPagesController(database: dependencies.database, renderer: dependencies.renderer, baseURL: baseURL).mount(on: routes)
    let carts = CartService(database: dependencies.database, pricing: dependencies.pricing)
    let delivery = DeliveryQuoter(database: dependencies.database)
    CartPagesController(database: dependencies.database, renderer: dependencies.renderer, carts: carts, delivery: delivery).mount(on: routes)
    ApprovalsController(database: dependencies.database, renderer: dependencies.renderer, carts: carts).mount(on: routes)
    DeliveryAPIController(carts: carts, quoter: delivery).mount(on: routes)
    AdminDeliveryController(database: dependencies.database, renderer: dependencies.renderer, quoter: delivery).mount(on: routes)
    PaymentsController(database: dependencies.database, renderer: dependencies.renderer, baseURL: baseURL).mount(on: routes)
    OrderPagesController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    OrderEditController(database: dependencies.database, renderer: dependencies.renderer, pricing: dependencies.pricing).mount(on: routes)
    QuotesController(database: dependencies.database, renderer: dependencies.renderer, carts: carts).mount(on: routes)
    ShoppingListsController(database: dependencies.database, renderer: dependencies.renderer, carts: carts).mount(on: routes)
    PartNumbersController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    OrderingAPIController(database: dependencies.database, carts: carts).mount(on: routes)
    AccountAPIController(database: dependencies.database).mount(on: routes)
    RequestsPagesController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    DocumentsController(database: dependencies.database, renderer: dependencies.renderer, bills: carts.bills, pricing: dependencies.pricing).mount(on: routes)
    WorkstationController(database: dependencies.database, renderer: dependencies.renderer, baseURL: baseURL).mount(on: routes)
    TeamController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    AdminAuditController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    PersonalManagerController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    ChatController(database: dependencies.database, renderer: dependencies.renderer, hub: chatHub).mount(on: routes)
    AdminSettingsController(
        database: dependencies.database, renderer: dependencies.renderer, settings: dependencies.settings,
        channels: ChannelSummary(configuration: configuration, baseURL: baseURL)
    ).mount(on: routes)
    AdminPromotionsController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    AdminDirectoryController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    ContentController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    AdminOutboxController(database: dependencies.database, renderer: dependencies.renderer).mount(on: routes)
    AdminChannelsController(database: dependencies.database, renderer: dependencies.renderer, channels: channels).mount(on: routes)
    ImportAPIController(database: dependencies.database, coordinator: dependencies.imports).mount(on: routes)
    AdminImportController(database: dependencies.database, renderer: dependencies.renderer, coordinator: dependencies.imports).mount(on: routes)
    ExchangeController(
        database: dependencies.database, coordinator: dependencies.imports, exchangeUser: configuration.exchangeUser,
        exchangePassword: configuration.exchangePassword, hashGate: hashGate, hasher: hasher
    ).mount(on: routes)
    return router
}

/// Every route the application declares, with its access rule: what the tenant-isolation tests
/// walk so that a new route cannot be forgotten.
public func declaredRoutes(configuration: WholesailConfiguration, dependencies: WholesailDependencies) -> [RouteEntry] {
    let table = RouteTable()
    _ = buildRouter(configuration: configuration, dependencies: dependencies, table: table)
    return table.entries
}
