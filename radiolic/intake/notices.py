"""Build the written instruments of intake from stored case data (rendered on demand, after the commit)."""
from datetime import date

from flask import current_app

from ..documents import Notice, render_notice
from ..documents.notice import render_bundle
from ..documents.chinese_text import chinese_date
from ..models import Application, Commitment, CorrectionNotice
from ..workflow.intake import broken_commitment_on, default_due, material
from ..texts import N_, Msg, Name

KINDS = {
    "receipt": N_("收件凭证"),
    "acceptance": N_("受理通知书"),
    "commitment": N_("申请容缺受理承诺书"),
    "deferral": N_("容缺受理通知书"),
    "correction": N_("补正材料通知书"),
    "refusal": N_("不予受理决定书"),
    "termination": N_("终止办理通知书"),
}

LICENSING_LAW = "《中华人民共和国行政许可法》"


def remedy(instrument: str = "本决定书", what: str = "本决定") -> str:
    """The right to review or sue: the 复议机关 (a setting) and both terms, with their legal basis."""
    body = current_app.config["APPEAL_REVIEW_BODY"]
    return (f"如不服{what}，可以自收到{instrument}之日起六十日内向{body}申请行政复议"
            "（《中华人民共和国行政复议法》第二十条），或者自收到"
            f"{instrument}之日起六个月内依法向人民法院提起行政诉讼（《中华人民共和国行政诉讼法》第四十六条）。")


def without_lead(text: str, lead: str = "经审查") -> str:
    """Free text quoted after the instrument's own "经审查，" must not repeat it."""
    text = (text or "").strip()
    while text.startswith(lead):
        text = text[len(lead):].lstrip("，,：: ")
    return text


def sentence(text: str) -> str:
    text = (text or "").strip()
    return text if text.endswith(("。", "！", "？", ".", "；")) else text + "。"


def _cfg(key: str):
    return current_app.config[key]


def _addressee(case: Application) -> str:
    return f"{case.applicant.name}："


def _footer() -> list[str]:
    return [f"地址：{_cfg('OFFICE_ADDRESS')}　联系电话：{_cfg('OFFICE_PHONE')}"]


def _status_url() -> str:
    return _cfg("PUBLIC_BASE_URL").rstrip("/") + "/status"


def _d(day: date | None) -> str:
    return chinese_date(day) if day else "—"


def _notice(case: Application, kind: str, *, doc_number: str, paragraphs: list[str], dated: date,
            table=(), **extra) -> Notice:
    return Notice(title=KINDS[kind], office=_cfg("OFFICE_NAME"), doc_number=doc_number, addressee=_addressee(case),
                  paragraphs=paragraphs, table=table, dated=dated, footer_lines=extra.pop("footer_lines", _footer()),
                  font_path=_cfg("PDF_FONT_PATH"), **extra)


def _code_line(query_code: str | None) -> str:
    return query_code or "已在收件时告知（见收件凭证）"


def receipt(case: Application, query_code: str | None = None) -> Notice:
    """收件凭证: what was received, with the case number and the query code."""
    status = {"received": "已收", "missing": "未提交", "defective": "有误，需补正", "deferred": "容缺后补",
              "supplied": "已补齐", "waived": "免交"}
    rows = [["序号", "材料名称", "类别", "收件情况"]] + [
        [str(i), m.name, "核心" if m.core else "可容缺", status.get(m.status, m.status)]
        for i, m in enumerate(case.materials, start=1)]
    return _notice(case, "receipt", doc_number=f"申请编号：{case.number}", dated=case.received_on, paragraphs=[
        f"本机关于{_d(case.received_on)}收到你（单位）提交的“{case.service_item.name}”申请材料，清单如下。"
        "是否受理将另行书面告知。",
        f"申请编号：{case.number}　查询码：{_code_line(query_code)}",
        f"可凭申请编号和查询码在 {_status_url()} 查询办理进度，或致电 {_cfg('OFFICE_PHONE')}。",
    ], table=rows, qr_url=_status_url(), qr_caption="扫码查询进度")


def acceptance(case: Application, query_code: str | None = None) -> Notice:
    """受理通知书 (《行政许可法》第三十二条)."""
    paragraphs = [
        f"你（单位）于{_d(case.received_on)}提出的“{case.service_item.name}”申请材料齐全、符合法定形式，"
        "根据《中华人民共和国行政许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。",
        f"本机关将自受理之日起{case.statutory_days}个工作日内作出决定（承诺{case.promised_days}个工作日内办结），"
        "听证、检测检验、专家评审等时间不计算在内。",
    ]
    promised = _d(case.due_promised)
    if case.commitments:
        paragraphs.append("本申请为容缺受理，待补材料及期限见《容缺受理通知书》，"
                          + ("材料补齐并核对前不予发证。" if _cfg("DEFER_DECIDE_BEFORE_SUPPLY")
                             else "材料补齐并核对后作出决定、颁发证件。"))
        latest = max((m.due_on for m in case.materials if m.was_deferred and m.due_on), default=None)
        if latest is not None and case.due_promised is not None and latest >= case.due_promised:
            # Never promise a completion earlier than the deferred materials are due: count from supply.
            from ..workflow import clock
            by = clock.load_calendar().add(latest, case.promised_days or 0)
            promised = (f"自容缺材料全部补齐之日起{case.promised_days}个工作日内"
                        f"（按最迟补齐期限{_d(latest)}计，不晚于{_d(by)}）")
            paragraphs[1] = (f"本机关将自受理之日起{case.statutory_days}个工作日内作出决定，承诺自容缺材料全部补齐之日起"
                             f"{case.promised_days}个工作日内办结，听证、检测检验、专家评审等时间不计算在内。")
    table = [("申请编号", case.number), ("查询码", _code_line(query_code)),
             ("查询办理进度", f"凭申请编号和查询码登录 {_status_url()}，或扫描下方二维码"),
             ("受理日期", _d(case.accepted_on)),
             ("承诺办结期限", promised if promised != _d(case.due_promised)
              else _due(case.due_promised, case.accepted_on, case.promised_days)),
             ("法定办结期限", _due(case.due_statutory, case.accepted_on, case.statutory_days))]
    return _notice(case, "acceptance", doc_number=case.acceptance_doc_number, dated=case.accepted_on,
                   paragraphs=paragraphs, table=table, qr_url=_status_url(), qr_caption="扫码查询进度")


PROVISIONAL_WORDING = "（暂按法定节假日推算，以国务院公布的放假安排为准）"


def _due(due: date | None, since: date | None, days: int | None = None) -> str:
    """A due date as printed; one that depends on provisional working days names its limit and the caveat."""
    if due is None or since is None:
        return _d(due)
    from ..workflow import clock
    if clock.load_calendar().provisional_from(since, due) is None:
        return _d(due)
    limit = f"{days}个工作日，至" if days is not None else ""
    return f"{limit}{_d(due)}{PROVISIONAL_WORDING}"


def _deferred_rows(case: Application, codes: list[str], dues: dict[str, date],
                   since: date | None = None) -> list[list[str]]:
    since = since or case.accepted_on or case.received_on
    return [["序号", "容缺材料", "补齐期限"]] + [
        [str(i), material(case, code).name, _due(dues[code], since)] for i, code in enumerate(codes, start=1)]


def commitment_letter(case: Application, commitment: Commitment | None = None, *, codes: list[str] = (),
                      on: date | None = None) -> Notice:
    """申请容缺受理承诺书, for the applicant to sign: from the stored commitment, or a draft for `codes`."""
    if commitment is not None:
        codes = list(commitment.materials)
        dues = {c: material(case, c).due_on or commitment.due_on for c in codes}
        signed_on, method = commitment.signed_on, commitment.method
    else:
        on = on or case.received_on
        dues = {c: default_due(case, material(case, c), on) for c in codes}
        signed_on, method = on, "窗口递交或网上上传"
    who = "本单位" if case.applicant.kind == "organisation" else "本人"
    code_name = "统一社会信用代码" if case.applicant.kind == "organisation" else "身份证号码"
    months = _cfg("CREDIT_BAN_MONTHS")
    paragraphs = [
        f"{who}（{code_name}：{case.applicant.id_code}）申请办理“{case.service_item.name}”，核心材料已齐全，"
        "下表所列非核心材料暂未能提供，现申请容缺受理，并郑重承诺：",
        f"一、在下表所列期限内通过{method}补齐全部容缺材料，所补材料真实、有效；",
        f"二、逾期未补齐的，同意终止办理本申请并记入{who}信用记录，{months}个月内不再适用容缺受理；",
        f"三、知悉材料补齐前不予发证，未按期补齐的后果由{who}承担。",
    ]
    return Notice(title=KINDS["commitment"], office=case.applicant.name, doc_number=f"申请编号：{case.number}",
                  addressee=f"{_cfg('OFFICE_NAME')}：", paragraphs=paragraphs,
                  table=_deferred_rows(case, codes, dues, signed_on), dated=signed_on, signature_block=True,
                  footer_lines=[f"本承诺书一式两份，申请人与{_cfg('OFFICE_NAME')}各执一份。"
                                + (f"签署人：{commitment.signed_by}。" if commitment else "")],
                  font_path=_cfg("PDF_FONT_PATH"))


def deferral(case: Application, commitment: Commitment) -> Notice:
    """容缺受理（补齐材料）通知书: the same materials and due dates, given once."""
    codes = list(commitment.materials)
    dues = {c: material(case, c).due_on or commitment.due_on for c in codes}
    paragraphs = [
        f"你（单位）于{_d(case.received_on)}提出的“{case.service_item.name}”申请（申请编号：{case.number}），"
        f"核心材料齐全，根据你（单位）签署的《申请容缺受理承诺书》（签署人：{commitment.signed_by}），"
        f"本机关于{_d(commitment.signed_on)}予以容缺受理。",
        f"请于下表所列期限前，通过{commitment.method}的方式补齐下列材料。材料补齐并经核对前，本机关可以继续审查，"
        + ("但不予发证；" if _cfg("DEFER_DECIDE_BEFORE_SUPPLY") else "但不作出许可决定、不予发证；")
        + "网上上传的材料经窗口核对后方视为补齐；"
        "逾期未补齐的，本机关将终止办理，并记入信用记录。",
    ]
    return _notice(case, "deferral", doc_number=commitment.doc_number, dated=commitment.signed_on,
                   paragraphs=paragraphs, table=_deferred_rows(case, codes, dues), closing_paragraphs=["特此通知。"])


def correction(case: Application, notice: CorrectionNotice) -> Notice:
    """补正材料通知书 (一次性告知)."""
    paragraphs = [
        f"你（单位）于{_d(case.received_on)}提出的“{case.service_item.name}”申请（申请编号：{case.number}），"
        "经审查，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的规定，"
        "现一次性告知你（单位）需要补正的全部内容如下：",
    ]
    if notice.seq > 1:
        paragraphs.append(f"（本案第{notice.seq}次补正告知，理由：{notice.reason}）")
    rows = [["序号", "材料", "需补正的内容"]] + [
        [str(i), it["name"], it["problem"]] for i, it in enumerate(notice.items, start=1)]
    tail = ["请按上述要求补正后，凭申请编号到窗口或在网上提交。补正材料提交前，办理期限不开始计算。",
            "特此通知。"]
    return _notice(case, "correction", doc_number=notice.doc_number, dated=notice.issued_on,
                   paragraphs=paragraphs, table=rows, closing_paragraphs=tail)


def refusal(case: Application, *, draft: tuple[str, str, date] | None = None) -> Notice:
    """不予受理决定书 (Art. 32 ¶1): reasons, legal basis, and where and when to apply for review or sue.

    `draft` (reason, document number line, date) builds the 样稿 shown before the refusal is made."""
    reason, doc_number, dated = draft or (case.outcome_reason, case.outcome_doc_number, case.completed_on)
    paragraphs = [
        f"你（单位）于{_d(case.received_on)}提出的“{case.service_item.name}”申请（申请编号：{case.number}），"
        f"经审查，{sentence(without_lead(reason))}",
        f"根据{LICENSING_LAW}第三十二条第一款的规定，本机关决定不予受理。",
        remedy(),
    ]
    return _notice(case, "refusal", doc_number=doc_number, dated=dated, paragraphs=paragraphs)


def termination(case: Application) -> Notice:
    """终止办理通知书: deferred materials overdue; names the basis and the remedy."""
    broken = [c for c in case.commitments if c.status == "broken"]
    overdue = [m for m in case.materials if m.status == "deferred"]
    paragraphs = [
        f"你（单位）申请的“{case.service_item.name}”（申请编号：{case.number}）于{_d(case.accepted_on)}容缺受理。"
        "你（单位）未在《申请容缺受理承诺书》承诺的期限内补齐材料。",
        f"理由：{sentence(without_lead(case.outcome_reason))}",
        "根据你（单位）签署的《申请容缺受理承诺书》的约定，本机关决定终止办理该申请。"
        f"该失信情况已记入信用记录，{_cfg('CREDIT_BAN_MONTHS')}个月内不再适用容缺受理。",
        remedy("本通知书"),
    ]
    rows = [["序号", "逾期未补齐的材料", "补齐期限"]] + [
        [str(i), m.name, _d(m.due_on)] for i, m in enumerate(overdue, start=1)] if overdue else ()
    if broken:
        paragraphs.insert(1, f"承诺书签署人：{broken[0].signed_by}，签署日期：{_d(broken[0].signed_on)}。")
    return _notice(case, "termination", doc_number=case.outcome_doc_number, dated=case.completed_on,
                   paragraphs=paragraphs, table=rows)


def available(case: Application) -> list[tuple[str, str, dict]]:
    """(kind, title, url args) of every instrument the case has, for the case page."""
    docs = [("receipt", KINDS["receipt"], {})]
    if case.accepted_on:
        docs.append(("acceptance", KINDS["acceptance"], {}))
    for c in case.commitments:
        docs += [("commitment", KINDS["commitment"], {"seq": c.id}), ("deferral", KINDS["deferral"], {"seq": c.id})]
    for n in case.corrections:
        title = Msg(N_("%(title)s（第%(n)s次）"), title=Name(KINDS["correction"]), n=n.seq) if n.seq > 1 \
            else KINDS["correction"]
        docs.append(("correction", title, {"seq": n.seq}))
    if case.state == "not_accepted" and case.outcome_doc_number:
        docs.append(("refusal", KINDS["refusal"], {}))
    if case.state == "terminated" and case.outcome_doc_number:
        docs.append(("termination", KINDS["termination"], {}))
    return docs


def build(case: Application, kind: str, *, seq: int | None = None, query_code: str | None = None,
          draft_codes: list[str] = (), on: date | None = None) -> Notice | None:
    """The Notice of `kind` for `case`, or None when the case has no such instrument."""
    if kind == "receipt":
        return receipt(case, query_code)
    if kind == "acceptance" and case.accepted_on:
        return acceptance(case, query_code)
    if kind in ("commitment", "deferral"):
        chosen = next((c for c in case.commitments if seq is None or c.id == seq), None)
        if chosen is not None:
            return commitment_letter(case, chosen) if kind == "commitment" else deferral(case, chosen)
        if kind == "commitment" and draft_codes and case.state == "submitted":
            return commitment_letter(case, codes=list(draft_codes), on=on)
        return None
    if kind == "correction":
        return next((correction(case, n) for n in case.corrections if seq is None or n.seq == seq), None)
    if kind == "refusal" and case.state == "not_accepted" and case.outcome_doc_number:
        return refusal(case)
    if kind == "termination" and case.state == "terminated" and case.outcome_doc_number:
        return termination(case)
    return None


def pdf(notice: Notice) -> bytes:
    return render_notice(notice)


def bundle(case: Application, query_code: str | None = None) -> list[Notice]:
    """The counter's print bundle: 收件凭证 (with the query code), then every other instrument of the case
    (受理通知书 with the code, 承诺书 and 容缺受理通知书, 补正材料通知书 or 不予受理决定书)."""
    docs = []
    for kind, _title, args in available(case):
        doc = build(case, kind, seq=args.get("seq"), query_code=query_code)
        if doc is not None:
            docs.append(doc)
    return docs


def bundle_pdf(docs: list[Notice]) -> bytes:
    return render_bundle(docs)


def credit_warning(case: Application, on: date) -> str:
    """Why deferred acceptance is closed to this applicant today ('' when it is open)."""
    mark = broken_commitment_on(case.applicant, on)
    return f"{mark.on.isoformat()}：{mark.reason}" if mark else ""
