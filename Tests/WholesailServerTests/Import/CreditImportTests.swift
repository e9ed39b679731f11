import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import WholesailCore
import WholesailStore
import WholesailTestSupport

@testable import WholesailServer

@Suite("Finance: agreements, credit lines and payment schedules from the ERP; the buyer's and the manager's finance pages")
struct CreditImportTests {
    static let lines = """
        {"type":"agreement","id":"A-15","counterparty":"cp-2","seller":"7700000001","number":"15/К","date":"2026-01-10","creditLimit":"500000.00","paymentTermDays":30,"default":true}
        {"type":"agreement","id":"A-bad","counterparty":"cp-2","number":"16","date":"10.01.2026"}
        {"type":"creditLine","id":"CL-1","counterparty":"cp-2","agreement":"A-15","name":"Товарный кредит","limit":"300000.00","used":"120000.00","termDays":45,"rate":"12.5","opened":"2026-01-10","expires":"2099-12-31","status":"открыта"}
        {"type":"creditLine","id":"CL-2","counterparty":"cp-2","agreement":"A-15","name":"Сезонная линия","limit":"50000","opened":"2025-01-01","expires":"2025-12-31"}
        {"type":"creditLine","id":"CL-bad","counterparty":"cp-2","name":"Без лимита","limit":"много"}
        {"type":"creditLine","id":"CL-x","counterparty":"nobody","limit":"1"}
        {"type":"paymentSchedule","id":"PS-1","counterparty":"cp-2","agreement":"A-15","creditLine":"CL-1","number":"ГП-7","date":"2026-01-15","description":"Рассрочка по договору 15/К","payments":[{"date":"2026-02-01","amount":"40000.00","paid":"40000.00","paidOn":"2026-01-30"},{"date":"2026-03-01","amount":"40000.00","paid":"10000.00"},{"date":"2099-04-01","amount":"40000.00"}]}
        {"type":"paymentSchedule","id":"PS-bad","counterparty":"cp-2","number":"ГП-8","date":"2026-01-15","payments":[{"date":"2026-02-01"}]}
        {"type":"settlement","id":"s-10","counterparty":"cp-2","agreement":"A-15","date":"2026-02-03","dueDate":"2026-02-13","amount":"400.00","order":"T-00001","description":"Реализация"}
        """

    static func seed(_ database: WholesailDatabase) async throws {
        try await FinanceImportTests.seed(database)
    }

    @Test("agreements, credit lines and schedules land; bad records are reported; a repeat changes nothing; a changed schedule replaces its payments; deletions")
    func imports() async throws {
        let database = try TestDatabase.inMemory()
        try await Self.seed(database)
        let job = try ImportFixture.run(database, [("finance.jsonl", Data(Self.lines.utf8))])
        #expect(job.status == "succeeded")
        #expect(job.counts["agreement"] == ImportCounts.Entity(created: 1, failed: 1))
        #expect(job.counts["creditLine"] == ImportCounts.Entity(created: 2, failed: 2))
        #expect(job.counts["paymentSchedule"] == ImportCounts.Entity(created: 1, failed: 1))
        let codes = try ImportFixture.issues(database, job: job.id).map(\.code)
        for code in ["import.agreement_date", "import.credit_line_amount", "import.unknown_counterparty", "import.schedule_payment", "cml.bad_number"] {
            #expect(codes.contains(code), "\(code) in \(codes)")
        }

        let agreement = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM agreement WHERE erpId = 'A-15'")
        }
        let row = try #require(agreement)
        #expect(row["number"] as String == "15/К")
        #expect(row["creditLimitMinor"] as Int64 == 50_000_000)
        #expect(row["paymentTermDays"] as Int == 30)
        #expect(row["isDefault"] as Bool)
        let otherDefaults = try ImportFixture.count(database, "SELECT count(*) FROM agreement WHERE counterpartyId = 2 AND isDefault = 1")
        #expect(otherDefaults == 1, "the fixture's agreement is no longer the default")

        let lines = try await database.creditLines(counterpartyId: 2)
        #expect(lines.map(\.name) == ["Товарный кредит", "Сезонная линия"])
        #expect(lines[0].limitMinor == 30_000_000 && lines[0].usedMinor == 12_000_000 && lines[0].usedReported)
        #expect(lines[0].availableMinor == 18_000_000)
        #expect(lines[0].termDays == 45 && lines[0].ratePercent == "12.5" && lines[0].agreementNumber == "15/К")
        // Without the ERP's figure, the agreement's settlement entries stand in.
        #expect(lines[1].usedMinor == 40_000 && !lines[1].usedReported)
        #expect(!lines[1].isActive(today: "2026-06-01"), "expired at the end of 2025")

        let schedules = try await database.paymentSchedules(counterpartyId: 2)
        let schedule = try #require(schedules.first)
        #expect(schedules.count == 1)
        #expect(schedule.number == "ГП-7" && schedule.creditLine == "Товарный кредит")
        #expect(schedule.totalMinor == 12_000_000 && schedule.paidMinor == 5_000_000 && schedule.remainingMinor == 7_000_000)
        #expect(schedule.overdueMinor(today: "2026-06-01") == 3_000_000)
        #expect(schedule.next(today: "2026-06-01")?.dueDate == "2099-04-01")
        #expect(schedule.instalments.map { $0.status(today: "2026-06-01") } == [.paid, .overdue, .upcoming])

        // The same file again: nothing changes.
        let again = try ImportFixture.run(database, [("finance.jsonl", Data(Self.lines.utf8))])
        #expect(again.counts["agreement"] == ImportCounts.Entity(unchanged: 1, failed: 1))
        #expect(again.counts["creditLine"] == ImportCounts.Entity(unchanged: 2, failed: 2))
        #expect(again.counts["paymentSchedule"] == ImportCounts.Entity(unchanged: 1, failed: 1))

        // The schedule changed (the second payment is paid), a line deleted, the agreement withdrawn.
        let changes = """
            {"type":"paymentSchedule","id":"PS-1","counterparty":"cp-2","agreement":"A-15","number":"ГП-7","date":"2026-01-15","payments":[{"date":"2026-02-01","amount":"40000.00","paid":"40000.00"},{"date":"2026-03-01","amount":"40000.00","paid":"40000.00","paidOn":"2026-03-02"}]}
            {"type":"creditLine","id":"CL-2","deleted":true}
            {"type":"agreement","id":"A-15","deleted":true}
            """
        let third = try ImportFixture.run(database, [("changes.jsonl", Data(changes.utf8))])
        #expect(third.counts["paymentSchedule"] == ImportCounts.Entity(updated: 1))
        #expect(third.counts["creditLine"] == ImportCounts.Entity(deleted: 1))
        #expect(third.counts["agreement"] == ImportCounts.Entity(deleted: 1))
        let updated = try #require(try await database.paymentSchedules(counterpartyId: 2).first)
        #expect(updated.instalments.count == 2 && updated.remainingMinor == 0 && updated.creditLine == nil)
        #expect(try await database.creditLines(counterpartyId: 2).map(\.name) == ["Товарный кредит"])
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM agreement WHERE erpId = 'A-15' AND active = 0") == 1)
    }

    @Test("the document form carries the same records in arrays")
    func documentForm() async throws {
        let database = try TestDatabase.inMemory()
        try await Self.seed(database)
        let json = """
            {"agreements":[{"id":"A-1","counterparty":"cp-1","number":"1","date":"2026-01-01"}],
             "creditLines":[{"id":"L-1","counterparty":"cp-1","agreement":"A-1","name":"Линия","limit":"1000"}],
             "paymentSchedules":[{"id":"P-1","counterparty":"cp-1","number":"1","date":"2026-01-01","payments":[{"date":"2026-02-01","amount":"500"}]}]}
            """
        let job = try ImportFixture.run(database, [("finance.json", Data(json.utf8))])
        #expect(job.counts["agreement"] == ImportCounts.Entity(created: 1))
        #expect(job.counts["creditLine"] == ImportCounts.Entity(created: 1))
        #expect(job.counts["paymentSchedule"] == ImportCounts.Entity(created: 1))
    }

    @Test("the buyer's finance page shows debt by order, credit lines and the schedule; another company's buyer does not see them")
    func buyerPage() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try ImportFixture.run(database, [("finance.jsonl", Data(Self.lines.utf8))])
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let page = try await buyer.get(client, "/finance")
            #expect(page.status == .ok)
            let text = page.text
            #expect(text.contains("Кредитные линии"))
            #expect(text.contains("Товарный кредит"))
            #expect(text.contains("№ 15/К от 2026-01-10"))
            #expect(text.contains("300\u{00A0}000,00\u{00A0}₽"))
            #expect(text.contains("180\u{00A0}000,00\u{00A0}₽"), "available on the line")
            #expect(text.contains("45 дн."))
            #expect(text.contains("12,5% годовых"))
            #expect(text.contains("срок истёк"), "the 2025 line")
            #expect(text.contains("Графики платежей"))
            #expect(text.contains("График № ГП-7 от 2026-01-15"))
            #expect(text.contains("просрочен"))
            #expect(text.contains("Ближайший платёж"))
            #expect(text.contains("Задолженность по заказам"))
            #expect(text.contains(">T-00001</a>"))
            #expect(!text.contains("Акт сверки готов"), "no act was asked for")
            // A buyer of company 1 only: none of company 2's finance.
            var (stranger, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            try await database.write { db in
                try db.execute(sql: "UPDATE userRole SET roleId = (SELECT id FROM role WHERE code = 'buyer_admin') WHERE userId = (SELECT id FROM user WHERE email = 'stranger@example.com')")
            }
            let other = try await stranger.get(client, "/finance")
            #expect(other.status == .ok)
            #expect(!other.text.contains("Товарный кредит"))
            #expect(!other.text.contains("ГП-7"))
        }
    }

    @Test("the manager sees the finance of a company they serve, not of others; executives and admins see all; buyers never")
    func managerView() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try ImportFixture.run(database, [("finance.jsonl", Data(Self.lines.utf8))])
        try await database.addUser(email: "boss@example.com", password: Shop.password, role: "executive", counterpartyErpId: nil, hasher: .fastForTests)
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Shop.password)
            #expect(try await manager.get(client, "/staff/companies/2").text.contains(#"href="/staff/companies/2/finance""#), "the company page links its finance")
            let page = try await manager.get(client, "/staff/companies/2/finance")
            #expect(page.status == .ok)
            #expect(page.text.contains("Финансы: ООО «Бета»"))
            #expect(page.text.contains("Товарный кредит"))
            #expect(page.text.contains("График № ГП-7"))
            #expect(page.text.contains("Реализация"))
            #expect(page.text.contains(#"href="/staff/companies/2""#))
            #expect(try await manager.get(client, "/staff/companies/1/finance").status == .notFound, "not his customer")
            #expect(try await manager.get(client, "/staff/companies/999/finance").status == .notFound)

            for email in ["boss@example.com", "root@example.com"] {
                var (staff, _) = try await Accounts.signIn(client, email, password: Shop.password)
                #expect(try await staff.get(client, "/staff/companies/2/finance").status == .ok, "\(email)")
                #expect(try await staff.get(client, "/staff/companies/1/finance").status == .ok, "\(email)")
            }
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            #expect(try await buyer.get(client, "/staff/companies/2/finance").status == .forbidden, "their own company, but no staff right")
            #expect(try await buyer.get(client, "/staff/companies/1/finance").status == .notFound)
        }
    }
}
