import Foundation
import Testing
import WholesailCore

@Suite struct CommerceMLReaderTests {
    private func read(_ xml: String) throws -> ReadResult {
        try ReadResult(CommerceMLReader(data: Data(xml.utf8)))
    }

    @Test("a number that is not a number is an issue with its line; the record still comes")
    func badNumber() throws {
        // Given
        let xml = """
            <КоммерческаяИнформация ВерсияСхемы="2.08">
              <ПакетПредложений>
                <Предложения>
                  <Предложение>
                    <Ид>p1</Ид>
                    <Цены>
                      <Цена>
                        <ИдТипаЦены>t1</ИдТипаЦены>
                        <ЦенаЗаЕдиницу>abc</ЦенаЗаЕдиницу>
                      </Цена>
                      <Цена>
                        <ИдТипаЦены>t2</ИдТипаЦены>
                        <ЦенаЗаЕдиницу>1 234,50</ЦенаЗаЕдиницу>
                      </Цена>
                    </Цены>
                    <Количество>12,5</Количество>
                  </Предложение>
                </Предложения>
              </ПакетПредложений>
            </КоммерческаяИнформация>
            """
        // When
        let result = try read(xml)
        // Then
        let offer = try #require(result.offers.first)
        #expect(offer.prices.map(\.value) == [nil, "1234.5"])
        #expect(offer.quantity == "12.5")
        let issue = try #require(result.issues.first)
        #expect(result.issues.count == 1)
        #expect(issue.code == "cml.bad_number")
        #expect(issue.line == 9)
        #expect(issue.value == "abc")
        #expect(issue.recordID == "p1")
        #expect(issue.field == "Предложение/Цены/Цена/ЦенаЗаЕдиницу")
        #expect(issue.message.contains("abc"))
    }

    @Test("issues follow the record they belong to")
    func issueOrder() throws {
        let reader = CommerceMLReader(
            data: Data(
                """
                <КоммерческаяИнформация><Каталог><Товары>
                <Товар><Ид>a</Ид><Вес>тяжёлый</Вес></Товар>
                <Товар><Наименование>без ид</Наименование></Товар>
                </Товары></Каталог></КоммерческаяИнформация>
                """.utf8))
        var kinds: [String] = []
        while let record = try reader.next() {
            switch record {
            case .product(let product): kinds.append("product \(product.id)")
            case .issue(let issue): kinds.append("\(issue.code) \(issue.recordID ?? "-") line \(issue.line)")
            default: continue
            }
        }
        #expect(kinds == ["product a", "cml.bad_number a line 2", "cml.missing_id - line 3"])
    }

    @Test("a root other than КоммерческаяИнформация is refused")
    func notCommerceML() throws {
        let error = #expect(throws: ExchangeError.self) { try read("<?xml version=\"1.0\"?>\n<html><body/></html>") }
        #expect(error?.code == "cml.not_commerceml")
        #expect(error?.line == 2)
    }

    @Test("XML errors come through the reader unchanged")
    func xmlErrors() throws {
        let error = #expect(throws: ExchangeError.self) {
            try read("<!DOCTYPE x [<!ENTITY a \"b\">]><КоммерческаяИнформация>&a;</КоммерческаяИнформация>")
        }
        #expect(error?.code == "xml.doctype_forbidden")
    }

    @Test("СодержитТолькоИзменения as an attribute or as an element")
    func containsOnlyChanges() throws {
        let attribute = try read(
            "<КоммерческаяИнформация><Каталог СодержитТолькоИзменения=\"true\"><Ид>c</Ид><Товары/></Каталог></КоммерческаяИнформация>"
        )
        #expect(attribute.section(.catalog)?.containsOnlyChanges == true)
        #expect(attribute.section(.catalog)?.id == "c")
        let element = try read(
            """
            <КоммерческаяИнформация><ПакетПредложений>
            <СодержитТолькоИзменения>true</СодержитТолькоИзменения><Ид>c#</Ид><ИдКаталога>c</ИдКаталога>
            <Предложения/></ПакетПредложений></КоммерческаяИнформация>
            """)
        #expect(element.section(.offerPackage)?.containsOnlyChanges == true)
        #expect(element.section(.offerPackage)?.catalogID == "c")
        let absent = try read("<КоммерческаяИнформация><Каталог><Ид>c</Ид></Каталог></КоммерческаяИнформация>")
        #expect(absent.section(.catalog)?.containsOnlyChanges == nil)
        #expect(absent.section(.catalog)?.id == "c")
    }

    @Test("a section header comes before its items, with fields written after the first list too")
    func sectionOrder() throws {
        let reader = CommerceMLReader(
            data: Data(
                """
                <КоммерческаяИнформация><Классификатор><Ид>k</Ид><Наименование>Классификатор</Наименование>
                <Группы><Группа><Ид>g1</Ид><Наименование>Корень</Наименование>
                  <Группы><Группа><Ид>g2</Ид><Наименование>Лист</Наименование></Группа></Группы>
                </Группа></Группы>
                </Классификатор></КоммерческаяИнформация>
                """.utf8))
        var order: [String] = []
        while let record = try reader.next() {
            switch record {
            case .header: order.append("header")
            case .section(let section): order.append("section \(section.id ?? "-")")
            case .group(let group): order.append("group \(group.id)<\(group.parentID ?? "-")")
            default: continue
            }
        }
        #expect(order == ["header", "section k", "group g1<-", "group g2<g1"])
    }

    @Test("3.1 documents inside Контейнер; offer changes with ИдХарактеристики and Склады")
    func containersAndChanges() throws {
        let result = try read(
            """
            <КоммерческаяИнформация ВерсияСхемы="3.1">
              <Контейнер><Документ><Ид>d1</Ид><Номер>1</Номер><Товары>
                <Товар><Ид>p#v</Ид><Единица><Ид>796</Ид><Код>796</Код><НаименованиеКраткое>шт</НаименованиеКраткое></Единица>
                <Количество>2</Количество><Цена>10.50</Цена><Сумма>21</Сумма></Товар>
              </Товары></Документ></Контейнер>
              <Контейнер><Документ><Ид>d2</Ид></Документ></Контейнер>
              <ИзмененияПакетаПредложений><Предложения><Предложение>
                <Ид>p</Ид><ИдХарактеристики>v</ИдХарактеристики>
                <Склады ИдСклада="w1" КоличествоНаСкладе="3"/>
              </Предложение></Предложения></ИзмененияПакетаПредложений>
            </КоммерческаяИнформация>
            """)
        #expect(result.documents.map(\.id) == ["d1", "d2"])
        let line = try #require(result.documents.first?.lines.first)
        #expect(line.id.productID == "p" && line.id.variantID == "v")
        #expect(line.unit == CommerceML.Unit(code: "796", name: "шт"))
        #expect(line.price == "10.5")
        #expect(line.sum == "21")
        #expect(result.section(.offerChanges) != nil)
        #expect(result.offers.first?.id.raw == "p#v")
        #expect(result.offers.first?.stocks == [CommerceML.Stock(warehouseID: "w1", quantity: "3")])
    }

    @Test("unknown elements are skipped, however deep")
    func unknownElements() throws {
        let result = try read(
            """
            <КоммерческаяИнформация><Неизвестное><a><b><c>x</c></b></a></Неизвестное>
            <Каталог><Расширение><Товары><Товар><Ид>not-a-product</Ид></Товар></Товары></Расширение>
            <Товары><Товар><Ид>p1</Ид><Новое><Поле>1</Поле></Новое><Наименование>Стол</Наименование></Товар></Товары>
            </Каталог></КоммерческаяИнформация>
            """)
        #expect(result.products.map(\.id) == ["p1"])
        #expect(result.products.first?.name == "Стол")
    }

    @Test("UNF categories count as groups; product Категория as a group id")
    func categories() throws {
        let result = try read(
            """
            <КоммерческаяИнформация><Классификатор><Категории><Категория><Ид>c1</Ид><Наименование>Кат</Наименование></Категория></Категории>
            </Классификатор><Каталог><Товары><Товар><Ид>p</Ид><Категория>c1</Категория></Товар></Товары></Каталог></КоммерческаяИнформация>
            """)
        #expect(result.groups.map(\.isCategory) == [true])
        #expect(result.products.first?.groupIDs == ["c1"])
    }

    @Test("ItemID splits on the first #")
    func itemIDs() {
        #expect(CommerceML.ItemID("a#b#c").productID == "a")
        #expect(CommerceML.ItemID("a#b#c").variantID == "b#c")
        #expect(CommerceML.ItemID("a#").variantID == nil)
        #expect(CommerceML.ItemID("a").variantID == nil)
    }

    @Test("records stream: memory does not grow with the number of products")
    func streaming() throws {
        // 20 000 products produced on the fly; the reader must hand them out one by one.
        var index = 0
        var stage = 0
        let input = ExchangeInput {
            switch stage {
            case 0:
                stage = 1
                return Data("<КоммерческаяИнформация><Каталог><Товары>".utf8)
            case 1 where index < 20_000:
                var chunk = ""
                for _ in 0..<500 {
                    chunk += "<Товар><Ид>p\(index)</Ид><Наименование>Товар \(index)</Наименование></Товар>"
                    index += 1
                }
                return Data(chunk.utf8)
            case 1:
                stage = 2
                return Data("</Товары></Каталог></КоммерческаяИнформация>".utf8)
            default:
                return nil
            }
        }
        let reader = CommerceMLReader(input: input)
        var count = 0
        var generatedWhenFirstSeen = 0
        while let record = try reader.next() {
            if case .product = record {
                if count == 0 { generatedWhenFirstSeen = index }
                count += 1
            }
        }
        #expect(count == 20_000)
        #expect(generatedWhenFirstSeen <= 1_000)
    }

    @Test(
        "an offer id splits at its first # into product and characteristic",
        arguments: [
            ("a1b2", "a1b2", nil), ("a1b2#c3", "a1b2", "c3"), ("a1b2#", "a1b2", nil), ("#c3", "", "c3"),
            ("Ёлка-1#размер#2", "Ёлка-1", "размер#2"), ("e\u{301}#x", "e\u{301}", "x"),
        ] as [(String, String, String?)])
    func itemIDs(raw: String, product: String, variant: String?) {
        let id = CommerceML.ItemID(raw)
        #expect(id.productID == product)
        #expect(id.variantID == variant)
    }
}

