import Foundation

/// The process's memory as Linux reports it in /proc/self/status, for the benchmarks' output.
enum ProcessMemory {
    /// A field in MB: `VmRSS` (resident now), `VmHWM` (the most ever resident); 0 when unreadable.
    static func megabytes(_ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    static var residentMegabytes: Int { megabytes("VmRSS") }
}
