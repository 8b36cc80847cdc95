"""The text and value rules every service's input follows (``runtime.text``): examples of each
rule, and properties over any text hypothesis can think of."""

from __future__ import annotations

import math
import unicodedata
from datetime import date
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

from runtime.text import (
    BIDI_CONTROLS,
    FREE_TEXT,
    IDENTIFIER,
    LINE,
    NAME,
    IsoDate,
    WholeNumber,
    is_invisible,
    json_document,
)


class Form(BaseModel):
    line: Annotated[str, StringConstraints(strip_whitespace=True), LINE] = "x"
    text: Annotated[str, StringConstraints(strip_whitespace=True), FREE_TEXT] = ""
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), NAME] = "x"
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), IDENTIFIER] = "x"
    day: IsoDate = date(2026, 1, 1)
    count: WholeNumber = 1


def refusal(**fields: Any) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        Form(**fields)
    [error] = caught.value.errors()
    return error["loc"], error["type"]


@pytest.mark.parametrize(
    ("fields", "loc", "rule"),
    [
        ({"line": "a\x00b"}, "line", "text.control_character"),
        ({"line": "a\nb"}, "line", "text.control_character"),
        ({"line": "a\x7fb"}, "line", "text.control_character"),  # DEL
        ({"line": "a\x85b"}, "line", "text.control_character"),  # NEL, a C1 control
        ({"line": "a\u202eb"}, "line", "text.bidi_control"),
        ({"line": "a\u2068b"}, "line", "text.bidi_control"),
        ({"text": "rad\x00"}, "text", "text.control_character"),
        ({"text": "\u202drad"}, "text", "text.bidi_control"),
        ({"name": "\u200b"}, "name", "text.invisible"),
        ({"name": "\u200c\u200d\u2060\ufeff"}, "name", "text.invisible"),
        ({"name": "\u3164"}, "name", "text.invisible"),  # Hangul filler: a letter, draws nothing
        ({"name": "\u0301"}, "name", "text.invisible"),  # a combining mark on nothing
        ({"code": "\u00ad"}, "code", "text.invisible"),  # soft hyphen
        ({"code": "ab\x00"}, "code", "text.control_character"),
        ({"day": 1767225600}, "day", "date_format"),
        ({"day": "1767225600"}, "day", "date_format"),
        ({"day": "2026-01-01T00:00"}, "day", "date_format"),
        ({"day": "２０２６-０１-０１"}, "day", "date_format"),
        ({"count": True}, "count", "int_type"),
        ({"count": "5"}, "count", "int_type"),
        ({"count": 5.0}, "count", "int_type"),
        ({"count": math.nan}, "count", "int_type"),
        ({"count": math.inf}, "count", "int_type"),
    ],
)
def test_each_rule_names_the_field_and_itself(fields: dict[str, Any], loc: str, rule: str) -> None:
    assert refusal(**fields) == ((loc,), rule)


def test_what_is_allowed() -> None:
    form = Form(
        line="  Café – 100 % ”ekologiskt” 🌱 ",
        text="Rad ett\r\nrad två\tmed tabb",
        name="Zoë O’Brien-Łukasiewicz",
        code=" ＳＰＲＡＫ-Ｂ１ ",
        day="2026-02-28",
        count=100,
    )
    assert form.line == "Café – 100 % ”ekologiskt” 🌱"
    assert form.text == "Rad ett\r\nrad två\tmed tabb"
    assert form.code == "SPRAK-B1"
    assert form.day == date(2026, 2, 28)


FORBIDDEN_IN_TEXT = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) not in "\t\n\r"]
FORBIDDEN = st.sampled_from([*FORBIDDEN_IN_TEXT, *sorted(BIDI_CONTROLS)])


@given(st.text(), FORBIDDEN, st.text(), st.sampled_from(["line", "text", "name", "code"]))
def test_any_text_with_a_forbidden_character_is_refused(
    before: str, bad: str, after: str, field: str
) -> None:
    loc, rule = refusal(**{field: f"x{before}{bad}{after}x"})
    assert loc == (field,)
    assert rule in {"text.control_character", "text.bidi_control", "text.surrogate"}


VISIBLE = st.characters(categories=["L", "N", "P", "S"], exclude_characters="\u3164\uffa0")


@given(st.text(VISIBLE, min_size=1), st.text(st.sampled_from(" \u200b\u2060\ufeff")))
def test_a_name_with_anything_visible_is_kept_as_typed(visible: str, invisible: str) -> None:
    name = f"{invisible}{visible}{invisible}"
    assert Form(name=name).name == name.strip()


@given(
    st.text(
        st.characters(categories=["Cf", "Mn", "Me"], exclude_characters=BIDI_CONTROLS), min_size=1
    ),
    st.text(st.characters(categories=["Zs"])),
)
def test_a_name_of_only_invisible_characters_is_refused(invisible: str, spaces: str) -> None:
    name = f"{spaces}{invisible}{spaces}"
    assert all(is_invisible(c) for c in name)
    assert refusal(name=f" {name} ") == (("name",), "text.invisible")


@given(st.text(VISIBLE, min_size=1, max_size=30))
def test_an_identifier_is_its_nfkc_form_and_normalising_again_changes_nothing(code: str) -> None:
    try:
        once = Form(code=code).code
    except ValidationError:
        return  # NFKC may produce what a code may not hold (e.g. only a space)
    assert once == unicodedata.normalize("NFKC", code).strip()
    assert Form(code=once).code == once


@given(st.dates())
def test_every_date_round_trips(day: date) -> None:
    assert Form(day=day.isoformat()).day == day
    assert Form.model_validate_json(Form(day=day).model_dump_json()).day == day


@given(st.one_of(st.booleans(), st.floats(), st.text(), st.decimals(allow_nan=True)))
def test_nothing_but_an_integer_is_a_count(value: Any) -> None:
    assert refusal(count=value) == (("count",), "int_type")


# --- a whole JSON document ----------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(
        st.characters(exclude_categories=["Cc", "Cs"], exclude_characters=BIDI_CONTROLS)
        | st.sampled_from("\t\n\r")
    ),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(VISIBLE, max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON)
def test_a_json_document_of_valid_text_and_finite_numbers_passes(document: Any) -> None:
    assert json_document(document) == document


@given(JSON, st.sampled_from([math.nan, math.inf, -math.inf]))
def test_nan_anywhere_in_a_document_is_refused_with_its_path(document: Any, bad: float) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        json_document({"a": [document, {"b": bad}]})
    assert caught.value.type == "finite_number"
    assert caught.value.message() == "a[1].b: NaN and Infinity are not numbers"


@given(JSON, FORBIDDEN)
def test_a_forbidden_character_in_any_key_or_string_is_refused_with_its_path(
    document: Any, bad: str
) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        json_document({"a": [document, {f"k{bad}": 1}]})
    assert caught.value.type in {"text.control_character", "text.bidi_control"}
    assert caught.value.message().startswith("a[1]:")
