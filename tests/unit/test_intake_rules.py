"""Rules of intake and deferred acceptance, verb by verb (domain.md §1, §3, §7)."""
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from radiolic.deferrals.reminders import check
from radiolic.extensions import db
from radiolic.models import Applicant, Application, CreditMark, Event, OutboxMessage, User
from radiolic.workflow import WorkflowError, clock
from radiolic.workflow import intake
from tests.conftest import TODAY, item

ORG_CODE = "91441800123456788U"


@pytest.fixture
def env(ctx, make_user):
    """Users in this context, and a factory for cases at intake."""
    made = {role: make_user(role).id for role in ("clerk", "supervisor", "admin")}   # before this session writes
    users = {role: db.session.get(User, user_id) for role, user_id in made.items()}
    applicant = Applicant(kind="organisation", name="清远北江通信有限公司", id_code=ORG_CODE, phone="13800138000",
                          email="li@example.com", contact="李工")
    db.session.add(applicant)
    db.session.flush()

    def new_case(code="ST-NEW", missing=(), defective=(), on=TODAY, who=applicant):
        service = item(code)
        materials = {m.code: ("missing", "") if m.code in missing else
                     ("defective", "盖章不清") if m.code in defective else ("received", "") for m in service.materials}
        case, _code = intake.submit(service, who, channel="window", single_window=True, visits=1,
                                    materials=materials, by=users["clerk"], on=on)
        return case

    class Env:
        pass
    e = Env()
    e.clerk, e.supervisor, e.admin, e.applicant, e.new_case = (users["clerk"], users["supervisor"], users["admin"],
                                                                 applicant, new_case)
    return e


def workdays(start, n):
    return clock.load_calendar().add(start, n)


# --- accept ----------------------------------------------------------------------------------------------

def test_accept_with_everything_received(env):
    case = env.new_case()
    intake.accept(case, by=env.clerk, on=TODAY)
    assert case.state == "accepted" and case.accepted_on == TODAY
    assert case.acceptance_doc_number.startswith("清无受〔2024〕")
    assert case.due_statutory == workdays(TODAY, 30) and case.commitments == []


def test_accept_with_deferral_defaults_each_due_date(env):
    case = env.new_case(missing=("site_proof", "agent_authorisation"))
    intake.accept(case, deferred=["site_proof", "agent_authorisation"], commitment={"signed_by": "李工"}, by=env.clerk, on=TODAY)
    dues = {m.code: m.due_on for m in case.outstanding_deferred}
    # 10 working days after Mon 2024-09-23: Sun 09-29 is a make-up working day, 10-01…10-07 are holidays.
    assert dues == {"site_proof": date(2024, 10, 11), "agent_authorisation": workdays(TODAY, 3)}
    commitment = case.commitments[0]
    assert commitment.due_on == date(2024, 10, 11) and commitment.materials == ["site_proof", "agent_authorisation"]
    assert commitment.doc_number.startswith("清无容〔2024〕")
    assert db.session.scalar(select(Event.action).where(Event.application_id == case.id)
                             .order_by(Event.id.desc()).limit(1)) == "accept_deferred"


@pytest.mark.parametrize("missing, deferred, message", [
    (("type_approval",), ["type_approval"], "核心材料不能容缺：无线电发射设备型号核准证明"),
    (("type_approval", "site_proof"), ["site_proof"], "以下材料尚未齐备，不能受理：无线电发射设备型号核准证明"),
    (("site_proof", "emc_report"), ["site_proof"], "以下材料尚未齐备，不能受理：电磁环境或电磁兼容分析报告"),
    # Substantive conditions are core (domain.md §3): never deferrable.
    (("emc_report",), ["emc_report"], "核心材料不能容缺：电磁环境或电磁兼容分析报告"),
    (("permit_copy",), ["permit_copy"], "核心材料不能容缺：频率使用许可证复印件"),
    ((), ["site_proof"], "以下材料已收到，无需容缺：台址使用证明"),
    (("site_proof",), ["no_such"], "本案没有编码为“no_such”的材料"),
])
def test_accept_refusals_name_the_material(env, missing, deferred, message):
    case = env.new_case(missing=missing)
    with pytest.raises(WorkflowError) as err:
        intake.accept(case, deferred=deferred, commitment={"signed_by": "李工"}, by=env.clerk, on=TODAY)
    assert message in err.value.message
    assert case.state == "submitted"


def test_defective_core_material_blocks_acceptance(env):
    case = env.new_case(defective=("application_form",))
    with pytest.raises(WorkflowError, match="无线电台（站）设置申请表"):
        intake.accept(case, by=env.clerk, on=TODAY)


def test_deferral_needs_a_signed_commitment(env):
    case = env.new_case(missing=("site_proof",))
    with pytest.raises(WorkflowError) as err:
        intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "  "}, by=env.clerk, on=TODAY)
    assert err.value.field == "commitment.signed_by" and "承诺书" in err.value.message


@pytest.mark.parametrize("offset, fragment", [(0, "须晚于受理日"), (-3, "须晚于受理日"), (1, "晚于法定办理期限届满日")])
def test_due_date_limits(env, offset, fragment):
    case = env.new_case(missing=("site_proof",))
    cap = workdays(TODAY, 30)
    due = TODAY + timedelta(days=offset) if offset <= 0 else cap + timedelta(days=offset)
    with pytest.raises(WorkflowError) as err:
        intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "李工", "due_on": due},
                      by=env.clerk, on=TODAY)
    assert fragment in err.value.message and err.value.field == "commitment.due_on"
    if offset > 0:
        assert cap.isoformat() in err.value.message


def test_due_date_on_the_statutory_deadline_is_allowed(env):
    case = env.new_case(missing=("site_proof",))
    cap = workdays(TODAY, 30)
    intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "李工", "due_on": cap}, by=env.clerk, on=TODAY)
    assert case.outstanding_deferred[0].due_on == cap


def test_cap_at_promised_deadline_setting(make_app, make_user):
    app = make_app(DEFERRAL_CAP="promised")
    with app.app_context():
        clerk = User(username="c", display_name="c", role="clerk", password_hash="x")
        a = Applicant(kind="organisation", name="甲", id_code=ORG_CODE)
        db.session.add_all([clerk, a])
        service = item("ST-NEW")
        case, _ = intake.submit(service, a, channel="window", single_window=True, visits=1,
                                materials={m.code: ("received", "") for m in service.materials if m.code != "site_proof"},
                                by=clerk, on=TODAY)
        intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "甲"}, by=clerk, on=TODAY)
        # promised = 1 working day: the 10-day default is cut to the promised deadline.
        assert case.outstanding_deferred[0].due_on == date(2024, 9, 24)


# --- the credit record -----------------------------------------------------------------------------------

def _break(env, on):
    mark = CreditMark(applicant_id=env.applicant.id, kind="broken_commitment", on=on, reason="SQ2023000001 逾期未补齐")
    db.session.add(mark)
    db.session.flush()
    db.session.refresh(env.applicant)
    return mark


@pytest.mark.parametrize("days_ago, barred", [(10, True), (300, True), (366, False)])
def test_broken_commitment_bars_deferral_for_twelve_months(env, days_ago, barred):
    _break(env, TODAY - timedelta(days=days_ago))
    case = env.new_case(missing=("site_proof",))
    if barred:
        with pytest.raises(WorkflowError) as err:
            intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "李工"}, by=env.clerk, on=TODAY)
        assert "容缺承诺未履行" in err.value.message and "SQ2023000001" in err.value.message
        assert (TODAY - timedelta(days=days_ago)).isoformat() in err.value.message
    else:
        intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "李工"}, by=env.clerk, on=TODAY)
        assert case.state == "accepted"


def test_broken_commitment_does_not_bar_plain_acceptance(env):
    _break(env, TODAY - timedelta(days=10))
    case = env.new_case()
    intake.accept(case, by=env.clerk, on=TODAY)
    assert case.state == "accepted"


def test_credit_repair_reopens_deferral(env):
    _break(env, TODAY - timedelta(days=10))
    intake.repair_credit(env.applicant, reason="已补齐并书面说明", by=env.admin, on=TODAY)
    case = env.new_case(missing=("site_proof",))
    intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "李工"}, by=env.clerk, on=TODAY)
    assert case.state == "accepted"
    assert intake.unrepaired_breaks(env.applicant) == []


@pytest.mark.parametrize("who, reason, broken, message", [
    ("admin", "理由", False, "没有待修复的失信记录"),
    ("admin", "  ", True, "须写明理由"),
    ("supervisor", "理由", True, "只能由系统管理员登记"),
])
def test_credit_repair_refusals(env, who, reason, broken, message):
    if broken:
        _break(env, TODAY - timedelta(days=10))
    with pytest.raises(WorkflowError, match=message):
        intake.repair_credit(env.applicant, reason=reason, by=getattr(env, who), on=TODAY)


def test_a_break_after_a_repair_bars_again(env):
    _break(env, TODAY - timedelta(days=100))
    intake.repair_credit(env.applicant, reason="说明", by=env.admin, on=TODAY - timedelta(days=90))
    _break(env, TODAY - timedelta(days=5))
    assert intake.broken_commitment_on(env.applicant, TODAY).on == TODAY - timedelta(days=5)


# --- correction ------------------------------------------------------------------------------------------

def test_correction_lists_every_missing_material(env):
    case = env.new_case(missing=("type_approval", "site_proof"), defective=("application_form",))
    with pytest.raises(WorkflowError) as err:
        intake.request_correction(case, items=[{"material": "type_approval", "problem": "未提交"}], by=env.clerk, on=TODAY)
    assert "以下材料未列入" in err.value.message and "台址使用证明" in err.value.message
    assert "无线电台（站）设置申请表" in err.value.message and case.state == "submitted"
    notice = intake.request_correction(case, items=[
        {"material": "type_approval", "problem": "未提交"}, {"material": "site_proof", "problem": "未提交"},
        {"material": "application_form", "problem": "未加盖公章"}], by=env.clerk, on=TODAY)
    assert case.state == "awaiting_correction" and case.accepted_on is None and case.due_statutory is None
    assert notice.seq == 1 and [i["material"] for i in notice.items] == ["type_approval", "site_proof", "application_form"]
    assert notice.doc_number.startswith("清无补〔2024〕")


def test_correction_needs_a_problem_per_material(env):
    case = env.new_case(missing=("site_proof",))
    with pytest.raises(WorkflowError, match="台址使用证明"):
        intake.request_correction(case, items=[{"material": "site_proof", "problem": ""}], by=env.clerk, on=TODAY)


def test_second_correction_needs_a_reason_and_is_counted(env):
    case = env.new_case(missing=("site_proof",))
    intake.request_correction(case, items=[{"material": "site_proof", "problem": "未提交"}], by=env.clerk, on=TODAY)
    intake.resubmit(case, received=["site_proof"], by=env.clerk, on=TODAY, visit=True)
    assert case.state == "submitted" and case.visits == 2
    items = [{"material": "site_proof", "problem": "租赁合同已过期"}]
    with pytest.raises(WorkflowError) as err:
        intake.request_correction(case, items=items, by=env.clerk, on=TODAY)
    assert err.value.field == "reason" and "须写明理由" in err.value.message and case.correction_count == 1
    notice = intake.request_correction(case, items=items, by=env.clerk, on=TODAY, reason="补交的合同已过期")
    assert notice.seq == 2 and case.correction_count == 2 and notice.reason == "补交的合同已过期"


def test_correction_only_before_acceptance(env):
    case = env.new_case()
    intake.accept(case, by=env.clerk, on=TODAY)
    with pytest.raises(WorkflowError, match="已受理") as err:
        intake.request_correction(case, items=[{"material": "site_proof", "problem": "x"}], by=env.clerk, on=TODAY)
    assert err.value.code == "conflict"


# --- refuse, supply, terminate ---------------------------------------------------------------------------

def test_refuse_needs_a_reason(env):
    case = env.new_case()
    with pytest.raises(WorkflowError, match="须写明理由"):
        intake.refuse(case, reason=" ", by=env.clerk, on=TODAY)
    intake.refuse(case, reason="不属于本机关职权范围", by=env.clerk, on=TODAY)
    assert case.state == "not_accepted" and case.completed_on == TODAY
    assert case.outcome_doc_number.startswith("清无不受〔2024〕")


def _deferred_case(env, on=TODAY):
    case = env.new_case(missing=("site_proof", "agent_authorisation"), on=on)
    intake.accept(case, deferred=["site_proof", "agent_authorisation"], commitment={"signed_by": "李工"}, by=env.clerk, on=on)
    return case


def test_supply_fulfils_the_commitment_when_all_arrive(env):
    case = _deferred_case(env)
    intake.supply(case, "site_proof", by=env.clerk, on=TODAY, supplied_from="王五")
    assert case.commitments[0].status == "open" and [m.code for m in case.outstanding_deferred] == ["agent_authorisation"]
    intake.supply(case, "agent_authorisation", by=env.clerk, on=TODAY)
    assert case.commitments[0].status == "fulfilled" and case.outstanding_deferred == []
    assert intake.material(case, "site_proof").supplied_from == "王五"
    with pytest.raises(WorkflowError, match="已齐备"):
        intake.supply(case, "site_proof", by=env.clerk, on=TODAY)


@pytest.mark.parametrize("received_on, message", [(TODAY + timedelta(days=1), "不能晚于今天"),
                                                  (TODAY - timedelta(days=1), "不能早于收件日期")])
def test_supply_date_limits(env, received_on, message):
    case = _deferred_case(env)
    with pytest.raises(WorkflowError, match=message):
        intake.supply(case, "site_proof", by=env.clerk, on=TODAY, received_on=received_on)


def test_terminate_only_when_overdue_and_it_marks_credit(env):
    case = _deferred_case(env)
    with pytest.raises(WorkflowError, match="逾期未补齐的案件才能终止"):
        intake.terminate(case, reason="逾期", by=env.supervisor, on=TODAY)
    later = date(2024, 10, 14)
    flagged = intake.mark_overdue(later)
    assert sorted(m.code for m in flagged) == ["agent_authorisation", "site_proof"]
    assert intake.mark_overdue(later) == []     # flagged once
    intake.terminate(case, reason="承诺期限届满未补齐", by=env.supervisor, on=later)
    assert case.state == "terminated" and case.commitments[0].status == "broken"
    assert case.outcome_doc_number.startswith("清无终〔2024〕")
    db.session.refresh(env.applicant)
    mark = env.applicant.credit_marks[-1]
    assert mark.kind == "broken_commitment" and case.number in mark.reason
    assert intake.broken_commitment_on(env.applicant, later) is mark


# --- issuance guard --------------------------------------------------------------------------------------

def test_issuance_blocked_while_deferred_materials_are_outstanding(env):
    case = _deferred_case(env)
    with pytest.raises(WorkflowError) as err:
        intake.ensure_no_outstanding_deferred(case)
    assert "台址使用证明" in err.value.message and "授权委托书及经办人身份证明" in err.value.message
    assert err.value.code == "conflict"
    intake.supply(case, "site_proof", by=env.clerk, on=TODAY)
    with pytest.raises(WorkflowError) as err:
        intake.ensure_no_outstanding_deferred(case)
    assert "台址使用证明" not in err.value.message
    intake.supply(case, "agent_authorisation", by=env.clerk, on=TODAY)
    intake.ensure_no_outstanding_deferred(case)


# --- the daily check -------------------------------------------------------------------------------------

def test_daily_check_reminds_two_working_days_before_once(env):
    case = env.new_case(missing=("site_proof",))
    intake.accept(case, deferred=["site_proof"], commitment={"signed_by": "李工"}, by=env.clerk, on=TODAY)
    # site_proof: due 2024-10-11
    assert check(date(2024, 10, 8)) == (0, 0)           # 3 working days before
    flagged, queued = check(date(2024, 10, 9))            # 2 working days before
    assert flagged == 0 and queued == 2                   # one SMS, one e-mail for the case
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {m.channel for m in messages} == {"sms", "email"} and all(m.kind == "deferral_reminder" for m in messages)
    assert case.number in messages[0].body and "台址使用证明" in messages[0].body
    assert check(date(2024, 10, 10)) == (0, 0)            # deduplicated
    flagged, queued = check(date(2024, 10, 14))
    assert flagged == 1 and queued == 2
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "deferral_overdue")) == 2


# --- applicants and their identifiers (domain.md §7) -----------------------------------------------------

@pytest.mark.parametrize("kind, raw, value", [
    ("organisation", "91441800123456788U", "91441800123456788U"),
    ("organisation", "914418000000001070", "914418000000001070"),
    ("organisation", " 91441800123456788u ", "91441800123456788U"),
    ("person", "441802199001010017", "441802199001010017"),
    ("person", "11010519491231002x", "11010519491231002X"),
])
def test_valid_identifiers(ctx, kind, raw, value):
    assert intake.check_applicant_code(kind, raw, "", TODAY) == value


@pytest.mark.parametrize("kind, raw, fragment", [
    ("organisation", "9144180012345678", "应为18位"),
    ("organisation", "91441800I23456788U", "第9位"),
    ("organisation", "", "未填写"),
    ("person", "441802199001010018", "校验位"),
    ("person", "441802199002300016", "不是有效日期"),
    ("person", "441802209901010014", "晚于今天"),
])
def test_malformed_identifiers_are_errors_naming_the_field(ctx, kind, raw, fragment):
    with pytest.raises(WorkflowError) as err:
        intake.check_applicant_code(kind, raw, "有理由也不行", TODAY)
    assert err.value.field == "id_code" and fragment in err.value.message


def test_wrong_credit_check_character_is_overridable_with_a_reason(env):
    wrong = "91441800123456788A"
    with pytest.raises(WorkflowError) as err:
        intake.register_applicant(kind="organisation", name="早期试点单位", id_code=wrong, by=env.clerk, on=TODAY)
    assert err.value.field == "code_override_reason" and "校验位" in err.value.message
    a = intake.register_applicant(kind="organisation", name="早期试点单位", id_code=wrong, by=env.clerk, on=TODAY,
                                  override_reason="2015年试点代码，已核对营业执照原件")
    assert a.id_code == wrong and a.code_override_reason == "2015年试点代码，已核对营业执照原件"
    note = db.session.scalar(select(Event.note).where(Event.action == "applicant_create"))
    assert "放行理由" in note and wrong not in note      # masked in the audit trail


def test_a_valid_code_keeps_no_override_reason(env):
    a = intake.register_applicant(kind="person", name="张三", id_code="441802199001010017", by=env.clerk, on=TODAY,
                                  override_reason="不需要")
    assert a.code_override_reason is None


def test_registered_twice_is_refused(env):
    with pytest.raises(WorkflowError, match="已登记为申请人“清远北江通信有限公司”"):
        intake.register_applicant(kind="organisation", name="另一个名字", id_code=ORG_CODE, by=env.clerk, on=TODAY)


@given(kind=st.sampled_from(["organisation", "person", "robot"]), raw=st.text(max_size=30),
       reason=st.text(max_size=5))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_identifiers_never_crash(ctx, kind, raw, reason):
    try:
        value = intake.check_applicant_code(kind, raw, reason, TODAY)
    except WorkflowError as err:
        assert err.field in ("kind", "id_code", "code_override_reason")
    else:
        assert len(value) == 18


def test_query_code_is_stored_hashed(env):
    service = item("ST-NEW")
    case, code = intake.submit(service, env.applicant, channel="window", single_window=True, visits=1, materials={},
                               by=env.clerk, on=TODAY)
    assert len(code) == 10 and code not in case.query_hash
    assert intake.query_code_matches(case, code) and intake.query_code_matches(case, code.lower())
    assert not intake.query_code_matches(case, "ABCDEFGHJK")
    assert all(m.status == "missing" for m in case.materials)
    assert db.session.get(Application, case.id).number.startswith("SQ2024")
