"""Text and value rules for every service's input, written once as pydantic annotations.

Text that reaches PostgreSQL, an event or a signed document must be valid Unicode without
control characters: a NUL byte or a lone surrogate makes the driver or the encoder fail, and a
bidirectional override makes a name read differently from what is stored. Each refusal is a
pydantic error whose ``type`` names the rule, so FastAPI's 422 names the field (``loc``) and
the rule (``type``).

Put the length constraints first and the rule after, e.g.
``Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NAME]``: a rule is
a before-validator, so it sees the text as sent (a control character at the edge is refused,
not stripped) and the constraints see its result (an identifier's NFKC form).

Pure: no framework, no driver, so every layer that may import ``runtime`` may import this.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictInt
from pydantic_core import PydanticCustomError

from contracts.personnummer import InvalidPersonnummer, Personnummer

LINE_BREAKS = frozenset("\t\n\r")
"""The control characters free text may hold: ordinary line breaks and tabs."""

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides (LRE RLE PDF LRO RLO)
    "\u2066\u2067\u2068\u2069"  # isolates (LRI RLI FSI PDI)
)
# Letters that draw nothing (Hangul fillers, the braille blank): invisible, though not format.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def _refuse(rule: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"text.{rule}", message)


def _check_characters(value: str, allowed_controls: frozenset[str]) -> str:
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise _refuse("surrogate", "a lone surrogate is not text")
        if category == "Cc" and char not in allowed_controls:
            raise _refuse("control_character", "control characters are not allowed")
        if char in BIDI_CONTROLS:
            raise _refuse("bidi_control", "bidirectional overrides and isolates are not allowed")
    return value


def is_invisible(char: str) -> bool:
    """Draws nothing: whitespace, zero-width and other format characters, lone combining
    marks, and the blank letters."""
    return (
        char.isspace()
        or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        or char in _BLANK_LETTERS
    )


def one_line(value: str) -> str:
    """No control characters at all, no lone surrogates, no bidirectional controls."""
    return _check_characters(value, frozenset())


def free_text(value: str) -> str:
    """As :func:`one_line`, but line breaks and tabs are allowed."""
    return _check_characters(value, LINE_BREAKS)


def visible(value: str) -> str:
    """One line with something to see: a name of only zero-width characters is no name."""
    one_line(value)
    if value and all(is_invisible(char) for char in value):
        raise _refuse("invisible", "only invisible characters")
    return value


def identifier(value: str) -> str:
    """A code or number as typed on any keyboard: NFKC-normalised (fullwidth digits and
    letters become ASCII ones), then visible."""
    return visible(unicodedata.normalize("NFKC", value))


def _on_text(rule: Callable[[str], str]) -> BeforeValidator:
    """``rule`` for text; anything else goes on to the type's own check (a number is no str)."""
    return BeforeValidator(lambda value: rule(value) if isinstance(value, str) else value)


LINE = _on_text(one_line)
"""One line of text: a role, a workplace, a query parameter."""
FREE_TEXT = _on_text(free_text)
"""Several lines of text: a comment, a description."""
NAME = _on_text(visible)
"""A name: one line, not only invisible characters."""
IDENTIFIER = _on_text(identifier)
"""A code or identifier, NFKC-normalised before any other rule."""


# --- values other than text -------------------------------------------------------------------

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _date_text(value: Any) -> Any:
    """A date is written YYYY-MM-DD: a number (a Unix timestamp) or a date-time is no date."""
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_format", "a date is written YYYY-MM-DD")


IsoDate = Annotated[date, BeforeValidator(_date_text), Field(json_schema_extra={"format": "date"})]
"""A calendar day, YYYY-MM-DD only."""

WholeNumber = StrictInt
"""An integer, and only an integer: not a boolean, a string or a float (nor NaN or Infinity)."""


def json_document(value: Any) -> Any:
    """A JSON document with finite numbers and valid text in every key and string (line
    breaks allowed); the error names the path of the first offence."""
    _walk(value, "")
    return value


def _walk(value: Any, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError(
            "finite_number", "{path}: NaN and Infinity are not numbers", {"path": path or "$"}
        )
    check: Callable[[str], str] = free_text
    try:
        if isinstance(value, str):
            check(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                check(str(key))
                _walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                _walk(item, f"{path}[{index}]")
    except PydanticCustomError as error:
        if "path" in (error.context or {}):
            raise
        raise PydanticCustomError(
            error.type, "{path}: " + error.message(), {"path": path or "$"}
        ) from None


def _valid_personnummer(value: str) -> str:
    try:
        return Personnummer.parse(value).digits  # NFKC-normalised by the parse
    except InvalidPersonnummer as error:
        raise PydanticCustomError(f"personnummer.{error.rule}", f"personnummer: {error}") from None


PersonnummerText = Annotated[
    str,
    LINE,
    AfterValidator(_valid_personnummer),
    Field(
        description="Personnummer or samordningsnummer, twelve digits (YYYYMMDD-NNNN).",
        examples=["19900101-0017"],
    ),
]
"""A personnummer in a request body, normalised to its twelve digits (a 422 names the rule)."""
