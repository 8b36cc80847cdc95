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
