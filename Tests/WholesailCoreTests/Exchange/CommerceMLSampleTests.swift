import Foundation
import Testing
import WholesailCore

/// Every package in `shared/testdata/commerceml` read end to end. The expected numbers were
/// counted from the files independently of this code (a Python ElementTree walk).
@Suite struct CommerceMLSampleTests {
    @Test("every sample file reads without an error or an issue")
    func everyFileReads() throws {
        let files = try CommerceMLSamples.allXMLFiles()
        #expect(files.count == 39)
        for file in files {
            let result = try CommerceMLSamples.read(file)
            #expect(result.header?.schemaVersion != nil, "\(file)")
            #expect(result.issues.isEmpty, "\(file): \(result.issues.map(\.message))")
        }
    }

    @Test("1c-official-samples-2.04: 1 group, 4 products with characteristics, 4 price types, 2 offers, 3 orders")
    func officialSamples() throws {
        let catalog = try CommerceMLSamples.read("1c-official-samples-2.04/import.xml")
        #expect(
            catalog.header
                == CommerceML.Header(schemaVersion: "2.04", generatedAt: "2008-01-09T18:13:34", namespace: nil))
        #expect(catalog.groups.map(\.name) == ["Мебель"])
        #expect(catalog.products.count == 4)
        #expect(catalog.section(.catalog)?.containsOnlyChanges == false)
        let table = try #require(
            catalog.product("05e26d70-01e4-11dc-a411-00055d80a2d1#05e26d76-01e4-11dc-a411-00055d80a2d1"))
        #expect(table.name == "Стол обеденный")
        #expect(table.characteristics == [CommerceML.Characteristic(id: nil, name: "Цвет", value: "Белый")])
        #expect(
            table.baseUnit
                == CommerceML.Unit(code: "796", name: "шт", fullName: "Штука", internationalAbbreviation: "PCE"))
        #expect(table.images.isEmpty)  // <Картинка/> is empty
        #expect(table.requisites.value(named: "ВидНоменклатуры") == "Товар")
        #expect(table.groupIDs == ["05e26d6f-01e4-11dc-a411-00055d80a2d1"])

        let offers = try CommerceMLSamples.read("1c-official-samples-2.04/offers.xml")
        #expect(offers.priceTypes.map(\.name) == ["Оптовая", "Закупочная", "Плановая", "Розничная"])
        #expect(offers.priceTypes.map(\.currency) == ["USD", "USD", "USD", "руб"])
        #expect(offers.priceTypes.map(\.taxIncluded) == [false, true, false, true])
        #expect(offers.offers.count == 2)
        #expect(offers.prices.count == 8)
        #expect(offers.warehouses.isEmpty)
        let offer = try #require(offers.offers.first)
        #expect(offer.id.productID == "05e26d70-01e4-11dc-a411-00055d80a2d1")
        #expect(offer.id.variantID == "05e26d76-01e4-11dc-a411-00055d80a2d1")
        #expect(offer.quantity == "0")
        let retail = try #require(offer.prices.first { $0.priceTypeID == "cbcf493b-55bc-11d9-848a-00112f43529a" })
        #expect(retail.value == "7")
        #expect(retail.currency == "руб")
        #expect(retail.unit == "шт")
        #expect(retail.coefficient == "1")

        let orders = try CommerceMLSamples.read("1c-official-samples-2.04/orders.xml")
        #expect(orders.documents.map(\.id) == ["36", "92", "93"])
        let order = orders.documents[0]
        #expect(order.operation == "Заказ товара")
        #expect(order.role == "Продавец")
        #expect(order.currency == "руб")
        #expect(order.sum == "6734.47")
        #expect(order.counterparties.map(\.id) == ["1#admin# admin "])  // ids are kept exactly, trailing space too
        #expect(order.lines.map(\.id.raw) == ["ORDER_DELIVERY", "dee6e19a-55bc-11d9-848a-00112f43529a"])
        #expect(order.lines[1].name == "Телевизор \"JVC\"")
        #expect(order.lines[1].price == "6394.47")
        #expect(order.lines[1].quantity == "1")
        #expect(order.requisites.value(named: "Статус заказа") == "[N] Принят")
        #expect(orders.documents[1].requisites.value(named: "Номер по 1С") == "MM92")
        #expect(orders.documents[1].lines.isEmpty)
    }

    @Test(
        "andrtechno-mod-exchange1c-2.04: 7 groups, 44 properties, 82 products with images, 2 USD price types, 121 offers"
    )
    func andrtechno() throws {
        let catalog = try CommerceMLSamples.read("andrtechno-mod-exchange1c-2.04/import.xml")
        #expect(catalog.groups.count == 7)
        #expect(catalog.properties.count == 44)
        #expect(catalog.products.count == 82)
        #expect(catalog.products.allSatisfy { $0.images.count == 1 })
        #expect(catalog.products.filter { $0.article != nil }.count == 63)
        #expect(catalog.propertyValueCount == 716)
        #expect(catalog.groups.filter { $0.parentID != nil }.count == 6)
        let paper = try #require(catalog.product("b6e829f8-7cd7-11e0-a78d-00a1b011ee35"))
        #expect(paper.name == "Фотопапір рулонний ColorWay, 24\"x30m, 135 г/м2, глянцевий")
        #expect(paper.images == ["import_files/b6/b6e829f8-7cd7-11e0-a78d-00a1b011ee35.jpeg"])
        #expect(paper.taxRates == [CommerceML.TaxRate(name: "НДС", rate: nil)])
        let camera = try #require(catalog.product("20446666-c891-11e0-a785-a07570784707"))
        #expect(camera.article == "DSC-S3000S")

        let offers = try CommerceMLSamples.read("andrtechno-mod-exchange1c-2.04/offers.xml")
        #expect(offers.priceTypes.map(\.name) == ["Опт", "Мелк. опт"])
        #expect(offers.offers.count == 121)
        #expect(offers.prices.count == 242)
        #expect(offers.totalQuantity == "510480")
        let epson = try #require(offers.offer("b6e8296e-7cd7-11e0-a78d-00a1b011ee35"))
        #expect(epson.article == "C13S042200")
        #expect(epson.prices.map(\.value) == ["41.5", "40.5"])
        #expect(offers.offers.contains { $0.article?.contains("/") == true })
    }

    @Test("argentcrusade: 3.1 fragments (groups, product, prices, rests) and 2.09 documents and counterparties")
    func argentcrusade() throws {
        let folder = "argentcrusade-commerceml-3.1-and-2.09-documents/"
        let groups = try CommerceMLSamples.read(folder + "group-example.xml")
        #expect(groups.groups.count == 12)
        #expect(groups.section(.classifier)?.containsOnlyChanges == true)
        // Parents come before their children, and four levels nest.
        var seen = Set<String>()
        for group in groups.groups {
            if let parent = group.parentID { #expect(seen.contains(parent)) }
            seen.insert(group.id)
        }
        #expect(groups.groups[0].name == "Автомобильные аксессуары")

        let products = try CommerceMLSamples.read(folder + "products-example.xml")
        let scooter = try #require(products.products.first)
        #expect(products.products.count == 1)
        #expect(scooter.name == "Гироскутер 10\"")
        #expect(scooter.images.count == 5)
        #expect(scooter.baseUnit?.code == "796")
        #expect(scooter.markedForDeletion == false)
        #expect(scooter.files.first?.caption == "3 черный")
        #expect(scooter.propertyValues.first?.values == [])

        let prices = try CommerceMLSamples.read(folder + "prices-example.xml")
        #expect(prices.offers.count == 3)
        #expect(prices.offer("0eac4b03-969e-11e6-80cc-8ba31e8e113c")?.prices.first?.value == "790")
        #expect(prices.prices.first?.taxName == "НДС")

        let rests = try CommerceMLSamples.read(folder + "remainders-example.xml")
        #expect(rests.offers.count == 2)
        let stock = rests.stockByWarehouse
        #expect(stock.count == 7)
        #expect(stock.values.allSatisfy { $0.rows == 2 })
        #expect(stock["a3d8885d-d931-11e6-a8e7-38d547224d22"]?.total == "33")
        #expect(stock["9bf5be08-af08-11e7-a56d-38d547224d22"]?.total == "7")

        let contractors = try CommerceMLSamples.read(folder + "contractors-example.xml")
        #expect(contractors.section(.counterparties)?.containsOnlyChanges == true)
        #expect(
            contractors.counterparties.map(\.name) == [
                "Удаленный отдел \"Уют\"", "Алтай ТОО", "ТД Уют", "Банк ТуранАлем ОАО",
            ])
        let uyut = contractors.counterparties[2]
        #expect(uyut.officialName == "ТОО \"ТД Уют\"")
        #expect(uyut.inn == "181620360057")
        #expect(uyut.kpp == nil)
        #expect(uyut.role == "Покупатель")
        #expect(uyut.contacts.map(\.value) == ["Uyt@komp.kz", "+7 (3272) 25-39-39"])
        #expect(uyut.addresses.first?.kind == "АдресРегистрации")
        #expect(uyut.addresses.first?.fields.value(named: "Улица") == "Тохтарова")
        #expect(uyut.representatives.first?.name == "Коновалов Александр Зиновьевич")

        let documents = try CommerceMLSamples.read(folder + "documents-example.xml")
        #expect(documents.documents.count == 2)
        let order = documents.documents[0]
        #expect(order.id == "142")
        #expect(order.number1C == "ТДЦУ-000001")
        #expect(order.date == "2015-06-29")
        #expect(order.time == "15:39:10")
        #expect(order.rate == "1")
        #expect(order.sum == "8186.84")
        #expect(order.markedForDeletion == false)
        #expect(order.warehouseIDs == ["6f87e83f-722c-11df-b336-0011955cba6b"])
        #expect(order.taxes == [CommerceML.Tax(name: "НДС", includedInSum: false, sum: "1248.84", rate: nil)])
        #expect(order.requisites.value(named: "Статуса заказа ИД") == "P")
        #expect(order.counterparties.first?.name == "Kikinda (Сербия)")
        #expect(order.lines.count == 2)
        let boots = order.lines[1]
        #expect(boots.id.productID == "bd72d913-55bc-11d9-848a-00112f43529a")
        #expect(boots.id.variantID == "b02e2814-720f-11df-b436-0015e92f2802")
        #expect(boots.unit?.code == "715")
        #expect(boots.coefficient == "1")
        #expect(boots.price == "3600")
        #expect(boots.sum == "3600")
        #expect(boots.taxes.first?.rate == "18")
        #expect(documents.documents[1].lines.last?.id.raw == "ORDER_DELIVERY")
    }

    @Test(
        "carono-php-commerceml-2.07: 22 groups, 10 properties (154 values), 2 products; offers with 5 warehouses; cp1251 order"
    )
    func carono() throws {
        let folder = "carono-php-commerceml-2.07/"
        let catalog = try CommerceMLSamples.read(folder + "import.xml")
        #expect(catalog.header?.namespace == "urn:1C.ru:commerceml_2")
        #expect(catalog.groups.count == 22)
        #expect(catalog.properties.count == 10)
        #expect(catalog.referenceValueCount == 154)
        #expect(catalog.products.count == 2)
        let manufacturer = try #require(catalog.properties.first { $0.id == "bb14a4b8-6b17-11e0-9819-e0cb4ed5eed4" })
        #expect(manufacturer.name == "Производитель")
        #expect(manufacturer.valueType == "Справочник")
        #expect(
            manufacturer.values.first
                == CommerceML.ReferenceValue(id: "444bbea3-6b18-11e0-9819-e0cb4ed5eed4", value: "Обувной комбинат"))
        let boots = try #require(catalog.product("bd72d910-55bc-11d9-848a-00112f43529a"))
        #expect(boots.name == "Женские ботфорты коричневые")
        #expect(boots.article == "Б-130001")
        #expect(boots.barcode == "2000018987155")
        #expect(
            boots.baseUnit
                == CommerceML.Unit(
                    code: "715", fullName: "Пара (2 шт.)",
                    conversions: [CommerceML.UnitConversion(unit: "715", coefficient: "1")]))
        #expect(boots.images.count == 3)
        #expect(boots.description == nil)
        #expect(
            boots.files == [
                CommerceML.FileReference(
                    path: "import_files/9d/9da00149441011e19bb10015174048b8_0e01fd9e204611e8b2a794de807044d1.jpg",
                    caption: "Фото1")
            ])
        #expect(
            boots.propertyValues.first
                == CommerceML.PropertyValue(
                    propertyID: "bb14a4b8-6b17-11e0-9819-e0cb4ed5eed4", values: ["444bbea3-6b18-11e0-9819-e0cb4ed5eed4"]
                ))
        #expect(boots.propertyValues.last?.values == ["ООО Рога и копыта"])
        #expect(catalog.product("bd72d913-55bc-11d9-848a-00112f43529a")?.article == "Б- 130005")

        let batch = try CommerceMLSamples.read(folder + "import_wo_classifier.xml")
        #expect(batch.section(.classifier) == nil)
        #expect(batch.groups.isEmpty && batch.properties.isEmpty)
        #expect(batch.products.map(\.id) == catalog.products.map(\.id))

        let offers = try CommerceMLSamples.read(folder + "offers.xml")
        #expect(offers.sections.map(\.kind) == [.classifier, .offerPackage])
        #expect(offers.priceTypes.count == 1)
        #expect(offers.warehouses.count == 5)
        #expect(offers.warehouses[0].name == "Магазин \"Обувь\"")
        #expect(offers.warehouses[0].address?.presentation == "РОССИЯ ,Москва г ,Москва г ,34 ,1 ,")
        #expect(offers.warehouses[0].address?.fields.count == 5)
        #expect(offers.offers.count == 5)
        #expect(offers.prices.count == 5)
        #expect(offers.stockByWarehouse.mapValues(\.total) == ["b6112590-41ba-11dd-ac9d-0015e9b8c48d": "219"])
        let variant = try #require(
            offers.offer("bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4"))
        #expect(variant.prices.first?.value == "1719")
        #expect(variant.prices.first?.presentation == " 1\u{A0}719 RUB за пара")
        #expect(variant.quantity == "20")
        #expect(variant.characteristics.map(\.name) == ["Размер", "Тип кожи", "Цвет"])

        let orders = try CommerceMLSamples.read(folder + "orders.xml")
        #expect(orders.encoding == .windows1251)
        #expect(orders.header?.schemaVersion == "2.03")
        let order = try #require(orders.documents.first)
        #expect(orders.documents.count == 1)
        #expect(order.sum == "9683.42")
        #expect(order.counterparties.first?.id == "1#admin#Петров Петр")
        #expect(order.counterparties.first?.lastName == "Петров")
        #expect(order.counterparties.first?.representatives.first?.relation == "Контактное лицо")
        #expect(order.lines.map(\.name) == ["Доставка заказа", "Комбайн MOULINEX A77 4C"])
        #expect(order.lines[1].price == "9335.42")
        #expect(order.lines[0].requisites.value(named: "ВидНоменклатуры") == "Услуга")
        #expect(order.requisites.value(named: "Статус заказа") == "[F] Доставлен")
    }

    @Test(
        "d16izhevsk-ut11-demo-2.07-large (zip): 59 groups, 1197 products, 2641 offers (2100 variants), 6 warehouses, 1725 stock rows"
    )
    func d16izhevskLarge() throws {
        let zip = "d16izhevsk-ut11-demo-2.07-large/exchange.zip"
        let catalog = try ReadResult(CommerceMLReader(data: try CommerceMLSamples.zipEntry(zip, "import0_1.xml")))
        #expect(catalog.groups.count == 59)
        #expect(catalog.properties.count == 10)
        #expect(catalog.referenceValueCount == 154)
        #expect(catalog.products.count == 1197)
        #expect(catalog.products.filter { $0.barcode != nil }.count == 703)
        #expect(catalog.propertyValueCount == 2442)
        #expect(catalog.products.last?.name == "Платеж БИЛАЙН")
        #expect(catalog.products.last?.requisites.value(named: "ТипНоменклатуры") == "Услуга")
        #expect(catalog.products.last?.taxRates.first?.rate == "18")

        let offers = try ReadResult(CommerceMLReader(data: try CommerceMLSamples.zipEntry(zip, "offers0_1.xml")))
        #expect(offers.priceTypes.count == 1)
        #expect(offers.warehouses.count == 6)
        #expect(offers.offers.count == 2641)
        #expect(offers.offers.filter { $0.id.variantID != nil }.count == 2100)
        #expect(offers.prices.count == 2642)
        #expect(offers.totalQuantity == "32406.5")
        let stock = offers.stockByWarehouse
        #expect(stock.values.reduce(0) { $0 + $1.rows } == 1725)
        #expect(stock["649efb01-6c6e-11de-b4b4-00195b6993ba"]?.rows == 1258)
        #expect(stock["649efb01-6c6e-11de-b4b4-00195b6993ba"]?.total == "6834")
        #expect(stock["b6112591-41ba-11dd-ac9d-0015e9b8c48d"]?.total == "21398.5")
        let jacket = try #require(
            offers.offer("649efaf4-6c6e-11de-b4b4-00195b6993ba#d9ce5a02-6c6c-11de-b4b4-00195b6993ba"))
        #expect(jacket.name == "Куртка утепленная (34/128, синий/черн)")
        #expect(jacket.prices.first?.value == "1999")
    }

    @Test("dobromyslov-commerceml-parser-2.07: deleted product, padded unit code, 3 warehouses, Bitrix order answers")
    func dobromyslov() throws {
        let folder = "dobromyslov-commerceml-parser-2.07/"
        let catalog = try CommerceMLSamples.read(folder + "import0_1.xml")
        #expect(catalog.groups.count == 1)
        #expect(catalog.properties.count == 12)
        #expect(catalog.products.count == 36)
        #expect(catalog.propertyValueCount == 415)
        #expect(catalog.products.filter(\.isDeleted).map(\.id) == ["b631c9c1-49de-11e9-80c9-0cc47ab29cd1"])
        #expect(catalog.products.filter(\.isDeleted).first?.status == "Удален")
        let mat = try #require(catalog.product("bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1"))
        #expect(mat.name == "Портативный коврик Portable 140x200x1 см, Деревянные лошадки")
        #expect(mat.article == "PM-421-WP")
        #expect(mat.barcode == "8809288404089")
        #expect(mat.baseUnit?.code == "796")  // written "796 "
        #expect(mat.baseUnit?.internationalAbbreviation == "PCE")
        #expect(mat.manufacturer?.name == "Crazy Boom")
        #expect(mat.taxRates == [CommerceML.TaxRate(name: "НДС", rate: "20")])
        #expect(mat.propertyValues.first { $0.propertyID == "38409b0c-29da-11e9-80c9-0cc47ab29cd1" }?.values == ["1,4"])

        let nested = try CommerceMLSamples.read(folder + "import0_1_with_nested_groups.xml")
        #expect(nested.groups.count == 13)
        #expect(nested.properties.count == 20)
        #expect(nested.products.count == 283)
        #expect(nested.propertyValueCount == 2537)
        #expect(nested.groups.first { $0.id == "82cfb8dc-18f9-11e7-80c2-0cc47ab29cd1" }?.name == "Коврики для дома")

        let offers = try CommerceMLSamples.read(folder + "offers0_1.xml")
        #expect(offers.warehouses.map(\.name) == ["Владивосток", "Новосибирск", "Москва"])
        #expect(offers.priceTypes.first?.name == "BASE")
        #expect(offers.offers.count == 44)
        #expect(offers.prices.count == 44)
        #expect(offers.totalQuantity == "2815")
        #expect(
            offers.stockByWarehouse.mapValues(\.total) == [
                "6abdb0b5-18fd-11e7-80c2-0cc47ab29cd1": "11", "d2a52d49-19c9-11e7-80c2-0cc47ab29cd1": "41",
                "dd306af1-19c9-11e7-80c2-0cc47ab29cd1": "2763",
            ])
        let matOffer = try #require(offers.offer("bd8c4e15-18f9-11e7-80c2-0cc47ab29cd1"))
        #expect(matOffer.quantity == "377")
        #expect(matOffer.stocks.map(\.quantity) == ["1", "0", "376"])
        #expect(matOffer.prices.first?.unit == "PCE")
        #expect(matOffer.prices.first?.presentation == " 100 RUB за PCE")

        let full = try CommerceMLSamples.read(folder + "bitrix-query-response-full.xml")
        #expect(full.encoding == .windows1251)
        #expect(full.documents.map(\.id) == ["132", "133"])
        #expect(full.documents[0].sum == "231.74")
        #expect(full.documents[1].lines.count == 7)
        #expect(full.documents[1].lines.first { $0.id.raw == "decdb692-0ea0-4925-906b-fec25bd1e29b" }?.quantity == "2")
        #expect(full.documents[0].requisites.value(named: "Статуса заказа ИД") == "N")

        let empty = try CommerceMLSamples.read(folder + "bitrix-query-response-empty.xml")
        #expect(empty.header?.schemaVersion == "2.05")
        #expect(empty.documents.isEmpty && empty.sections.isEmpty)
    }

    @Test("gillbeits-ut11-2.09-split: 97 groups, 1908 properties (1811 values), 978 offers, prices and rests")
    func gillbeits() throws {
        let folder = "gillbeits-ut11-2.09-split/"
        let classifier = try CommerceMLSamples.read(folder + "import___b815e2db-7a65-4265-9241-5f0c4f0565a7.xml")
        #expect(classifier.groups.count == 97)
        #expect(classifier.properties.count == 1908)
        #expect(classifier.referenceValueCount == 1811)
        #expect(classifier.priceTypes.map(\.name) == ["Типовое соглашение Интернет-МХТ"])
        #expect(classifier.warehouses.map(\.name) == ["Оптовый"])
        #expect(classifier.units.map(\.code) == ["778", "796"])
        #expect(classifier.units.map(\.shortName) == ["упа", "шт"])
        #expect(classifier.products.isEmpty)
        #expect(classifier.sections.allSatisfy { $0.containsOnlyChanges == true })
        let paper = try #require(classifier.properties.first { $0.id == "fe2f0a8a-d6b6-11e4-80c6-001e675ada8d" })
        #expect(
            paper.values.prefix(2) == [
                CommerceML.ReferenceValue(id: "true", value: "Да"),
                CommerceML.ReferenceValue(id: "false", value: "Нет"),
            ])
        #expect(paper.isDeleted == false)
        // Depth four: some group's grandparent has a parent.
        let parents = Dictionary(uniqueKeysWithValues: classifier.groups.map { ($0.id, $0.parentID) })
        #expect(
            classifier.groups.contains { group in
                guard let p1 = group.parentID, let p2 = parents[p1] ?? nil, let p3 = parents[p2] ?? nil else {
                    return false
                }
                return parents[p3] == .some(nil)
            })

        let offerProperties = try CommerceMLSamples.read(folder + "offers___f0bab95c-14a6-4141-9746-6650b65f1191.xml")
        #expect(offerProperties.properties.count == 1908)
        #expect(offerProperties.offers.isEmpty)

        let offers = try CommerceMLSamples.read(folder + "offers___7f304edc-2527-4d3d-b058-6e4ee53de2e0.xml")
        #expect(offers.offers.count == 978)
        #expect(offers.offers.allSatisfy { $0.prices.isEmpty && $0.stocks.isEmpty && $0.markedForDeletion == false })
        #expect(
            offers.offer("26b0dc1e-4d66-11e4-99fe-003048c64779")?.name
                == "Дезодорант для мужчин Чистая линия Фито защита без белых следов 150мл")

        let prices = try CommerceMLSamples.read(folder + "prices___d66a6b51-ce9c-4e7a-8c7c-25079721107f.xml")
        #expect(prices.offers.count == 978)
        #expect(prices.prices.count == 978)
        #expect(prices.offer("26b0dc1e-4d66-11e4-99fe-003048c64779")?.prices.first?.value == "181")
        #expect(prices.prices.allSatisfy { $0.priceTypeID == "4d968229-47ba-11e4-a628-003048c64779" })

        let rests = try CommerceMLSamples.read(folder + "rests___1af6e7b8-a026-4690-9752-1c9d64cb914d.xml")
        #expect(rests.offers.count == 978)
        #expect(rests.stockByWarehouse.count == 1)
        #expect(rests.stockByWarehouse["5d1caeb1-44b2-11e4-a628-003048c64779"]?.rows == 978)
        #expect(rests.stockByWarehouse["5d1caeb1-44b2-11e4-a628-003048c64779"]?.total == "1924")
    }

    @Test("ready-script-2.05: changes-only package with a product and its characteristic offer")
    func readyScript() throws {
        let catalog = try CommerceMLSamples.read("ready-script-2.05/import.xml")
        #expect(catalog.sections.map(\.containsOnlyChanges) == [true, true])
        #expect(catalog.groups.count == 4)
        #expect(catalog.properties.count == 7)
        #expect(catalog.referenceValueCount == 2)
        #expect(catalog.properties.filter { $0.forProducts == true }.count == 7)
        let dress = try #require(catalog.products.first)
        #expect(catalog.products.count == 1)
        #expect(dress.name == "Платье 2")
        #expect(dress.article == "П2")
        #expect(dress.requisites.value(named: "Код") == "00000000004")
        #expect(dress.propertyValues.count == 7)
        #expect(
            dress.propertyValues.first { $0.propertyID == "b54d42a9-ab6a-11e3-94cb-00241d337dcd" }?.values == [
                "b54d42ad-ab6a-11e3-94cb-00241d337dcd"
            ])

        let offers = try CommerceMLSamples.read("ready-script-2.05/offers.xml")
        #expect(offers.section(.offerPackage)?.containsOnlyChanges == true)
        #expect(offers.offers.map(\.id.variantID) == [nil, "fd3fdddb-9964-11e3-9e81-00241d337dcd"])
        #expect(offers.offers[1].characteristics.map(\.value) == ["39", "Красный"])
        #expect(offers.offers[1].quantity == "9")
        #expect(offers.prices.map(\.value) == ["12356", "12356"])
        #expect(offers.priceTypes.first?.currency == "руб")
    }

    @Test(
        "turumburum-ut-3.1-split: 7 price types and 14 warehouses in the classifier, 11 products, 12 offers, 168 rests")
    func turumburum() throws {
        let folder = "turumburum-ut-3.1-split/"
        let classifier = try CommerceMLSamples.read(folder + "classifier.xml")
        #expect(classifier.header?.schemaVersion == "3.1")
        #expect(classifier.header?.namespace == "urn:1C.ru:commerceml_3")
        #expect(classifier.groups.count == 2)
        #expect(classifier.priceTypes.count == 7)
        #expect(Set(classifier.priceTypes.compactMap(\.currency)) == ["USD", "грн"])
        #expect(classifier.warehouses.count == 14)
        #expect(classifier.warehouses.first?.name == "Склад ремонтного цеха")
        #expect(
            classifier.units == [
                CommerceML.UnitOfMeasure(
                    id: "2009", code: "2009", shortName: "шт", fullName: "Штука", internationalAbbreviation: "PCE",
                    isDeleted: false,
                    line: classifier.units.first?.line ?? 0)
            ])

        let catalog = try CommerceMLSamples.read(folder + "import.xml")
        #expect(catalog.products.count == 11)
        let monitor = try #require(catalog.product("58be8cc3-30c4-11de-9e68-00804829546f"))
        #expect(monitor.name == "Монитор Philips 17\"")
        #expect(monitor.article == nil && monitor.barcode == nil)
        #expect(monitor.baseUnit == CommerceML.Unit(code: "2009"))
        #expect(monitor.version == "AAAAAQAAAAk=44819")
        #expect(monitor.markedForDeletion == false)
        #expect(monitor.weight == "0")
        #expect(monitor.propertyValues.map(\.values) == [[], [], []])
        #expect(monitor.requisites.value(named: "Код") == "00325")

        let offers = try CommerceMLSamples.read(folder + "offers.xml")
        #expect(offers.offers.count == 12)
        let white = try #require(
            offers.offer("c04853b6-720b-11d9-ac6c-0080482454f7#fe320faf-7c0d-11d9-b797-505054503030"))
        #expect(white.name == "Стеллаж складской (Белый)")
        #expect(white.characteristics.isEmpty)
        #expect(
            white.propertyValues == [
                CommerceML.PropertyValue(
                    propertyID: "e263462e-737b-11d9-ac6d-0080482454f7", values: ["e2634630-737b-11d9-ac6d-0080482454f7"]
                )
            ])

        let prices = try CommerceMLSamples.read(folder + "prices.xml")
        #expect(prices.offers.count == 3)
        #expect(prices.prices.count == 4)
        #expect(prices.offer("5f05b691-34bc-11de-9e69-00804829546f")?.prices.map(\.value) == ["420", "420"])
        #expect(prices.prices.first?.currency == "UAH")
        #expect(prices.prices.first?.taxIncluded == false)
        #expect(prices.prices.first?.presentation == "420 грн за шт")

        let rests = try CommerceMLSamples.read(folder + "rests.xml")
        #expect(rests.offers.count == 12)
        let stock = rests.stockByWarehouse
        #expect(stock.count == 14)
        #expect(stock.values.reduce(0) { $0 + $1.rows } == 168)
        #expect(Set(stock.keys) == Set(classifier.warehouses.map(\.id)))
    }

    @Test("umi-cms-2.04: 1 group, 1 property, 3 products with images; 5 price types × 14 offers")
    func umiCMS() throws {
        let catalog = try CommerceMLSamples.read("umi-cms-2.04/import.xml")
        #expect(catalog.groups.count == 1)
        #expect(catalog.properties.count == 1)
        #expect(catalog.referenceValueCount == 2)
        #expect(catalog.products.count == 3)
        let combine = try #require(catalog.product("bd72d927-55bc-11d9-848a-00112f43529a"))
        #expect(combine.name == "Комбайн кухонный BINATONE FP 67")
        #expect(combine.fullName == "Комбайн кухонный BINATONE FP 67")
        #expect(combine.article == "КВ- 900")
        #expect(
            combine.images == ["import_files/bd/bd72d92755bc11d9848a00112f43529a_80a7832b39c811e0a35a000b0d4caf68.jpg"])
        #expect(combine.files.first?.caption == "Изображение")

        let offers = try CommerceMLSamples.read("umi-cms-2.04/offers.xml")
        #expect(offers.priceTypes.count == 5)
        #expect(offers.priceTypes.allSatisfy { $0.currency == "RUB" })
        #expect(offers.offers.count == 14)
        #expect(offers.prices.count == 70)
        #expect(offers.totalQuantity == "399")
        #expect(
            offers.offer("bd72d927-55bc-11d9-848a-00112f43529a")?.prices.map(\.value)
                == Array(repeating: "4293", count: 5))
        #expect(offers.offer("e8a71ffc-55bc-11d9-848a-00112f43529a")?.name == "Соковыжималка \"МАПО\"")
        #expect(offers.offer("e8a71ffc-55bc-11d9-848a-00112f43529a")?.prices.first?.value == "801.9")
    }

    @Test("wagood-minimal-3.1-package: classifier, 1 product, 2 offers, their prices and warehouse-less rests")
    func wagood() throws {
        let folder = "wagood-minimal-3.1-package/"
        let classifier = try CommerceMLSamples.read(folder + "import___57c55968-51d1-46f0-b5d7-927f420b8fd4.xml")
        #expect(classifier.groups.map(\.name) == ["Категория"])
        #expect(classifier.priceTypes.map(\.name) == ["Розничные"])
        #expect(classifier.units.first?.id == "796 ")  // ids stay exact
        #expect(classifier.units.first?.fullName == "Штука")  // display text is trimmed
        #expect(classifier.section(.classifier)?.id == "")

        let goods = try CommerceMLSamples.read(folder + "import___5335d080-66b0-4355-887c-d54bba6f1f08.xml")
        let product = try #require(goods.products.first)
        #expect(goods.products.count == 1)
        #expect(product.name == "Товар 1")
        #expect(product.article == "32255")
        #expect(product.baseUnit?.code == "796")
        #expect(product.taxRates.first?.rate == "20")

        let offers = try CommerceMLSamples.read(folder + "offers___13955e2c-c7d0-4189-8db7-9bc863cde645.xml")
        #expect(offers.offers.map(\.name) == ["Товар (предложение 1)", "Товар (предложение 2)"])
        #expect(offers.section(.offerPackage)?.id == "#")

        let prices = try CommerceMLSamples.read(folder + "prices___478f43af-4dba-47c9-b3fa-d9737c14a30f.xml")
        #expect(prices.prices.map(\.value) == ["14240", "11660"])
        #expect(prices.prices.map(\.currency) == ["руб", "руб"])

        let rests = try CommerceMLSamples.read(folder + "rests___9ebdccc5-f70a-43db-8c03-0103301aad32.xml")
        #expect(rests.offers.map(\.quantity) == ["0", "2"])
        #expect(rests.offers.allSatisfy { $0.stocks.isEmpty })
    }
}
