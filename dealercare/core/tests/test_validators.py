"""Chinese identifiers: mobile, VIN, plate, unified social credit code."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dealercare.core import validators as v
from dealercare.demo import generators as gen


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("008613812345678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("19912345678", "19912345678"),
        ("1381234567", None),  # 10 digits
        ("23812345678", None),  # not a mobile prefix
        ("02088886666", None),  # a Guangzhou landline is not a mobile
        ("+1 650 253 0000", None),  # not China
        ("hello", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_mobile(raw, expected):
    assert v.normalize_mobile(raw) == expected


def test_landline_is_a_valid_phone_but_not_a_mobile():
    assert v.normalize_phone("020-8888 6666") == "2088886666"
    assert v.normalize_mobile("020-8888 6666") is None


def test_mobile_validator_message_says_what_is_expected():
    with pytest.raises(ValidationError) as err:
        v.validate_mobile("12345")
    assert err.value.messages == [str(v.MSG_MOBILE_INVALID)]
    v.validate_mobile("+86 138 1234 5678")  # any format that normalises is accepted


@pytest.mark.parametrize(
    ("mobile", "masked"),
    [("13812345678", "138****5678"), ("", ""), (None, ""), ("1234", "****")],
)
def test_mask_mobile_keeps_prefix_and_last_four(mobile, masked):
    assert v.mask_mobile(mobile) == masked


@pytest.mark.parametrize(
    ("vin", "error"),
    [
        ("1M8GDM9AXKP042788", None),  # the textbook example, check digit X
        ("1m8gdm9axkp042788", None),  # lower case is normalised
        ("LFV2A21K0A3000000", "check"),  # wrong check digit
        ("1M8GDM9AXKP04278", "length"),
        ("1M8GDM9AXKP0427888", "length"),
        ("1M8GDM9AXKP04278I", "chars"),  # I is never used
        ("1M8GDM9AXKP04278O", "chars"),
    ],
)
def test_vin_check_digit(vin, error):
    messages = {"check": v.MSG_VIN_CHECK, "length": v.MSG_VIN_LENGTH, "chars": v.MSG_VIN_CHARS}
    assert v.vin_error(vin) == (messages[error] if error else None)


@given(st.integers(min_value=0, max_value=10**9))
def test_generated_vins_pass_and_any_single_typo_in_the_serial_is_caught(seed):
    rng = gen.seeded(seed)
    vin = gen.vin(rng)
    assert v.vin_error(vin) is None
    # Changing one digit of the serial changes the weighted sum by a non-multiple of 11.
    pos = 16  # weight 2
    typo = vin[:pos] + str((int(vin[pos]) + 1) % 10) + vin[pos + 1 :]
    assert v.vin_error(typo) == v.MSG_VIN_CHECK


@pytest.mark.parametrize(
    ("plate", "valid"),
    [
        ("粤B12345", True),
        ("粤b 12345", True),
        ("粤B·1234A", True),
        ("京AD12345", True),  # small new-energy, pure electric
        ("沪AFA1234", True),  # small new-energy, second position may be a letter
        ("粤B12345D", True),  # large new-energy
        ("粤B1234学", True),
        ("粤BI2345", False),  # I is not used
        ("粤B1234", False),  # too short
        ("XB12345", False),  # not a province
        ("粤12345", False),  # no city letter
        ("粤B123456", False),  # 6 digits: neither ordinary nor new-energy
        ("", False),
    ],
)
def test_plate_format(plate, valid):
    assert v.plate_is_valid(plate) is valid


def test_new_energy_plate_is_recognised():
    assert v.plate_is_new_energy("粤BD12345")
    assert not v.plate_is_new_energy("粤B12345")


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91350100M000100Y43", None),  # a published, valid code
        ("91350100m000100y43", None),
        ("91350100M000100Y44", "check"),
        ("91350100M000100Y4", "format"),
        ("91350100M000100YI3", "format"),  # I is not in the alphabet
    ],
)
def test_unified_social_credit_code(code, error):
    messages = {"check": v.MSG_USCC_CHECK, "format": v.MSG_USCC_INVALID}
    assert v.uscc_error(code) == (messages[error] if error else None)


@given(st.integers(min_value=0, max_value=10**9))
def test_generated_identifiers_are_all_valid(seed):
    rng = gen.seeded(seed)
    assert v.uscc_error(gen.uscc(rng)) is None
    assert v.plate_is_valid(gen.plate(rng, "湘A", new_energy=seed % 2 == 0))
    assert v.normalize_mobile(gen.mobile(rng)) is not None


def test_django_validators_raise_with_codes():
    for validator, bad, code in [
        (v.validate_vin, "ABC", "invalid_vin"),
        (v.validate_plate, "ABC", "invalid_plate"),
        (v.validate_uscc, "ABC", "invalid_uscc"),
        (v.validate_phone, "1", "invalid_phone"),
    ]:
        with pytest.raises(ValidationError) as err:
            validator(bad)
        assert err.value.code == code
    for validator in (v.validate_vin, v.validate_plate, v.validate_uscc, v.validate_phone):
        validator("")  # blank is the field's business, not the validator's
