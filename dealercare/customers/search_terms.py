"""What a customer can be found by, and how a typed query maps onto it; pure, no database.

Every customer has a set of (kind, term) search keys: name, full pinyin and initials (each
reading of a polyphonic name), mobile and its last 4 digits, plate with and without the
province character, VIN and its last 6. A query is matched against the kinds its shape allows,
exact matches ranking above prefix matches.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style
from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

from dealercare.core.validators import PROVINCES, normalize_mobile, normalize_plate, normalize_vin

from .choices import SearchKind as K

MAX_READINGS = 4
TERM_MAX_LENGTH = 64

# Exact match of these kinds is the strongest evidence; lower rank sorts first.
KIND_RANK = {
    K.MOBILE: 0, K.VIN: 0, K.PLATE: 0, K.NUMBER: 0,
    K.NAME: 1, K.MOBILE_TAIL: 2, K.PLATE_TAIL: 2, K.VIN_TAIL: 2,
    K.PINYIN: 3, K.INITIALS: 4,
}  # fmt: skip


# Polyphonic characters read differently as a surname (曾 zeng, not ceng); both readings are
# kept, since a caller may spell either.
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "查": "zha", "仇": "qiu", "区": "ou", "朴": "piao",
    "覃": "qin", "乐": "yue", "盖": "ge", "缪": "miao", "翟": "zhai", "尉": "yu", "繁": "po",
    "员": "yun", "召": "shao", "种": "chong", "秘": "bi", "冼": "xian", "隗": "wei", "句": "gou",
    "长": "chang", "重": "chong", "折": "she", "过": "guo", "纪": "ji", "费": "fei", "燕": "yan",
}  # fmt: skip


# What pypinyin.lazy_pinyin(text, style=NORMAL, errors="ignore", v_to_u=False) builds per call.
_PINYIN = Pinyin(UltimateConverter(v_to_u=False, neutral_tone_with_five=False, tone_sandhi=False))


@lru_cache(maxsize=65_536)
def _word_syllables(word):
    """The syllables of one segment (a phrase from pypinyin's dictionary, or one character):
    given as a one-item list, pypinyin converts it as it is, without segmenting it again."""
    return tuple(_PINYIN.lazy_pinyin([word], style=Style.NORMAL, errors="ignore"))


def pinyin_syllables(han):
    """Exactly lazy_pinyin(han, style=NORMAL, errors="ignore"), faster on many names.

    lazy_pinyin segments the text (longest phrases of its dictionary) and converts each segment
    on its own; only the segmentation depends on the whole text, so the conversion is cached
    per segment (a name's characters repeat across a customer file)."""
    syllables = []
    for word in _PINYIN.seg(han):
        syllables.extend(_word_syllables(word))
    return syllables


def name_readings(name):
    """Full pinyin and initials of a name: the reading in context (pypinyin's phrase rules),
    plus the surname reading where the first character reads differently as a surname."""
    han = re.sub(r"[^\u4e00-\u9fff]", "", name or "")
    if not han:
        return [], []
    syllables = pinyin_syllables(han)
    variants = [syllables]
    surname = SURNAME_READINGS.get(han[0])
    if surname and surname != syllables[0]:
        variants.insert(0, [surname, *syllables[1:]])
    full = ["".join(v) for v in variants[:MAX_READINGS]]
    initials = ["".join(s[0] for s in v if s) for v in variants[:MAX_READINGS]]
    return list(dict.fromkeys(full)), list(dict.fromkeys(initials))


def customer_terms(*, name, number, mobiles, plates, vins):
    """The set of (kind, term) keys for one customer."""
    terms = set()
    clean_name = re.sub(r"\s", "", name or "")
    if clean_name:
        terms.add((K.NAME, clean_name.lower()))
        full, initials = name_readings(clean_name)
        terms.update((K.PINYIN, p) for p in full)
        terms.update((K.INITIALS, i) for i in initials)
        ascii_name = re.sub(r"[^a-z0-9]", "", clean_name.lower())
        if ascii_name and ascii_name != clean_name.lower():
            terms.add((K.PINYIN, ascii_name))
    if number:
        # Queries lose their dashes (see query_probes), so the stored number does too.
        terms.add((K.NUMBER, re.sub(r"[\s\-]", "", number.upper())))
    for mobile in filter(None, mobiles):
        terms.add((K.MOBILE, mobile))
        terms.add((K.MOBILE_TAIL, mobile[-4:]))
    for plate in filter(None, (normalize_plate(p) for p in plates)):
        terms.add((K.PLATE, plate))
        if plate[0] in PROVINCES:
            terms.add((K.PLATE_TAIL, plate[1:]))
    for vin in filter(None, (normalize_vin(v) for v in vins)):
        terms.add((K.VIN, vin))
        terms.add((K.VIN_TAIL, vin[-6:]))
    return {(kind, term[:TERM_MAX_LENGTH]) for kind, term in terms}


@dataclass(frozen=True)
class Probe:
    """One lookup to run: the kinds to look in, the term, and exact (=) or prefix (LIKE q%)."""

    kinds: tuple
    term: str
    exact: bool


def query_probes(raw):
    """The lookups a typed query stands for, strongest first; empty for a query too vague."""
    text = re.sub(r"[\s·•\-]", "", raw or "")
    if not text:
        return []
    upper, lower = text.upper(), text.lower()
    probes = []
    if text.isdigit() or (text.startswith("+86") and text[1:].isdigit()):
        mobile = normalize_mobile(text)
        if mobile:
            probes.append(Probe((K.MOBILE,), mobile, True))
        digits = text.lstrip("+")
        if len(digits) == 4:
            probes.append(Probe((K.MOBILE_TAIL,), digits, True))
        if len(digits) == 6:
            probes.append(Probe((K.VIN_TAIL,), digits, True))
        if 5 <= len(digits) < 11:
            probes.append(Probe((K.MOBILE,), digits, False))
        if len(digits) >= 3:
            probes.append(Probe((K.PLATE_TAIL, K.NUMBER), digits, False))
        return probes
    if text[0] in PROVINCES and len(text) >= 2 and re.fullmatch(r"[A-Za-z0-9]+", text[1:]):
        if len(upper) >= 7:
            probes.append(Probe((K.PLATE,), upper, True))
        probes.append(Probe((K.PLATE,), upper, False))
        return probes
    if re.fullmatch(r"[A-Za-z0-9]+", text):
        if len(upper) == 17:
            probes.append(Probe((K.VIN,), upper, True))
        if len(upper) == 6:
            probes.append(Probe((K.VIN_TAIL,), upper, True))
        if re.search(r"\d", text):
            probes.append(Probe((K.PLATE_TAIL, K.NUMBER), upper, True))
            probes.append(Probe((K.PLATE_TAIL, K.NUMBER), upper, False))
        if text.isalpha():
            probes.append(Probe((K.INITIALS, K.PINYIN), lower, True))
            if len(text) >= 2:
                probes.append(Probe((K.PINYIN, K.INITIALS), lower, False))
        return probes
    probes.append(Probe((K.NAME,), lower, True))
    probes.append(Probe((K.NAME,), lower, False))
    return probes
