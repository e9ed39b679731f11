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

@Suite("Import: the ERP's documents (with their files) and settlements")
struct FinanceImportTests {
    static let waybill = Data("%PDF-1.4\n% ТОРГ-12 № РТ-55 from 1C\n%%EOF\n".utf8)
    static let act = Data("%PDF-1.4\n% Акт сверки 1 кв. from 1C\n%%EOF\n".utf8)

    static let lines = """
        {"type":"document","id":"doc-55","kind":"Товарная накладная","number":"РТ-55","date":"2026-02-03","counterparty":"cp-2","order":"T-00001","shipment":"sh-55","amount":"400.00","file":"docs/torg-55.pdf"}
        {"type":"document","id":"act-q1","kind":"reconciliation","number":"АС-1","date":"2026-03-31","counterparty":"cp-2","file":"acts\\\\q1.pdf"}
        {"type":"document","id":"doc-x","kind":"waybill","number":"X","date":"2026-02-03","counterparty":"nobody","file":"docs/torg-55.pdf"}
        {"type":"document","id":"doc-lost","kind":"upd","number":"У-9","date":"2026-02-04","counterparty":"cp-2","file":"docs/missing.pdf"}
        {"type":"document","id":"doc-odd","kind":"поздравление","number":"1","date":"2026-02-04","counterparty":"cp-2"}
        {"type":"settlement","id":"s-1","counterparty":"cp-2","date":"2026-02-03","dueDate":"2026-02-13","amount":"400.00","document":"doc-55","order":"T-00001","description":"Реализация РТ-55"}
        {"type":"settlement","id":"s-2","counterparty":"cp-2","date":"2026-02-10T12:00:00","amount":"-150,00","description":"Оплата п/п 12"}
        {"type":"settlement","id":"s-3","counterparty":"nobody","date":"2026-02-10","amount":"1"}
        {"type":"settlement","id":"s-4","counterparty":"cp-2","date":"10.02.2026","amount":"1"}
        {"type":"settlement","id":"s-5","counterparty":"cp-2","date":"2026-02-11","amount":"abc"}
        """

    /// The ordering fixture with an order of company 2 and its shipment `sh-55`, then the import.
    static func seed(_ database: WholesailDatabase) async throws {
        try await Shop.seed(database)
        try await database.write { db in
            try db.execute(sql: "UPDATE userRole SET roleId = (SELECT id FROM role WHERE code = 'buyer_admin') WHERE userId = 2")
        }
        try await database.addToCart(userId: 2, productId: 1, qtyMilli: 4000)
        let order = try await OrderingFixture.place(database, userId: 2, counterpartyId: 2)
        try await database.write { db in
            try db.execute(
                sql: "INSERT INTO shipment (erpId, orderId, number, status, shippedAt) VALUES ('sh-55', ?, 'РТ-55', 'shipped', '2026-02-03 09:00:00.000')",
                arguments: [order.id])
        }
    }

    static func files() -> [(name: String, data: Data)] {
        [("exchange.jsonl", Data(lines.utf8)), ("docs/torg-55.pdf", waybill), ("acts/q1.pdf", act)]
    }

    @Test("documents land with their files, order and shipment; settlements with their signs; bad records are reported; a repeat changes nothing")
    func importsDocumentsAndSettlements() async throws {
        let database = try TestDatabase.inMemory()
        try await Self.seed(database)
        let job = try ImportFixture.run(database, Self.files())
        #expect(job.status == "succeeded")
        #expect(job.counts["document"] == ImportCounts.Entity(created: 3, failed: 2))
        #expect(job.counts["settlement"] == ImportCounts.Entity(created: 2, failed: 3))
        let codes = try ImportFixture.issues(database, job: job.id).map(\.code)
        for code in [
            "import.unknown_counterparty", "import.missing_document_file", "import.document_kind", "import.settlement_date", "cml.bad_number",
        ] {
            #expect(codes.contains(code), "\(code) in \(codes)")
        }

        struct Stored: Sendable {
            var kind: String, number: String, amountMinor: Int64?, orderId: Int64?, shipmentId: Int64?, sellerId: Int64?, fileId: Int64?, sha: String?
        }
        let documents = try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT d.*, f.blobSha256 FROM document d LEFT JOIN file f ON f.id = d.fileId WHERE d.source = 'erp' ORDER BY d.id").map {
                Stored(
                    kind: $0["kind"], number: $0["number"], amountMinor: $0["amountMinor"], orderId: $0["orderId"], shipmentId: $0["shipmentId"],
                    sellerId: $0["sellerOrganizationId"], fileId: $0["fileId"], sha: $0["blobSha256"])
            }
        }
        #expect(documents.map(\.kind) == ["waybill", "reconciliation", "upd"])
        let waybill = documents[0]
        #expect(waybill.number == "РТ-55")
        #expect(waybill.amountMinor == 40_000)
        #expect(waybill.orderId != nil)
        #expect(waybill.shipmentId != nil)
        #expect(waybill.sellerId == 1)
        #expect(documents[2].fileId == nil, "the missing file: listed without it")
        let stored = try await database.blobData(sha256: try #require(waybill.sha))
        #expect(stored == Self.waybill)

        let settlements = try await database.settlements(counterpartyId: 2)
        #expect(settlements.map(\.amountMinor) == [-15_000, 40_000])
        #expect(settlements.last?.dueDate == "2026-02-13")
        #expect(settlements.last?.orderNumber == "T-00001")
        let linked = try await database.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM settlement WHERE erpId = 's-1' AND documentId = (SELECT id FROM document WHERE erpId = 'doc-55')")
        }
        #expect(linked == 1)

        let again = try ImportFixture.run(database, Self.files())
        #expect(again.counts["document"] == ImportCounts.Entity(unchanged: 3, failed: 2))
        #expect(again.counts["settlement"] == ImportCounts.Entity(unchanged: 2, failed: 3))
        #expect(try ImportFixture.count(database, "SELECT count(*) FROM document WHERE source = 'erp'") == 3)

        // A changed amount updates; a deletion mark removes.
        let changes = """
            {"type":"settlement","id":"s-2","counterparty":"cp-2","date":"2026-02-10","amount":"-200.00","description":"Оплата п/п 12"}
            {"type":"document","id":"doc-lost","deleted":true}
            """
        let third = try ImportFixture.run(database, [("changes.jsonl", Data(changes.utf8))])
        #expect(third.counts["settlement"] == ImportCounts.Entity(updated: 1))
        #expect(third.counts["document"] == ImportCounts.Entity(deleted: 1))
        #expect(try await database.settlements(counterpartyId: 2).first?.amountMinor == -20_000)
    }

    @Test("what the ERP sent is what the buyer downloads: the shipment's waybill as it is, the act among documents, the act made from imported settlements")
    func buyerGetsImported() async throws {
        let (app, database) = try await TestApp.make(seed: { database in
            try await Self.seed(database)
            try ImportFixture.run(database, Self.files())
        })
        let shipmentId = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM shipment WHERE erpId = 'sh-55'") })
        let orderId = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT orderId FROM shipment WHERE erpId = 'sh-55'") })
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer2@example.com", password: Shop.password)
            let order = try await buyer.get(client, "/orders/\(orderId)")
            #expect(order.text.contains("РТ-55"))
            #expect(!order.text.contains("/shipments/\(shipmentId)/waybill.pdf"), "the ERP's waybill is shown instead")
            let waybill = try await buyer.get(client, "/shipments/\(shipmentId)/waybill.pdf")
            #expect(Data(buffer: waybill.body) == Self.waybill)
            #expect(waybill.headers[.contentType] == "application/pdf")
            let list = try await buyer.get(client, "/documents?kind=reconciliation")
            #expect(list.text.contains("АС-1"))
            let finance = try await buyer.get(client, "/finance")
            #expect(finance.text.contains("Реализация РТ-55"))
            let made = try await buyer.post(client, "/finance/reconciliation", ["companyId": "2", "period": "month", "year": "2026", "month": "2"])
            #expect(made.headers[.location]?.hasPrefix("/finance?act=") == true)
            let id = try #require(made.headers[.location].flatMap { Int64($0.split(separator: "=").last ?? "") })
            let pdf = Data(buffer: (try await buyer.get(client, "/documents/\(id)/file")).body)
            if let (text, _) = try PopplerText.read(pdf) {
                #expect(text.contains("Реализация РТ-55"))
                #expect(text.contains("Оплата п/п 12"))
                #expect(text.contains("250,00"))
                #expect(text.contains("Двести пятьдесят рублей 00 копеек"))
            }
            var (other, _) = try await Accounts.signIn(client, "stranger@example.com", password: Shop.password)
            #expect(try await other.get(client, "/shipments/\(shipmentId)/waybill.pdf").status == .notFound)
        }
    }
}
