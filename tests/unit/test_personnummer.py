from __future__ import annotations

from datetime import date

import pytest

from contracts.personnummer import InvalidPersonnummer, Personnummer
from tools.samples import personnummer


def test_valid_number_gives_birth_date_and_gender() -> None:
    number = Personnummer.parse(personnummer("19990315", "413"))
    assert number.birth_date == date(1999, 3, 15)
    assert number.legal_gender == "male"
    assert not number.is_coordination_number


def test_samordningsnummer_adds_sixty_to_the_day() -> None:
    number = Personnummer.parse(personnummer("19990375", "412"))
    assert number.is_coordination_number
    assert number.birth_date == date(1999, 3, 15)
    assert number.legal_gender == "female"


def test_both_twelve_digit_forms_normalise_alike() -> None:
    text = personnummer()
    assert Personnummer.parse(text) == Personnummer.parse(text.replace("-", ""))


@pytest.mark.parametrize(
    ("value", "rule"),
    [("990315-4121", "format"), ("19990230-4121", "date"), ("19990315-4120", "check_digit")],
)
def test_invalid_numbers_name_the_rule(value: str, rule: str) -> None:
    with pytest.raises(InvalidPersonnummer) as error:
        Personnummer.parse(value)
    assert error.value.rule == rule


def test_age_on_a_day_counts_birthdays() -> None:
    number = Personnummer.parse(personnummer("20010601", "238"))
    assert number.age_on(date(2026, 5, 31)) == 24
    assert number.age_on(date(2026, 6, 1)) == 25


def test_repr_never_shows_the_number() -> None:
    assert "2001" not in repr(Personnummer.parse(personnummer("20010601", "238")))


def test_fullwidth_digits_are_the_same_number_and_other_digits_are_not() -> None:
    typed = personnummer("19900101", "238")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in typed)  # ０-９ and the fullwidth hyphen
    arabic_indic = "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in typed)

    assert Personnummer.parse(fullwidth) == Personnummer.parse(typed)
    with pytest.raises(InvalidPersonnummer) as caught:
        Personnummer.parse(arabic_indic)  # a digit to Python, but not one NFKC makes ASCII
    assert caught.value.rule == "format"
