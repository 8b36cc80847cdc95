"""The app's forms as the API's command bodies, and the command's refusals back on their fields."""

from __future__ import annotations

from placements.web import forms
from tests.unit.placements.support import CONTEXT


def test_a_blank_field_is_left_out_as_the_apis_default() -> None:
    body = forms.nested(
        {"workplace.name": " Bibliotek ", "workplace.unit": ""},
        ["workplace.name", "workplace.unit"],
    )
    assert body == {"workplace": {"name": "Bibliotek"}}


def test_a_round_holds_only_the_modules_given_a_level_and_their_errors_find_them() -> None:
    form = {
        "assessed_on": "2026-02-01",
        "assessor": "handledare",
        "modules.sprak.level": "",
        "modules.sociala-fardigheter.level": "3",
        "modules.sociala-fardigheter.criteria_met": ["sociala-fardigheter.samarbete"],
    }
    body, chosen = forms.assessment_round(form, CONTEXT.reference)
    assert [m["module"] for m in body["modules"]] == ["sociala-fardigheter"] == chosen
    assert forms.module_field("modules.0.level", chosen) == "modules.sociala-fardigheter.level"


def test_a_refusal_falls_on_the_nearest_field_the_form_has() -> None:
    fields = ("participant.personnummer", "tasks")
    assert forms.field_name("body.participant.personnummer", fields) == "participant.personnummer"
    assert forms.field_name("tasks.3", fields) == "tasks"
    assert forms.field_name("", fields) == ""


def test_a_registration_takes_tasks_one_a_line_and_the_rate_as_a_number() -> None:
    body = forms.registration({"tasks": "Låna ut\n\n Ställa upp \n", "employment_rate": "75"})
    assert body["tasks"] == ["Låna ut", "Ställa upp"]
    assert body["employment_rate"] == 75
    assert body["overlap_intended"] is False
