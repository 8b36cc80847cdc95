"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer): validation, birth date and legal gender.

Only the placements service (validation, pseudonym, statistics) and the certificates service
(birth date on the paper) ever see one; nothing here stores or logs it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

_FORMAT = re.compile(r"^(\d{8})[-+]?(\d{4})$", re.ASCII)
COORDINATION_DAY_OFFSET = 60


class InvalidPersonnummer(ValueError):
    """The value is not a valid personnummer; ``rule`` names what is wrong."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


def luhn_check_digit(digits: str) -> int:
    total = 0
    for position, char in enumerate(digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Personnummer:
    digits: str  # twelve digits, YYYYMMDDNNNC

    @classmethod
    def parse(cls, value: str, *, check_digit: bool = True) -> Personnummer:
        """Parse and validate. ``check_digit=False`` is for numbers another service already
        validated (the certificate only needs the birth date). Messages never echo the number.
        NFKC first: fullwidth digits typed on another keyboard are the same person."""
        match = _FORMAT.match(unicodedata.normalize("NFKC", value).strip())
        if match is None:
            raise InvalidPersonnummer(
                "format", "must be twelve digits, YYYYMMDD-NNNN or YYYYMMDDNNNN"
            )
        digits = match.group(1) + match.group(2)
        number = cls(digits)
        try:
            number.birth_date  # noqa: B018  (validates the date part)
        except ValueError:
            raise InvalidPersonnummer(
                "date", "the date part is not a valid date of birth"
            ) from None
        if check_digit and luhn_check_digit(digits[2:11]) != int(digits[11]):
            raise InvalidPersonnummer("check_digit", "the check digit does not match")
        return number

    @property
    def is_coordination_number(self) -> bool:
        return int(self.digits[6:8]) > COORDINATION_DAY_OFFSET

    @property
    def birth_date(self) -> date:
        day = int(self.digits[6:8])
        if day > COORDINATION_DAY_OFFSET:
            day -= COORDINATION_DAY_OFFSET
        return date(int(self.digits[0:4]), int(self.digits[4:6]), day)

    @property
    def legal_gender(self) -> Literal["female", "male"]:
        """The second-to-last digit: odd for men, even for women."""
        return "male" if int(self.digits[10]) % 2 else "female"

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def __str__(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"

    def __repr__(self) -> str:
        return "Personnummer(<redacted>)"  # never in logs or tracebacks
