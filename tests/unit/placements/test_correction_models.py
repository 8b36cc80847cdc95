"""Properties of the correction and withdrawal request models, over inputs hypothesis makes up
(as ``tests/unit/test_api_models.py`` does for the registration): a forbidden character in any
text field is refused naming that field; a number is an integer and a date is YYYY-MM-DD; a
valid correction survives its own JSON and gives back exactly the fields it was sent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from placements.service import commands
from tests.unit.test_api_models import FORBIDDEN, NOT_AN_INTEGER, RULES, get, put

BODIES: dict[type[BaseModel], dict[str, Any]] = {
    commands.CorrectEnd: {"end_date": "2026-06-30", "outcome": "B", "reason": "Fel kod"},
    commands.CorrectAssessment: {
        "module": "sprak",
        "level": "B1",
        "criteria_met": ["sprak.lasforstaelse"],
        "assessed_on": "2026-03-01",
        "assessor": "handledare",
        "comment": "Läser väl",
        "reason": "Fel nivå",
    },
    commands.CorrectValueAdded: {
        "stage": "realised",
        "beneficiary": "individual",
        "category": "sprakutveckling",
        "description": "Från A2 till B1",
        "reason": "Fel kategori",
    },
    commands.CorrectDetails: {
        "participant": {"given_name": "Amina", "family_name": "Hasan"},
        "workplace": {"name": "Stadsarkivet", "unit": "Läsesalen"},
        "supervisor": {"name": "Per Persson", "email": "p@example.se", "phone": "040-34 10 00"},
        "placement_type": "extratjanst",
        "role": "Arkivarie",
        "tasks": ["Ordna arkiv", "Hjälpa besökare"],
        "employment_rate": 50,
        "start_date": "2026-01-12",
        "planned_end_date": "2026-12-31",
        "reason": "Fel arbetsplats",
    },
    commands.Withdraw: {"reason": "Registrerad två gånger"},
}


CHOICES = {"stage", "beneficiary"}  # one of a few words, not text


def text_fields(body: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a text in ``body``."""
    found: list[tuple[Any, ...]] = []
    items = body.items() if isinstance(body, dict) else enumerate(body)
    for key, value in items:
        if key in CHOICES or (isinstance(value, str) and value[:4].isdigit()):
            continue  # dates have their own test
        if isinstance(value, str):
            found.append((*prefix, key))
        elif isinstance(value, dict | list):
            found.extend(text_fields(value, (*prefix, key)))
    return found


TEXT_FIELDS = [(model, path) for model, body in BODIES.items() for path in text_fields(body)]


def the_error(model: type[BaseModel], body: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    [error] = caught.value.errors()
    return error["loc"], error["type"]


@given(st.sampled_from(TEXT_FIELDS), st.integers(min_value=0, max_value=40), FORBIDDEN)
def test_a_forbidden_character_in_any_text_field_is_refused_naming_it(
    field: tuple[type[BaseModel], tuple[str | int, ...]], position: int, bad: str
) -> None:
    model, path = field
    body = BODIES[model]
    typed: str = get(body, path)
    at = min(position, len(typed))
    loc, rule = the_error(model, put(body, path, typed[:at] + bad + typed[at:]))
    assert loc == path
    assert rule in RULES


@given(NOT_AN_INTEGER.filter(lambda value: value is not None))
def test_a_corrected_employment_rate_is_an_integer_and_nothing_else(value: Any) -> None:
    body = put(BODIES[commands.CorrectDetails], ("employment_rate",), value)
    assert the_error(commands.CorrectDetails, body) == (("employment_rate",), "int_type")


DATES = [
    (commands.CorrectEnd, "end_date"),
    (commands.CorrectAssessment, "assessed_on"),
    (commands.CorrectDetails, "start_date"),
    (commands.CorrectDetails, "planned_end_date"),
]


@given(
    st.sampled_from(DATES),
    st.one_of(st.integers(), st.floats(), st.booleans(), st.datetimes().map(str)),
)
def test_a_corrected_date_is_written_as_a_date(
    field: tuple[type[BaseModel], str], value: Any
) -> None:
    model, name = field
    loc, rule = the_error(model, put(BODIES[model], (name,), value))
    assert (loc, rule) == ((name,), "date_format")


@given(st.sampled_from(list(BODIES)), st.data())
def test_a_valid_correction_survives_its_own_json_with_only_what_it_was_sent(
    model: type[BaseModel], data: st.DataObject
) -> None:
    body = BODIES[model]
    sent = (
        data.draw(st.sets(st.sampled_from(sorted(set(body) - {"reason"}))))
        if len(body) > 1
        else set()
    )
    partial = {name: body[name] for name in sent} | {"reason": body["reason"]}
    command = model.model_validate(partial)
    again = model.model_validate_json(command.model_dump_json())
    assert again == command
    if isinstance(command, commands.Correction):
        assert set(command.changes()) == sent


@given(st.dates(date(2000, 1, 2), date(2099, 1, 1)), st.integers(1, 3650))
def test_a_corrected_planned_end_before_the_corrected_start_names_the_planned_end(
    start: date, days: int
) -> None:
    body = BODIES[commands.CorrectDetails] | {
        "start_date": start.isoformat(),
        "planned_end_date": (start - timedelta(days=days)).isoformat(),
    }
    assert the_error(commands.CorrectDetails, body) == (("planned_end_date",), "dates_in_order")
