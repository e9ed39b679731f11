import Foundation
import Testing

/// Third-party programs the document tests check output with (poppler-utils, qpdf, openpyxl).
///
/// Locally a missing tool skips its test with a message; under CI (`CI` set) the test runs and
/// fails, since `.ci/run` installs them.
enum ExternalTool {
    static let isCI = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// The absolute path of a program on PATH.
    static func path(_ name: String) -> String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let hasOpenpyxl: Bool = {
        guard path("python3") != nil else { return false }
        return (try? run("python3", ["-c", "import openpyxl"]))?.status == 0
    }()

    /// Whether a test that needs the program should run (it is there, or CI demands it).
    static func shouldRun(_ name: String) -> Bool { isCI || path(name) != nil }

    static func shouldRunOpenpyxl() -> Bool { isCI || hasOpenpyxl }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutData: Data
    }

    /// Runs a program found on PATH to completion, capturing its output in temporary files
    /// (so a chatty program cannot fill a pipe and stall).
    static func run(_ name: String, _ arguments: [String]) throws -> Result {
        guard let executable = path(name) else {
            throw Missing(description: "\(name) is not installed (install it as .ci/run does)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = try Data(contentsOf: outURL)
        let stderr = try Data(contentsOf: errURL)
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self), stdoutData: stdout)
    }
}

/// A temporary folder removed when the test is done with it.
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("wholesail-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
