"""A statement or book as one sheet: the layout its HTML and its XLSX both print.

Each statement module turns its report dict (the SPEC §8 JSON) into a sheet spec
(`title`, `form` 表号, `unit` 编制单位, `period`, `columns` [(header, width, kind)],
`rows`, `styles` (per row: "", "total", "section"), `checks` (the tie-outs), `notes`,
`signatures`); `html(sheet)` and `xlsx(sheets)` print it, so the two formats never
disagree. Print rules (A4, 单位：元, page numbers, signatures kept with the table,
repeated header rows, amounts as numbers) live here and in reports.render.
"""
from __future__ import annotations

from decimal import Decimal

from plugins.money import fmt_thousands

SIGNATURES = ("单位负责人", "会计主管", "复核", "制表")


def check(label: str, left: Decimal, right: Decimal, left_name: str, right_name: str) -> dict:
    """A tie-out: two amounts that must be equal, and the sentence the statement prints."""
    ok = left == right
    detail = (f"{left_name} {fmt_thousands(left)} {'=' if ok else '≠'} {right_name} {fmt_thousands(right)}"
              + ("" if ok else f"，差额 {fmt_thousands(left - right)}"))
    return {"label": label, "ok": ok, "detail": detail}


def unplaced_note(accounts) -> list[str]:
    if not accounts:
        return []
    return ["未归入报表项目的科目（请在科目表中使用小企业会计准则科目代码）：" + "、".join(accounts)]


def subtitle(sheet: dict) -> str:
    form = f"{sheet['form']}    " if sheet.get("form") else ""
    return f"{form}编制单位：{sheet['unit']}    {sheet['period']}    单位：元"


def html(sheet) -> str:
    """One printable page set; a list of sheets prints each on its own pages (titled)."""
    from reports.render import render_html

    sheets = sheet if isinstance(sheet, list) else [sheet]
    sheets = [{**s, "signatures": s.get("signatures", SIGNATURES)} for s in sheets]
    return render_html("statement.html", title=sheets[0]["title"], sheets=sheets,
                       orientation=sheets[0].get("orientation", "portrait"))


def footer(sheet: dict) -> list[str]:
    lines = [f"{'✓' if c['ok'] else '✗ 不符'} {c['label']}：{c['detail']}" for c in sheet.get("checks", [])]
    lines += sheet.get("notes", [])
    roles = sheet.get("signatures", SIGNATURES)
    if roles:
        lines.append("    ".join(f"{role}：__________" for role in roles))
    return lines


def xlsx(sheets) -> bytes:
    """One workbook, one worksheet per sheet spec (reports.render.xlsx_bytes)."""
    from reports.render import xlsx_bytes

    specs = []
    for sheet in sheets:
        specs.append({
            "title": sheet["title"],
            "name": sheet.get("name", sheet["title"]),
            "subtitle": [subtitle(sheet)],
            "columns": sheet["columns"],
            "rows": [[None if v == "" else v for v in row] for row in sheet["rows"]],
            "styles": sheet.get("styles", []),
            "footer": footer(sheet),
            "orientation": sheet.get("orientation", "portrait"),
        })
    return xlsx_bytes(specs, as_of=sheets[0].get("as_of") if sheets else None)
