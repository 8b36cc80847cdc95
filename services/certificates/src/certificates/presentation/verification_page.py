"""The public verification page: the same answer as the JSON, as HTML for people."""

from __future__ import annotations

from datetime import date
from functools import cache

import jinja2

from certificates.api.schemas import VerificationOut

# The page names a person: keep it out of search engines and other sites' referrer logs.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def render_page(answer: VerificationOut, issuer_name: str) -> str:
    # Dates as the Swedish paper prints them (ISO 8601), so the two compare at a glance.
    return _template().render(answer=answer, issuer_name=issuer_name, day=_iso_date)


def _iso_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


@cache
def _template() -> jinja2.Template:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("certificates.presentation", "templates"),
        autoescape=True,  # names and workplaces are printed, never interpreted
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("verify.html")
