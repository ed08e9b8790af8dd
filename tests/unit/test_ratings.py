"""好差评 verbs: one rating per case per channel, 差评 work orders with their due date and steps, invitations."""
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from radiolic.extensions import db
from radiolic.models import Applicant, Application, Event, OutboxMessage, Rating, User, WorkOrder
from radiolic.workflow import WorkflowError, intake, ratings
from tests.conftest import TODAY, item


def _case(number: str) -> Application:
    return db.session.scalar(select(Application).where(Application.number == number))


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def case(make_case, ctx):
    return _case(make_case("ST-NEW", "accepted"))


@pytest.fixture
def staff(make_user, ctx):
    """Users attached to the test's session: staff("clerk") (commits first: make_user writes in its own session)."""
    def make(role: str) -> User:
        db.session.commit()
        return db.session.get(User, make_user(role).id)
    return make


def test_a_good_rating_records_an_event_and_no_work_order(case):
    rating = ratings.rate(case, channel="online", level=5, tags=["fast"], comment="很快", on=TODAY)
    db.session.commit()
    assert (rating.level, rating.tags, rating.channel) == (5, ["fast"], "online")
    assert _count(WorkOrder) == 0
    event = db.session.scalars(select(Event).where(Event.application_id == case.id).order_by(Event.id.desc())).first()
    assert event.action == "rate" and event.actor == "申请人" and "非常满意" in event.note
    assert "很快" not in event.note        # free text from the public stays out of the audit trail


def test_one_online_rating_per_case_whichever_door(case, staff):
    ratings.rate(case, channel="online", level=4, on=TODAY)
    db.session.commit()
    # A later online attempt, through any of the three doors, is refused and shows the rating already given.
    for channel in ("online", "qr", "sms"):
        with pytest.raises(WorkflowError) as err:
            ratings.rate(case, channel=channel, level=5, on=date(2024, 9, 25))
        assert err.value.code == "conflict"
        assert err.value.message == "本案已于 2024-09-23 通过“网上查询页”评价为“满意”，每个案件只能网上评价一次。"
        db.session.rollback()
    # The window tablet rates the counter visit: another occasion, another rating.
    ratings.rate(case, channel="window", level=5, on=TODAY, window_user=staff("clerk"))
    db.session.commit()
    assert sorted(db.session.scalars(select(Rating.channel)).all()) == ["online", "window"]
    assert _count(WorkOrder) == 0


def test_the_database_backs_one_online_rating_per_case(case):
    db.session.add_all([Rating(application_id=case.id, channel="qr", level=5, on=TODAY),
                        Rating(application_id=case.id, channel="sms", level=5, on=TODAY)])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# (level, tags, comment, accepted?) — a 差评 (levels 1–2) needs a tag or a comment; other levels need neither.
BAD_NEEDS_REASON = [
    (1, [], "", False), (2, [], "   ", False), (2, ["slow"], "", True), (1, [], "等了两个小时", True),
    (3, [], "", True), (5, [], "", True),
]


@pytest.mark.parametrize("level, tags, comment, accepted", BAD_NEEDS_REASON)
def test_a_bad_rating_needs_a_reason(case, level, tags, comment, accepted):
    if not accepted:
        with pytest.raises(WorkflowError) as err:
            ratings.rate(case, channel="sms", level=level, tags=tags, comment=comment, on=TODAY)
        assert err.value.field == "tags" and "原因标签或填写评价意见" in err.value.message
        db.session.rollback()
        assert (_count(Rating), _count(WorkOrder)) == (0, 0)
    else:
        rating = ratings.rate(case, channel="sms", level=level, tags=tags, comment=comment, on=TODAY)
        db.session.flush()
        assert _count(WorkOrder) == (1 if rating.bad else 0)


# (how far intake got, whether online rating is open)
INTAKE_OUTCOMES = [("submitted", False), ("correction", True), ("refused", True), ("accepted", True)]


@pytest.mark.parametrize("step, open_", INTAKE_OUTCOMES)
def test_online_rating_opens_once_intake_has_an_outcome(make_case, ctx, staff, step, open_):
    case = _case(make_case("ST-NEW", "submitted"))
    clerk = staff("clerk")
    if step == "correction":
        intake.request_correction(case, items=[{"material": case.materials[0].code, "problem": "缺盖章"}],
                                  by=clerk, on=TODAY)
    elif step == "refused":
        intake.refuse(case, reason="不属于本机关职权范围", by=clerk, on=TODAY)
    elif step == "accepted":
        intake.accept(case, by=clerk, on=TODAY)
    assert ratings.intake_has_outcome(case) is open_
    if open_:
        assert ratings.rate(case, channel="qr", level=5, on=TODAY).channel == "qr"
    else:
        with pytest.raises(WorkflowError) as err:
            ratings.rate(case, channel="qr", level=5, on=TODAY)
        assert err.value.code == "refused" and "暂不能评价" in err.value.message


def test_a_bad_rating_opens_a_work_order_due_in_15_working_days(case):
    rating = ratings.rate(case, channel="sms", level=2, tags=["slow", "extra_materials"], on=TODAY)
    db.session.commit()
    order = db.session.scalar(select(WorkOrder).where(WorkOrder.rating_id == rating.id))
    # Mon 2024-09-23 + 15 working days: 09-29 and 10-12 are make-up working days, 10-01..10-07 holidays.
    assert (order.status, order.opened_on, order.due_on) == ("open", TODAY, date(2024, 10, 17))
    assert "差评" in db.session.scalars(select(Event.note).order_by(Event.id.desc())).first()


def test_the_follow_up_period_is_a_setting(make_app, make_user, make_applicant):
    app = make_app(BAD_RATING_FOLLOWUP_WORKDAYS=5)
    clerk_id, applicant_id = make_user("clerk").id, make_applicant()
    with app.app_context():
        clerk = db.session.get(User, clerk_id)
        case, _code = intake.submit(item("FP-NEW"), db.session.get(Applicant, applicant_id), channel="window",
                                    single_window=True, visits=1, materials={}, by=clerk, on=TODAY)
        ratings.rate(case, channel="window", level=1, tags=["attitude"], on=TODAY, window_user=clerk)
        # 24, 25, 26, 27 and the make-up working Sunday 29.
        assert db.session.scalar(select(WorkOrder.due_on)) == date(2024, 9, 29)


@pytest.mark.parametrize("kwargs, field", [
    ({"level": 0}, "level"), ({"level": 6}, "level"), ({"level": True}, "level"), ({"level": "5"}, "level"),
    ({"level": 5, "tags": ["slow"]}, "tags"), ({"level": 2, "comment": "长" * 501}, "comment"),
    ({"level": 5, "channel": "phone"}, "channel"),
])
def test_invalid_ratings_are_refused_and_write_nothing(case, kwargs, field):
    before = _count(Event)
    with pytest.raises(WorkflowError) as err:
        ratings.rate(case, **{"channel": "online", **kwargs}, on=TODAY)
    assert err.value.field == field
    db.session.rollback()
    assert (_count(Rating), _count(WorkOrder), _count(Event)) == (0, 0, before)


def test_window_ratings_name_the_clerk_and_other_channels_do_not(case, staff):
    clerk, reviewer = staff("clerk"), staff("reviewer")
    with pytest.raises(WorkflowError):
        ratings.rate(case, channel="window", level=5, on=TODAY)
    with pytest.raises(WorkflowError):
        ratings.rate(case, channel="window", level=5, on=TODAY, window_user=reviewer)
    with pytest.raises(WorkflowError):
        ratings.rate(case, channel="online", level=5, on=TODAY, window_user=clerk)
    rating = ratings.rate(case, channel="window", level=5, on=TODAY, window_user=clerk)
    assert rating.window_user_id == clerk.id


def _bad(case, clerk=None):
    rating = ratings.rate(case, channel="window" if clerk else "online", level=1, tags=["attitude"], on=TODAY,
                          window_user=clerk)
    db.session.flush()
    return db.session.scalar(select(WorkOrder).where(WorkOrder.rating_id == rating.id))


def test_work_order_verify_rectify_reply_callback(case, staff):
    order, handler = _bad(case), staff("clerk")
    with pytest.raises(WorkflowError, match="请先核实"):
        ratings.rectify(order, kind="rectify", action="x", by=handler, on=TODAY)
    ratings.verify(order, finding="等候 40 分钟属实", by=handler, on=TODAY)
    with pytest.raises(WorkflowError, match="请先整改"):
        ratings.reply(order, text="x", by=handler, on=TODAY)
    ratings.rectify(order, kind="rectify", action="增开窗口", by=handler, on=date(2024, 9, 24))
    ratings.reply(order, text="已增开窗口，感谢监督", by=handler, on=date(2024, 9, 25))
    assert order.status == "replied"
    sms = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "rating_reply"))
    assert sms.recipient == "13800138000" and "已增开窗口" in sms.body
    ratings.callback(order, view="认可答复", satisfied=True, by=handler, on=date(2024, 9, 26))
    db.session.commit()
    assert (order.status, order.closed_on, order.callback_satisfied) == ("closed", date(2024, 9, 26), True)
    assert not ratings.is_overdue(order, date(2024, 12, 1))
    actions = db.session.scalars(select(Event.action).where(Event.action.like("work_order%")).order_by(Event.id)).all()
    assert actions == ["work_order_verify", "work_order_rectify", "work_order_reply", "work_order_callback"]
    with pytest.raises(WorkflowError, match="已办结"):
        ratings.appeal(order, reason="x", by=handler, on=TODAY)


def test_the_rated_clerk_cannot_handle_their_own_bad_rating_but_may_appeal(case, staff):
    clerk, supervisor, other = staff("clerk"), staff("supervisor"), staff("clerk")
    order = _bad(case, clerk)
    with pytest.raises(WorkflowError) as err:
        ratings.verify(order, finding="没有问题", by=clerk, on=TODAY)
    assert err.value.code == "forbidden"
    ratings.appeal(order, reason="评价时申请人选错了窗口", by=clerk, on=TODAY)
    assert order.status == "appealed"
    with pytest.raises(WorkflowError, match="申诉中"):
        ratings.verify(order, finding="x", by=other, on=TODAY)
    with pytest.raises(WorkflowError, match="主管"):
        ratings.decide_appeal(order, uphold=True, decision="x", by=other, on=TODAY)
    ratings.decide_appeal(order, uphold=False, decision="监控显示确为本窗口办理", by=supervisor, on=TODAY)
    assert order.status == "open" and order.closed_on is None
    with pytest.raises(WorkflowError, match="申诉过一次"):
        ratings.appeal(order, reason="再次申诉", by=clerk, on=TODAY)


def test_an_upheld_appeal_closes_the_work_order(case, staff):
    order = _bad(case)
    ratings.appeal(order, reason="评价内容与本局服务无关", by=staff("clerk"), on=TODAY)
    ratings.decide_appeal(order, uphold=True, decision="属实", by=staff("supervisor"), on=date(2024, 9, 25))
    assert (order.status, order.closed_on) == ("appeal_upheld", date(2024, 9, 25))
    assert not ratings.is_overdue(order, date(2025, 1, 1))


def test_an_open_work_order_past_its_due_date_is_overdue(case):
    order = _bad(case)
    assert not ratings.is_overdue(order, date(2024, 10, 17))
    assert ratings.is_overdue(order, date(2024, 10, 18))


def test_completing_a_case_queues_one_rating_invitation_with_a_signed_link(make_case, ctx, staff):
    case = _case(make_case("ST-NEW", "submitted"))
    intake.refuse(case, reason="不属于本局管辖", by=staff("clerk"), on=TODAY)
    db.session.commit()
    invites = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "rating_invite")).all()
    assert len(invites) == 1 and invites[0].application_id == case.id
    token = invites[0].body.split("/rate/s/")[1].split()[0]
    assert ratings.case_for_token(token) is case
    assert ratings.invite_missing(TODAY) == 0                  # the cron safety net finds nothing left to do


def test_sms_tokens_are_signed_and_expire(case, monkeypatch):
    token = ratings.sms_token(case)
    assert ratings.case_for_token(token) is case
    assert ratings.case_for_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
    assert ratings.case_for_token("nonsense") is None
    import itsdangerous.timed
    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() - 31 * 86400)
    old = ratings.sms_token(case)
    monkeypatch.undo()
    assert ratings.case_for_token(old) is None


def test_cli_invites_completed_cases_that_were_missed(app, make_case, make_user):
    number = make_case("ST-NEW", "submitted")
    with app.app_context():
        case = _case(number)
        # Completed behind the ORM's back (an old import, say): the flush hook never saw it.
        db.session.execute(Application.__table__.update().where(Application.id == case.id)
                           .values(state="withdrawn", completed_on=TODAY, outcome_reason="申请人撤回"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["ratings", "invite"])
    assert result.exit_code == 0 and "1 条" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == "rating_invite")) == 1
    assert "0 条" in app.test_cli_runner().invoke(args=["ratings", "invite"]).output


def test_cli_prunes_old_lookup_attempts(app):
    from datetime import datetime
    from radiolic.models import Attempt
    with app.app_context():
        db.session.add_all([Attempt(scope="lookup", key="SQ1", at=datetime(2020, 1, 1)),
                            Attempt(scope="lookup", key="SQ2")])
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["lookup", "prune"])
    assert result.exit_code == 0 and "1 条" in result.output
