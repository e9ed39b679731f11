import Foundation
import Synchronization
import Testing
@testable import WholesailServer

/// The import's threads yield the CPU to requests: Linux keeps a nice value per thread.
@Suite struct ImportPriorityTests {
    /// The nice value of the calling thread, from /proc (field 19 of its stat line).
    static func currentNice() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, so nice (field 19) is the 17th.
        return fields.count > 16 ? Int(fields[16]) : nil
    }

    static func niceOnOwnThread(_ limits: ImportLimits) -> (before: Int?, after: Int?) {
        let result = Mutex<(Int?, Int?)>((nil, nil))
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let before = currentNice()
            limits.lowerThreadPriority()
            result.withLock { $0 = (before, currentNice()) }
            done.signal()
        }
        thread.start()
        done.wait()
        return result.withLock { $0 }
    }

    @Test("an import thread runs at the configured nice value; 0 leaves it as it was; other threads keep theirs")
    func threadNice() throws {
        #if os(Linux)
        let mine = Self.currentNice()
        let lowered = Self.niceOnOwnThread(ImportLimits())
        #expect(lowered.before == mine)
        #expect(lowered.after == max(10, mine ?? 0))
        let unchanged = Self.niceOnOwnThread(ImportLimits(threadNice: 0))
        #expect(unchanged.after == unchanged.before)
        #expect(Self.currentNice() == mine)
        #endif
    }
}
