"""Purchase approvals as the people of a buyer company use them: the company admin sets a rule, a
buyer orders their usual order with a purchase order number, the order waits, the approver
approves it from the queue (the screenshot docs/images/approval-queue-desktop.png)."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import t

BUYER = "Петров Дмитрий Андреевич"
APPROVER = "Иванов Сергей Петрович"


def sign_out(browser):
    browser.press(browser.button(t("nav.logout"), browser.one("header")))


def test_company_admin_approves_a_buyers_order_from_the_queue(browser):
    browser.desktop()
    browser.login("buyer_admin")
    browser.go("/account")
    browser.press(browser.link(t("account.approvals_settings_link"), browser.main))
    assert browser.h1() == t("approvals.settings_title")
    rules_before = len(browser.all("form[action$='/delete'][action*='/rules/']"))
    Select(browser.driver.find_element(By.ID, "subject")).select_by_visible_text(BUYER)
    Select(browser.driver.find_element(By.ID, "condition")).select_by_visible_text(t("approvals.condition_amount_above"))
    browser.driver.find_element(By.ID, "amount").send_keys("10000")
    Select(browser.driver.find_element(By.ID, "approverUserId")).select_by_visible_text(APPROVER)
    browser.press(browser.driver.find_element(By.CSS_SELECTOR, "form[action='/company/approvals/rules'] button[type=submit]"))
    browser.see(t("approvals.saved"))
    assert len(browser.all("form[action$='/delete'][action*='/rules/']")) == rules_before + 1
    try:
        # The buyer puts the company's usual order into the cart; the cart says who approves.
        sign_out(browser)
        browser.login("buyer")
        browser.go("/cart")
        if browser.all("table.cart"):
            browser.press(browser.button(t("cart.clear")))
        browser.go("/usual-order")
        assert browser.h1() == t("usual.title")
        assert browser.all("main table.usual-order tbody tr"), "the demo company has regular purchases"
        browser.press(browser.button(t("usual.add_all"), browser.main))
        browser.go("/cart")
        browser.see(t("approvals.cart_needs_approval", names=APPROVER))
        browser.press(browser.link(t("cart.checkout"), browser.main))
        browser.field(t("checkout.method_pickup")).click()
        browser.fill(t("checkout.po_number"), "ЗП-2026/118")
        browser.press(browser.button(t("checkout.place"), browser.main))
        browser.see(t("approvals.order_waits"))
        number = browser.h1().split()[-1]
        assert "ЗП-2026/118" in browser.text()

        # The approver's queue shows it with the reason and the buyer's PO number.
        sign_out(browser)
        browser.login("buyer_admin")
        browser.go("/approvals")
        assert browser.h1() == t("approvals.title")
        queue = browser.text("main table.approvals")
        assert number in queue and "ЗП-2026/118" in queue and BUYER in queue
        browser.screenshot("approval-queue")
        row = next(r for r in browser.all("main table.approvals tbody tr") if number in r.text)
        row.find_element(By.CSS_SELECTOR, "input[name=comment]").send_keys("Согласовано, в пределах бюджета")
        browser.press(row.find_element(By.CSS_SELECTOR, "button[value=approve]"))
        browser.see(t("approvals.decided_approved"))
        assert number in browser.text("main")
    finally:
        # Leave the demo as it was for the other tests: no rule.
        browser.go("/company/approvals")
        for form in reversed(browser.all("form[action$='/delete'][action*='/rules/']")):
            browser.press(form.find_element(By.CSS_SELECTOR, "button"))
            break
