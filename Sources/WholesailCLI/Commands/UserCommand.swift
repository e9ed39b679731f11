import ArgumentParser
import WholesailCore
import WholesailStore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [AddUser.self])

    struct AddUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create an active user with a role.")

        @OptionGroup var database: DatabaseOptions
        @Option(help: "E-mail (the login).") var email: String
        @Option(help: "Password, 8 characters or more.") var password: String
        @Option(help: "admin, executive, manager, assistant, editor, buyer_admin or buyer.") var role: String
        @Option(help: "ERP id of the counterparty a buyer works for.") var counterparty: String?
        @Option(help: "Full name.") var name: String = ""

        func run() async throws {
            let db = try WholesailDatabase.open(at: database.resolvedPath)
            let id = try await db.addUser(
                email: email, password: password, role: role, counterpartyErpId: counterparty, fullName: name)
            print("user \(id) created: \(email) (\(role))")
        }
    }
}
