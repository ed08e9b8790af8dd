"""English is one click away: after /lang/en the page chrome (headings, navigation, labels) has no Chinese left."""
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CJK = re.compile(r"[\u4e00-\u9fff]")
CATALOGUE = Path(__file__).resolve().parents[2] / "radiolic/translations/en/LC_MESSAGES/messages.po"
CHROME_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "th", "dt", "button", "label", "legend"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Chrome(HTMLParser):
    """Collects the text of headings, table heads, form labels, buttons, card headers and navigation links."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []   # one entry per open element: is it (inside) page chrome?
        self.texts: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        chrome = (tag in CHROME_TAGS or "card-header" in classes or "nav-link" in classes
                  or "navbar-brand" in classes or "link-light" in classes)
        if attrs.get("id") == "lang-switch":   # the link to the other language names it in that language
            chrome = False
        inside = bool(self.stack and self.stack[-1])
        if chrome and not inside:
            self.current = []
        self.stack.append(chrome or inside)

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        was = self.stack.pop()
        if was and not (self.stack and self.stack[-1]):
            text = " ".join("".join(self.current).split())
            if text:
                self.texts.append(text)

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.current.append(data)


def chrome(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    parser = Chrome()
    parser.feed(response.get_data(as_text=True))
    return parser.texts


def h1(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.get_data(as_text=True), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def english(texts: list[str], allowed: tuple[str, ...] = ()) -> list[str]:
    """The chrome texts that still carry Chinese (data such as an office or applicant name aside)."""
    out = []
    for text in texts:
        for data in allowed:
            text = text.replace(data, "")
        if CJK.search(text):
            out.append(text)
    return out


def both(client, path: str):
    """(Chinese response, English response) of one page, switching the session language in between."""
    client.get("/lang/zh")
    zh = client.get(path)
    client.get("/lang/en")
    en = client.get(path)
    client.get("/lang/zh")
    return zh, en


def test_login_page(client):
    zh, en = both(client, "/auth/login")
    assert CJK.search(h1(zh)) and h1(en) == "Staff sign-in"
    assert english(chrome(en), ()) == []
    assert ">Username<" in en.get_data(as_text=True) and ">用户名<" in zh.get_data(as_text=True)


def test_home_as_clerk(client, make_user, login, make_case):
    clerk = make_user("clerk", display_name="Clerk One")
    make_case("ST-NEW", "submitted", clerk=clerk)
    login(client, clerk)
    zh, en = both(client, "/")
    assert h1(zh).startswith("工作台") and h1(en).startswith("Workbench")
    texts = chrome(en)
    assert english(texts, ()) == [], english(texts, ())
    nav = re.findall(r'class="nav-link[^"]*" href="[^"]*">([^<]*)</a>', en.get_data(as_text=True))
    assert "Window intake" in nav and "Awaiting acceptance" in nav and not any(CJK.search(t) for t in nav)
    assert any(text.startswith("Awaiting acceptance (incl. online pre-checks)") for text in texts)
    assert "Radio Licensing Qingyuan Municipal Bureau of Industry and Information Technology" in texts   # the office is named in English too
    zh_nav = re.findall(r'class="nav-link[^"]*" href="[^"]*">([^<]*)</a>', zh.get_data(as_text=True))
    assert "窗口收件" in zh_nav and "待受理" in zh_nav


def test_review_queue_as_reviewer(client, make_user, login, make_case):
    reviewer = make_user("reviewer", display_name="Reviewer One")
    make_case("ST-NEW", "under_review", reviewer=reviewer)
    login(client, reviewer)
    zh, en = both(client, "/review/queue")
    assert h1(zh) == "审查队列" and h1(en) == "Review queue"
    texts = chrome(en)
    assert english(texts, ()) == [], english(texts, ())
    assert "审查中" in zh.get_data(as_text=True) and "Under review" in en.get_data(as_text=True)


def test_public_status_page(client):
    zh, en = both(client, "/status")
    assert h1(zh) == "办件进度查询" and h1(en) == "Check your case"
    assert english(chrome(en), ()) == []
    assert "Apply online" in en.get_data(as_text=True) and "网上申请" in zh.get_data(as_text=True)


def test_case_page(app, client, make_user, login, make_case):
    reviewer = make_user("reviewer", display_name="Reviewer One")
    number = make_case("ST-NEW", "under_review", reviewer=reviewer)
    login(client, reviewer)
    zh, en = both(client, f"/cases/{number}")
    assert h1(en) == number
    texts = chrome(en)
    assert english(texts, ("Reviewer One")) == [], english(texts, ("Reviewer One"))
    body_en, body_zh = en.get_data(as_text=True), zh.get_data(as_text=True)
    assert "Under review" in body_en and "History" in body_en and "Stop the clock and issue the notice" in body_en
    assert "审查中" in body_zh and "办理过程" in body_zh and "History" not in body_zh


def test_submitted_case_page_for_the_clerk(client, make_user, login, make_case):
    clerk = make_user("clerk", display_name="Clerk One")
    number = make_case("ST-NEW", "submitted", clerk=clerk)
    login(client, clerk)
    zh, en = both(client, f"/cases/{number}")
    texts = chrome(en)
    assert english(texts, ("Clerk One")) == [], english(texts, ("Clerk One"))
    assert "Decide on acceptance" in en.get_data(as_text=True) and "作出受理决定" in zh.get_data(as_text=True)


def test_the_catalogue_translates_every_message_and_keeps_its_placeholders():
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    placeholders = re.compile(r"%\(\w+\)s|%%")
    messages = [m for m in catalogue if m.id]
    assert len(messages) > 500
    assert [m.id for m in messages if not m.string] == []
    assert [m.id for m in messages if sorted(placeholders.findall(m.id)) != sorted(placeholders.findall(m.string))] == []
    assert [m.id for m in messages if CJK.search(m.string)] == []
    mo = CATALOGUE.with_suffix(".mo")
    assert mo.stat().st_mtime >= CATALOGUE.stat().st_mtime - 1, "run scripts/translations to compile the catalogue"


def test_the_language_chosen_before_signing_in_is_kept(client, make_user, login):
    clerk = make_user("clerk")
    client.get("/lang/en")
    login(client, clerk)
    assert h1(client.get("/")).startswith("Workbench")
    client.post("/auth/logout")
    assert "You have signed out." in client.get("/auth/login").get_data(as_text=True)


@pytest.mark.parametrize("role,path,title", [("supervisor", "/supervisor", "Statistics"),
                                             ("clerk", "/issuance", "Issue licences"),
                                             ("clerk", "/register", "Public register of radio licences")])
def test_issuance_and_statistics_pages(client, make_user, login, make_case, role, path, title):
    user = make_user(role, display_name="Staff One")
    make_case("ST-NEW", "approved")
    login(client, user)
    zh, en = both(client, path)
    assert h1(en).startswith(title) and CJK.search(h1(zh))
    texts = chrome(en)
    assert english(texts, ("Staff One",)) == [], english(texts, ("Staff One",))
