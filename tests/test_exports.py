"""Exports for the office: CSV and Excel show the Chinese labels of codes and times in the
town's zone; ?raw=1 keeps the codes and ISO UTC times for machines."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from app.reports.export import XLSX_TYPE, Exporter
from tests.report_fixtures import add_hazard, add_shift, local

DAY = date(2026, 11, 23)  # a Monday


def _hazard(session, town):
    hazard = add_hazard(
        session,
        town.sites["a"],
        town.users["member_a1"],
        local(DAY, 9, 5),  # 09:05 in Shanghai = 01:05 UTC
        category="food_hygiene",
        severity="medium",
        description="=HYPERLINK(食堂冰箱温度过高)",
        status="assigned",
        department="market_regulation",
        due_date=date(2020, 1, 1),
    )
    session.commit()
    return hazard


def _csv_rows(res) -> list[dict]:
    return list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))


def test_the_hazard_csv_shows_chinese_labels_and_local_times(client, town, session, login):
    hazard = _hazard(session, town)
    res = client.get("/api/reports/hazards?format=csv", headers=login("supervisor"))
    assert res.status_code == 200
    [row] = [r for r in _csv_rows(res) if r["隐患编号"] == hazard.id]
    assert row["类别"] == "食品卫生"
    assert row["严重程度"] == "较重"
    assert row["状态"] == "已交办"
    assert row["责任部门"] == "工商所"
    assert row["已逾期"] == "是"
    assert row["发现时间"] == "2026-11-23 09:05"
    assert row["描述"].startswith("'=")  # never a formula in Excel


def test_raw_csv_keeps_the_codes_and_iso_utc_times_for_machines(client, town, session, login):
    hazard = _hazard(session, town)
    res = client.get("/api/reports/hazards?format=csv&raw=1", headers=login("supervisor"))
    [row] = [r for r in _csv_rows(res) if r["隐患编号"] == hazard.id]
    assert (row["类别"], row["严重程度"], row["状态"]) == ("food_hygiene", "medium", "assigned")
    assert row["责任部门"] == "market_regulation"
    assert row["已逾期"] == "true"
    assert row["发现时间"] == "2026-11-23T01:05:00+00:00"


def test_the_hazard_xlsx_opens_with_bold_chinese_headers_labels_and_local_times(
    client, town, session, login
):
    hazard = _hazard(session, town)
    res = client.get("/api/reports/hazards?format=xlsx", headers=login("supervisor"))
    assert res.status_code == 200
    assert res.headers["content-type"] == XLSX_TYPE
    assert ".xlsx" in res.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(res.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("隐患编号", "场所", "类别")
    assert sheet["A1"].font.bold
    row = dict(zip(header, next(r for r in rows[1:] if r[0] == hazard.id), strict=True))
    assert (row["类别"], row["状态"], row["责任部门"]) == ("食品卫生", "已交办", "工商所")
    assert row["发现时间"] == "2026-11-23 09:05"
    assert row["描述"] == "=HYPERLINK(食堂冰箱温度过高)"  # stored as text, not a formula
    assert sheet.cell(row=rows.index(tuple(row.values())) + 1, column=6).data_type == "s"


def test_every_report_exports_as_xlsx_and_the_checkpoint_sheet_labels_the_shift_status(
    client, town, session, login
):
    _hazard(session, town)
    add_shift(session, town.sites["a"], local(DAY, 8), local(DAY, 16), [town.users["member_a1"]])
    session.commit()
    period = f"from={DAY}&to={DAY}"
    for path in (
        f"/api/reports/coverage?{period}",
        f"/api/reports/coverage?{period}&timeline=false",
        f"/api/reports/coverage/summary?{period}",
        f"/api/reports/gate?{period}",
        f"/api/reports/checkpoints?{period}",
        "/api/reports/logs",
        f"/api/reports/rosters?{period}",
        "/api/reports/hazards",
        "/api/reports/devices",
    ):
        sep = "&" if "?" in path else "?"
        res = client.get(f"{path}{sep}format=xlsx", headers=login("supervisor"))
        assert res.status_code == 200, (path, res.text)
        sheet = load_workbook(io.BytesIO(res.content)).active
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(sheet["A1"].value)), path
    res = client.get(f"/api/reports/checkpoints?{period}&format=xlsx", headers=login("supervisor"))
    rows = list(load_workbook(io.BytesIO(res.content)).active.iter_rows(values_only=True))
    status = rows[0].index("状态")
    assert rows[1][status] in ("待组长确认", "已确认", "已退回", "巡逻中")
    assert rows[1][rows[0].index("开始")] == "2026-11-23 08:00"


def test_a_clock_flag_of_several_codes_is_labelled_each():
    exporter = Exporter(tz="Asia/Shanghai")
    assert exporter.value("skew,clock_changed", "clock_flag") == "时钟偏差大、时钟被调整"
    assert exporter.value("unheard_of", "clock_flag") == "unheard_of"
    assert Exporter(tz="Asia/Shanghai", raw=True).value("skew", "clock_flag") == "skew"
