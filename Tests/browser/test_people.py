"""People around the orders: a buyer admin adds a colleague; a visitor asks for access, a manager
accepts and logs in as the new user; an admin changes a price rule and the buyer sees the new price;
a guest leaves a phone number instead of ordering."""

import re
import time

import pytest

from conftest import money, t

ELEKTROSNAB_INN = "7722334455"  # the demo company the manager serves (and the demo buyers work for)


def unique(prefix: str) -> str:
    return f"{prefix}{int(time.time() * 1000) % 10**9}"


def test_buyer_admin_creates_a_colleague_who_can_sign_in(browser):
    browser.login("buyer_admin")
    browser.go("/account")
    browser.press(browser.link(t("account.users_link"), browser.main))
    assert browser.h1() == t("company.users_title")
    company = browser.text("main h1 + p")
    assert "ЭлектроСнаб" in company
    people_before = len(browser.all("main table tbody tr"))

    email = unique("colleague") + "@elektrosnab.example"
    browser.fill(t("field.name"), "Смирнова Ольга Петровна")
    browser.fill(t("field.email"), email)
    browser.fill(t("field.phone"), "+7 495 123-45-67")
    browser.choose(t("company.role"), t("role.buyer"))
    browser.fill(t("company.initial_password"), "Colleague-2026")
    browser.press(browser.button(t("company.create_user"), browser.main))
    browser.see(t("company.user_created"))
    table = browser.text("main table")
    assert email in table and "Смирнова Ольга Петровна" in table
    assert len(browser.all("main table tbody tr")) > people_before
    row = next(r for r in browser.all("main table tbody tr") if email in r.text)
    assert t("role.buyer") in row.text

    # The colleague signs in with that password and orders for the same company.
    browser.press(browser.button(t("nav.logout"), browser.one("header")))
    browser.sign_in(email, "Colleague-2026")
    assert "Смирнова Ольга Петровна" in browser.text("header nav")
    browser.go("/account")
    assert "ЭлектроСнаб" in browser.text()
    assert t("nav.quick_order") in browser.text("header nav")


def test_manager_accepts_a_registration_and_logs_in_as_the_new_user(browser):
    # A visitor asks for access for a company the portal already knows (by its INN).
    browser.go("/login")
    browser.press(browser.link(t("login.register"), browser.main))
    assert browser.h1() == t("register.title")
    email = unique("newbuyer") + "@elektrosnab.example"
    browser.fill(t("field.company"), "ООО «ЭлектроСнаб»")
    browser.fill(t("field.inn"), ELEKTROSNAB_INN)
    browser.fill(t("field.contact"), "Кузьмин Игорь Сергеевич")
    browser.fill(t("field.email"), email)
    browser.fill(t("field.phone"), "+7 916 000-11-22")
    browser.fill(t("field.comment"), "Новый снабженец")
    browser.one("input[name=consent]").click()
    browser.press(browser.button(t("register.submit"), browser.main))
    browser.see(t("register.done_text"))

    # The manager finds the request, links it to the existing company and accepts it.
    browser.login("manager")
    browser.go("/account")
    browser.press(browser.link(t("account.registrations_link"), browser.main))
    assert browser.h1() == t("staff.registrations_title")
    section = next((s for s in browser.all("main section") if email in s.text), None)
    assert section is not None, f"the request of {email} is listed"
    assert ELEKTROSNAB_INN in section.text and "Кузьмин Игорь Сергеевич" in section.text
    company = browser.one("select", section)
    assert t("staff.existing_company") in company.find_element("css selector", "option:checked").text
    browser.press(browser.button(t("staff.accept"), section))
    browser.see(t("staff.done"))
    assert email not in browser.text(), "an accepted request leaves the list"

    # "Log in as" the new user: the portal shows their name and a banner until the manager returns.
    browser.press(browser.button(t("staff.act_as_new"), browser.main))
    banner = browser.text(".acting")
    assert t("nav.acting_as") in banner and "Кузьмин Игорь Сергеевич" in banner
    assert browser.h1() == t("account.title")
    assert email in browser.text()
    assert "ЭлектроСнаб" in browser.text()
    browser.press(browser.button(t("account.stop_acting")))
    assert not browser.all(".acting")
    assert "Кузьмин" not in browser.text("header nav")


def test_admin_price_rule_changes_the_buyers_price(browser):
    # The buyer notes a product's price.
    browser.login("buyer")
    browser.go("/search?q=" + "кабель")
    card = browser.all("main .card")[2]
    sku = re.search(r"\b([A-Z]{2,}-\d+)\b", card.find_element("css selector", ".sku").text).group(1)
    product_path = card.find_element("css selector", "a.name").get_attribute("href")
    browser.go(product_path)
    before = money(browser.one(".product .panel td.price").text)
    browser.press(browser.button(t("nav.logout"), browser.one("header")))

    # The admin adds a 10 % markup on that SKU for the buyer's company.
    browser.login("admin")
    browser.go("/account")
    browser.press(browser.link(t("account.admin_pricing_link"), browser.main))
    assert browser.h1() == t("pricing.title")
    name = unique("Наценка на кабель ")
    form = browser.one("form[action='/admin/pricing/rules']")
    browser.fill(t("pricing.name"), name, form)
    browser.fill(t("pricing.priority"), "50", form)
    browser.fill(t("pricing.skus"), sku, form)
    company = next(o.text for o in browser.all("#counterpartyId option") if "ЭлектроСнаб" in o.text)
    browser.choose(t("pricing.company"), company, form)
    browser.choose(t("pricing.action"), t("pricing.action_markup"), form)
    browser.fill(t("pricing.percent"), "10", form)
    browser.press(browser.button(t("pricing.create"), form))
    browser.see(t("account.saved"))
    row = next((r for r in browser.all("main table tbody tr") if name in r.text), None)
    assert row is not None, "the new rule is listed"

    # "Explain the price" already shows the new price and names the rule.
    browser.choose(t("pricing.company"), company, browser.one("form[action='/admin/pricing'][method=get]"))
    browser.fill(t("product.sku"), sku)
    browser.press(browser.button(t("pricing.explain_button"), browser.main))
    explained = {row.find_element("css selector", "th").text: row.find_element("css selector", "td").text
                 for row in browser.all("main section table tr")}
    assert name in explained[t("pricing.rules_applied")]
    assert money(explained[t("pricing.price")]) == pytest.approx(before * 1.1, abs=0.011)
    browser.press(browser.button(t("nav.logout"), browser.one("header")))

    # The buyer sees 10 % more on the card.
    browser.login("buyer")
    browser.go(product_path)
    after = money(browser.one(".product .panel td.price").text)
    assert after == pytest.approx(before * 1.1, abs=0.011), f"{sku}: {before} → {after}"
    browser.press(browser.button(t("nav.logout"), browser.one("header")))

    # The admin switches the rule off, and the old price is back.
    browser.login("admin")
    browser.go("/admin/pricing")
    row = next(r for r in browser.all("main table tbody tr") if name in r.text)
    browser.press(browser.button(t("pricing.disable"), row))
    browser.press(browser.button(t("nav.logout"), browser.one("header")))
    browser.login("buyer")
    browser.go(product_path)
    assert money(browser.one(".product .panel td.price").text) == pytest.approx(before)


def test_guest_orders_in_one_click_by_leaving_a_phone(browser):
    browser.go("/")
    browser.press(browser.link(t("nav.cart"), browser.one("header")))
    assert browser.h1() == t("cart.title")
    browser.see(t("lead.title"))
    browser.see(t("lead.text"))

    # Without a phone the form says what is missing and keeps what was typed.
    browser.fill(t("field.name"), "Гость Петрович")
    browser.fill(t("lead.request"), "VD-10126: 100 м, срочно")
    browser.one("#consent").click()
    browser.press(browser.button(t("lead.send"), browser.main))
    assert browser.status(), "a missing phone is reported"
    assert browser.field(t("lead.request")).get_attribute("value").startswith("VD-10126")

    browser.fill(t("field.phone"), "+7 900 555-44-33")
    browser.fill(t("field.email"), "guest@example.org")
    consent = browser.one("#consent")
    if not consent.is_selected():
        consent.click()
    browser.press(browser.button(t("lead.send"), browser.main))
    browser.see(t("lead.sent"))


def test_manager_invites_a_user_from_the_company_page_then_disables_and_removes_them(browser):
    # The manager reaches the workstation from the header menu and opens a served company.
    browser.login("manager")
    browser.press(browser.link(t("nav.workstation"), browser.one("header")))
    assert browser.h1() == t("staff.home_title")
    browser.press(browser.link("ООО «ЭлектроСнаб»", browser.main))
    assert browser.h1() == "ООО «ЭлектроСнаб»"
    # The registration request waiting for this company's tax id is in the second table.
    registrations = browser.one("#registrations + div table")
    assert "kravtsova@elektrosnab.example" in registrations.text

    # A new user: a wrong address is refused with a message, then the invitation goes out.
    form = browser.one("form[action$='/users']")
    email = unique("invited") + "@elektrosnab.example"
    browser.fill(t("field.name"), "Орлова Нина Сергеевна", form)
    browser.fill(t("field.email"), "not an address", form)
    browser.press(browser.button(t("staff.create_user_button"), form))
    assert t("staff.form_errors") in browser.status()
    form = browser.one("form[action$='/users']")
    assert browser.field(t("field.name"), form).get_attribute("value") == "Орлова Нина Сергеевна", "the form keeps what was typed"
    browser.fill(t("field.email"), email, form)
    browser.choose(t("company.role"), t("role.buyer"), form)
    browser.press(browser.button(t("staff.create_user_button"), form))
    assert t("staff.done_created") in browser.status()
    row = next(r for r in browser.all("#users + div tbody tr") if email in r.text)
    assert t("staff.status_invited") in row.text

    # Disabling asks first: the button only opens the confirmation.
    browser.one("details.confirm summary", row).click()
    confirm = browser.one("details.confirm[open] form", row)
    assert t("staff.disable_confirm") in confirm.text
    browser.press(browser.button(t("staff.disable_yes"), confirm))
    assert t("staff.done_disabled") in browser.status()
    row = next(r for r in browser.all("#users + div tbody tr") if email in r.text)
    assert t("status.disabled") in row.text
    assert browser.button(t("staff.enable"), row)

    # Removing from the company, confirmed the same way: the user leaves the table.
    remove = next(d for d in browser.all("details.confirm", row) if t("staff.remove") in d.text)
    browser.one("summary", remove).click()
    browser.press(browser.button(t("staff.remove_yes"), remove))
    assert t("staff.done_removed") in browser.status()
    assert email not in browser.text("#users + div")

    # The e-mails are in the outbox the admin sees.
    browser.press(browser.button(t("nav.logout"), browser.one("header")))
    browser.login("admin")
    browser.go("/admin/outbox")
    shown = browser.text()
    for topic in ("account.invited", "account.disabled", "account.removed"):
        assert topic in shown, f"{topic} is queued"
