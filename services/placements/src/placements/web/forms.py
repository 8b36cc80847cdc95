"""From a submitted form to the body of the API's command, and from the command's refusals back
to the form's fields. A form's field is named by the command's dotted path, so an error's
``loc`` names the field it belongs to; the assessment round is the one form that differs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from contracts.reference import ReferenceData
from placements.presentation.i18n import Language, rule_message

Errors = dict[str, str]
"""A message for people, by the form field it belongs to ("" for the whole form)."""
Form = Mapping[str, Any]
"""The submitted fields: one value each, a list for a group of check boxes."""

REGISTRATION_FIELDS = (
    "participant.personnummer",
    "participant.given_name",
    "participant.family_name",
    "workplace.name",
    "workplace.unit",
    "supervisor.name",
    "supervisor.email",
    "supervisor.phone",
    "placement_type",
    "role",
    "employment_rate",
    "start_date",
    "planned_end_date",
)


DETAILS_FIELDS = (
    "participant.given_name",
    "participant.family_name",
    "workplace.name",
    "workplace.unit",
    "supervisor.name",
    "supervisor.email",
    "supervisor.phone",
    "placement_type",
    "role",
    "employment_rate",
    "start_date",
    "planned_end_date",
)


def nested(form: Form, fields: Iterable[str]) -> dict[str, Any]:
    """The given fields as a nested body; a blank field is left out, as the API's default."""
    body: dict[str, Any] = {}
    for name in fields:
        value = form.get(name)
        if value is None or value == "" or value == []:
            continue
        *parents, leaf = name.split(".")
        target = body
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value.strip() if isinstance(value, str) else value
    return body


def registration(form: Form) -> dict[str, Any]:
    body = nested(form, REGISTRATION_FIELDS)
    _whole_number(body, "employment_rate")
    body["tasks"] = lines(form.get("tasks"))
    body["planned_value_added"] = [
        {"beneficiary": beneficiary, "category": form[f"planned_value_added.{beneficiary}"]}
        for beneficiary in ("workplace", "individual")
        if form.get(f"planned_value_added.{beneficiary}")
    ]
    body["overlap_intended"] = form.get("overlap_intended") == "true"
    return body


def details(form: Form) -> dict[str, Any]:
    """A details correction: the form shows every recorded detail, and what is sent back
    replaces it whole (the domain refuses a correction that changes nothing)."""
    body = nested(form, (*DETAILS_FIELDS, "reason"))
    _whole_number(body, "employment_rate")
    body["tasks"] = lines(form.get("tasks"))
    return body


def _whole_number(body: dict[str, Any], name: str) -> None:
    if str(body.get(name, "")).isdecimal():
        body[name] = int(body[name])  # a form sends only text


def lines(value: Any) -> list[str]:
    text = value if isinstance(value, str) else ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def assessment_round(form: Form, reference: ReferenceData) -> tuple[dict[str, Any], list[str]]:
    """The round's body, and the modules it assesses in order (an error's index names one)."""
    chosen = [m.code for m in reference.modules if form.get(f"modules.{m.code}.level")]
    body = nested(form, ("assessed_on", "assessor"))
    body["modules"] = [
        {
            "module": code,
            "level": form[f"modules.{code}.level"],
            "criteria_met": list(form.get(f"modules.{code}.criteria_met", [])),
            "comment": str(form.get(f"modules.{code}.comment", "")).strip(),
        }
        for code in chosen
    ]
    return body, chosen


def module_field(path: str, chosen: Sequence[str]) -> str:
    """``modules.1.level`` of a round as the form's ``modules.<code>.level``."""
    parts = path.split(".")
    if len(parts) >= 2 and parts[0] == "modules" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(chosen):
            parts[1] = chosen[index]
    return ".".join(parts[:3])


def validation_errors(error: ValidationError, language: Language) -> list[tuple[str, str]]:
    """``(field path, message)`` of each refusal; the path without the body's prefix."""
    return [
        (
            ".".join(str(p) for p in e["loc"]),
            rule_message(language, e["type"], e["msg"]),
        )
        for e in error.errors()
    ]


def field_name(path: str, fields: Iterable[str]) -> str:
    """The form field a path falls under: itself, its nearest known parent, or the form."""
    known = set(fields)
    parts = path.removeprefix("body.").split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return ""


def collect(pairs: Iterable[tuple[str, str]]) -> Errors:
    errors: Errors = {}
    for field, message in pairs:
        errors.setdefault(field, message)
    return errors
