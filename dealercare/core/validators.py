"""Pure checks and normalisers for Chinese identifiers: mobile, VIN, plate, unified social credit code.

Use `normalize_*` to store a canonical form; the `validate_*` callables are Django validators that
accept anything the normaliser can make valid, so forms, serializers and services agree.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MSG_MOBILE_INVALID = _("Enter a valid mainland China mobile number (11 digits, e.g. 13812345678).")
MSG_PHONE_INVALID = _("Enter a valid China phone number (mobile or landline with area code).")
MSG_VIN_LENGTH = _("A VIN has exactly 17 characters.")
MSG_VIN_CHARS = _("A VIN uses digits and letters except I, O and Q.")
MSG_VIN_CHECK = _("The VIN check digit (9th character) does not match; check for a typo.")
MSG_PLATE_INVALID = _(
    "Enter a valid plate number, e.g. 粤B12345, or 粤BD12345 for a new-energy vehicle."
)
MSG_USCC_INVALID = _("Enter a valid 18-character unified social credit code.")
MSG_USCC_CHECK = _("The unified social credit code's check character does not match.")


# --- mobile -------------------------------------------------------------------------------


def normalize_phone(raw):
    """Return the national significant number of a valid CN number ('13812345678'), or None."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    text = re.sub(r"[\s\-()（）]", "", text)
    if text.startswith("0086"):
        text = "+86" + text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.national_significant_number(number)


def normalize_mobile(raw):
    """Return an 11-digit mainland mobile number, or None when `raw` is not one."""
    national = normalize_phone(raw)
    if national is None:
        return None
    number = phonenumbers.parse(national, "CN")
    if (
        phonenumbers.number_type(number)
        not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        or len(national) != 11
    ):
        return None
    return national


def validate_mobile(value):
    if value and normalize_mobile(value) is None:
        raise ValidationError(MSG_MOBILE_INVALID, code="invalid_mobile")


def validate_phone(value):
    if value and normalize_phone(value) is None:
        raise ValidationError(MSG_PHONE_INVALID, code="invalid_phone")


def mask_mobile(mobile):
    """138****5678: keep the operator prefix and the last four digits."""
    if not mobile:
        return ""
    if len(mobile) < 8:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


# --- VIN (GB 16735 / ISO 3779 check digit) --------------------------------------------------

_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"


def normalize_vin(raw):
    """Upper-case, without spaces; validity is checked separately."""
    return re.sub(r"\s", "", str(raw or "")).upper()


def vin_check_digit(vin):
    """The check character ('0'-'9' or 'X') that position 9 of `vin` must hold."""
    total = sum(_VIN_VALUES[ch] * w for ch, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_error(raw):
    """None when `raw` is a valid VIN, otherwise the message saying why not."""
    vin = normalize_vin(raw)
    if len(vin) != 17:
        return MSG_VIN_LENGTH
    if any(ch not in _VIN_VALUES for ch in vin):
        return MSG_VIN_CHARS
    if vin[8] != vin_check_digit(vin):
        return MSG_VIN_CHECK
    return None


def validate_vin(value):
    if value and (message := vin_error(value)):
        raise ValidationError(message, code="invalid_vin")


# --- plate (GA 36-2018) ----------------------------------------------------------------------

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_L = "A-HJ-NP-Z"  # letters without I and O
_PLATE_PATTERNS = (
    re.compile(rf"^[{PROVINCES}][{_L}][{_L}0-9]{{4}}[{_L}0-9挂学警港澳]$"),  # ordinary 粤B12345
    re.compile(rf"^[{PROVINCES}][{_L}][DF][{_L}0-9][0-9]{{4}}$"),  # small new energy 粤BD12345
    re.compile(rf"^[{PROVINCES}][{_L}][0-9]{{5}}[DF]$"),  # large new energy 粤B12345D
)


def normalize_plate(raw):
    """Upper-case, without spaces, dots or dashes: '粤 b·12345' -> '粤B12345'."""
    return re.sub(r"[\s·•.\-]", "", str(raw or "")).upper()


def plate_is_valid(raw):
    plate = normalize_plate(raw)
    return any(p.match(plate) for p in _PLATE_PATTERNS)


def plate_is_new_energy(raw):
    plate = normalize_plate(raw)
    return len(plate) == 8 and plate_is_valid(plate)


def validate_plate(value):
    if value and not plate_is_valid(value):
        raise ValidationError(MSG_PLATE_INVALID, code="invalid_plate")


# --- unified social credit code (GB 32100-2015) ---------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_uscc(raw):
    return re.sub(r"\s", "", str(raw or "")).upper()


def uscc_check_char(first17):
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_error(raw):
    code = normalize_uscc(raw)
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return MSG_USCC_INVALID
    if code[17] != uscc_check_char(code[:17]):
        return MSG_USCC_CHECK
    return None


def validate_uscc(value):
    if value and (message := uscc_error(value)):
        raise ValidationError(message, code="invalid_uscc")
