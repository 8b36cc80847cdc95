"""The small pages of the browser sign-in (Swedish, like the dashboard): the demo's form, what
it accepts, and the page after signing out."""

from __future__ import annotations

from html import escape
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from runtime.http.auth import ADMIN, ANALYST, FORVALTNING, OPERATOR, ORGANISATION_ROLES, SUPERVISOR
from runtime.text import NAME

ROLE_LABELS = {
    ANALYST: "ASF-analytiker",
    ADMIN: "Administratör",
    SUPERVISOR: "Handledare",
    FORVALTNING: "Förvaltningssystem",
    OPERATOR: "Drift",
}


class DemoUserIn(BaseModel):
    """Who the demo form's reader chose to be."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    role: Literal["asf-analyst", "admin", "supervisor", "förvaltning", "operator"]
    organisation: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9-]{1,30}$")]
        | None
    ) = None
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NAME
    ]
    next: str = "/"

    @field_validator("organisation", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _organisation_for_its_roles(self) -> DemoUserIn:
        if self.role in ORGANISATION_ROLES and self.organisation is None:
            raise PydanticCustomError(
                "organisation_required",
                "a {role} acts for one förvaltning: give its organisation code",
                {"role": self.role},
            )
        return self


_PAGE = """<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}}
label{{display:block;margin:1rem 0 .25rem}}input,select,button{{font:inherit;padding:.4rem}}
.note{{background:#fff4ce;padding:.5rem 1rem}}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>"""


def demo_form(next_path: str) -> str:
    options = "".join(
        f'<option value="{escape(role)}">{escape(label)}</option>'
        for role, label in ROLE_LABELS.items()
    )
    body = f"""<p class="note">Demoinloggning utan lösenord: välj vem du är. Finns aldrig där
riktiga uppgifter finns; där loggar du in hos stadens identitetsleverantör.</p>
<form method="post" action="/sign-in">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="role">Roll</label><select id="role" name="role">{options}</select>
<label for="organisation">Organisationskod (för handledare och förvaltningssystem)</label>
<input id="organisation" name="organisation" placeholder="t.ex. servicef">
<label for="name">Namn</label><input id="name" name="name" required maxlength="100">
<p><button type="submit">Logga in</button></p></form>"""
    return _PAGE.format(title="Logga in", body=body)


def signed_out() -> str:
    body = '<p>Du har loggat ut.</p><p><a href="/sign-in">Logga in igen</a></p>'
    return _PAGE.format(title="Utloggad", body=body)
