"""Turning one spreadsheet cell (or one API value) into a typed value, or a reason why not; pure.

A DMS or a clerk writes dates as 2024-03-05, 2024/3/5, 2024年3月5日, 20240305 or an Excel serial,
numbers with thousands separators or currency signs, phone numbers with spaces or +86. Every
converter takes the raw value (str, int, float, bool, date or datetime: whatever the reader gave)
and returns the value to store, None for a blank cell, or raises CellError with the message the
clerk sees. The messages of mobile, VIN, plate and credit code are the validators' own, so a file,
the API and the web forms refuse the same values with the same words.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from phonenumbers.phonemetadata import PhoneMetadata

from dealercare.core.validators import (
    MSG_MOBILE_INVALID,
    MSG_PHONE_INVALID,
    MSG_PLATE_INVALID,
    normalize_mobile,
    normalize_phone,
    normalize_plate,
    normalize_vin,
    plate_is_valid,
    uscc_error,
    vin_error,
)

MSG_TOO_LONG = _("Too long: %(length)s characters, at most %(max)s.")
MSG_DATE = _("Not a date. Write it as 2024-03-05, 2024/3/5, 2024年3月5日 or 20240305.")
MSG_DATETIME = _("Not a date and time. Write it as 2024-03-05 14:30 (or a date alone).")
MSG_DATE_RANGE = _("The date %(date)s is not plausible (before 1900 or after 2100).")
MSG_NUMBER = _("Not a number.")
MSG_WHOLE_NUMBER = _("Not a whole number.")
MSG_NEGATIVE = _("Cannot be negative.")
MSG_MONEY_TOO_BIG = _("The amount is too large.")
MSG_NUMBER_TOO_BIG = _("The number is too large.")
MSG_YES_NO = _("Write yes or no (是/否).")
MSG_CHOICE = _("Unknown value. Use one of: %(choices)s.")
MSG_EMAIL = _("Not a valid email address.")

# A cell longer than this is refused whatever the field: no column of the archive needs more,
# and a 1 MB cell is a broken file, not data.
MAX_CELL_CHARS = 10_000
MAX_MONEY = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
MAX_INT = 2_147_483_647
EXCEL_EPOCH = datetime.date(1899, 12, 30)  # Excel's day 0 (the 1900 system, after its leap bug)
# Excel serials of plausible dates: 1 = 1900-01-01 ... 73050 = 2099-12-31.
EXCEL_SERIAL_RANGE = (1, 73050)
MIN_DATE, MAX_DATE = datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)


class CellError(Exception):
    """A cell's value cannot be used; `message` says why in the clerk's words."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def is_blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value):
    """The text of a cell: Excel's 13812345678.0 is '13812345678', a date is ISO."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def to_text(value, max_length=MAX_CELL_CHARS):
    """Plain text, stripped; control characters (NUL included) are dropped."""
    text = as_text(value)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text).strip()
    if len(text) > max_length:
        raise CellError(MSG_TOO_LONG % {"length": f"{len(text):,}", "max": f"{max_length:,}"})
    return text or None


def text_converter(max_length):
    def convert(value, tz=None):
        return to_text(value, max_length)

    convert.max_length = max_length
    return convert


# --- phones ----------------------------------------------------------------------------------

_CN = PhoneMetadata.metadata_for_region("CN")
_MOBILE_RE = re.compile(_CN.mobile.national_number_pattern)
_NOT_MOBILE_RE = re.compile(
    "|".join(
        f"(?:{desc.national_number_pattern})"
        for desc in (_CN.fixed_line, _CN.toll_free, _CN.premium_rate, _CN.shared_cost)
        if desc is not None and desc.national_number_pattern
    )
)
_NATIONAL_PREFIX_RE = re.compile(_CN.national_prefix_for_parsing or "(?!)")
_PHONE_NOISE = re.compile(r"[\s\-()（）]")
_ELEVEN_DIGITS = re.compile(r"1\d{10}")


def fast_mobile(raw):
    """normalize_mobile(raw), without phonenumbers' cost for the common 11-digit case.

    An 11-digit number that phonenumbers' own CN mobile pattern matches, and no other number
    type's pattern does, is exactly what normalize_mobile returns; anything else goes to
    normalize_mobile itself, so the answer is always the same (a test holds us to it).
    """
    text = as_text(raw)
    digits = _PHONE_NOISE.sub("", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if (
        len(digits) == 11
        and _ELEVEN_DIGITS.fullmatch(digits)
        and _MOBILE_RE.fullmatch(digits)
        and not _NOT_MOBILE_RE.fullmatch(digits)
        and not _NATIONAL_PREFIX_RE.match(digits)
    ):
        return digits
    return normalize_mobile(text)


def to_mobile(value, tz=None):
    if is_blank(value):
        return None
    mobile = fast_mobile(value)
    if mobile is None:
        raise CellError(MSG_MOBILE_INVALID)
    return mobile


def to_phone(value, tz=None):
    if is_blank(value):
        return None
    text = as_text(value)
    phone = fast_mobile(text) or normalize_phone(text)
    if phone is None:
        raise CellError(MSG_PHONE_INVALID)
    return phone


def phonenumbers_version():
    return phonenumbers.__version__


# --- identifiers -------------------------------------------------------------------------------


def to_vin(value, tz=None):
    if is_blank(value):
        return None
    vin = normalize_vin(as_text(value))
    if message := vin_error(vin):
        raise CellError(message)
    return vin


def to_plate(value, tz=None):
    if is_blank(value):
        return None
    plate = normalize_plate(as_text(value))
    if not plate_is_valid(plate):
        raise CellError(MSG_PLATE_INVALID)
    return plate


def to_uscc(value, tz=None):
    if is_blank(value):
        return None
    code = re.sub(r"\s", "", as_text(value)).upper()
    if message := uscc_error(code):
        raise CellError(message)
    return code


def to_email(value, tz=None):
    text = to_text(value, 254)
    if text is None:
        return None
    try:
        validate_email(text)
    except ValidationError:
        raise CellError(MSG_EMAIL) from None
    return text


def to_code(value, tz=None):
    """An order or repair order number: text, upper-cased, no inner spaces (40 characters)."""
    text = to_text(value, 40)
    return re.sub(r"\s", "", text).upper() if text else None


# --- dates -----------------------------------------------------------------------------------

_DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]+(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?"
)
_COMPACT_DATE_RE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?")
_SERIAL_RE = re.compile(r"\d{1,5}(?:\.\d+)?")


def _checked(date):
    if not MIN_DATE <= date <= MAX_DATE:
        raise CellError(MSG_DATE_RANGE % {"date": date.isoformat()})
    return date


def _from_serial(number):
    low, high = EXCEL_SERIAL_RANGE
    if not low <= number <= high:
        return None
    days = int(number)
    seconds = round((number - days) * 86400)
    return datetime.datetime.combine(
        EXCEL_EPOCH + datetime.timedelta(days=days), datetime.time()
    ) + datetime.timedelta(seconds=seconds)


def _parse_datetime(value, message):
    """A naive datetime (or an aware one from an ISO string with an offset) from any cell."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, bool):
        raise CellError(message)
    if isinstance(value, int | float):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            return _parse_datetime(str(int(number)), message)
        parsed = _from_serial(number)
        if parsed is None:
            raise CellError(message)
        return parsed
    text = as_text(value)
    match = _DATE_RE.fullmatch(text) or _COMPACT_DATE_RE.fullmatch(text)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        try:
            return datetime.datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise CellError(message) from None
    if _SERIAL_RE.fullmatch(text):
        parsed = _from_serial(float(text))
        if parsed is not None:
            return parsed
    try:  # ISO 8601 as an API sends it: 2024-03-05T14:30:00+08:00
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CellError(message) from None


def to_date(value, tz=None):
    if is_blank(value):
        return None
    if type(value) is str:
        return _date_of_text(value, tz)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return _checked(value)
    return _date_of(value, tz)


@lru_cache(maxsize=16_384)
def _date_of_text(text, tz):
    """A file's dates repeat (a few thousand days in ten years of rows): parsed once each."""
    return _date_of(text, tz)


def _date_of(value, tz):
    parsed = _parse_datetime(value, MSG_DATE)
    if parsed.tzinfo is not None and tz is not None:
        parsed = parsed.astimezone(tz)
    return _checked(parsed.date())


def to_datetime(value, tz):
    """An aware datetime; a time without an offset is the store's local time."""
    if is_blank(value):
        return None
    parsed = _parse_datetime(value, MSG_DATETIME)
    _checked(parsed.date())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(datetime.UTC)


# --- numbers ---------------------------------------------------------------------------------

_NUMBER_NOISE = re.compile(r"[\s,，_'¥￥$]|元|公里|千米|km|KM|Km|RMB|rmb|CNY")


def _decimal(value):
    if isinstance(value, bool):
        raise CellError(MSG_NUMBER)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _NUMBER_NOISE.sub("", as_text(value))
    factor = 1
    if text.endswith("万"):  # 1.5万 = 15,000
        text, factor = text[:-1], 10_000
    try:
        number = Decimal(text) * factor
    except InvalidOperation:
        raise CellError(MSG_NUMBER) from None
    if not number.is_finite():
        raise CellError(MSG_NUMBER)
    return number


def to_int(value, tz=None):
    """A whole number of at least 0 (mileage): '12,345', '12345 km', '1.2万' are accepted."""
    if is_blank(value):
        return None
    if type(value) is str:  # the common case, without Decimal: '154,472'
        digits = value.strip().replace(",", "")
        if digits.isascii() and digits.isdigit() and len(digits) < 10:
            return int(digits)
    number = _decimal(value)
    if number != number.to_integral_value():
        raise CellError(MSG_WHOLE_NUMBER)
    if number < 0:
        raise CellError(MSG_NEGATIVE)
    if number > MAX_INT:
        raise CellError(MSG_NUMBER_TOO_BIG)
    return int(number)


def to_money(value, tz=None):
    """An amount of at least 0 with two decimals: '¥12,345.6' → Decimal('12345.60')."""
    if is_blank(value):
        return None
    number = _decimal(value)
    if number < 0:
        raise CellError(MSG_NEGATIVE)
    number = number.quantize(Decimal("0.01"))
    if number > MAX_MONEY:
        raise CellError(MSG_MONEY_TOO_BIG)
    return number


# --- yes/no and choices ----------------------------------------------------------------------

YES = {"1", "y", "yes", "true", "t", "是", "有", "接受", "同意", "允许", "√", "✓", "✔", "对"}
NO = {"0", "n", "no", "false", "f", "否", "无", "拒绝", "不同意", "不接受", "不允许", "×", "✗", "x"}


def to_bool(value, tz=None):
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = as_text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CellError(MSG_YES_NO)


def _choice_key(text):
    return re.sub(r"[\s_\-/（）()]", "", text).lower()


def choice_converter(choices, synonyms):
    """A converter for a TextChoices field: accepts the value, its label and Chinese synonyms."""
    table = {}
    for value, label in choices.choices:
        table[_choice_key(value)] = value
        table[_choice_key(str(label))] = value
    for word, value in synonyms.items():
        table[_choice_key(word)] = value
    shown = ", ".join(dict.fromkeys([*synonyms.keys(), *choices.values]))

    def convert(value, tz=None):
        if is_blank(value):
            return None
        found = table.get(_choice_key(as_text(value)))
        if found is None:
            raise CellError(MSG_CHOICE % {"choices": shown})
        return found

    convert.table = table
    return convert
