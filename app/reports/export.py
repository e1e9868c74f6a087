"""Exports of the report views for the office: CSV (UTF-8 with a BOM, so Excel reads Chinese)
and Excel .xlsx, with Chinese headers, Chinese labels for codes (app.vocabulary) and times in
the town's zone (settings.town_timezone). `raw` keeps the codes and ISO UTC times, for
machines that read the export back."""

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Response

from app.vocabulary import VOCABULARIES

# (key in the row, Chinese header) or (key, header, kind): kind "time" is a UTC time shown in
# local time; any other kind names a vocabulary (app.vocabulary) or a report code list below.
Column = tuple[str, str] | tuple[str, str, str]
LOCAL_TIME = "%Y-%m-%d %H:%M"

# Codes only the reports give (their labels in the PWA come from its own strings).
REPORT_LABELS: dict[str, dict[str, str]] = {
    "segment_state": {"gap": "无人巡逻", "under": "人数不足", "ok": "正常", "future": "未到时间"},
    "window_state": {"not_started": "未开始", "in_progress": "进行中", "ended": "已结束"},
    "log_type": {
        "shift": "巡逻班次",
        "scan": "巡逻点打卡",
        "review": "组长复核",
        "gate_check": "校门口签到",
        "visitor": "访客登记",
        "hazard": "安全隐患",
        "hazard_event": "隐患处置",
        "roll_call": "就寝点名",
        "pupil_leave": "住宿生请销假",
        "village_form": "矛盾纠纷排查表",
        "safety_activity": "安全教育和演练",
        "defence_check": "技防检查",
        "defence_fault": "技防故障",
        "police_presence": "护学岗到岗",
        "duty_record": "领导值班",
    },
    "notice_issue": {
        "absent": "未到岗",
        "roster_late": "值班表迟交",
        "roster_not_submitted": "值班表未上报",
        "no_roster": "无值班表",
    },
    "subject_kind": {"group": "巡逻组", "school": "学校", "village": "村庄", "department": "部门"},
    "notice_status": {"draft": "草稿", "issued": "已印发", "withdrawn": "已撤销"},
    "night_state": {"held": "已点名", "missed": "未点名", "pending": "未到时间"},
    "form_state": {
        "on_time": "按时上报",
        "late": "迟报",
        "missing": "未报",
        "overdue": "逾期未报",
        "pending": "未到期",
    },
    # drills and technical defences
    "activity_kind": {"lesson": "安全、法制专题教育", "drill": "应急预案演练"},
    "device_kind": {"camera": "视频监控", "alarm": "入侵报警"},
    "check_result": {"ok": "正常", "fault": "故障"},
    "fault_status": {"open": "待维修", "fixed": "已维修待验收", "accepted": "已验收"},
    # police at the gate and leadership duty (issue 19)
    "post_state": {"present": "已到岗", "absent": "未到岗", "pending": "未到时间"},
    "duty_state": {
        "kept": "已值班",
        "not_kept": "未登记值班",
        "no_plan": "未排班",
        "pending": "未到时间",
    },
    "clock_flag": {
        "skew": "时钟偏差大",
        "clock_changed": "时钟被调整",
        "future": "时间在未来",
    },
}


def _labels(kind: str) -> Mapping[str, str]:
    if kind in REPORT_LABELS:
        return REPORT_LABELS[kind]
    _, labels = VOCABULARIES[kind]
    return {str(code): zh for code, (zh, _en) in labels.items()}


class Exporter:
    """How one export writes its values: labelled and local (the office), or raw."""

    def __init__(self, *, tz: str, raw: bool = False):
        self.tz = ZoneInfo(tz)
        self.raw = raw

    def value(self, value: Any, kind: str | None) -> Any:
        """A cell's value (str, number, or None) before the format's own quoting."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            if self.raw or kind != "time":
                return value.isoformat()
            return value.astimezone(self.tz).strftime(LOCAL_TIME)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return ("true" if value else "false") if self.raw else ("是" if value else "否")
        if isinstance(value, list | tuple | set):
            return "、".join(str(self.value(v, kind)) for v in value)
        if kind and kind != "time" and not self.raw and isinstance(value, str):
            labels = _labels(kind)
            # A clock flag may be several codes joined ("skew,clock_changed").
            return "、".join(labels.get(part, part) for part in value.split(","))
        return value

    def table(self, columns: Sequence[Column], rows: Iterable[dict]) -> Iterable[list[Any]]:
        yield [c[1] for c in columns]
        for row in rows:
            yield [self.value(row.get(c[0]), c[2] if len(c) > 2 else None) for c in columns]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    # A cell starting with = + - @ would be a formula in Excel; quote it as text.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().lstrip("_") or "report"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[dict],
    exporter: Exporter | None = None,
) -> Response:
    exporter = exporter or Exporter(tz="UTC", raw=True)
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in exporter.table(columns, rows):
        writer.writerow([_csv_cell(v) for v in line])
    return Response(
        content=buf.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": _disposition(filename)},
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    filename: str, columns: Sequence[Column], rows: Iterable[dict], exporter: Exporter
) -> Response:
    """One sheet, the header row frozen and bold, columns wide enough for Chinese text.
    Cells are written as values: a text starting with "=" stays text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING, WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(filename.rsplit(".", 1)[0][:31] or "report")
    sheet.freeze_panes = "A2"
    widths = [max(8, 2 * len(c[1]) + 2) for c in columns]
    for i, width in enumerate(widths):
        sheet.column_dimensions[_column_letter(i)].width = min(width, 40)
    bold = Font(bold=True)
    for n, line in enumerate(exporter.table(columns, rows)):
        cells = []
        for v in line:
            cell = WriteOnlyCell(sheet, value=v)
            if isinstance(v, str):
                cell.data_type = TYPE_STRING  # never a formula, whatever the text starts with
            if n == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return Response(
        content=out.getvalue(),
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": _disposition(filename)},
    )


def _column_letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def table_response(
    fmt: str, name: str, columns: Sequence[Column], rows: Iterable[dict], exporter: Exporter
) -> Response:
    """The export in the asked format; `name` without its extension."""
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", columns, rows, exporter)
    return csv_response(f"{name}.csv", columns, rows, exporter)


COVERAGE_DAY = [
    ("site_id", "场所编号"),
    ("site_name", "场所"),
    ("date", "日期"),
    ("covered_h", "巡逻覆盖小时"),
    ("under_h", "人数不足小时"),
    ("gap_h", "无人巡逻小时"),
    ("future_h", "未到时间小时"),
]
COVERAGE_SEGMENT = [
    ("site_id", "场所编号"),
    ("site_name", "场所"),
    ("date", "日期"),
    ("start", "开始", "time"),
    ("end", "结束", "time"),
    ("staff", "在岗人数"),
    ("state", "状态", "segment_state"),
]
COVERAGE_TOTAL = [
    ("site_id", "场所编号"),
    ("site_name", "场所"),
    ("days", "天数"),
    ("covered_h", "巡逻覆盖小时"),
    ("under_h", "人数不足小时"),
    ("gap_h", "无人巡逻小时"),
    ("days_with_gap", "有空档天数"),
    ("days_understaffed", "人数不足天数"),
]
GATE = [
    ("site_id", "学校编号"),
    ("site_name", "学校"),
    ("date", "日期"),
    ("window_name", "时段"),
    ("required", "应到人数"),
    ("checked_in", "实到人数"),
    ("shortfall", "人数不足"),
    ("staff_ids", "值班人员编号"),
    ("state", "时段状态", "window_state"),
    ("outside_window", "时段外签到人数"),
]
CHECKPOINTS = [
    ("site_name", "场所"),
    ("shift_id", "巡逻班次"),
    ("recorded_by_name", "记录人"),
    ("started_at", "开始", "time"),
    ("ended_at", "结束", "time"),
    ("status", "状态", "shift_status"),
    ("scans", "打卡数"),
    ("proven", "已核验"),
    ("typed", "手输"),
    ("unknown_method", "方式未知"),
    ("no_gps", "无定位"),
    ("far", "距离过远"),
    ("missed", "漏打卡点"),
]
LOGS = [
    ("type", "类型", "log_type"),
    ("id", "记录编号"),
    ("site_name", "场所"),
    ("recorded_by_name", "记录人"),
    ("device_id", "设备"),
    ("device_time", "设备时间", "time"),
    ("event_time", "校正时间", "time"),
    ("received_at", "到达服务器时间", "time"),
    ("clock_flag", "时钟标记", "clock_flag"),
    ("author_disabled", "账号已停用"),
    ("detail", "内容"),
]
ROSTER_NOTICE = [
    ("group_name", "巡逻组"),
    ("leader_name", "组长"),
    ("issue", "问题", "notice_issue"),
    ("detail", "情况"),
]
VISITORS = [
    ("site_name", "学校"),
    ("name", "来访人"),
    ("visiting", "被访人"),
    ("purpose", "事由"),
    ("state", "状态", "visitor_state"),
    ("approval", "被访人答复", "visitor_approval"),
    ("approved_by_name", "答复人"),
    ("approval_via", "答复方式", "approval_via"),
    ("approval_at", "答复时间", "time"),
    ("approval_recorded_by_name", "登记答复的门卫"),
    ("unapproved_entry", "未经同意进校"),
    ("vehicle_plate", "车牌"),
    ("goods", "物品"),
    ("pass_slip_no", "出门条编号"),
    ("entered_at", "登记时间", "time"),
    ("time_out", "离校时间", "time"),
    ("exit_flag", "出门核对"),
    ("recorded_by_name", "登记人"),
]
ASSESSMENT = [
    ("subject_kind", "考核对象类别", "subject_kind"),
    ("subject_name", "考核对象"),
    ("score", "得分"),
    ("label_zh", "考核项目"),
    ("due", "应完成"),
    ("kept", "已完成"),
    ("veto", "一票否决"),
    ("detail_zh", "说明"),
]
NOTICE_LINES: list[Column] = [
    ("number", "文号"),
    ("title", "标题"),
    ("status", "状态", "notice_status"),
    ("position", "序号"),
    ("subject_kind", "对象类别", "subject_kind"),
    ("subject_name", "对象"),
    ("detail_zh", "情况"),
    ("dropped", "已删除"),
    ("drop_reason", "删除理由"),
]
BOARDING_NIGHTS = [
    ("site_name", "学校"),
    ("dormitory_name", "宿舍"),
    ("night", "日期"),
    ("state", "点名", "night_state"),
    ("expected", "应到"),
    ("present", "实到"),
    ("missing", "不明去向"),
]
# drills and technical defences
DRILL_SCHOOLS = [
    ("site_name", "学校"),
    ("kind", "类别", "activity_kind"),
    ("every_days", "周期(天)"),
    ("last_held", "最近开展"),
    ("next_due", "应于"),
    ("overdue", "逾期"),
    ("days_overdue", "逾期天数"),
    ("held_in_period", "期间开展次数"),
]
DEFENCE_DEVICES = [
    ("site_name", "场所"),
    ("kind", "类别", "device_kind"),
    ("name", "设施"),
    ("location", "部位"),
    ("last_checked", "最近检查"),
    ("last_result", "检查结果", "check_result"),
    ("next_due", "应于"),
    ("days_overdue", "逾期天数"),
    ("open_faults", "未验收故障"),
]
# police at the gate and leadership duty (issue 19)
POLICE_WINDOWS = [
    ("site_name", "学校"),
    ("department", "部门", "department"),
    ("local_date", "日期"),
    ("window_kind", "时段", "window_kind"),
    ("window_name", "名称"),
    ("starts", "开始"),
    ("ends", "结束"),
    ("state", "到岗", "post_state"),
    ("officers", "警力人数"),
    ("officer_names", "姓名或警号"),
]
DUTY_DAYS = [
    ("site_name", "学校"),
    ("day", "日期"),
    ("state", "值班", "duty_state"),
    ("cadre_name", "值班领导"),
    ("substitute_name", "代班"),
    ("recorded_by_name", "登记人"),
    ("round_note", "带班巡查"),
]
HAZARDS = [
    ("id", "隐患编号"),
    ("site_name", "场所"),
    ("category", "类别", "hazard_category"),
    ("place_type", "场所类型", "hazard_place_type"),
    ("severity", "严重程度", "hazard_severity"),
    ("description", "描述"),
    ("status", "状态", "hazard_status"),
    ("department", "责任部门", "department"),
    ("due_date", "整改期限"),
    ("overdue", "已逾期"),
    ("within_300m", "周边300米内"),
    ("event_time", "发现时间", "time"),
]
DEVICES = [
    ("id", "设备编号"),
    ("label", "设备名称"),
    ("user_name", "使用人"),
    ("last_sync_at", "最近同步", "time"),
    ("last_seen_at", "最近在线", "time"),
    ("last_outbox_depth", "待上传记录数"),
    ("last_clock_offset_s", "时钟偏差(秒)"),
    ("max_abs_clock_offset_s", "最大时钟偏差(秒)"),
    ("revoked", "已吊销"),
]

# The month-end notice of the villages' dispute screening (月底通报).
VILLAGE_MONTH = [
    ("town_name", "镇"),
    ("village_code", "村庄编码"),
    ("village_name", "村庄"),
    ("district", "管区"),
    ("month", "月份"),
    ("state", "上报情况", "form_state"),
    ("handed_in_at", "上报时间", "time"),
    ("updated_at", "最后更正时间", "time"),
    ("petitions", "信访"),
    ("unstable_factors", "不稳定因素"),
    ("disputes", "矛盾纠纷"),
    ("disputes_open", "未化解"),
    ("disputes_resolved", "已化解"),
    ("clock_flag", "时钟", "clock_flag"),
]
VILLAGE_DISPUTES = [
    ("village_name", "村庄"),
    ("month", "月份"),
    ("summary", "纠纷简要情况"),
    ("parties", "当事人"),
    ("category", "类别", "dispute_category"),
    ("settled_in_village", "已在村内化解"),
    ("status", "化解情况", "dispute_status"),
    ("note", "说明"),
    ("updated_at", "更新时间", "time"),
]
