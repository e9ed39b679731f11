import ArgumentParser
import CWholesailAssets
import Foundation
import WholesailCore

/// `wholesail`: the whole portal in one executable. Subcommands are API.md's command line.
@main
struct Wholesail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wholesail",
        abstract: "A B2B ordering portal for distributors, in one executable with an embedded SQLite database.",
        subcommands: [
            ServeCommand.self, MigrateCommand.self, BackupCommand.self, RestoreCommand.self, UserCommand.self,
            SeedCommand.self, SchemaCommand.self, BenchCommand.self, ImportCommand.self,
        ]
    )

    /// Runs a command line and returns the exit status. Help and version print as usual; any
    /// failure is one line on stderr (`wholesail: …`) and a non-zero status, never a stack trace.
    static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and friends: ArgumentParser's own output.
                print(fullMessage(for: error))
                return 0
            }
            FileHandle.standardError.write(Data(("wholesail: " + oneLineMessage(for: error) + "\n").utf8))
            return code.rawValue == 0 ? 1 : code.rawValue
        }
    }

    static func oneLineMessage(for error: any Error) -> String {
        let text: String
        if let error = error as? any WholesailError {
            text = error.message
        } else if let error = error as? CLIError {
            text = error.description
        } else {
            text = message(for: error)
        }
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? "failed"
        return line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
    }

    static func main() async {
        limitMallocArenas()
        let status = await run(arguments: Array(CommandLine.arguments.dropFirst()))
        Foundation.exit(status)
    }
}

extension Wholesail {
    /// glibc gives each thread that allocates under contention an arena of its own (up to 8 per
    /// core) and keeps what was freed in each: on 2 cores after a load run, 169 MB resident with
    /// the default, 151 MB with two arenas, no throughput lost. Every command (`serve`, `import`,
    /// the benchmarks) runs with two; `MALLOC_ARENA_MAX` still wins.
    static func limitMallocArenas() {
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil {
            _ = wholesail_limit_malloc_arenas(2)
        }
    }
}

/// A failure of a command, said in one line.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `--db PATH`, also `WHOLESAIL_DB`; defaults to `./wholesail.sqlite`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "Database file (env WHOLESAIL_DB; default ./wholesail.sqlite).")
    var path: String?

    var resolvedPath: String {
        Environment.value(path, "WHOLESAIL_DB") ?? "./wholesail.sqlite"
    }
}

enum Environment {
    /// The option's value when given, else the environment variable's when set and non-empty.
    static func value(_ option: String?, _ variable: String) -> String? {
        if let option { return option }
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
        return nil
    }

    static func flag(_ option: Bool, _ variable: String) -> Bool {
        if option { return true }
        guard let value = ProcessInfo.processInfo.environment[variable]?.lowercased() else { return false }
        return ["1", "true", "yes", "on"].contains(value)
    }
}
