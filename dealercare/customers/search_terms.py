"""What a customer can be found by, and how a typed query maps onto it; pure, no database.

Every customer has a set of (kind, term) search keys: name, full pinyin and initials (each
reading of a polyphonic name), mobile and its last 4 digits, plate with and without the
province character, VIN and its last 6. A query is matched against the kinds its shape allows,
exact matches ranking above prefix matches.
"""

import itertools
import re
from dataclasses import dataclass

from pypinyin import Style, pinyin

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


def name_readings(name):
    """Full pinyin and initials of every reading of `name` (at most MAX_READINGS of each)."""
    han = re.sub(r"[^\u4e00-\u9fff]", "", name or "")
    if not han:
        return [], []
    syllables = pinyin(han, style=Style.NORMAL, heteronym=True, errors="ignore")
    full, initials = [], []
    for combo in itertools.islice(itertools.product(*syllables), MAX_READINGS):
        full.append("".join(combo).replace("ü", "v"))
        initials.append("".join(s[0] for s in combo if s))
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
