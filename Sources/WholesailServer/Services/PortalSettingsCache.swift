import Foundation
import Synchronization
import WholesailCore
import WholesailStore

/// The portal-wide settings for code that runs on every request (the language middleware):
/// read from the database at most every few seconds, and at once after the admin saves them.
final class PortalSettingsCache: Sendable {
    private let database: WholesailDatabase
    private let maxAge: TimeInterval
    private let state = Mutex<(settings: PortalSettings, readAt: Date?)>((PortalSettings(), nil))

    init(database: WholesailDatabase, maxAge: TimeInterval = 5) {
        self.database = database
        self.maxAge = maxAge
    }

    /// The settings, fresh within `maxAge` seconds; the last known ones when the read fails.
    func current(now: Date = Date()) async -> PortalSettings {
        let cached = state.withLock { $0 }
        if let readAt = cached.readAt, now.timeIntervalSince(readAt) < maxAge { return cached.settings }
        guard let settings = try? await database.portalSettings() else { return cached.settings }
        state.withLock { $0 = (settings, now) }
        return settings
    }

    /// Forgets the cached copy (after a save).
    func invalidate() {
        state.withLock { $0.readAt = nil }
    }
}
