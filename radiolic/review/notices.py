"""The written instruments of the review stage, built from stored data: stop notices and decisions."""
from flask import current_app
from sqlalchemy import select

from ..documents import Notice
from ..documents.chinese_text import chinese_date
from ..extensions import db
from ..intake.notices import remedy, sentence, without_lead
from ..models import Application, ClockStop, Station
from ..vocabulary import StopKind

ART45 = "《中华人民共和国行政许可法》第四十五条"
STOP_BASIS = {
    "hearing": ART45, "tendering": ART45, "testing": ART45, "appraisal": ART45, "expert_review": ART45,
    "coordination": "《中华人民共和国无线电管理条例》第八十三条",
    "extension": "《中华人民共和国行政许可法》第四十二条第一款",
}


def _sentence(text: str) -> str:
    """End a reviewer's free text as a sentence (it is quoted into a formal paragraph)."""
    return sentence(without_lead(text))


def _office() -> str:
    return current_app.config["OFFICE_NAME"]


def _footer() -> list[str]:
    cfg = current_app.config
    return [f"联系电话：{cfg['OFFICE_PHONE']}　办理地点：{cfg['OFFICE_ADDRESS']}"]


def _opening(case: Application) -> str:
    return (f"你（单位）于{chinese_date(case.received_on)}提出的{case.service_item.name}申请"
            f"（申请编号：{case.number}），本机关已于{chinese_date(case.accepted_on)}受理。")


def _base(case: Application, title: str, doc_number: str, dated, paragraphs, table=()) -> Notice:
    return Notice(title=title, office=_office(), doc_number=doc_number, addressee=f"{case.applicant.name}：",
                  paragraphs=paragraphs, table=table, dated=dated, footer_lines=_footer(),
                  font_path=current_app.config.get("PDF_FONT_PATH"))


def stop_notice(case: Application, stop: ClockStop) -> Notice:
    """特别程序期限告知书 (Art. 45) or 延长审查期限告知书 (Art. 42)."""
    if stop.kind == "extension":
        title = "延长行政许可期限告知书"
        body = (f"因{stop.reason}，经本机关负责人批准，根据{STOP_BASIS['extension']}的规定，本申请的审查期限"
                f"延长{stop.expected_days}个工作日（自{chinese_date(stop.paused_on)}次日起计算）。")
    else:
        title = "特别程序期限告知书"
        body = (f"因本申请需要进行{StopKind.text_of(stop.kind)}（{stop.reason}），根据{STOP_BASIS[stop.kind]}的规定，"
                f"{StopKind.text_of(stop.kind)}所需时间不计算在行政许可期限内。预计所需时间为{stop.expected_days}个工作日，"
                f"自{chinese_date(stop.paused_on)}次日起暂停计算审查期限，{StopKind.text_of(stop.kind)}结束后恢复计算。")
    table = [("申请编号", case.number), ("申请事项", case.service_item.name),
             ("程序类别", StopKind.text_of(stop.kind)), ("预计时长", f"{stop.expected_days}个工作日")]
    if stop.resumed_on:
        table.append(("恢复计算日期", chinese_date(stop.resumed_on)))
    return _base(case, title, stop.doc_number, stop.paused_on, [_opening(case), body, "特此告知。"], table)


def extension_notice(case: Application, req) -> Notice:
    """延长行政许可期限告知书 (Art. 42 ¶1): the limit grows by the approved working days; it is not a stop."""
    from ..workflow import clock
    c = clock.compute(case, req.decided_on)
    statutory = case.statutory_days or 0
    body = (f"因{_sentence(req.reason)[:-1]}，本申请不能在{statutory}个工作日的法定期限内作出决定。"
            f"经本机关负责人批准，根据{STOP_BASIS['extension']}的规定，审查期限延长{req.days}个工作日，"
            f"办理期限由{chinese_date(c.due_statutory_unextended)}延长至{chinese_date(c.due_statutory)}。")
    table = [("申请编号", case.number), ("申请事项", case.service_item.name),
             ("法定审查期限", f"{statutory}个工作日"), ("延长期限", f"{req.days}个工作日"),
             ("原届满日期", chinese_date(c.due_statutory_unextended)), ("延长后届满日期", chinese_date(c.due_statutory))]
    return _base(case, "延长行政许可期限告知书", req.doc_number, req.decided_on, [_opening(case), body, "特此告知。"], table)


def _appeal_rights() -> str:
    return remedy()


def _stations(case: Application) -> list[Station]:
    return db.session.scalars(select(Station).where(Station.application_id == case.id).order_by(Station.seq)).all()


def _station_table(stations: list[Station], listed_limit: int) -> list[list[str]]:
    refused = [s for s in stations if s.outcome == "refused"]
    shown = stations if len(stations) <= listed_limit else refused
    rows = [["序号", "台站名称", "台址", "决定", "理由"]]
    rows += [[str(s.seq), s.station_name, s.address, "不予许可" if s.outcome == "refused" else "准予许可",
              s.refused_reason or ""] for s in shown]
    return rows if len(rows) > 1 else []


def decision_title(outcome: str) -> str:
    return "准予行政许可决定书" if outcome == "approve" else "不予行政许可决定书"


def decision_basis(case: Application, outcome: str, legal_basis: str = "") -> str:
    """The legal basis the decision cites."""
    if outcome == "reject":
        return f"{(legal_basis or '').strip()}和《中华人民共和国行政许可法》第三十八条第二款"
    return "、".join(b for b in (case.service_item.legal_basis, "《中华人民共和国行政许可法》第三十八条第一款") if b)


def decision_notice(case: Application, decision=None) -> Notice:
    """准予行政许可决定书 or 不予行政许可决定书 (Art. 38), listing approved and refused stations.

    `decision` defaults to the case's; the preview passes an unsaved one (rendered as a 样稿).
    """
    decision = decision if decision is not None else case.decision
    opening = _opening(case)
    if decision.outcome == "reject":
        paragraphs = [opening, f"经审查，你（单位）的申请不符合法定条件，理由如下：{_sentence(decision.reason)}",
                      f"根据{decision_basis(case, 'reject', decision.legal_basis)}的规定，"
                      "本机关决定不予行政许可。", _appeal_rights()]
        table = [("申请编号", case.number), ("申请事项", case.service_item.name), ("决定", "不予行政许可")]
        return _base(case, "不予行政许可决定书", decision.doc_number, decision.decided_on, paragraphs, table)
    stations = _stations(case)
    refused = [s for s in stations if s.outcome == "refused"]
    basis = decision_basis(case, "approve")
    paragraphs = [opening]
    if decision.reason:
        paragraphs.append(f"经审查，{_sentence(decision.reason)}")
    if stations:
        granted = len(stations) - len(refused)
        paragraphs.append(f"根据{basis}的规定，本机关决定准予行政许可：准予设置、使用无线电台（站）{granted}个"
                          + (f"；不予许可{len(refused)}个，理由见下表。" if refused else "。"))
    else:
        paragraphs.append(f"根据{basis}的规定，本机关决定准予行政许可。")
    limit = current_app.config["ISSUE_LIMIT_WORKDAYS"]
    paragraphs.append(f"本机关将自本决定作出之日起{limit}个工作日内颁发、送达相应的许可证件。")
    limit_rows = current_app.config["DECISION_STATION_TABLE_MAX"]
    if len(stations) > limit_rows:
        paragraphs.append(f"准予许可的台站共{len(stations) - len(refused)}个，以所颁发的电台执照为准；下表列出不予许可的台站。")
    if refused:
        paragraphs.append("对不予许可的台站，" + _appeal_rights())
    table = _station_table(stations, limit_rows) or [("申请编号", case.number), ("申请事项", case.service_item.name),
                                                      ("决定", "准予行政许可")]
    return _base(case, "准予行政许可决定书", decision.doc_number, decision.decided_on, paragraphs, table)


def withdrawal_notice(case: Application) -> Notice:
    """撤回准予行政许可决定书: an approval made before supply, withdrawn when the case is terminated."""
    decision = case.decision
    overdue = [m for m in case.materials if m.status == "deferred"]
    paragraphs = [
        _opening(case),
        f"本机关已于{chinese_date(decision.decided_on)}作出准予行政许可决定（{decision.doc_number}）。"
        "你（单位）未在《申请容缺受理承诺书》承诺的期限内补齐容缺材料，"
        f"理由：{_sentence(decision.withdrawal_reason)}",
        "根据你（单位）签署的《申请容缺受理承诺书》的约定，本机关决定撤回上述准予行政许可决定，"
        "并终止办理该申请；该决定未颁发的许可证件不再颁发。",
        _appeal_rights(),
    ]
    table = [["序号", "逾期未补齐的材料", "补齐期限"]] + [
        [str(i), m.name, chinese_date(m.due_on)] for i, m in enumerate(overdue, start=1)] if overdue else \
        [("申请编号", case.number), ("被撤回的决定", decision.doc_number)]
    return _base(case, "撤回行政许可决定书", decision.withdrawal_doc_number, decision.withdrawn_on, paragraphs, table)
