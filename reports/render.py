"""The one place reports are rendered: JSON (amounts as two-decimal strings), HTML
(jinja2, A4 print CSS) and XLSX (openpyxl, official-looking sheets).

A report builder returns plain data (dicts, lists, Decimals, dates); these
renderers turn the same data into each format, so the formats never disagree.
"""
import datetime
import io
import json
from decimal import Decimal

import jinja2

from plugins.money import fmt, fmt_thousands
from reports.capital import capital
from reports.viewkit import account_label, clause_title, plain

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["money"] = fmt_thousands
_env.filters["capital"] = capital
_env.filters["account"] = account_label
_env.filters["plain"] = plain
_env.filters["clause"] = clause_title


def _plain(value):
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(data) -> str:
    """JSON with every Decimal as a two-decimal string ("1234.50") and dates ISO."""
    return json.dumps(_plain(data), ensure_ascii=False, indent=2) + "\n"


def render_html(template: str, **context) -> str:
    """Render reports/templates/<template> (which extends base.html)."""
    return _env.get_template(template).render(**context)


# ---- XLSX -----------------------------------------------------------------

SIGNATURE = "单位负责人：__________    财务负责人：__________    复核：__________    制表：__________"
NOTHING = "无发现"
PAGE_FOOTER = "第 &P 页 共 &N 页"


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK characters count two."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _lines(text: str, width: float) -> int:
    """Lines a wrapped cell of `width` characters needs."""
    usable = max(int(width) - 1, 1)
    return sum(max(1, -(-_display_width(part) // usable)) for part in str(text).split("\n"))


def _signature_lines(line: str, width: float) -> list[str]:
    """A signature line too wide for a narrow sheet goes on two lines, never breaking
    between a signer and the blank to sign on ("制表：" / "__________")."""
    roles = line.split("    ")
    if "__________" not in line or _display_width(line) <= width - 2 or len(roles) < 2:
        return [line]
    half = (len(roles) + 1) // 2
    return ["    ".join(roles[:half]), "    ".join(roles[half:])]


def _bold_columns(style: str, width: int) -> set[int]:
    """The columns a row's style prints bold (a balance sheet's two sides print apart)."""
    half = width // 2
    columns = set()
    for word in style.split():
        if word.endswith("-left"):
            columns |= set(range(1, half + 1))
        elif word.endswith("-right"):
            columns |= set(range(half + 1, width + 1))
        elif word in ("total", "section"):
            columns |= set(range(1, width + 1))
    return columns


def _number_width(value, kind: str) -> int:
    """Characters a number takes in its cell's format (#,##0.00, #,##0, 0.00%)."""
    if kind == "percent":
        return len(f"{value * 100:.2f}%")
    if kind in ("number", "integer"):
        return len(f"{value:,.0f}")
    return len(f"{value:,.2f}")


def xlsx_bytes(sheets, as_of: str | None = None) -> bytes:
    """A workbook that prints: each sheet spec a dict of

    title (merged over the table's width, bold, centred), subtitle lines, columns
    [(header, width, kind)] with kind "text" | "money" | "number" (= "integer") | "decimal" | "date" |
    "percent", rows (lists), totals (one row or None), footer lines (大写, notes),
    name (tab), orientation, styles (per row, as the HTML's: "total" / "section" bold the
    row, "…-left" / "…-right" one side of a two-sided sheet). Numbers stay numbers (#,##0.00 money, #,##0 integers),
    long text wraps with the row's height set, an empty table gets one "无发现" line,
    every sheet ends with the signature block (unless its footer has one) and prints
    "第 N 页 共 M 页" at the foot of each page; `as_of` (判断日期 …) goes under the title.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    formats = {"money": "#,##0.00", "number": "#,##0", "integer": "#,##0", "decimal": "#,##0.00", "date": "yyyy-mm-dd",
               "percent": "0.00%", "text": "@"}
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.get("name", spec["title"])[:31])
        columns = spec["columns"]
        width = len(columns)
        last = get_column_letter(width)
        total_width = sum(w for _, w, _ in columns)

        def merged_line(row: int, text: str, **font) -> None:
            sheet.merge_cells(f"A{row}:{last}{row}")
            cell = sheet[f"A{row}"]
            cell.value = text
            cell.alignment = Alignment(wrap_text=True, vertical="center",
                                       horizontal="center" if font.get("size") else "left")
            if font:
                cell.font = Font(name=cell.font.name, **font)  # a nameless font prints its digits in a serif
            lines = _lines(text, total_width * (0.6 if font.get("size") else 1))
            sheet.row_dimensions[row].height = (28 if font.get("size") else 15) * lines

        row = 1
        merged_line(row, spec["title"], size=16, bold=True)
        subtitle = list(spec.get("subtitle", []))
        if as_of and not any(as_of in line for line in subtitle):
            subtitle.append(as_of)
        for line in subtitle:
            row += 1
            merged_line(row, line)
        row += 1
        header_row = row
        header_lines = 1
        for col, (header, col_width, _) in enumerate(columns, start=1):
            cell = sheet.cell(row=row, column=col, value=header)
            cell.font = Font(name=cell.font.name, bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = box
            sheet.column_dimensions[get_column_letter(col)].width = col_width
            header_lines = max(header_lines, _lines(header, col_width))
        sheet.row_dimensions[row].height = 15 * header_lines
        body = list(spec.get("rows", []))
        if not body:
            row += 1
            merged_line(row, spec.get("empty", NOTHING))
            for col in range(1, width + 1):
                sheet.cell(row=row, column=col).border = box
        if spec.get("totals") and body:
            body.append(spec["totals"])
        needed = {}
        styles = list(spec.get("styles") or [])
        for index, values in enumerate(body):
            row += 1
            lines = 1
            bold = _bold_columns(styles[index] if index < len(styles) else "", width)
            for col, ((_, col_width, kind), value) in enumerate(zip(columns, values), start=1):
                if isinstance(value, Decimal):
                    value = float(value) if kind != "text" else fmt(value)  # openpyxl stores numbers as double
                elif isinstance(value, float) and value != value:  # NaN
                    value = None
                if value is None:
                    value = "—" if kind == "text" else None
                cell = sheet.cell(row=row, column=col, value=value)
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                cell.number_format = formats.get(kind, "General") if (number or kind in ("text", "date")) else "@"
                cell.border = box
                if col in bold:
                    cell.font = Font(name=cell.font.name, bold=True)
                if number:
                    needed[col] = max(needed.get(col, 0), _number_width(value, kind))
                if kind in ("money", "number", "integer", "decimal", "percent"):
                    cell.alignment = Alignment(horizontal="right", vertical="top")
                else:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                    if isinstance(value, str):
                        lines = max(lines, _lines(value, col_width))
            sheet.row_dimensions[row].height = 15 * lines
        if spec.get("totals") and spec.get("rows"):
            for col in range(1, width + 1):
                cell = sheet.cell(row=row, column=col)
                cell.font = Font(name=cell.font.name, bold=True)
        for col, chars in needed.items():  # a figure wider than its column prints as ###
            dimension = sheet.column_dimensions[get_column_letter(col)]
            dimension.width = max(dimension.width, chars + 3)
        footer = list(spec.get("footer", []))
        if not any("__________" in line for line in footer):  # a sheet's own signers (会计主管, 纳税人…) stand alone
            footer.append(SIGNATURE)
        printed = sum(sheet.column_dimensions[get_column_letter(c)].width for c in range(1, width + 1))
        for line in (part for item in footer if item for part in _signature_lines(item, printed)):
            row += 1
            merged_line(row, line)
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.print_area = f"A1:{last}{row}"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = spec.get("orientation", "portrait")
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.oddFooter.center.text = PAGE_FOOTER
        sheet.evenFooter.center.text = PAGE_FOOTER
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
