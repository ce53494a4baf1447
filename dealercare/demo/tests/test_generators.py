"""The generators the demo dataset adds: valid identifiers, deterministic for a seed."""

import pytest

from dealercare.core.validators import normalize_phone, plate_is_valid, vin_error
from dealercare.demo import generators as gen


@pytest.mark.parametrize(
    ("year", "code"), [(2010, "A"), (2017, "H"), (2024, "R"), (2026, "T"), (2027, "V"), (2031, "1")]
)
def test_vin_for_model_year_has_the_year_code_and_a_valid_check_digit(year, code):
    rng = gen.seeded(year)
    for _ in range(50):
        vin = gen.vin_for_model_year(rng, "LSV", year)
        assert vin[:3] == "LSV" and vin[9] == code
        assert vin_error(vin) is None


def test_new_energy_plates_are_valid_and_say_electric_or_hybrid():
    rng = gen.seeded(1)
    electric = [gen.new_energy_plate(rng, "粤B", electric=True) for _ in range(200)]
    hybrid = [gen.new_energy_plate(rng, "湘A", electric=False) for _ in range(200)]
    assert all(plate_is_valid(p) and p.startswith("粤BD") for p in electric)
    assert all(plate_is_valid(p) and p.startswith("湘AF") for p in hybrid)


def test_landlines_are_valid_china_numbers():
    rng = gen.seeded(2)
    for area_code in ("020", "0755", "0731", "0769"):
        for _ in range(100):
            number = gen.landline(rng, area_code)
            assert normalize_phone(number) == number[1:]


def test_company_names_vary_and_repeat_for_the_same_seed():
    names = [gen.company_name_varied(gen.seeded(3), "深圳") for _ in range(2)]
    assert names[0] == names[1]
    rng = gen.seeded(4)
    many = {gen.company_name_varied(rng, "深圳") for _ in range(500)}
    assert len(many) > 400 and all(n.startswith("深圳") and n.endswith("公司") for n in many)
