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

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("reports", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["money"] = fmt_thousands
_env.filters["capital"] = capital


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

def xlsx_bytes(sheets) -> bytes:
    """A workbook from sheet specs, each a dict:

    title (merged, bold, centred), subtitle lines, columns [(header, width, kind)]
    with kind "text" | "money" | "number" | "integer" | "date" | "percent", rows (lists),
    totals (one row or None), footer lines (e.g. 大写, signatures), name (tab).
    Money cells are numbers with format #,##0.00 so Excel/WPS can sum them.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    formats = {"money": "#,##0.00", "number": "#,##0.##", "integer": "#,##0", "date": "yyyy-mm-dd",
               "percent": "0.00%", "text": "@"}
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.get("name", spec["title"])[:31])
        columns = spec["columns"]
        width = len(columns)
        last = get_column_letter(width)
        row = 1
        sheet.merge_cells(f"A1:{last}1")
        sheet["A1"] = spec["title"]
        sheet["A1"].font = Font(size=16, bold=True)
        sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[1].height = 28
        for line in spec.get("subtitle", []):
            row += 1
            sheet.merge_cells(f"A{row}:{last}{row}")
            sheet[f"A{row}"] = line
        row += 1
        header_row = row
        for col, (header, col_width, _) in enumerate(columns, start=1):
            cell = sheet.cell(row=row, column=col, value=header)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = box
            sheet.column_dimensions[get_column_letter(col)].width = col_width
        # wrapped headers get the height they need (a CJK character is two width units)
        lines = max(-(-2 * len(str(header)) // max(int(col_width) - 1, 1)) for header, col_width, _ in columns)
        if lines > 1:
            sheet.row_dimensions[header_row].height = 15 * lines
        body = list(spec.get("rows", []))
        if spec.get("totals"):
            body.append(spec["totals"])
        for values in body:
            row += 1
            for col, ((_, _, kind), value) in enumerate(zip(columns, values), start=1):
                if isinstance(value, Decimal):
                    value = float(value) if kind != "text" else fmt(value)  # openpyxl stores numbers as double
                cell = sheet.cell(row=row, column=col, value=value)
                cell.number_format = formats.get(kind, "General")
                cell.border = box
                if kind in ("money", "number", "integer", "percent"):
                    cell.alignment = Alignment(horizontal="right")
        if spec.get("totals"):
            for col in range(1, width + 1):
                sheet.cell(row=row, column=col).font = Font(bold=True)
        for index, line in enumerate(spec.get("footer", [])):
            row += 2 if index == 0 else 1
            sheet.merge_cells(f"A{row}:{last}{row}")
            sheet[f"A{row}"] = line
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
        sheet.print_title_rows = f"{header_row}:{header_row}"
        sheet.print_area = f"A1:{last}{row}"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.orientation = spec.get("orientation", "portrait")
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.oddFooter.center.text = "第 &P 页 共 &N 页"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
