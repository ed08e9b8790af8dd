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


# --- data in English: catalogue items, materials, station types, licence fields, timeline actions ---------------

class PageText(HTMLParser):
    """Every text a reader meets on a page: text nodes and the title, aria-label, placeholder and alt attributes,
    outside <script> and <style> and outside the language switch (which names the other language in it)."""

    def __init__(self):
        super().__init__()
        self.skip: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in VOID:
            if not self.skip:
                self.texts += [v for k, v in attrs.items() if k in ("title", "aria-label", "placeholder", "alt") and v]
            return
        if self.skip or tag in ("script", "style") or attrs.get("id") == "lang-switch":
            self.skip.append(tag)
            return
        self.texts += [v for k, v in attrs.items() if k in ("title", "aria-label", "placeholder", "alt") and v]

    def handle_endtag(self, tag):
        if self.skip and tag == self.skip[-1]:
            self.skip.pop()

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.texts.append(" ".join(data.split()))


def chinese_left(response, data: set[str], prefix: str) -> list[str]:
    """Texts of an English page that still carry Chinese once the data are taken out.

    `data` are what people entered or what names a party, kept as entered: applicant/holder names, station names
    and addresses, the office's Chinese name on a licence, reasons, timeline notes a person typed, commitment
    signers, the catalogue's legal basis and guide texts, the office's address. Document numbers (文号, `prefix`〔year〕n号) are
    identifiers and are taken out too. Everything else — labels, item, material and station-type names, licence
    field labels and generated values, timeline action names, states — must be English."""
    assert response.status_code == 200, response.status_code
    parser = PageText()
    parser.feed(response.get_data(as_text=True))
    number = re.compile(re.escape(prefix) + r"[^〔\s]*〔\d{4}〕\d+号")
    left = []
    for text in parser.texts:
        for value in sorted((d for d in data if d), key=len, reverse=True):
            text = text.replace(value, "")
        text = number.sub("", text)
        if CJK.search(text):
            left.append(text)
    return left


def _case_data(app, number: str) -> tuple[set[str], str]:
    from sqlalchemy import select
    from radiolic.extensions import db
    from radiolic.models import Application, Event, Station
    with app.app_context():
        case = db.session.scalar(select(Application).where(Application.number == number))
        data = {case.applicant.name, case.outcome_reason or "", case.summary or ""}
        # a note a person typed is data; a note the system wrote (kept with its template) is shown in English
        data |= {e.note for e in db.session.scalars(select(Event).where(Event.application_id == case.id))
                 if not e.note_key}
        data |= {s.reason for s in case.clock_stops} | {c.signed_by for c in case.commitments}
        data |= {m.note for m in case.materials}
        if case.decision is not None:
            data |= {case.decision.reason, case.decision.legal_basis}
        for s in db.session.scalars(select(Station).where(Station.application_id == case.id)):
            data |= {s.station_name, s.address, s.refused_reason or ""}
        return data, app.config["OFFICE_DOC_PREFIX"]


@pytest.mark.parametrize("item_code, state, options", [
    ("ST-NEW", "submitted", {"missing": ("type_approval", "site_proof")}),
    ("FP-NEW", "under_review", {"deferred": ("equipment_info",)}),
    ("ST-NEW", "issued", {}),
])
def test_case_page_names_data_in_english(app, client, make_user, login, make_case, item_code, state, options):
    from sqlalchemy import select
    from radiolic.extensions import db
    from radiolic.models import Application, User
    from radiolic.workflow import review
    from tests.conftest import TODAY
    from tests.issuance_cases import issued_with_stations
    reviewer = make_user("reviewer", display_name="Reviewer One")
    if state == "issued":
        number = issued_with_stations(app, make_case, make_user, 2, reviewer=reviewer)
    else:
        number = make_case(item_code, state, reviewer=reviewer, **options)
    if state == "under_review":        # a clock stop too: its kind and its notice are named in English
        with app.app_context():
            case = db.session.scalar(select(Application).where(Application.number == number))
            review.pause(case, kind="testing", reason="送检", expected_days=5, by=db.session.get(User, reviewer.id),
                         on=TODAY)
            db.session.commit()
    login(client, reviewer)
    zh, en = both(client, f"/cases/{number}")
    data, prefix = _case_data(app, number)
    assert chinese_left(en, data, prefix) == []
    body_en, body_zh = en.get_data(as_text=True), zh.get_data(as_text=True)
    name_en = {"ST-NEW": "Radio station licence (new station)", "FP-NEW": "Frequency use permit (new)"}[item_code]
    assert name_en in body_en and name_en not in body_zh
    if state == "submitted":
        assert "Type approval certificate of the radio transmitting equipment" in body_en
        assert "无线电发射设备型号核准证明" in body_zh


def test_licence_and_verify_pages_name_fields_in_english(app, client, make_user, login, make_case):
    from sqlalchemy import select
    from radiolic.extensions import db
    from radiolic.models import Licence
    from tests.issuance_cases import issued_with_stations
    reviewer = make_user("reviewer", display_name="Reviewer One")
    number = issued_with_stations(app, make_case, make_user, 1, reviewer=reviewer)
    with app.app_context():
        lic = db.session.scalar(select(Licence).order_by(Licence.id))
        licence_number, code, office = lic.number, lic.verify_code, lic.office
    data, prefix = _case_data(app, number)
    data |= {office}
    for path, login_first in ((f"/verify/{code}", False), (f"/licences/{licence_number}", True)):
        if login_first:
            login(client, reviewer)
        zh, en = both(client, path)
        assert chinese_left(en, data, prefix) == [], path
        body_en, body_zh = en.get_data(as_text=True), zh.get_data(as_text=True)
        assert "Site coordinates" in body_en and "台址坐标" in body_zh
        assert "Conditions of use" in body_en and "使用条件" in body_zh
        assert "longitude E 113" in body_en and "东经 113" in body_zh


def test_apply_pages_name_items_and_materials_in_english(app, client):
    from sqlalchemy import select
    from radiolic.extensions import db
    from radiolic.models import ServiceItem
    with app.app_context():
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.code == "ST-NEW"))
        guide = {item.legal_basis, item.guide_conditions, item.guide_limits, item.guide_fees, item.guide_window}
        guide |= {m.sample for m in item.materials} | {app.config["OFFICE_ADDRESS"]}    # the window's address
    for path in ("/apply", "/apply/ST-NEW"):
        zh, en = both(client, path)
        assert chinese_left(en, guide, app.config["OFFICE_DOC_PREFIX"]) == [], path
        assert "Radio station licence (new station)" in en.get_data(as_text=True)
        assert "Radio station licence (new station)" not in zh.get_data(as_text=True)


def test_an_administrator_names_a_new_material_in_english(app, client, make_user, login):
    from sqlalchemy import select
    from radiolic.extensions import db
    from radiolic.models import ServiceItem
    with app.app_context():
        item_id = db.session.scalar(select(ServiceItem.id).where(ServiceItem.code == "ST-NEW"))
    admin = app.test_client()
    login(admin, make_user("admin"))
    admin.post(f"/admin/catalogue/{item_id}/materials", data={
        "m-code": "photo_site", "m-name": "台址照片", "m-name_en": "Photographs of the site", "m-defer_days": "5"})
    zh, en = both(client, "/apply/ST-NEW")
    assert "Photographs of the site" in en.get_data(as_text=True) and "台址照片" not in en.get_data(as_text=True)
    assert "台址照片" in zh.get_data(as_text=True)
