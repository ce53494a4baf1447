"""Reading a CSV or Excel file as rows, however a DMS or a clerk saved it; no database.

`inspect_file` looks at the start of a file: its format (by content, not by name), the text
encoding of a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030, others through charset-normalizer), the
sheet and the header row (the row that names the most known columns; a two-row header of merged
cells is read as one), and a few sample rows. `iter_rows` then streams the data rows with their
row numbers as the clerk sees them in Excel, skipping blank lines.

Anything that is not a readable table raises ImportFileError with a message for the clerk: a
damaged or password-protected workbook, binary data, an unknown or mixed encoding, a line of
megabytes, thousands of columns. Memory stays bounded: CSV is decoded as a stream, line by line.
"""

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

import charset_normalizer
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from . import cleaning
from .columns import ALL_COLUMNS, header_score, normalize_header

MSG_EMPTY = _("The file is empty.")
MSG_NOT_A_TABLE = _(
    "This is not a CSV or Excel file (it contains binary data). Upload a .csv, .xlsx or .xls file."
)
MSG_EXCEL_BROKEN = _(
    "The Excel file cannot be read: it is damaged, incomplete or password-protected. "
    "Open it in Excel, save it again and retry."
)
MSG_EXCEL_TOO_BIG = _(
    "The Excel file unpacks to more than %(max)s MB; split it into smaller files."
)
MSG_NO_SHEET = _("The workbook has no worksheet with data.")
MSG_ENCODING = _("The file's text encoding was not recognised. Save it as CSV UTF-8 and retry.")
MSG_MIXED_ENCODING = _(
    "Row %(row)s is not valid %(encoding)s text: the file mixes text encodings. "
    "Save it again as CSV UTF-8 and retry."
)
MSG_CSV_BROKEN = _("Row %(row)s cannot be read as CSV: %(error)s.")
MSG_LINE_TOO_LONG = _(
    "Row %(row)s is longer than %(max)s characters; this does not look like a table."
)
MSG_NO_HEADER = _(
    "No header row found: none of the first %(rows)s rows names a column Dealercare knows "
    "(e.g. 姓名, 手机, 车牌号, VIN). Check that this is the right file."
)
MSG_TOO_MANY_COLUMNS = _(
    "The table has %(count)s columns; Dealercare reads at most %(max)s. "
    "Delete the columns you do not need and retry."
)
MSG_COLUMN = _("Column %(n)s")

SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 30
SAMPLE_ROWS = 3
MAX_COLUMNS = 1000
MAX_LINE_CHARS = 4 * 1024 * 1024
MAX_UNPACKED_BYTES = 2 * 1024**3
HEADER_DISPLAY_CHARS = 60
DELIMITERS = (",", "\t", ";", "|")
ZIP_MAGIC, OLE_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

csv.field_size_limit(MAX_LINE_CHARS)


class ImportFileError(Exception):
    """The file cannot be read as a table; `message` tells the clerk why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Table:
    """What inspect_file learned about a file: where the data is and what its columns are."""

    format: str  # csv, xlsx, xls, ods
    encoding: str = ""
    delimiter: str = ","
    sheet_name: str = ""
    header_row: int = 1  # row number (1-based) of the last header row
    headers: list = field(default_factory=list)  # display text per column
    header_keys: list = field(default_factory=list)  # the text a column's field is guessed from
    rows_estimate: int = 0
    samples: list = field(default_factory=list)  # a few data rows, as text


# --- format and encoding ---------------------------------------------------------------------


def sniff_format(head):
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE_MAGIC):
        return "xls"
    return "csv"


def _decode_error(data, encoding, final):
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=final)
    except UnicodeDecodeError as error:
        return error
    return None


def _decodes(data, encoding, final):
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(data, final=final)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def detect_encoding(sample, final):
    """The codec of a CSV sample: a BOM, else UTF-8, else GB18030 (GBK/GB2312 are subsets; what
    Chinese Excel writes), else charset-normalizer's best guess. Short GBK samples fool
    charset-normalizer (it answers cp949 or nothing), hence the explicit order."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf8_error = None
    if b"\x00" not in sample:
        utf8_error = _decode_error(sample, "utf-8", final)
        if utf8_error is None:
            return "utf-8"
        if _decodes(sample, "gb18030", final):
            return "gb18030"
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        if utf8_error is not None and b"\n" in sample[: utf8_error.start]:
            # Valid UTF-8 lines, then something else: name the first line that breaks.
            row = sample[: utf8_error.start].count(b"\n") + 1
            raise ImportFileError(MSG_MIXED_ENCODING % {"row": row, "encoding": "UTF-8"})
        raise ImportFileError(MSG_NOT_A_TABLE if b"\x00" in sample else MSG_ENCODING)
    encoding = codecs.lookup(best.encoding).name
    if not _decodes(sample, encoding, final):
        raise ImportFileError(MSG_ENCODING)
    text = str(best)
    if "\x00" in text or sum(ch.isprintable() or ch in "\r\n\t" for ch in text) < 0.95 * len(text):
        raise ImportFileError(MSG_NOT_A_TABLE)
    return encoding


def sniff_delimiter(lines):
    """The delimiter that splits the first lines into the most columns, consistently."""
    best, best_count = ",", 0
    for delimiter in DELIMITERS:
        counts = sorted(line.count(delimiter) for line in lines if line.strip())
        if not counts:
            continue
        median = counts[len(counts) // 2]
        if median > best_count:
            best, best_count = delimiter, median
    return best


# --- header ----------------------------------------------------------------------------------


def _is_blank_row(cells):
    return all(cleaning.is_blank(cell) for cell in cells)


def _text(cell):
    return cleaning.as_text(cell) if not cleaning.is_blank(cell) else ""


def _known(text):
    return bool(text) and normalize_header(text) in _KNOWN


_KNOWN = {normalize_header(w) for col in ALL_COLUMNS.values() for w in (col.key, *col.synonyms)}


def _combine(upper, lower):
    """Column texts of a two-row header: the lower cell, or upper + lower ("购车"+"日期"), or the
    upper cell alone where the lower is blank (a cell merged down)."""
    width = max(len(upper), len(lower))
    upper = [_text(c) for c in upper] + [""] * (width - len(upper))
    lower = [_text(c) for c in lower] + [""] * (width - len(lower))
    filled, last = [], ""
    for cell in upper:  # a merged upper cell spans the blanks to its right
        last = cell or last
        filled.append(last)
    texts = []
    for up, up_filled, low in zip(upper, filled, lower, strict=True):
        options = [low, up_filled + low] if low else [up]
        texts.append(next((t for t in options if _known(t)), options[0] or up_filled))
    return texts


def find_header(rows):
    """(index into rows, number of header rows, column texts) of the best header candidate."""
    best = None
    for i, (_number, cells) in enumerate(rows):
        single = [_text(c) for c in cells]
        candidates = [(header_score(single), 1, single)]
        if i + 1 < len(rows) and header_score(rows[i + 1][1]):
            combined = _combine(cells, rows[i + 1][1])
            candidates.append((header_score(combined), 2, combined))
        for score, height, texts in candidates:
            if best is None or score > best[0]:
                best = (score, i, height, texts)
    if best is None or best[0] == 0:
        raise ImportFileError(MSG_NO_HEADER % {"rows": HEADER_SEARCH_ROWS})
    _score, index, height, texts = best
    while texts and not texts[-1]:
        texts.pop()
    if len(texts) > MAX_COLUMNS:
        raise ImportFileError(MSG_TOO_MANY_COLUMNS % {"count": f"{len(texts):,}",
                                                      "max": f"{MAX_COLUMNS:,}"})  # fmt: skip
    return index, height, texts


def _finish(table, rows, extra_rows_estimate):
    index, height, texts = find_header(rows)
    table.header_row = rows[index + height - 1][0]
    table.header_keys = texts
    table.headers = [
        (t[:HEADER_DISPLAY_CHARS] if t else str(MSG_COLUMN % {"n": i + 1}))
        for i, t in enumerate(texts)
    ]
    data = rows[index + height :]
    table.samples = [
        [_sample_text(cell) for cell in cells[: len(texts)]] for _n, cells in data[:SAMPLE_ROWS]
    ]
    table.rows_estimate = max(0, extra_rows_estimate - table.header_row)
    return table


def _sample_text(cell):
    """A cell as the mapping screen shows it: short, and a mobile number masked."""
    text = _text(cell)[:40]
    if text and cleaning.fast_mobile(text) is not None:
        from dealercare.core.validators import mask_mobile

        return mask_mobile(cleaning.fast_mobile(text))
    return text


# --- CSV -------------------------------------------------------------------------------------


_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


class _Lines:
    """Decoded lines of a CSV, one at a time, refusing a line longer than MAX_LINE_CHARS.

    For UTF-8 and GB18030 each line is decoded on its own (a newline byte never occurs inside
    a character), so a line in another encoding is reported with its exact line number; other
    codecs (UTF-16) decode through a text stream.
    """

    LINE_SAFE = {"utf-8", "utf-8-sig", "gb18030", "ascii"}

    def __init__(self, binary, encoding):
        self.encoding = encoding
        self.line = 0
        if encoding in self.LINE_SAFE:
            self.binary = binary
            self.stream = None
            self.limit = MAX_LINE_CHARS * 4
        else:
            self.stream = io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline="")
            self.limit = MAX_LINE_CHARS

    def _too_long(self):
        return ImportFileError(MSG_LINE_TOO_LONG % {"row": self.line + 1,
                                                    "max": f"{MAX_LINE_CHARS:,}"})  # fmt: skip

    def _mixed(self):
        return ImportFileError(
            MSG_MIXED_ENCODING % {"row": self.line + 1, "encoding": _encoding_label(self.encoding)}
        )

    def __iter__(self):
        if self.stream is None:
            codec = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
            first = True
            while raw := self.binary.readline(self.limit):
                if len(raw) >= self.limit and not raw.endswith((b"\n", b"\r")):
                    raise self._too_long()
                if first and self.encoding == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                first = False
                try:
                    line = raw.decode(codec)
                except UnicodeDecodeError:
                    raise self._mixed() from None
                if len(line) > MAX_LINE_CHARS:
                    raise self._too_long()
                if "\r" in line[:-2]:  # old Mac line ends: a lone CR ends a line too
                    for part in _LONE_CR.split(line):
                        self.line += 1
                        yield part
                    continue
                self.line += 1
                yield line
            return
        while True:
            try:
                line = self.stream.readline(self.limit)
            except UnicodeDecodeError:
                raise self._mixed() from None
            if not line:
                return
            if len(line) >= self.limit and not line.endswith(("\n", "\r")):
                raise self._too_long()
            self.line += 1
            yield line


def _csv_records(binary, encoding, delimiter):
    """(row number, cells) of every CSV record, decoding strictly as a stream."""
    lines = _Lines(binary, encoding)
    reader = csv.reader(iter(lines), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(MSG_CSV_BROKEN % {"row": lines.line, "error": error}) from None
        number += 1
        yield number, cells


def _encoding_label(encoding):
    return {"gb18030": "GBK/GB18030", "utf-8-sig": "UTF-8", "utf-8": "UTF-8"}.get(
        encoding, encoding.upper()
    )


def _count_lines(path):
    """Lines of a file (a last line without a newline counts too), without decoding it."""
    count, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def _inspect_csv(path):
    with open(path, "rb") as f:
        sample = f.read(SAMPLE_BYTES)
        final = len(sample) < SAMPLE_BYTES
    encoding = detect_encoding(sample, final)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=final)
    lines = text.splitlines()[:50]
    if not final and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line
    table = Table(format="csv", encoding=encoding, delimiter=sniff_delimiter(lines[:20]))
    rows = []
    with open(path, "rb") as f:
        for number, cells in _csv_records(f, encoding, table.delimiter):
            if not _is_blank_row(cells):
                rows.append((number, cells))
            if len(rows) >= HEADER_SEARCH_ROWS + SAMPLE_ROWS or number > 10 * HEADER_SEARCH_ROWS:
                break
    if not rows:
        raise ImportFileError(MSG_EMPTY)
    return _finish(table, rows[: HEADER_SEARCH_ROWS + SAMPLE_ROWS], _count_lines(path))


# --- Excel -----------------------------------------------------------------------------------


def _check_zip(path):
    """A workbook is a zip: refuse a broken one, and one that unpacks to gigabytes (a zip bomb)."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise ImportFileError(MSG_EXCEL_BROKEN) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(MSG_EXCEL_TOO_BIG % {"max": MAX_UNPACKED_BYTES // 1024**2})


def _open_workbook(path):
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError, RuntimeError):
        raise ImportFileError(MSG_EXCEL_BROKEN) from None


def _sheet_rows(sheet, limit=None):
    rows = []
    try:
        for i, cells in enumerate(sheet.iter_rows()):
            if not _is_blank_row(cells):
                rows.append((i + 1, cells))
                if limit and len(rows) >= limit:
                    break
    except (CalamineError, ValueError, RuntimeError):
        raise ImportFileError(MSG_EXCEL_BROKEN) from None
    return rows


def _sheet_last_row(sheet):
    end = sheet.end
    return end[0] + 1 if end else 0


def _inspect_excel(path, fmt):
    if fmt == "xlsx":
        _check_zip(path)
    workbook = _open_workbook(path)
    best, first_error = None, None
    try:
        sheets = [
            meta.name for meta in workbook.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
        ]  # fmt: skip
        for name in sheets[:20]:
            try:
                sheet = workbook.get_sheet_by_name(name)
            except (CalamineError, ValueError, RuntimeError):
                raise ImportFileError(MSG_EXCEL_BROKEN) from None
            rows = _sheet_rows(sheet, HEADER_SEARCH_ROWS + SAMPLE_ROWS)
            if not rows:
                continue
            try:
                table = _finish(Table(format=fmt, sheet_name=name), rows, _sheet_last_row(sheet))
            except ImportFileError as error:
                first_error = first_error or error
                continue
            score = header_score(table.header_keys)
            if best is None or score > best[0]:
                best = (score, table)
    finally:
        workbook.close()
    if best is None:
        raise first_error or ImportFileError(MSG_NO_SHEET)
    return best[1]


# --- entry points ----------------------------------------------------------------------------


def inspect_file(path):
    """A Table describing the file at `path`, or ImportFileError."""
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise ImportFileError(MSG_EMPTY)
    fmt = sniff_format(head)
    if fmt == "csv":
        return _inspect_csv(path)
    return _inspect_excel(path, fmt)


def _repeats_header(cells, table):
    """A header row again (two exports pasted one under the other): skipped, not rejected."""
    keys = table.header_keys
    return (
        bool(keys) and bool(cells) and _text(cells[0]) == keys[0]
        and [_text(c) for c in cells[: len(keys)]] == keys
    )  # fmt: skip


def iter_rows(path, table):
    """(row number, cells) of every non-blank data row after the header, in file order."""
    if table.format == "csv":
        with open(path, "rb") as f:
            for number, cells in _csv_records(f, table.encoding, table.delimiter):
                if number <= table.header_row or _is_blank_row(cells):
                    continue
                if _repeats_header(cells, table):
                    continue
                yield number, cells
        return
    if table.format == "xlsx":
        _check_zip(path)
    workbook = _open_workbook(path)
    try:
        try:
            sheet = workbook.get_sheet_by_name(table.sheet_name)
            rows = sheet.iter_rows()
        except (CalamineError, ValueError, RuntimeError):
            raise ImportFileError(MSG_EXCEL_BROKEN) from None
        for i, cells in enumerate(rows):
            number = i + 1
            if number <= table.header_row or _is_blank_row(cells):
                continue
            if _repeats_header(cells, table):
                continue
            yield number, cells
    finally:
        workbook.close()
