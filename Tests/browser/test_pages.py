"""Every key page, looked at as a person would: on a desktop (1366×768) and on a phone (390×844).

Per page: a screenshot at both sizes (docs/images/NAME-desktop.png, NAME-phone.png), axe-core's
accessibility rules with no serious or critical violation, and on the phone no sideways scrolling
and tap targets of at least 44×44 px.
"""

import importlib.util
import re
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import Browser, make_driver, t

MIN_TARGET = 44
TABS = 8  # how many keyboard stops to check for a visible focus ring

# (name, who looks, how to reach the page)
PAGES = [
    ("front", "guest", "/"),
    ("login", "guest", "/login"),
    ("register", "guest", "/register"),
    ("guest-cart", "guest", "/cart"),
    ("contacts", "guest", "/contacts"),
    ("news", "guest", "/news"),
    ("privacy", "guest", "/privacy"),
    ("catalog", "buyer_admin", "/catalog"),
    ("category", "buyer_admin", "first category"),
    ("search", "buyer_admin", "/search?q=кабель"),
    ("product", "buyer_admin", "first product"),
    ("quick-order", "buyer_admin", "/quick-order"),
    ("cart", "buyer_admin", "/cart"),
    ("checkout", "buyer_admin", "/checkout"),
    ("orders", "buyer_admin", "/orders"),
    ("order", "buyer_admin", "first order"),
    ("account", "buyer_admin", "/account"),
    ("quote-new", "buyer_admin", "/quotes/new"),
    ("quotes", "buyer_admin", "/quotes"),
    ("lists", "buyer_admin", "/lists"),
    ("part-numbers", "buyer_admin", "/company/part-numbers"),
    ("company-users", "buyer_admin", "/company/users"),
    ("approvals", "buyer_admin", "/approvals"),
    ("company-approvals", "buyer_admin", "/company/approvals"),
    ("usual-order", "buyer_admin", "/usual-order"),
    ("documents", "buyer_admin", "/documents"),
    ("finance", "buyer_admin", "/finance"),
    ("chat", "buyer_admin", "/chat"),
    ("workstation", "manager", "/staff"),
    ("staff-company", "manager", "ЭлектроСнаб's page"),
    ("registrations", "manager", "/staff/registrations"),
    ("staff-quotes", "manager", "/staff/quotes?all=1"),
    ("staff-chats", "manager", "/staff/chats"),
    ("team", "executive", "/staff/team"),
    ("pricing", "admin", "/admin/pricing"),
    ("pricing-assignments", "admin", "/admin/pricing/assignments"),
    ("admin-settings", "admin", "/admin/settings"),
    ("audit", "admin", "/admin/audit"),
    ("admin-regions", "admin", "/admin/regions"),
    ("admin-warehouses", "admin", "/admin/warehouses"),
    ("admin-branches", "admin", "/admin/branches"),
    ("editor-news", "admin", "/editor/news"),
    ("editor-banners", "admin", "/editor/banners"),
    ("editor-policy", "admin", "/editor/policy"),
]


def _axe_source() -> str:
    spec = importlib.util.find_spec("selenium_axe_python")
    if spec is None or not spec.origin:
        pytest.fail("axe-core is missing: pip install selenium-axe-python (it ships axe.min.js)")
    return (Path(spec.origin).parent / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


class Sessions:
    """One signed-in browser per role for the whole module; the buyer admin's cart holds a few lines."""

    def __init__(self, server, downloads: Path):
        self.server = server
        self.downloads = downloads
        self.browsers: dict[str, Browser] = {}
        self.paths: dict[str, str] = {}

    def get(self, role: str) -> Browser:
        if role not in self.browsers:
            browser = Browser(make_driver(downloads=self.downloads), self.server, self.downloads)
            if role != "guest":
                browser.login(role)
            if role == "buyer_admin":
                self._fill_cart(browser)
            self.browsers[role] = browser
        return self.browsers[role]

    def _fill_cart(self, browser: Browser) -> None:
        browser.go("/search?q=кабель")
        skus = re.findall(r"\b(VD-\d+)\b", browser.text("main .grid"))[:3]
        browser.go("/quick-order")
        browser.fill(t("quick.text_label"), f"{skus[0]}:10\n{skus[1]}:25\n{skus[2]}:3")
        browser.press(browser.button(t("quick.add"), browser.main))
        browser.see(t("quick.added"))

    def resolve(self, browser: Browser, where: str) -> str:
        if where.startswith("/"):
            return where
        if where == "ЭлектроСнаб's page" and where not in self.paths:
            # The served company with two users and a registration request waiting (demo data).
            browser.go("/staff")
            self.paths[where] = browser.link("ООО «ЭлектроСнаб»", browser.main).get_attribute("href")
        if where not in self.paths:
            source, css = {
                "first category": ("/catalog", "main .tree a"),
                "first product": ("/search?q=кабель", "main .card a.name"),
                "first order": ("/orders", "main table tbody a"),
                "first served company": ("/staff", "main a[href^='/staff/companies/']"),
            }[where]
            browser.go(source)
            self.paths[where] = browser.one(css).get_attribute("href")
        return self.paths[where]

    def close(self) -> None:
        for browser in self.browsers.values():
            browser.driver.quit()


@pytest.fixture(scope="module")
def sessions(server, tmp_path_factory):
    opened = Sessions(server, tmp_path_factory.mktemp("downloads"))
    yield opened
    opened.close()


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(result => done(result.violations.map(v => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').replace(/\\s+/g, ' '))
})))).catch(error => done([{id: 'axe-error', impact: 'critical', help: String(error), nodes: []}]));
"""

FOCUS_RING = """
const el = document.activeElement;
if (!el || el === document.body) return null;
const style = getComputedStyle(el);
const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none';
const r = el.getBoundingClientRect();
const onScreen = r.width > 1 && r.height > 1 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
return {what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"',
        ring: ring, onScreen: onScreen};
"""

TAP_TARGETS = """
const min = arguments[0];
const small = [];
const controls = document.querySelectorAll(
  'main a[href], main button, main input:not([type=hidden]), main select, main textarea, main summary, header a[href], header button');
function box(el) {
  let r = el.getBoundingClientRect();
  let rect = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  // A checkbox or radio button is tapped together with its label.
  if (el.type === 'checkbox' || el.type === 'radio') {
    for (const label of el.labels || []) {
      const l = label.getBoundingClientRect();
      rect = {left: Math.min(rect.left, l.left), top: Math.min(rect.top, l.top),
              right: Math.max(rect.right, l.right), bottom: Math.max(rect.bottom, l.bottom)};
    }
  }
  return rect;
}
function inRunningText(el) {
  // A link inside a sentence (text next to it in the same block) may stay the size of the text.
  if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
  for (const node of el.parentElement.childNodes) {
    if (node.nodeType === Node.TEXT_NODE && node.textContent.replace(/[\\s·|/]+/g, '').length > 0) return true;
  }
  return false;
}
for (const el of controls) {
  if (el.closest('.visually-hidden, [hidden]')) continue;
  const style = getComputedStyle(el);
  if (style.display === 'none' || style.visibility === 'hidden') continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (inRunningText(el)) continue;
  const b = box(el);
  const w = Math.round(b.right - b.left), h = Math.round(b.bottom - b.top);
  if (w < min || h < min) {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.name || '').trim().slice(0, 40);
    small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} "${text}" ${w}×${h}`);
  }
}
return small;
"""


@pytest.mark.parametrize("name,role,where", PAGES, ids=[p[0] for p in PAGES])
def test_page_on_desktop_and_phone(sessions, name, role, where, request):
    browser = sessions.get(role)
    request.node._wholesail_browser = browser
    path = sessions.resolve(browser, where)

    # Desktop: the page renders with a heading and its main landmark; screenshot; axe.
    browser.desktop()
    browser.go(path)
    assert browser.driver.execute_script("return document.querySelectorAll('main').length") == 1
    assert browser.all("main h1"), f"{name} has a heading"
    assert browser.driver.title.strip(), f"{name} has a title"
    browser.screenshot(name)
    browser.driver.set_script_timeout(60)
    browser.driver.execute_script(_axe_source())
    violations = browser.driver.execute_async_script(AXE_RUN)
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    problems = []
    missing = browser.driver.execute_script(
        "return ['header', 'nav[aria-label]', 'main', 'footer', 'a.skip[href=\"#main\"]'].filter(s => !document.querySelector(s))")
    if missing:
        problems.append(f"{name}: landmarks missing: {missing}")
    if serious:
        problems.append(f"{name}: axe finds serious accessibility problems:\n" + "\n".join(
            f"  [{v['impact']}] {v['id']}: {v['help']}\n      " + "\n      ".join(v["nodes"]) for v in serious))

    # Keyboard: the first stops (the skip link first) show a focus ring and are on screen.
    browser.go(path)
    unseen = []
    for stop in range(TABS):
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        focused = browser.driver.execute_script(FOCUS_RING)
        if focused is None:
            break
        if stop == 0 and "skip" not in (browser.driver.switch_to.active_element.get_attribute("class") or ""):
            problems.append(f"{name}: the first Tab does not land on the skip link but on {focused['what']}")
        if not (focused["ring"] and focused["onScreen"]):
            unseen.append(f"{focused['what']} (ring: {focused['ring']}, on screen: {focused['onScreen']})")
    if unseen:
        problems.append(f"{name}: keyboard focus not visible on: " + "; ".join(unseen))

    # Phone: no sideways scrolling, targets big enough for a thumb; screenshot.
    browser.phone()
    browser.go(path)
    width = browser.driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(f"{name} scrolls sideways on a phone: content {width[0]} px wide in a {width[1]} px screen")
    small = browser.driver.execute_script(TAP_TARGETS, MIN_TARGET)
    if small:
        problems.append(f"{name}: tap targets under {MIN_TARGET}×{MIN_TARGET} px on a phone:\n  " + "\n  ".join(small))
    browser.screenshot(name)
    assert not problems, "\n".join(problems)
    browser.desktop()
