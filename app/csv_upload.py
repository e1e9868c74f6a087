"""An uploaded CSV file, checked before anything is imported: every problem is collected and
answered at once as 422 with details [{"line", "field", "message"}, ...], where line is the
file's line number (the header is line 1). Nothing from a file with a problem is imported.

Files are UTF-8 with or without a BOM (Excel's "CSV UTF-8" adds one), first line = headers.
"""

import csv
import io

from fastapi import UploadFile
from pydantic import ValidationError

from app.errors import Invalid, validation_zh

Rows = list[tuple[int, dict[str, str]]]


def csv_bytes(file: UploadFile) -> bytes:
    """The upload's bytes; 422 for a file that is plainly not a CSV."""
    name = (file.filename or "").lower()
    if name and not name.endswith((".csv", ".txt")):
        raise Invalid(
            "Upload a .csv file (UTF-8).",
            message_zh="请上传 .csv 文件（UTF-8 编码）。",
            details=[{"field": "file", "message": "not a CSV", "message_zh": "不是 CSV 文件"}],
        )
    return file.file.read()


class Problems:
    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, line: int, field: str, message: str, *, zh: str) -> None:
        """One problem of a line, in English and (zh) Chinese: the admin screen lists them."""
        self.items.append({"line": line, "field": field, "message": message, "message_zh": zh})

    def add_validation(self, line: int, exc: ValidationError) -> None:
        for err in exc.errors():
            field = ".".join(str(p) for p in err.get("loc", ())) or "row"
            self.add(line, field, err.get("msg", "invalid"), zh=validation_zh(dict(err)))

    def raise_if_any(self) -> None:
        if not self.items:
            return
        first = self.items[0]
        n = len(self.items)
        raise Invalid(
            f"{n} problem{'s' if n > 1 else ''} in the CSV file; nothing was imported. "
            f"First: line {first['line']}, {first['field']}: {first['message']}",
            message_zh=f"CSV 文件中有 {n} 处问题，未导入任何内容。"
            f"第一处：第 {first['line']} 行，{first['field']}：{first['message_zh']}",
            details=self.items,
        )


def read_rows(content: bytes, columns: dict[str, bool]) -> Rows:
    """Decodes and parses the file; 422 for a wrong encoding or wrong headers."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            "The file is not UTF-8; save it as 'CSV UTF-8' and upload it again.",
            message_zh="文件不是 UTF-8 编码，请另存为“CSV UTF-8”后重新上传。",
            details=[
                {
                    "line": 0,
                    "field": "file",
                    "message": "not UTF-8",
                    "message_zh": "不是 UTF-8 编码",
                }
            ],
        ) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    headers = [h.strip() for h in (reader.fieldnames or [])]
    if not headers:
        raise Invalid(
            "The file is empty; the first line must name the columns.",
            message_zh="文件为空：第一行须为列名。",
            details=[
                {
                    "line": 1,
                    "field": "file",
                    "message": "no header line",
                    "message_zh": "没有列名行",
                }
            ],
        )
    problems = Problems()
    for h in headers:
        if h not in columns:
            problems.add(
                1,
                h,
                f"unknown column; use: {', '.join(columns)}",
                zh=f"未知的列，可用：{'、'.join(columns)}",
            )
    for name, required in columns.items():
        if required and name not in headers:
            problems.add(1, name, "required column is missing", zh="缺少必填的列")
    problems.raise_if_any()
    reader.fieldnames = headers
    rows: Rows = []
    for raw in reader:
        if None in raw:  # more cells than headers
            problems.add(
                reader.line_num, "row", "more cells than there are columns", zh="单元格比列多"
            )
        values = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(values.values()):
            continue  # blank line
        rows.append((reader.line_num, values))
    problems.raise_if_any()
    if not rows:
        raise Invalid(
            "The file has a header line but no rows to import.",
            message_zh="文件只有列名，没有要导入的行。",
            details=[
                {"line": 2, "field": "file", "message": "no rows", "message_zh": "没有数据行"}
            ],
        )
    return rows
