"""The statistics report: the headline paragraph, the indicator table and charts, as an A4 PDF (ReportLab)."""
import io
from datetime import date

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from ..documents import cjk_font
from ..vocabulary import RatingLevel

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PALETTE = [colors.HexColor(c) for c in ("#2f6fb0", "#4caf50", "#e0a100", "#c0392b", "#7f8c8d", "#8e44ad")]


def _plain(text: str, **values) -> str:
    return text % values if values else text


def percent(rate) -> str:
    """0.9583 → 95.8%; 1.0 → 100%; None → —."""
    if rate is None:
        return "—"
    value = round(rate * 100, 1)
    return f"{value:g}%"


def number(value) -> str:
    if value is None:
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def headline(ind: dict, label: str, _=_plain) -> str:
    """The report's opening paragraph, in the style of the office's annual report."""
    lic = ind["station_licences_issued"]
    text = _("%(period)s，共受理办结无线电行政许可审批业务%(completed)s件，核发中华人民共和国无线电频率使用许可证%(permits)s份，"
             "核发中华人民共和国无线电台执照%(total)s份（其中纸质版%(paper)s份，电子版%(electronic)s份）。",
             period=label, completed=ind["cases"]["completed"], permits=ind["permits_issued"], total=lic["total"],
             paper=lic["paper"], electronic=lic["electronic"])
    depth = ind["online_depth"]
    text += _("一窗受理率%(single)s，零跑动事项占比%(zero)s，减时间比率%(reduction)s，",
              single=percent(ind["single_window_rate"]), zero=percent(ind["zero_trip_item_rate"]),
              reduction=percent(ind["time_reduction_rate"]))
    if depth["level4_item_rate"] == 1.0:
        text += _("全部事项网办深度达到Ⅳ级，")
    else:
        text += _("网办深度最低为%(level)s级，", level=ROMAN.get(depth["min_level"], "—"))
    r = ind["ratings"]
    text += _("好差评评价覆盖率%(coverage)s，窗口服务“非常满意”率%(window)s，",
              coverage=percent(r["coverage"]), window=percent(r["window_very_satisfied_rate"]))
    text += _("未收到差评。") if r["bad"] == 0 else _("收到差评%(bad)s件，按时整改率%(fixed)s。", bad=r["bad"],
                                                     fixed=percent(r["bad_rectified_on_time_rate"]))
    return text


def indicator_rows(ind: dict, _=_plain) -> list[tuple[str, str, str]]:
    """(indicator, API key, value) for the report's table and the dashboard's tiles."""
    lic, r, d, t = ind["station_licences_issued"], ind["ratings"], ind["deferrals"], ind["turnaround_workdays"]
    depth = ind["online_depth"]
    return [
        (_("收件"), "cases.received", number(ind["cases"]["received"])),
        (_("受理"), "cases.accepted", number(ind["cases"]["accepted"])),
        (_("其中容缺受理"), "cases.accepted_with_deferral", number(ind["cases"]["accepted_with_deferral"])),
        (_("办结"), "cases.completed", number(ind["cases"]["completed"])),
        (_("核发频率使用许可证"), "permits_issued", number(ind["permits_issued"])),
        (_("核发电台执照"), "station_licences_issued.total", number(lic["total"])),
        (_("其中纸质执照"), "station_licences_issued.paper", number(lic["paper"])),
        (_("其中电子执照"), "station_licences_issued.electronic", number(lic["electronic"])),
        (_("一窗受理率"), "single_window_rate", percent(ind["single_window_rate"])),
        (_("零跑动事项占比率"), "zero_trip_item_rate", percent(ind["zero_trip_item_rate"])),
        (_("零跑动办件占比"), "zero_trip_case_rate", percent(ind["zero_trip_case_rate"])),
        (_("减时间比率"), "time_reduction_rate", percent(ind["time_reduction_rate"])),
        (_("实际减时间比率"), "actual_time_reduction_rate", percent(ind["actual_time_reduction_rate"])),
        (_("网办深度（最低）"), "online_depth.min_level", ROMAN.get(depth["min_level"], "—")),
        (_("网办深度Ⅳ级事项占比"), "online_depth.level4_item_rate", percent(depth["level4_item_rate"])),
        (_("平均办理用时（工作日）"), "turnaround_workdays.mean", number(None if t["mean"] is None else round(t["mean"], 2))),
        (_("办理用时中位数（工作日）"), "turnaround_workdays.median", number(t["median"])),
        (_("办理用时90百分位（工作日）"), "turnaround_workdays.p90", number(t["p90"])),
        (_("按承诺时限办结率"), "on_time_rate.promised", percent(ind["on_time_rate"]["promised"])),
        (_("按法定时限办结率"), "on_time_rate.statutory", percent(ind["on_time_rate"]["statutory"])),
        (_("首次通过率（无需补正）"), "first_time_right_rate", percent(ind["first_time_right_rate"])),
        (_("容缺受理件数"), "deferrals.cases", number(d["cases"])),
        (_("容缺材料（按期补齐/逾期）"), "deferrals.materials",
         f"{d['materials']}（{d['supplied_on_time']}/{d['overdue']}）"),
        (_("容缺终止办理"), "deferrals.terminated", number(d["terminated"])),
        (_("评价数"), "ratings.count", number(r["count"])),
        (_("好差评覆盖率"), "ratings.coverage", percent(r["coverage"])),
        (_("非常满意率"), "ratings.very_satisfied_rate", percent(r["very_satisfied_rate"])),
        (_("窗口非常满意率"), "ratings.window_very_satisfied_rate", percent(r["window_very_satisfied_rate"])),
        (_("好评率（基本满意及以上）"), "ratings.good_rate", percent(r["good_rate"])),
        (_("差评"), "ratings.bad", number(r["bad"])),
        (_("差评按时整改率"), "ratings.bad_rectified_on_time_rate", percent(r["bad_rectified_on_time_rate"])),
    ]


def prose(data: dict, label: str) -> list[tuple[str, list[str]]]:
    """The report's text as the office writes it (domain.md §6): sections of plain sentences built from the
    figures, before any table. Returns (section heading, paragraphs)."""
    ind = data["indicators"]
    lic, r, d, t = ind["station_licences_issued"], ind["ratings"], ind["deferrals"], ind["turnaround_workdays"]
    cases, depth = ind["cases"], ind["online_depth"]
    overall = (f"{label}，我局共受理无线电行政许可审批业务{cases['accepted']}件，办结{cases['completed']}件，"
               f"核发中华人民共和国无线电频率使用许可证{ind['permits_issued']}份，核发中华人民共和国无线电台执照"
               f"{lic['total']}份（其中纸质版{lic['paper']}份，电子版{lic['electronic']}份）。")
    if cases["accepted_with_deferral"]:
        overall += (f"其中容缺受理{cases['accepted_with_deferral']}件，涉及容缺材料{d['materials']}项，"
                    f"按期补齐{d['supplied_on_time']}项" + (f"，逾期{d['overdue']}项" if d["overdue"] else "")
                    + (f"，因未补齐终止办理{d['terminated']}件。" if d["terminated"] else "。"))
    service = (f"一窗受理率{percent(ind['single_window_rate'])}，零跑动事项占比率{percent(ind['zero_trip_item_rate'])}"
               f"（零跑动办件占比{percent(ind['zero_trip_case_rate'])}）；承诺办理时限较法定时限压缩，"
               f"减时间比率{percent(ind['time_reduction_rate'])}，实际办理用时较法定时限减少"
               f"{percent(ind['actual_time_reduction_rate'])}；")
    service += ("全部事项网办深度达到四级。" if depth["level4_item_rate"] == 1.0
                else f"网办深度最低为{ROMAN.get(depth['min_level'], '—')}级，四级事项占比{percent(depth['level4_item_rate'])}。")
    timing = []
    if t["mean"] is not None:
        timing.append(f"办结案件平均办理用时{number(round(t['mean'], 2))}个工作日，中位数{number(t['median'])}个工作日；"
                      f"按承诺时限办结率{percent(ind['on_time_rate']['promised'])}，"
                      f"按法定时限办结率{percent(ind['on_time_rate']['statutory'])}；"
                      f"首次提交即通过（无需补正）的比率为{percent(ind['first_time_right_rate'])}。")
    else:
        timing.append("本期没有办结的案件，办理时效指标不适用。")
    rating = (f"在好差评系统中，办事评价覆盖度{percent(r['coverage'])}，共收到评价{r['count']}条，"
              f"非常满意率{percent(r['very_satisfied_rate'])}；办事群众对窗口服务质量即时评议非常满意率"
              f"{percent(r['window_very_satisfied_rate'])}，")
    rating += ("无不满意评议。" if r["bad"] == 0 else
               f"收到不满意评议{r['bad']}条，差评按时整改率{percent(r['bad_rectified_on_time_rate'])}。")
    return [("一、总体情况", [overall]), ("二、便民利企", [service]), ("三、办理时效", timing),
            ("四、服务评价", [rating])]


def _bar_chart(title: str, font: str, categories: list[str], series: list[tuple[str, list]], *,
               stacked: bool = False, width: float = 160 * mm, height: float = 62 * mm) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName=font, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 28, 30, width - 150, height - 52
    chart.data = [values or [0] for _name, values in series] or [[0]]
    chart.categoryAxis.categoryNames = categories or [""]
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.forceZero = True
    if stacked:
        chart.categoryAxis.style = "stacked"
    for i in range(len(chart.data)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    if len(series) > 1:
        legend = Legend()
        legend.x, legend.y = width - 110, height - 24
        legend.fontName, legend.fontSize = font, 8
        legend.alignment = "right"
        legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, (name, _v) in enumerate(series)]
        drawing.add(legend)
    return drawing


def charts(data: dict, font: str, _=_plain) -> list[Drawing]:
    months = data["by_month"]
    labels = [m["key"][5:] for m in months]
    outcomes = [("issued", _("已发证")), ("rejected", _("不予许可")), ("not_accepted", _("不予受理")),
                ("withdrawn", _("撤回")), ("terminated", _("终止"))]
    shown = [(name, [m[key] for m in months]) for key, name in outcomes if any(m[key] for m in months)]
    licence_months = data["licences_by_month"]
    histogram = data["turnaround_histogram"]
    levels = {lvl: 0 for lvl in (5, 4, 3, 2, 1)}
    for cell in data["ratings_matrix"]:
        levels[cell["level"]] += cell["count"]
    return [
        _bar_chart(_("各月办结件数（按结果）"), font, labels, shown, stacked=True),
        # two charts, each on its own scale: 44 paper licences beside 19,159 electronic ones would be invisible
        _bar_chart(_("各月核发电子电台执照"), font, [m["key"][5:] for m in licence_months],
                   [(_("电子"), [m["electronic"] for m in licence_months])]),
        _bar_chart(_("各月核发纸质电台执照"), font, [m["key"][5:] for m in licence_months],
                   [(_("纸质"), [m["paper"] for m in licence_months])]),
        _bar_chart(_("办理用时分布（工作日）"), font, [str(h["days"]) for h in histogram],
                   [(_("办结件数"), [h["cases"] for h in histogram])]),
        _bar_chart(_("评价等级分布"), font, [_(RatingLevel.text_of(lvl)) for lvl in levels],
                   [(_("评价数"), list(levels.values()))]),
    ]


def render(data: dict, *, label: str, office: str, generated_on: date, font_path: str | None = None,
           annual: bool = True, item_names: dict[str, str] | None = None) -> bytes:
    """The report as PDF bytes: the office's prose report first, then the figures, the tables and the charts."""
    font = cjk_font(font_path).name
    names = item_names or {}
    title_style = ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=4 * mm)
    body = ParagraphStyle("body", fontName=font, fontSize=11.5, leading=20, firstLineIndent=23, spaceAfter=3 * mm,
                          wordWrap="CJK")
    heading = ParagraphStyle("heading", fontName=font, fontSize=13, leading=20, spaceBefore=3 * mm, spaceAfter=2 * mm)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=12, textColor=colors.grey, wordWrap="CJK")
    ind = data["indicators"]
    span = f"{ind['period']['from'][:4]}年度" if annual else label
    story = [Paragraph(escape(f"{office}{span}无线电行政许可工作情况报告"), title_style)]
    for title, paragraphs in prose(data, label):
        story.append(Paragraph(escape(title), heading))
        story += [Paragraph(escape(text), body) for text in paragraphs]
    story += [
        Paragraph("五、主要指标", heading),
        _table([["指标", "数值"]] + [[name, value] for name, _key, value in indicator_rows(ind)],
               font, [100 * mm, 64 * mm]),
        Paragraph("六、分事项办理情况", heading),
        _table([["事项", "收件", "受理", "办结", "平均用时", "承诺时限内", "法定时限内"]] + [
            [Paragraph(escape(names.get(r["key"], r["key"])), small), r["received"], r["accepted"], r["completed"],
             number(None if r["turnaround_mean"] is None else round(r["turnaround_mean"], 2)),
             percent(r["on_time_promised"]), percent(r["on_time_statutory"])] for r in data["by_item"]],
            font, [52 * mm, 14 * mm, 14 * mm, 14 * mm, 20 * mm, 25 * mm, 25 * mm]),
        Paragraph("七、图表", heading),
    ]
    for drawing in charts(data, font):
        story += [drawing, Spacer(1, 3 * mm)]
    story.append(Paragraph(escape(
        f"说明：统计期间 {ind['period']['from']} 至 {ind['period']['to']}；办结指发证、不予许可、不予受理、撤回或终止，"
        f"按办结日期统计；用时按工作日计，受理当日不计，暂停计时（听证、检测、专家评审、协调、延期）不计。"
        f"比率在分母为 0 时记为“—”。本报告由系统于 {generated_on.isoformat()} 根据办件数据生成。"), small))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm,
                            bottomMargin=18 * mm, title=f"{office}{label}工作情况报告", author=office,
                            creator="radiolic")
    doc.build(story, onFirstPage=_footer(font), onLaterPages=_footer(font))
    return out.getvalue()


def _table(rows: list[list], font: str, widths: list[float]) -> Table:
    table = Table([[c if isinstance(c, Paragraph) else str(c) for c in row] for row in rows], colWidths=widths,
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7b5")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return table


def _footer(font: str):
    def draw(canvas, doc):
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"— {doc.page} —")
        canvas.restoreState()
    return draw
