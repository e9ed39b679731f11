import Foundation
import GRDB
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@Suite struct UserTests {
    func database() async throws -> WholesailDatabase {
        let database = try TestDatabase.inMemory()
        try await database.write { db in
            try db.execute(sql: "INSERT INTO counterparty (erpId, name) VALUES ('cp-1', 'ООО «Ромашка»')")
        }
        return database
    }

    @Test("a user is created with a role and a company, password hashed")
    func create() async throws {
        let database = try await database()
        let id = try await database.addUser(
            email: "buyer@example.com", password: "correct horse", role: "buyer", counterpartyErpId: "cp-1", hasher: .fastForTests)
        let found: Row? = try database.read { db in
            try Row.fetchOne(db, sql: """
                SELECT u.passwordHash, r.code, uc.counterpartyId FROM user u JOIN userRole ur ON ur.userId = u.id
                JOIN role r ON r.id = ur.roleId JOIN userCounterparty uc ON uc.userId = u.id WHERE u.id = ?
                """, arguments: [id])
        }
        let row = try #require(found)
        #expect(row["code"] as String == "buyer")
        #expect(PasswordHasher.verify("correct horse", against: row["passwordHash"]))
    }

    @Test("bad input is refused with a clear error and nothing is written", arguments: [
        ("not-an-email", "long enough", "buyer", "cp-1" as String?, "accounts.invalid_email"),
        ("a@example.com", "short", "buyer", "cp-1", "accounts.weak_password"),
        ("a@example.com", "long enough", "wizard", "cp-1", "accounts.unknown_role"),
        ("a@example.com", "long enough", "buyer", "cp-404", "accounts.unknown_counterparty"),
        ("a@example.com", "long enough", "buyer", nil, "accounts.counterparty_required"),
        ("EXISTING@example.com", "long enough", "admin", nil, "accounts.duplicate_email"),
    ])
    func refused(email: String, password: String, role: String, counterparty: String?, code: String) async throws {
        let database = try await database()
        try await database.addUser(email: "existing@example.com", password: "long enough", role: "admin", counterpartyErpId: nil, hasher: .fastForTests)
        do {
            try await database.addUser(email: email, password: password, role: role, counterpartyErpId: counterparty, hasher: .fastForTests)
            Issue.record("accepted \(email)")
        } catch let error as AccountsError {
            #expect(error.code == code)
            #expect(!error.message.isEmpty)
        }
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM user") } == 1)
    }
}

@Suite struct LoginTests {
    @Test("a hash made with weaker parameters is upgraded at the next successful login")
    func rehash() async throws {
        let database = try TestDatabase.inMemory()
        try await database.addUser(email: "a@example.com", password: "long enough", role: "admin", counterpartyErpId: nil, hasher: PasswordHasher(logN: 4, r: 8, p: 1))
        let stronger = PasswordHasher(logN: 6, r: 8, p: 1)
        let id = try await database.verifyLogin(email: "a@example.com", password: "long enough", ip: nil, hasher: stronger)
        let hash = try #require(try await database.read { try String.fetchOne($0, sql: "SELECT passwordHash FROM user WHERE id = ?", arguments: [id]) })
        #expect(hash.hasPrefix("$scrypt$ln=6,"))
        #expect(PasswordHasher.verify("long enough", against: hash))
        await #expect(throws: AuthError.invalidCredentials) {
            try await database.verifyLogin(email: "a@example.com", password: "wrong one", ip: nil, hasher: stronger)
        }
    }
}
