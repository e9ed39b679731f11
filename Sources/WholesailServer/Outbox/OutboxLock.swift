import Foundation
import Synchronization

/// One dispatcher per database file: an exclusive `flock` on `<database>-outbox.lock`.
///
/// The kernel drops the lock when its process ends, however it ends (`kill -9` included), so a
/// dispatcher that holds it knows that no other one is sending: rows left `sending` belong to a
/// process that died. (A lock file beside the database rather than a lock on the database file:
/// SQLite's own POSIX locks must not be disturbed by another descriptor of that file.)
final class OutboxLock: Sendable {
    let path: String
    private let descriptor = Mutex<Int32?>(nil)

    /// nil for an in-memory database (nothing to share).
    init?(databasePath: String) {
        guard !databasePath.isEmpty, !databasePath.hasPrefix(":memory:"), !databasePath.contains("mode=memory") else { return nil }
        path = databasePath + "-outbox.lock"
    }

    /// Takes the lock if it is free; true when this process holds it (now or already).
    func tryAcquire() -> Bool {
        descriptor.withLock { held in
            if held != nil { return true }
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { return false }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                return false
            }
            held = fd
            return true
        }
    }

    func release() {
        descriptor.withLock { held in
            guard let fd = held else { return }
            _ = flock(fd, LOCK_UN)
            close(fd)
            held = nil
        }
    }

    deinit { release() }
}
