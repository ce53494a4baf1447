"""The complaint annexes of seed 000 as files: 6 客户投诉记录表 and 8 重大投诉事件处理报告 as
XLSX (openpyxl: merged cells, ADR 0006) and 8 as PDF (reportlab with its built-in CID font
STSong-Light, so Chinese renders without font files); 7 月份客户投诉处理统计月报表 as XLSX.

Builders take plain values already masked and localised by the caller and return bytes.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from dealercare.core.xlsx import escape_formula

THIN = Side(style="thin", color="888888")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")


def local(value, tz, fmt="%Y-%m-%d %H:%M"):
    return timezone.localtime(value, tz).strftime(fmt) if value else ""


def _safe(value):
    return escape_formula(str(value)) if value is not None else ""


def _form_sheet(ws, title, pairs, width=4):
    """A printable form: a title row, short label/value pairs two per row, long texts spanning
    the row. Returns the next free row."""
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1, _safe(title)).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    for col, w in zip("ABCD", (16, 30, 16, 30), strict=True):
        ws.column_dimensions[col].width = w
    short = [(label, value) for label, value, long in pairs if not long]
    row = 2
    for i, (label, value) in enumerate(short):
        r, col = row + i // 2, 1 + 2 * (i % 2)
        ws.cell(r, col, _safe(label)).font = Font(bold=True)
        ws.cell(r, col + 1, _safe(value))
        ws.cell(r, col).border = ws.cell(r, col + 1).border = BOX
    row += (len(short) + 1) // 2
    for label, value, long in pairs:
        if not long:
            continue
        ws.cell(row, 1, _safe(label)).font = Font(bold=True)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=width)
        cell = ws.cell(row, 2, _safe(value))
        cell.alignment = WRAP
        text = str(value or "")
        ws.row_dimensions[row].height = min(15 * (len(text) // 40 + text.count("\n") + 1), 300)
        for c in range(1, width + 1):
            ws.cell(row, c).border = BOX
        row += 1
    return row


def _bytes(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def record_xlsx(record) -> bytes:
    """Annex 6 客户投诉记录表: the form, then the handling log."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Complaint record")[:31]
    row = _form_sheet(ws, record["title"], record["fields"])
    row += 1
    ws.cell(row, 1, _("Handling log")).font = Font(bold=True)
    row += 1
    for col, head in enumerate((_("Time"), _("By"), _("Action"), _("What was said")), start=1):
        ws.cell(row, col, head).font = Font(bold=True)
    for line in record["log"]:
        row += 1
        for col, value in enumerate(line, start=1):
            ws.cell(row, col, _safe(value)).alignment = WRAP
    return _bytes(wb)


def report_xlsx(report) -> bytes:
    """Annex 8 重大投诉事件处理报告."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Major complaint report")[:31]
    row = _form_sheet(ws, report["title"], report["fields"])
    row += 1
    ws.cell(row, 1, _("Signatures")).font = Font(bold=True)
    for offset, label in enumerate((_("Reported by"), _("CS manager"), _("General manager"))):
        ws.cell(row + 1 + offset, 1, label)
        ws.cell(row + 1 + offset, 2, "")
        ws.cell(row + 1 + offset, 2).border = Border(bottom=THIN)
    return _bytes(wb)


def statistics_xlsx(stats, title) -> bytes:
    """Annex 7 月份客户投诉处理统计月报表: summary, by category, reason, department, channel,
    severity, store, then the month's complaints."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Monthly statistics")[:31]
    ws.merge_cells("A1:H1")
    ws["A1"] = _safe(title)
    ws["A1"].font = Font(bold=True, size=14)
    for col, w in zip("ABCDEFGH", (24, 12, 12, 12, 12, 14, 14, 16), strict=True):
        ws.column_dimensions[col].width = w
    row = 3
    for label, value in stats["summary_rows"]:
        ws.cell(row, 1, _safe(label)).font = Font(bold=True)
        ws.cell(row, 2, value)
        row += 1
    heads = (_("Count"), _("Share %"), _("Closed"), _("Breached"), _("Avg. hours to acknowledge"),
             _("Avg. hours to solution"))  # fmt: skip
    for section, groups in stats["sections"]:
        row += 1
        ws.cell(row, 1, _safe(section)).font = Font(bold=True)
        for col, head in enumerate(heads, start=2):
            ws.cell(row, col, head).font = Font(bold=True)
        for group in groups:
            row += 1
            values = (
                group["label"],
                group["count"],
                group["share"],
                group["closed"],
                group["breached"],
                group["avg_ack_hours"],
                group["avg_solution_hours"],
            )
            for col, value in enumerate(values, start=1):
                ws.cell(row, col, _safe(value) if col == 1 else value).border = BOX
    row += 2
    ws.cell(row, 1, _("Reasons")).font = Font(bold=True)
    for item in stats["by_reason"]:
        row += 1
        ws.cell(row, 1, _safe(item["category"]))
        ws.cell(row, 2, _safe(item["reason"]))
        ws.cell(row, 3, item["count"])
    listing = wb.create_sheet(_("Complaints")[:31])
    listing.append([_safe(h) for h in stats["list_head"]])
    for line in stats["list_rows"]:
        listing.append([_safe(v) if isinstance(v, str) else v for v in line])
    return _bytes(wb)


def report_pdf(report) -> bytes:
    """Annex 8 as a printable A4 PDF; STSong-Light is one of reportlab's built-in CID fonts
    (Adobe's Asian font packs are not embedded: any PDF reader supplies the glyphs)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title_style = ParagraphStyle("t", fontName="STSong-Light", fontSize=16, leading=22,
                                 alignment=1)  # fmt: skip
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    bold = ParagraphStyle("h", parent=body, fontSize=10)

    def p(text, style=body):
        return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=report["title"],
    )
    data = []
    short = [(label, value) for label, value, long in report["fields"] if not long]
    for i in range(0, len(short), 2):
        pair = short[i : i + 2] + [("", "")] * (2 - len(short[i : i + 2]))
        data.append([p(pair[0][0], bold), p(pair[0][1]), p(pair[1][0], bold), p(pair[1][1])])
    for label, value, long in report["fields"]:
        if long:
            data.append([p(label, bold), p(value), "", ""])
    widths = [28 * mm, 58 * mm, 28 * mm, 60 * mm]
    table = Table(data, colWidths=widths, repeatRows=0)
    spans = [("SPAN", (1, r), (3, r)) for r in range(len(short) // 2 + len(short) % 2, len(data))]
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        *spans,
    ]))  # fmt: skip
    signatures = Table(
        [[p(_("Reported by")), "", p(_("CS manager")), "", p(_("General manager")), ""]],
        colWidths=[22 * mm, 36 * mm, 22 * mm, 36 * mm, 24 * mm, 34 * mm],
    )
    signatures.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.black),
                ("LINEBELOW", (3, 0), (3, 0), 0.5, colors.black),
                ("LINEBELOW", (5, 0), (5, 0), 0.5, colors.black),
            ]
        )
    )
    doc.build([p(report["title"], title_style), Spacer(1, 6 * mm), table, Spacer(1, 12 * mm),
               signatures])  # fmt: skip
    return buffer.getvalue()
