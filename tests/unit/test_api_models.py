"""Properties of the three services' request models, over inputs hypothesis makes up: a forbidden
character anywhere in any text field is refused naming that field; a personnummer typed in
fullwidth digits is the same person with the same pseudonym; nothing but an integer is a
number and nothing but YYYY-MM-DD is a date; a valid request survives its own JSON."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from certificates.api.schemas import ReissueIn, RevokeIn
from contracts.personnummer import Personnummer
from placements.domain.pseudonym import participant_ref
from placements.service import commands
from reporting.api.schemas import RegisterIn, YearTargets
from runtime.text import BIDI_CONTROLS
from tools.samples import personnummer

FORBIDDEN = st.sampled_from(
    [
        *(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"),
        *(chr(c) for c in range(0x7F, 0xA0)),
        *sorted(BIDI_CONTROLS),
        "\ud800",  # a lone surrogate, as JSON's "\ud800" decodes
        "\udfff",
    ]
)
RULES = {"text.control_character", "text.bidi_control", "text.surrogate"}


def registration() -> dict[str, Any]:
    return {
        "participant": {
            "personnummer": personnummer("19990315", "412"),
            "given_name": "Amina",
            "family_name": "Hassan",
        },
        "workplace": {"name": "Stadsbiblioteket", "unit": "Barnavdelningen"},
        "supervisor": {"name": "Karin Nilsson", "email": "k@example.se", "phone": "040-34 10 00"},
        "placement_type": "extratjanst",
        "role": "Biblioteksassistent",
        "tasks": ["Låna ut böcker", "Hjälpa besökare"],
        "employment_rate": 75,
        "start_date": "2026-01-12",
        "planned_end_date": "2026-12-31",
        "planned_value_added": [
            {"beneficiary": "workplace", "category": "okad-service", "description": "Mer"}
        ],
    }


TEXT_FIELDS: list[tuple[str | int, ...]] = [
    ("participant", "personnummer"),
    ("participant", "given_name"),
    ("participant", "family_name"),
    ("workplace", "name"),
    ("workplace", "unit"),
    ("supervisor", "name"),
    ("supervisor", "email"),
    ("supervisor", "phone"),
    ("placement_type",),
    ("role",),
    ("tasks", 1),
    ("planned_value_added", 0, "category"),
    ("planned_value_added", 0, "description"),
]


def put(body: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def get(body: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    value: Any = body
    for step in path:
        value = value[step]
    return value


def the_error(model: type[BaseModel], body: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    [error] = caught.value.errors()
    return error["loc"], error["type"]


@given(st.sampled_from(TEXT_FIELDS), st.integers(min_value=0, max_value=40), FORBIDDEN)
def test_a_forbidden_character_in_any_text_field_is_refused_naming_it(
    path: tuple[str | int, ...], position: int, bad: str
) -> None:
    body = registration()
    typed: str = get(body, path)
    at = min(position, len(typed))
    loc, rule = the_error(
        commands.RegisterPlacement, put(body, path, typed[:at] + bad + typed[at:])
    )
    assert loc == path
    assert rule in RULES


@given(st.dates(date(1930, 1, 1), date(2010, 12, 31)), st.integers(0, 999), st.booleans())
def test_a_personnummer_in_fullwidth_digits_is_the_same_person(
    born: date, serial: int, hyphen: bool
) -> None:
    typed = personnummer(born.strftime("%Y%m%d"), f"{serial:03d}")
    if not hyphen:
        typed = typed.replace("-", "")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in typed)  # ０-９ and the fullwidth hyphen
    ascii_body = put(registration(), ("participant", "personnummer"), typed)
    wide_body = put(registration(), ("participant", "personnummer"), fullwidth)

    ascii_number = commands.RegisterPlacement.model_validate(ascii_body).participant.personnummer
    wide_number = commands.RegisterPlacement.model_validate(wide_body).participant.personnummer

    assert wide_number == ascii_number == typed.replace("-", "")
    key = b"city-key"
    assert participant_ref(key, Personnummer(wide_number)) == participant_ref(
        key, Personnummer(ascii_number)
    )


NOT_AN_INTEGER = st.one_of(
    st.booleans(),
    st.text(),
    st.floats(),  # 50.0, NaN and Infinity too
    st.integers(1, 100).map(str),
)


@given(NOT_AN_INTEGER)
def test_an_employment_rate_is_an_integer_and_nothing_else(value: Any) -> None:
    body = put(registration(), ("employment_rate",), value)
    assert the_error(commands.RegisterPlacement, body) == (("employment_rate",), "int_type")


@given(
    st.sampled_from(["start_date", "planned_end_date"]),
    st.one_of(st.integers(), st.floats(), st.booleans(), st.datetimes().map(str)),
)
def test_a_date_is_written_as_a_date(field: str, value: Any) -> None:
    loc, rule = the_error(commands.RegisterPlacement, put(registration(), (field,), value))
    assert (loc, rule) == ((field,), "date_format")


@given(st.dates(date(2000, 1, 1), date(2099, 1, 1)), st.integers(0, 3650), st.integers(1, 100))
def test_a_valid_registration_survives_its_own_json(start: date, days: int, rate: int) -> None:
    end = start + timedelta(days=days)
    body = registration() | {
        "start_date": start.isoformat(),
        "planned_end_date": end.isoformat(),
        "employment_rate": rate,
    }
    command = commands.RegisterPlacement.model_validate(body)
    again = commands.RegisterPlacement.model_validate_json(command.model_dump_json())
    assert again == command
    assert (again.start_date, again.planned_end_date) == (start, end)


@given(st.dates(date(2000, 1, 2), date(2099, 1, 1)), st.integers(1, 3650))
def test_a_planned_end_before_the_start_names_the_planned_end(start: date, days: int) -> None:
    body = registration() | {
        "start_date": start.isoformat(),
        "planned_end_date": (start - timedelta(days=days)).isoformat(),
    }
    assert the_error(commands.RegisterPlacement, body) == (("planned_end_date",), "dates_in_order")


# --- certificates and reporting --------------------------------------------------------------


@given(st.sampled_from([RevokeIn, ReissueIn]), st.text(max_size=20), FORBIDDEN)
def test_a_reason_with_a_forbidden_character_is_refused(
    model: type[BaseModel], typed: str, bad: str
) -> None:
    loc, rule = the_error(model, {"reason": f"Fel {typed}{bad}"})
    assert loc == ("reason",)
    assert rule in RULES


@given(NOT_AN_INTEGER)
def test_a_target_is_an_integer_and_nothing_else(value: Any) -> None:
    loc, rule = the_error(YearTargets, {"placements": {"ks": value}})
    assert (loc, rule) == (("placements", "ks"), "int_type")


@given(st.sampled_from(["committee", "administration"]), st.text(max_size=20), FORBIDDEN)
def test_a_register_name_with_a_forbidden_character_is_refused(
    which: str, typed: str, bad: str
) -> None:
    register = {
        "committees": [
            {
                "code": "ks",
                "name": "Kommunstyrelsen",
                "administrations": [{"code": "sk", "name": "Stadskontoret"}],
            }
        ]
    }
    path: tuple[str | int, ...] = (
        ("committees", 0, "name")
        if which == "committee"
        else ("committees", 0, "administrations", 0, "name")
    )
    loc, rule = the_error(RegisterIn, put(register, path, f"Namn {typed}{bad}"))
    assert loc == path
    assert rule in RULES
