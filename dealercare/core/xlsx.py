"""A streaming XLSX writer: rows in, file bytes out while they are made, in flat memory.

Use it for exports of any size: `stream_xlsx(rows, columns)` yields the file chunk by chunk, so a
response can start at once and a million rows need no more memory than a hundred (openpyxl's
write-only mode must finish the whole file on disk before the first byte can leave). Strings are
written inline (no shared-string table to hold), the zip entries with data descriptors (no seek),
and a sheet that reaches Excel's 1,048,576 rows continues on a new sheet: no row cap.

Text cells are formula-safe (`escape_formula`): a value a spreadsheet would run as a formula gets
a leading quote. Dates and datetimes become real Excel dates, Decimals numbers with 2 decimals.
"""

import datetime
import decimal
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.http import StreamingHttpResponse

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A spreadsheet runs a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so a workbook) cannot hold at all.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MAX_CELL_CHARS = 32_767  # Excel's limit; longer text is cut there
MAX_SHEET_ROWS = 1_048_576  # Excel's limit, header row included
# Without ZIP64 a zip entry must stay under 2 GiB; a sheet that nears it continues on a new one
# (ZIP64 entries are not opened by every spreadsheet program).
MAX_SHEET_BYTES = 1_800_000_000
MAX_SHEET_TITLE = 31
COMPRESS_LEVEL = 1  # most of the saving for a fraction of the time of the default 6
BATCH_ROWS = 500  # rows encoded and compressed at a time

# Text that needs escape_formula: a formula trigger first, or a character to drop anywhere.
_NEEDS_CARE = re.compile(r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
_CENT = decimal.Decimal("0.01")
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# Cell styles (indexes into cellXfs of STYLES_XML).
_DATE, _DATETIME, _MONEY, _HEADER = 1, 2, 3, 4


def escape_formula(value):
    """A value a spreadsheet shows as text, never runs: risky text gets a leading quote.

    Characters a workbook cannot hold are dropped; values other than text are returned as is.
    """
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One column of an export: its header, how to read its value from a row, its width."""

    header: str
    value: Callable[[Any], Any]
    width: float = 14


def _xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column_letter(index):
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text_cell(ref, value):
    text = escape_formula(value if isinstance(value, str) else str(value))
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    if not text:
        return ""
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def _row(row_no, row, getters):
    """The XML of one row; text (most cells) takes a fast path, the rest goes through _cell."""
    parts = [f'<row r="{row_no}">']
    for letter, get in getters:
        value = get(row)
        if value.__class__ is str:
            if not value:
                continue
            if _NEEDS_CARE.search(value) or len(value) > MAX_CELL_CHARS:
                parts.append(_text_cell(f"{letter}{row_no}", value))
                continue
            if "&" in value or "<" in value or ">" in value:
                value = _xml_text(value)
            parts.append(
                f'<c r="{letter}{row_no}" t="inlineStr"><is><t xml:space="preserve">{value}'
                "</t></is></c>"
            )
        elif value is not None:
            parts.append(_cell(f"{letter}{row_no}", value))
    parts.append("</row>")
    return "".join(parts)


def _cell(ref, value):
    """The XML of one cell ("" for an empty one), its type and style chosen by the value."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return _text_cell(ref, value)
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return ""
        return (
            f'<c r="{ref}" s="{_MONEY}"><v>{value.quantize(_CENT, decimal.ROUND_HALF_UP):f}</v></c>'
        )
    if isinstance(value, float):
        return f'<c r="{ref}"><v>{value!r}</v></c>' if math.isfinite(value) else ""
    if isinstance(value, datetime.datetime):
        # The wall-clock time of the value's own zone: callers localise to the store's zone.
        serial = (value.replace(tzinfo=None) - _EXCEL_EPOCH) / datetime.timedelta(days=1)
        return f'<c r="{ref}" s="{_DATETIME}"><v>{serial!r}</v></c>'
    if isinstance(value, datetime.date):
        serial = (value - _EXCEL_EPOCH.date()).days
        return f'<c r="{ref}" s="{_DATE}"><v>{serial}</v></c>'
    return _text_cell(ref, value)


def sheet_title(title):
    """A valid sheet name: no []:*?/\\ and at most 31 characters."""
    title = _SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", str(title))).strip("' ")
    return title[:MAX_SHEET_TITLE] or "Sheet1"


class _Sink:
    """The zip's output: collects what zipfile writes until the stream hands it on.

    It has no seek() or tell(), so zipfile writes sizes in data descriptors after each entry.
    """

    def __init__(self):
        self._chunks = []

    def write(self, data):
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self):
        pass

    def drain(self):
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_xlsx(
    rows: Iterable,
    columns: Sequence[Column],
    *,
    title: str = "Sheet1",
    max_sheet_rows: int = MAX_SHEET_ROWS,
    max_sheet_bytes: int = MAX_SHEET_BYTES,
) -> Iterator[bytes]:
    """Yield an XLSX file of `rows` (any iterable), one column per `columns` entry, header first.

    Rows are read lazily, so pass an iterator over the database (e.g. queryset.iterator()) to
    keep memory flat. Past `max_sheet_rows` (header included) the rows go on to "title (2)"...
    """
    letters = [_column_letter(i) for i in range(len(columns))]
    header = "".join(
        f'<c r="{letter}1" t="inlineStr" s="{_HEADER}"><is><t xml:space="preserve">'
        f"{_xml_text(escape_formula(str(c.header)))}</t></is></c>"
        for letter, c in zip(letters, columns, strict=True)
    )
    head = _sheet_head(columns) + f'<row r="1">{header}</row>'
    getters = [(letter, c.value) for letter, c in zip(letters, columns, strict=True)]
    base_title = sheet_title(title)
    titles = []

    sink = _Sink()
    book = zipfile.ZipFile(
        sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
    )
    book.writestr("[Content_Types].xml", _CONTENT_TYPES)
    book.writestr("_rels/.rels", _ROOT_RELS)
    book.writestr("xl/styles.xml", _STYLES)
    yield sink.drain()  # the download starts now, before the first row is read
    rows = iter(rows)
    try:
        sheet = None
        row_no = sheet_bytes = 0
        batch = []
        for row in rows:
            if sheet is None or row_no >= max_sheet_rows or sheet_bytes >= max_sheet_bytes:
                if sheet is not None:
                    sheet_bytes += _write(sheet, batch)
                    sheet.write(_SHEET_TAIL)
                    sheet.close()
                titles.append(_numbered(base_title, len(titles) + 1))
                sheet = book.open(f"xl/worksheets/sheet{len(titles)}.xml", "w")
                _write(sheet, [head])
                sheet_bytes = 0  # counts rows only, so every sheet takes at least one batch
                row_no = 1
            row_no += 1
            batch.append(_row(row_no, row, getters))
            if len(batch) >= BATCH_ROWS:
                sheet_bytes += _write(sheet, batch)
                if chunk := sink.drain():
                    yield chunk
        if sheet is None:  # no rows: the header alone
            titles.append(base_title)
            sheet = book.open("xl/worksheets/sheet1.xml", "w")
            _write(sheet, [head])
        _write(sheet, batch)
        sheet.write(_SHEET_TAIL)
        sheet.close()
        book.writestr("xl/workbook.xml", _workbook(titles))
        book.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(titles)))
        book.close()
        yield sink.drain()
    finally:
        # Stopped early (the download was cancelled): release the database cursor at once.
        close = getattr(rows, "close", None)
        if close:
            close()


def _write(sheet, parts):
    data = "".join(parts).encode("utf-8", "replace")
    parts.clear()
    sheet.write(data)
    return len(data)


def _numbered(title, number):
    if number == 1:
        return title
    suffix = f" ({number})"
    return title[: MAX_SHEET_TITLE - len(suffix)] + suffix


def content_disposition(filename, fallback):
    """An attachment header naming the file in UTF-8 (RFC 5987) with an ASCII `fallback`."""
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", fallback)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(chunks, *, filename, fallback):
    """A streamed download of `chunks` (from stream_xlsx), never cached on the way."""
    response = StreamingHttpResponse(chunks, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback)
    response["Cache-Control"] = "no-store"
    return response


# --- the fixed parts of the package ----------------------------------------------------------

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_ROOT_RELS = (
    f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)

_STYLES = (
    f'{_XML_DECL}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)

_SHEET_TAIL = b"</sheetData></worksheet>"

# Known before the first row: every .xml part not named here is a worksheet, however many come.
_CONTENT_TYPES = (
    f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)


def _sheet_head(columns):
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
        for i, c in enumerate(columns, start=1)
    )
    return (
        f'{_XML_DECL}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        '<sheetFormatPr defaultRowHeight="15"/>'
        f"{f'<cols>{cols}</cols>' if cols else ''}<sheetData>"
    )


def _workbook(titles):
    sheets = "".join(
        f'<sheet name="{_xml_text(t).replace(chr(34), "&quot;")}" sheetId="{i}" r:id="rId{i}"/>'
        for i, t in enumerate(titles, start=1)
    )
    return (
        f'{_XML_DECL}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
    )


def _workbook_rels(count):
    sheets = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    return (
        f'{_XML_DECL}<Relationships xmlns="{_PKG_REL_NS}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )
