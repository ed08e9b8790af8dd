"""容缺 consistency and the instruments' legal wording (issue 14): decide after supply, 撤回 on termination,
core substantive materials, the acceptance notice's promise, 不予受理 / 终止 / 撤回 instruments, the 文书 list."""
from datetime import date

import pytest
from sqlalchemy import select

from radiolic.extensions import db
from radiolic.intake import notices as intake_notices
from radiolic.models import Application, MaterialRequirement, User
from radiolic.review import notices as review_notices
from radiolic.workflow import WorkflowError, intake, review

from ..conftest import TODAY

D = date


def _load(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def _user(u) -> User:
    return db.session.get(User, u.id)


@pytest.fixture
def people(ctx, make_user):
    return {role: make_user(role) for role in ("clerk", "reviewer", "supervisor")}


# setting, material supplied before the decision -> decision allowed
DECIDE_AFTER_SUPPLY = [(False, False, False), (False, True, True), (True, False, True), (True, True, True)]


@pytest.mark.parametrize("setting, supplied, allowed", DECIDE_AFTER_SUPPLY)
def test_the_decision_waits_for_supply_unless_the_office_decides_before(app, people, make_case, setting, supplied,
                                                                        allowed):
    app.config["DEFER_DECIDE_BEFORE_SUPPLY"] = setting
    case = _load(make_case("ST-NEW", "under_review", deferred=["site_proof"], reviewer=people["reviewer"], stations=1))
    if supplied:
        intake.supply(case, "site_proof", by=_user(people["clerk"]), on=TODAY)
    reviewer = _user(people["reviewer"])
    if allowed:
        assert review.decide(case, outcome="approve", by=reviewer, on=TODAY).outcome == "approve"
    else:
        with pytest.raises(WorkflowError) as err:
            review.decide(case, outcome="approve", by=reviewer, on=TODAY)
        assert err.value.code == "conflict" and "台址使用证明" in err.value.message and "2024-10-11" in err.value.message
        assert case.state == "under_review" and case.decision is None


def test_an_upload_awaiting_its_check_still_blocks_the_decision(people, make_case):
    case = _load(make_case("ST-NEW", "under_review", deferred=["site_proof"], reviewer=people["reviewer"], stations=1))
    intake.supply(case, "site_proof", by=None, on=TODAY)
    with pytest.raises(WorkflowError, match="已上传待核对"):
        review.decide(case, outcome="approve", by=_user(people["reviewer"]), on=TODAY)
    intake.check_supplied(case, "site_proof", accept=True, by=_user(people["clerk"]), on=TODAY)
    assert review.decide(case, outcome="approve", by=_user(people["reviewer"]), on=TODAY).outcome == "approve"


def test_termination_after_an_approval_withdraws_it(app, people, make_case):
    # Setting on: approved on 09-23 with site_proof owed (due 10-11); terminated on 10-14 -> 撤回 with its own document.
    app.config["DEFER_DECIDE_BEFORE_SUPPLY"] = True
    case = _load(make_case("ST-NEW", "approved", deferred=["site_proof"], reviewer=people["reviewer"]))
    decision = case.decision
    intake.terminate(case, reason="承诺期限届满未补齐台址使用证明", by=_user(people["supervisor"]), on=D(2024, 10, 14))
    db.session.flush()
    assert case.state == "terminated" and decision.withdrawn_on == D(2024, 10, 14)
    assert decision.withdrawal_doc_number.startswith("清无撤〔2024〕")
    doc = review_notices.withdrawal_notice(case)
    text = "".join(doc.paragraphs)
    assert doc.title == "撤回行政许可决定书" and decision.doc_number in text and "撤回上述准予行政许可决定" in text
    assert "六十日内向清远市人民政府申请行政复议" in text
    from radiolic.models import Event
    actions = db.session.scalars(select(Event.action).where(Event.application_id == case.id)).all()
    assert actions[-2:] == ["withdraw_approval", "terminate"]


@pytest.mark.parametrize("code", ["emc_report", "permit_copy"])
def test_substantive_materials_are_core_in_the_catalogue(ctx, code):
    rows = db.session.scalars(select(MaterialRequirement).where(MaterialRequirement.code == code)).all()
    assert rows and all(m.core and m.defer_days is None for m in rows)


def test_the_acceptance_notice_never_promises_before_the_deferred_materials_are_due(people, make_case):
    # Accepted Mon 09-23, promised 1 working day (09-24); site_proof due 10-11 -> promise counted from supply:
    # 1 working day after 10-11 is Sat 10-12 (a make-up working day).
    deferred, plain_number = make_case("ST-NEW", "accepted", deferred=["site_proof"]), make_case("ST-NEW", "accepted")
    case = _load(deferred)
    doc = intake_notices.acceptance(case)
    table = dict(doc.table)
    assert case.due_promised == D(2024, 9, 24)
    assert table["承诺办结期限"] == "自容缺材料全部补齐之日起1个工作日内（按最迟补齐期限2024年10月11日计，不晚于2024年10月12日）"
    plain = intake_notices.acceptance(_load(plain_number))
    assert dict(plain.table)["承诺办结期限"] == "2024年9月24日"


def test_the_refusal_names_the_review_body_terms_and_basis(people, make_case):
    case = _load(make_case("ST-NEW", "submitted"))
    intake.refuse(case, reason="经审查，申请事项不属于本机关职权范围", by=_user(people["clerk"]), on=TODAY)
    text = "".join(intake_notices.refusal(case).paragraphs)
    assert "经审查，经审查" not in text and "经审查，申请事项不属于本机关职权范围。" in text
    for expected in ("第三十二条第一款", "六十日内向清远市人民政府申请行政复议", "《中华人民共和国行政复议法》第二十条",
                     "六个月内依法向人民法院提起行政诉讼", "《中华人民共和国行政诉讼法》第四十六条"):
        assert expected in text


def test_the_decision_does_not_repeat_its_lead_and_cites_article_38(people, make_case):
    case = _load(make_case("ST-NEW", "under_review", reviewer=people["reviewer"], stations=1))
    review.decide(case, outcome="approve", reason="经审查，申请材料齐全，符合法定条件", by=_user(people["reviewer"]), on=TODAY)
    text = "".join(review_notices.decision_notice(case).paragraphs)
    assert "经审查，经审查" not in text and "经审查，申请材料齐全，符合法定条件。" in text
    assert "《中华人民共和国行政许可法》第三十八条第一款" in text


def test_the_termination_notice_names_the_review_body(app, people, make_case):
    case = _load(make_case("ST-NEW", "accepted", deferred=["site_proof"]))
    intake.terminate(case, reason="逾期未补齐", by=_user(people["supervisor"]), on=D(2024, 10, 14))
    text = "".join(intake_notices.termination(case).paragraphs)
    assert "自收到本通知书之日起六十日内向清远市人民政府申请行政复议" in text and "六个月内" in text


def test_every_instrument_is_listed_under_documents(app, people, make_case, login):
    number = make_case("ST-NEW", "under_review", reviewer=people["reviewer"], stations=1)
    case = _load(number)
    reviewer, supervisor = _user(people["reviewer"]), _user(people["supervisor"])
    review.pause(case, kind="appraisal", reason="设备鉴定", expected_days=5, by=reviewer, on=TODAY)
    review.resume(case, by=reviewer, on=D(2024, 9, 25))
    req = review.request_extension(case, days=5, reason="需现场核查", by=reviewer, on=D(2024, 9, 25))
    review.approve_extension(req, by=supervisor, on=D(2024, 9, 26))
    review.decide(case, outcome="approve", by=reviewer, on=D(2024, 9, 27))
    db.session.commit()
    client = app.test_client()
    login(client, people["clerk"])
    page = client.get(f"/cases/{number}").get_data(as_text=True)
    listing = page.split('id="case-documents"')[1].split("</ul>")[0]
    for kind in ("receipt", "acceptance", "stop", "extension", "decision"):
        assert f'data-doc="{kind}"' in listing
    assert "5 份" in page
    for url in (f"/cases/{number}/extension.pdf", f"/cases/{number}/decision.pdf"):
        assert client.get(url).data.startswith(b"%PDF")
