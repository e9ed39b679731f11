import Foundation
import Testing
import WholesailStore
import WholesailTestSupport

@testable import WholesailCLI

/// Runs the real `wholesail` executable built beside the test bundle, capturing its output.
enum Executable {
    static var url: URL? {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [folder, folder.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("wholesail")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        guard let executable = url else { throw CLIError("the wholesail executable is not built beside the tests") }
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

@Suite struct CommandLineTests {
    @Test("a bad option is one line on stderr and a non-zero exit", arguments: [
        ["serve", "--no-such-option"], ["frobnicate"], ["serve", "--port", "99999"], ["serve", "--host", "example.com"],
        ["backup"],
    ])
    func badOptions(arguments: [String]) throws {
        let result = try Executable.run(arguments, environment: ["WHOLESAIL_DB": "/nonexistent-folder/x.sqlite"])
        #expect(result.status != 0)
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "stderr was: \(result.err)")
        #expect(result.err.hasPrefix("wholesail: "))
        #expect(!result.err.contains("Fatal error") && !result.err.contains("Stack"))
    }

    @Test("an unusable database path is a one-line error, not a crash", arguments: [
        "/nonexistent-folder/db.sqlite", "/proc/version", "/",
    ])
    func unusableDatabase(path: String) throws {
        let result = try Executable.run(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.err.split(separator: "\n").count == 1, "stderr was: \(result.err)")
        #expect(result.err.contains(path) || result.err.contains("database"))
    }

    @Test("options also come from WHOLESAIL_* variables")
    func environmentOptions() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("env.sqlite")
        let result = try Executable.run(["migrate"], environment: ["WHOLESAIL_DB": path])
        #expect(result.status == 0, "stderr: \(result.err)")
        #expect(FileManager.default.fileExists(atPath: path))
        let explicit = try Executable.run(["migrate", "--db", folder.path("flag.sqlite")], environment: ["WHOLESAIL_DB": path])
        #expect(explicit.status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path("flag.sqlite")))
    }

    @Test("--help prints usage and succeeds")
    func help() throws {
        let result = try Executable.run(["--help"])
        #expect(result.status == 0)
        #expect(result.out.contains("serve"))
        #expect(result.out.contains("backup"))
    }

    @Test("in-process: the status of a failed command is non-zero")
    func inProcess() async {
        #expect(await Wholesail.run(arguments: ["migrate", "--db", "/nonexistent-folder/db.sqlite"]) != 0)
        #expect(Wholesail.oneLineMessage(for: CLIError("boom")) == "boom")
    }
}

@Suite struct CommandFlowTests {
    @Test("seed, user add, backup and restore work end to end from the shell")
    func flow() throws {
        let folder = try TemporaryDirectory()
        let db = folder.path("w.sqlite")
        let seeded = try Executable.run(["seed", "--db", db, "--products", "500", "--seed", "3"])
        #expect(seeded.status == 0, "\(seeded.err)")
        #expect(seeded.out.contains("seeded 500 products"))
        let again = try Executable.run(["seed", "--db", db, "--products", "10", "--seed", "3"])
        #expect(again.status != 0)
        #expect(again.err.contains("already"))

        let user = try Executable.run(["user", "add", "--db", db, "--email", "boss@example.com", "--password", "long enough pass", "--role", "admin"])
        #expect(user.status == 0, "\(user.err)")
        let duplicate = try Executable.run(["user", "add", "--db", db, "--email", "BOSS@example.com", "--password", "long enough pass", "--role", "admin"])
        #expect(duplicate.status != 0)
        #expect(duplicate.err.split(separator: "\n").count == 1)
        let badRole = try Executable.run(["user", "add", "--db", db, "--email", "x@example.com", "--password", "long enough pass", "--role", "wizard"])
        #expect(badRole.err.contains("Unknown role"))

        let backup = try Executable.run(["backup", "--db", db, folder.path("")])
        #expect(backup.status == 0, "\(backup.err)")
        let written = try #require(backup.out.split(separator: " ").dropFirst(3).first.map(String.init))
        #expect(FileManager.default.fileExists(atPath: written))
        let restored = try Executable.run(["restore", "--db", folder.path("copy.sqlite"), written])
        #expect(restored.status == 0, "\(restored.err)")
        let garbage = folder.path("garbage.sqlite")
        try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: garbage))
        let refused = try Executable.run(["restore", "--db", folder.path("copy.sqlite"), garbage])
        #expect(refused.status != 0)
        #expect(refused.err.split(separator: "\n").count == 1)
    }
}
