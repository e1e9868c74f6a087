"""CSV exports of the report views: UTF-8 with a BOM (so Excel reads Chinese), Chinese headers."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from urllib.parse import quote

from fastapi import Response

Column = tuple[str, str]  # (key in the row, Chinese header)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return "、".join(str(v) for v in value)
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


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[dict]) -> Response:
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([zh for _, zh in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _ in columns])
    ascii_name = filename.encode("ascii", "ignore").decode() or "report.csv"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        content=buf.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


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
    ("start", "开始"),
    ("end", "结束"),
    ("staff", "在岗人数"),
    ("state", "状态"),
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
    ("state", "时段状态"),
    ("outside_window", "时段外签到人数"),
]
CHECKPOINTS = [
    ("site_name", "场所"),
    ("shift_id", "巡逻班次"),
    ("recorded_by_name", "记录人"),
    ("started_at", "开始"),
    ("ended_at", "结束"),
    ("status", "状态"),
    ("scans", "打卡数"),
    ("proven", "已核验"),
    ("typed", "手输"),
    ("unknown_method", "方式未知"),
    ("no_gps", "无定位"),
    ("far", "距离过远"),
    ("missed", "漏打卡点"),
]
LOGS = [
    ("type", "类型"),
    ("id", "记录编号"),
    ("site_name", "场所"),
    ("recorded_by_name", "记录人"),
    ("device_id", "设备"),
    ("device_time", "设备时间"),
    ("event_time", "校正时间"),
    ("received_at", "到达服务器时间"),
    ("clock_flag", "时钟标记"),
    ("author_disabled", "账号已停用"),
    ("detail", "内容"),
]
ROSTER_NOTICE = [
    ("group_name", "巡逻组"),
    ("leader_name", "组长"),
    ("issue", "问题"),
    ("detail", "情况"),
]
VISITORS = [
    ("site_name", "学校"),
    ("name", "来访人"),
    ("visiting", "被访人"),
    ("purpose", "事由"),
    ("state", "状态"),
    ("approval", "被访人答复"),
    ("approved_by_name", "答复人"),
    ("approval_via", "答复方式"),
    ("approval_at", "答复时间"),
    ("approval_recorded_by_name", "登记答复的门卫"),
    ("unapproved_entry", "未经同意进校"),
    ("vehicle_plate", "车牌"),
    ("goods", "物品"),
    ("pass_slip_no", "出门条编号"),
    ("entered_at", "登记时间"),
    ("time_out", "离校时间"),
    ("exit_flag", "出门核对"),
    ("recorded_by_name", "登记人"),
]
HAZARDS = [
    ("id", "隐患编号"),
    ("site_name", "场所"),
    ("category", "类别"),
    ("place_type", "场所类型"),
    ("severity", "严重程度"),
    ("description", "描述"),
    ("status", "状态"),
    ("department", "责任部门"),
    ("due_date", "整改期限"),
    ("overdue", "已逾期"),
    ("within_300m", "周边300米内"),
    ("event_time", "发现时间"),
]
DEVICES = [
    ("id", "设备编号"),
    ("label", "设备名称"),
    ("user_name", "使用人"),
    ("last_sync_at", "最近同步"),
    ("last_seen_at", "最近在线"),
    ("last_outbox_depth", "待上传记录数"),
    ("last_clock_offset_s", "时钟偏差(秒)"),
    ("max_abs_clock_offset_s", "最大时钟偏差(秒)"),
    ("revoked", "已吊销"),
]
