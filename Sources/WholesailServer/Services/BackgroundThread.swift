import CWholesailAssets
import Foundation

/// Runs long, CPU-bound upkeep (the catalog index, the price matrix) on a thread of its own at a
/// lower priority, like the import's threads: requests get the CPU first, and the async executor
/// that serves them (one thread per core) is never occupied for a second by a rebuild.
enum BackgroundThread {
    /// The nice value of upkeep threads: milder than the import's parsers (10), because while
    /// the catalog index is rebuilt outside an import, listings fall back to plain SQL, and a
    /// rebuild starved by a saturated server would keep them there (nice 5 still gets about a
    /// quarter of a core against a busy request thread).
    static let nice: Int32 = 5

    /// Runs `work` on a new thread named `name` at `nice` (0: the normal priority) and returns
    /// its result; the awaiting task holds no executor thread meanwhile.
    static func run<T: Sendable>(_ name: String, nice: Int32 = nice, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                lowerThreadPriority(to: nice)
                do {
                    continuation.resume(returning: try work())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Lowers the calling thread's priority to `nice` (Linux keeps one per thread); 0 or less does
/// nothing. Call it only on a thread that is yours for good: it cannot be raised back.
func lowerThreadPriority(to nice: Int32) {
    if nice > 0 { _ = wholesail_lower_thread_priority(nice) }
}
