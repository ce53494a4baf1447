"""What an uploaded file really is, from its first bytes (not its name); pure, no database.

Only photos, recordings and office documents are accepted; anything that a browser could run
(HTML, SVG, scripts) or that is unknown is refused, whatever its extension says.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    """A recognised file type: its MIME type, kind (image/audio/document) and extension."""

    content_type: str
    kind: str
    extension: str


JPEG = FileType("image/jpeg", "image", "jpg")
PNG = FileType("image/png", "image", "png")
GIF = FileType("image/gif", "image", "gif")
WEBP = FileType("image/webp", "image", "webp")
HEIC = FileType("image/heic", "image", "heic")
MP3 = FileType("audio/mpeg", "audio", "mp3")
WAV = FileType("audio/wav", "audio", "wav")
AMR = FileType("audio/amr", "audio", "amr")
M4A = FileType("audio/mp4", "audio", "m4a")
PDF = FileType("application/pdf", "document", "pdf")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document", "docx"
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document",
                "xlsx")  # fmt: skip
OLE = FileType("application/vnd.ms-office", "document", "doc")

HEAD_BYTES = 4096


def sniff(head: bytes, whole=None) -> FileType | None:
    """The type of a file from its first bytes; `whole` (a file object) is read for zips.

    Returns None for anything not on the list.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return HEIC
        if brand in (b"M4A ", b"M4B ", b"mp42", b"isom"):
            return M4A
        return None
    if head.startswith(b"#!AMR"):
        return AMR
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(whole)
    return None


def _office_zip(whole) -> FileType | None:
    """A .docx or .xlsx is a zip with its content types and main part; other zips are refused."""
    if whole is None:
        return None
    try:
        whole.seek(0)
        data = whole.read() if not hasattr(whole, "getbuffer") else whole.getvalue()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        whole.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None
