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

/// The admin's directory: regions with their buyers' contacts, warehouses, branches and the
/// buyers' `/contacts` page.
@Suite struct DirectoryTests {
    static func seed(_ database: WholesailDatabase) async throws {
        try await Workstation.seed(database)
        try await database.write { db in
            try db.execute(sql: "INSERT INTO region (id, erpId, name, sortOrder) VALUES (1, 'reg-msk', 'Москва', 1), (2, 'reg-spb', 'Санкт-Петербург', 2)")
            try db.execute(sql: "UPDATE counterparty SET regionId = 1 WHERE id = 1")
            try db.execute(sql: "UPDATE counterparty SET regionId = 2 WHERE id = 2")
        }
    }

    @Test("regions: only admins; create, edit, refused duplicate ERP id and refused delete of a used region, all audited and bilingual")
    func regions() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (manager, _) = try await Accounts.signIn(client, "manager@example.com", password: Workstation.password)
            #expect(try await manager.get(client, "/admin/regions").status == .forbidden)
            #expect(try await manager.post(client, "/admin/regions", ["name": "Казань"]).status == .forbidden)

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            let settings = try await admin.get(client, "/admin/settings")
            #expect(settings.text.contains(#"href="/admin/regions""#) && settings.text.contains(#"href="/admin/warehouses""#))
            let page = try await admin.get(client, "/admin/regions?lang=en")
            #expect(page.status == .ok)
            #expect(page.text.contains("Москва") && page.text.contains("Санкт-Петербург") && page.text.contains("Regions"))

            let empty = try await admin.post(client, "/admin/regions", ["name": " ", "erpId": ""])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("field-error"))
            let duplicate = try await admin.post(client, "/admin/regions", ["name": "Казань", "erpId": "reg-msk"])
            #expect(duplicate.status == .unprocessableContent)
            #expect(duplicate.text.contains("Another record already has this value."))

            let created = try await admin.post(client, "/admin/regions", ["name": "Казань", "erpId": "reg-kzn", "sortOrder": "3"])
            #expect(created.status == .seeOther)
            let kazan = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM region WHERE erpId = 'reg-kzn'") })
            #expect(try await admin.post(client, "/admin/regions/\(kazan)", ["name": "Казань и Татарстан", "erpId": "reg-kzn", "sortOrder": "3"]).status == .seeOther)

            // Moscow has a company: refused, with the reason, in Russian too.
            _ = try await admin.get(client, "/admin/regions?lang=ru")
            let refused = try await admin.post(client, "/admin/regions/1/delete", [:])
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("Регион «Москва» нельзя удалить"))
            _ = try await admin.get(client, "/admin/regions?lang=en")
            let refusedEn = try await admin.post(client, "/admin/regions/1/delete", [:])
            #expect(refusedEn.text.contains("The region Москва cannot be deleted: 1 companies"))
            #expect(try await admin.post(client, "/admin/regions/\(kazan)/delete", [:]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/regions/999/delete", [:]).status == .notFound)
        }
        let names = try await database.directoryRegions().map(\.name)
        #expect(names == ["Москва", "Санкт-Петербург"])
        #expect(try await Workstation.audit(database, "region.create").count == 1)
        #expect(try await Workstation.audit(database, "region.update").first?.details?.contains("Татарстан") == true)
        #expect(try await Workstation.audit(database, "region.delete").count == 1)
    }

    @Test("a region's contact is shown to its buyers without a personal manager, never to a company that has one")
    func regionContacts() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        let manager2 = try await Workstation.id(database, "manager2@example.com")
        let buyerA = try await Workstation.id(database, "buyer-a@example.com")
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            _ = try await admin.get(client, "/admin/regions")
            // A buyer is not staff: refused.
            let notStaff = try await admin.post(client, "/admin/regions/1/contacts", ["userId": String(buyerA)])
            #expect(notStaff.status == .unprocessableContent)
            #expect(try await admin.post(client, "/admin/regions/1/contacts", ["userId": String(manager2)]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/regions/2/contacts", ["userId": String(manager2)]).status == .seeOther)

            // Company A (Moscow) has no personal manager: the region's contact is shown.
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            let catalog = try await buyer.get(client, "/catalog?lang=en")
            let widget = String(catalog.text[(catalog.text.range(of: #"<aside class="personal-manager""#)?.lowerBound ?? catalog.text.endIndex)...])
            #expect(widget.contains("Яковлева Ирина") && widget.contains("Regional manager"))
            let contacts = try await buyer.get(client, "/contacts")
            #expect(contacts.text.contains("Яковлева Ирина"))

            // Company B (St Petersburg) is served by its own manager: only that one.
            var (buyerB, _) = try await Accounts.signIn(client, "buyer-b@example.com", password: Workstation.password)
            let pageB = try await buyerB.get(client, "/catalog")
            #expect(pageB.text.contains("Волкова Марина"))
            #expect(!pageB.text.contains("Яковлева Ирина"))

            #expect(try await admin.post(client, "/admin/regions/1/contacts/\(manager2)/delete", [:]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/regions/1/contacts/\(manager2)/delete", [:]).status == .notFound)
            let after = try await buyer.get(client, "/catalog")
            #expect(!after.text.contains("Яковлева Ирина"))
        }
        #expect(try await Workstation.audit(database, "region.contact_add").count == 2)
        #expect(try await Workstation.audit(database, "region.contact_remove").count == 1)
    }

    @Test("warehouses: search and filter, edit keeps the ERP id the import matches by, delete refused with stock or orders and deactivation offered")
    func warehouses() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO warehouse (id, erpId, regionId, name, address) VALUES
                        (1, 'wh-erp-1', 1, 'Склад Южный', 'Москва, Южная ул., 1'), (2, NULL, 2, 'Склад Невский', NULL), (3, NULL, NULL, 'Пустой склад', NULL)
                    """)
            try db.execute(sql: "INSERT INTO stock (productId, warehouseId, qtyMilli) VALUES (1, 1, 5000)")
            try db.execute(sql: "UPDATE customerOrder SET warehouseId = 2 WHERE id = 2")
        }
        try await app.test(.router) { client in
            var (buyer, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            #expect(try await buyer.get(client, "/admin/warehouses").status == .forbidden)
            #expect(try await buyer.post(client, "/admin/warehouses/3/delete", [:]).status == .forbidden)

            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            let all = try await admin.get(client, "/admin/warehouses")
            #expect(all.text.contains("Склад Южный") && all.text.contains("Склад Невский") && all.text.contains("wh-erp-1"))
            let searched = try await admin.get(client, "/admin/warehouses?q=%D1%8E%D0%B6%D0%BD")  // "южн"
            #expect(searched.text.contains("Склад Южный") && !searched.text.contains("Склад Невский"))
            let byRegion = try await admin.get(client, "/admin/warehouses?region=2")
            #expect(byRegion.text.contains("Склад Невский") && !byRegion.text.contains("Склад Южный"))
            let withoutRegion = try await admin.get(client, "/admin/warehouses?region=0")
            #expect(withoutRegion.text.contains("Пустой склад") && !withoutRegion.text.contains("Склад Невский"))

            let form = try await admin.get(client, "/admin/warehouses/1")
            #expect(form.status == .ok && form.text.contains("wh-erp-1"))
            #expect(try await admin.get(client, "/admin/warehouses/999").status == .notFound)
            let bad = try await admin.post(client, "/admin/warehouses/1", ["name": "Склад Южный", "deliveryDays": "400", "regionId": "1", "active": "1"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("field-error"))
            let saved = try await admin.post(
                client, "/admin/warehouses/1", ["name": "Склад Южный (самовывоз)", "regionId": "2", "deliveryDays": "2", "active": "1"])
            #expect(saved.status == .seeOther)
            #expect(try await admin.post(client, "/admin/warehouses", ["name": "Новый склад", "pickup": "1", "active": "1"]).status == .seeOther)

            let refused = try await admin.post(client, "/admin/warehouses/1/delete", [:])
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("cannot be deleted") || refused.text.contains("нельзя удалить"))
            #expect(refused.text.contains(#"action="/admin/warehouses/1/active""#), "deactivation is offered")
            #expect(try await admin.post(client, "/admin/warehouses/2/delete", [:]).status == .conflict, "an order names it")
            #expect(try await admin.post(client, "/admin/warehouses/1/active", ["active": "0"]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/warehouses/3/delete", [:]).status == .seeOther)
        }
        let south = try #require(try await database.directoryWarehouse(id: 1))
        #expect(south.erpId == "wh-erp-1", "the ERP id is untouched")
        #expect(south.name == "Склад Южный (самовывоз)" && south.regionId == 2 && !south.isPickupPoint && south.deliveryDays == 2 && !south.active)
        #expect(try await database.directoryWarehouse(id: 3) == nil)
        #expect(try await database.directoryWarehouse(id: 2) != nil)
        #expect(try await Workstation.audit(database, "warehouse.update").count == 1)
        #expect(try await Workstation.audit(database, "warehouse.create").count == 1)
        #expect(try await Workstation.audit(database, "warehouse.deactivate").count == 1)
        #expect(try await Workstation.audit(database, "warehouse.delete").count == 1)

        // The ERP's next upload still finds the warehouse by its id (no duplicate is created), and
        // the portal's region and pickup flag stay.
        let csv = "Артикул;Количество;Склад\nISO-1;7;wh-erp-1\n"
        let job = try ImportFixture.run(database, [("stock.csv", Data(csv.utf8))])
        #expect(job.status == "succeeded")
        #expect(try await Workstation.count(database, "SELECT count(*) FROM warehouse") == 3, "no warehouse was added")
        #expect(try await Workstation.count(database, "SELECT qtyMilli FROM stock WHERE productId = 1 AND warehouseId = 1") == 7000)
        let again = try #require(try await database.directoryWarehouse(id: 1))
        #expect(again.regionId == 2 && !again.isPickupPoint)
    }

    @Test("branches: validated form, search, delete after confirmation; buyers see their region's branches and those for everyone on /contacts")
    func branches() async throws {
        let (app, database) = try await TestApp.make(seed: Self.seed)
        try await app.test(.router) { client in
            var (admin, _) = try await Accounts.signIn(client, "root@example.com", password: Workstation.password)
            _ = try await admin.get(client, "/admin/branches?lang=ru")
            let bad = try await admin.post(client, "/admin/branches", ["name": "Филиал", "email": "not-an-address", "phone": "12", "active": "1"])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Укажите правильный адрес почты."))
            for (name, region, phone) in [("Московский офис", "1", "+7 495 100-00-01"), ("Петербургский филиал", "2", "+7 812 100-00-02"), ("Головной офис", "", "+7 800 100-00-00")] {
                let response = try await admin.post(
                    client, "/admin/branches",
                    ["name": name, "regionId": region, "address": "ул. \(name), 1", "phone": phone, "email": "office@example.com", "hours": "Пн–Пт 9–18",
                     "active": "1"])
                #expect(response.status == .seeOther, "\(name)")
            }
            let list = try await admin.get(client, "/admin/branches?q=%D0%BF%D0%B5%D1%82%D0%B5%D1%80")  // "петер"
            #expect(list.text.contains("Петербургский филиал") && !list.text.contains("Московский офис"))

            var (buyerA, _) = try await Accounts.signIn(client, "buyer-a@example.com", password: Workstation.password)
            let contacts = try await buyerA.get(client, "/contacts")
            #expect(contacts.status == .ok)
            #expect(contacts.text.contains("Московский офис") && contacts.text.contains("Головной офис"))
            #expect(!contacts.text.contains("Петербургский филиал"), "another region's branch is not shown")
            #expect(contacts.text.contains(#"href="tel:+74951000001""#))

            var visitor = Browser()
            let open = try await visitor.get(client, "/contacts")
            #expect(open.status == .ok && open.text.contains("Петербургский филиал") && open.text.contains("Московский офис"))

            let petersburg = try #require(try await database.read { try Int64.fetchOne($0, sql: "SELECT id FROM branch WHERE name = 'Петербургский филиал'") })
            #expect(try await admin.get(client, "/admin/branches/\(petersburg)").text.contains("+7 812 100-00-02"))
            #expect(try await admin.post(client, "/admin/branches/\(petersburg)/delete", [:]).status == .seeOther)
            #expect(try await admin.post(client, "/admin/branches/\(petersburg)/delete", [:]).status == .notFound)
        }
        #expect(try await Workstation.audit(database, "branch.create").count == 3)
        #expect(try await Workstation.audit(database, "branch.delete").count == 1)
    }
}
