import Foundation
import GRDB

extension WholesailDatabase {
    /// An element after each commit that touches a pricing table, without reading anything:
    /// the stream keeps at most one pending element, so a consumer busy rebuilding the price
    /// matrix sees one change, however many batches an import committed meanwhile.
    public func pricingChanges() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let observation = DatabaseRegionObservation(tracking: Self.pricingRegions)
        let cancellable = observation.start(in: writer, onError: { _ in continuation.finish() }, onChange: { _ in continuation.yield() })
        continuation.onTermination = { _ in cancellable.cancel() }
        return stream
    }
}
