import Foundation
import Synchronization
import WholesailStore

/// The chat's live part, in memory (one process serves the portal): who is online — an open
/// event stream, or a page or chat request within `presenceWindow` — and the open streams of
/// each company's conversation, which get every new message as it is posted. Also keeps the
/// Bitrix24 Open Lines link for the header and widget, read at most every few seconds.
final class ChatHub: Sendable {
    enum Event: Sendable {
        case message(ChatMessage)
        case tick
        case close
    }

    struct Subscriber: Sendable {
        var counterpartyId: Int64
        var userId: Int64
        var continuation: AsyncStream<Event>.Continuation
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextToken: UInt64 = 1
        var lastSeen: [Int64: Date] = [:]
        var link: (value: String?, readAt: Date?) = (nil, nil)
    }

    private let state = Mutex(State())
    /// How long a user counts as online after their last request.
    let presenceWindow: TimeInterval

    init(presenceWindow: TimeInterval = 180) {
        self.presenceWindow = presenceWindow
    }

    /// Opens a stream of a company's conversation for a user; `unsubscribe` with the token ends it.
    func subscribe(counterpartyId: Int64, userId: Int64) -> (token: UInt64, events: AsyncStream<Event>) {
        let (events, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let token = state.withLock { state in
            let token = state.nextToken
            state.nextToken += 1
            state.subscribers[token] = Subscriber(counterpartyId: counterpartyId, userId: userId, continuation: continuation)
            return token
        }
        return (token, events)
    }

    func unsubscribe(_ token: UInt64, now: Date = Date()) {
        let removed = state.withLock { state in
            let removed = state.subscribers.removeValue(forKey: token)
            if let removed { state.lastSeen[removed.userId] = now }
            return removed
        }
        removed?.continuation.finish()
    }

    /// Sends an event to one stream (its own heartbeat, or its end).
    func send(_ event: Event, to token: UInt64) {
        let subscriber = state.withLock { $0.subscribers[token] }
        subscriber?.continuation.yield(event)
    }

    /// Hands a new message to every open stream of its conversation.
    func publish(_ message: ChatMessage) {
        let targets = state.withLock { state in state.subscribers.values.filter { $0.counterpartyId == message.counterpartyId } }
        for target in targets { target.continuation.yield(.message(message)) }
    }

    /// Notes a request of a user (they are online for `presenceWindow`).
    func touch(userId: Int64, now: Date = Date()) {
        state.withLock { $0.lastSeen[userId] = now }
    }

    /// The users online now: with an open stream or a request within the window. Forgets the
    /// others as it goes.
    func onlineUsers(now: Date = Date()) -> Set<Int64> {
        state.withLock { state in
            let horizon = now.addingTimeInterval(-presenceWindow)
            state.lastSeen = state.lastSeen.filter { $0.value >= horizon }
            return Set(state.lastSeen.keys).union(state.subscribers.values.map(\.userId))
        }
    }

    /// The number of open streams (for tests and metrics).
    var openStreams: Int { state.withLock { $0.subscribers.count } }

    /// The Bitrix24 Open Lines link, fresh within five seconds (the header and widget of every page).
    func externalLink(database: WholesailDatabase, now: Date = Date()) async -> String? {
        let cached = state.withLock { $0.link }
        if let readAt = cached.readAt, now.timeIntervalSince(readAt) < 5 { return cached.value }
        guard let value = try? await database.chatExternalLink() else { return cached.value }
        state.withLock { $0.link = (value, now) }
        return value
    }

    /// Forgets the cached link (after the admin changes it).
    func invalidateLink() {
        state.withLock { $0.link.readAt = nil }
    }
}
