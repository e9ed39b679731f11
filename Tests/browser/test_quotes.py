"""A request for quote as the people do it: the buyer admin asks from the cart, the company's
manager answers with prices, the buyer sees the offer (screenshot docs/images/quote-desktop.png)
and accepts it; the order carries the quoted prices."""

import re

from selenium.webdriver.common.by import By

from conftest import Browser, make_driver, money, t


def test_request_offer_accept(server, tmp_path):
    buyer = Browser(make_driver(downloads=tmp_path), server, tmp_path)
    manager = Browser(make_driver(downloads=tmp_path), server, tmp_path)
    try:
        buyer.login("buyer_admin")
        buyer.go("/search?q=кабель")
        skus = re.findall(r"\b(VD-\d+)\b", buyer.text("main .grid"))[:2]
        buyer.go("/quick-order")
        buyer.fill(t("quick.text_label"), f"{skus[0]}:40\n{skus[1]}:100")
        buyer.press(buyer.button(t("quick.add"), buyer.main))
        buyer.go("/cart")
        buyer.press(buyer.link(t("quote.request_from_cart"), buyer.main))
        assert buyer.path == "/quotes/new"
        first = buyer.all("main input[name^=price_]")[0]
        listed = money(buyer.all("main table tbody tr")[0].find_elements(By.CSS_SELECTOR, "td")[3].text)
        first.send_keys(f"{listed * 0.9:.2f}")
        buyer.fill(t("quote.comment"), "Объект на Ленина, 40 бухт в месяц до конца года")
        buyer.press(buyer.button(t("quote.send"), buyer.main))
        buyer.see(t("quote.sent"))
        number = re.search(r"Q-\d{5}", buyer.h1()).group(0)
        quote_path = buyer.path.split("?")[0]

        manager.login("manager")
        manager.go("/staff/quotes")
        manager.press(manager.link(number, manager.main))
        for index, field in enumerate(manager.all("main input[name^=price_]")):
            if not field.get_attribute("value"):
                row = field.find_element(By.XPATH, "./ancestor::tr")
                field.send_keys(f"{money(row.find_elements(By.CSS_SELECTOR, 'td')[3].text) * 0.95:.2f}")
        manager.fill(t("quote.comment"), "Цена при отгрузке со склада Север; оплата в течение 5 дней")
        manager.press(manager.button(t("quote.send_offer"), manager.main))
        manager.see(t("quote.offer_sent"))

        buyer.go(quote_path)
        buyer.see(t("quote.status_offered"))
        buyer.screenshot("quote")
        quoted = [money(cell.text) for cell in buyer.all("main table.quote-lines tbody tr td:nth-child(6)")]
        buyer.press(buyer.button(t("quote.accept"), buyer.main))
        assert buyer.path.startswith("/orders/"), buyer.status()
        prices = [money(row.find_elements(By.CSS_SELECTOR, "td")[3].text) for row in buyer.all("main .table-wrap table tbody tr")[: len(quoted)]]
        assert prices == quoted, (prices, quoted)
    finally:
        buyer.driver.quit()
        manager.driver.quit()
