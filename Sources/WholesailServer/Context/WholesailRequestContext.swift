import Hummingbird
import Logging
import WholesailCore

/// The context of every request: the language negotiated for it and a request id for logs.
/// Signed-in information joins here with the accounts feature.
public struct WholesailRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The language of pages and messages for this request.
    public var language: Language = .ru
    /// Short id echoed in `X-Request-Id` and in 500 pages, to find the log line.
    public var requestId: String = ""

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}
