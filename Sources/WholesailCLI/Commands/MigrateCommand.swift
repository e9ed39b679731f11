import ArgumentParser
import WholesailStore

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create the database or bring it to the current schema.")

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let db = try WholesailDatabase.open(at: database.resolvedPath)
        let applied = try db.appliedMigrations()
        print("database \(database.resolvedPath) is at migration \(applied.last ?? "none") (\(applied.count) applied)")
    }
}

struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema", abstract: "Print the complete current schema (what schema.sql holds).")

    func run() async throws {
        print(try WholesailDatabase.inMemory().schemaSQL(), terminator: "")
    }
}
