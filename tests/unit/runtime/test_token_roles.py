"""Which caller an access token's claims make, for a route that accepts some roles."""

from __future__ import annotations

from runtime.http.access_tokens import Claims
from runtime.http.auth import ADMIN, ANALYST, FORVALTNING, OPERATOR, Caller, caller_for


def claims(*roles: str, organisation: str | None = None) -> Claims:
    return Claims(roles=frozenset(roles), organisation=organisation, subject="someone")


def test_a_forvaltning_is_its_organisation_however_the_provider_spells_the_role() -> None:
    for spelling in ("förvaltning", "forvaltning"):
        caller = caller_for(claims(spelling, organisation="sf"), [FORVALTNING])
        assert caller == Caller(FORVALTNING, "sf")


def test_a_forvaltning_without_an_organisation_is_no_forvaltning() -> None:
    assert caller_for(claims("förvaltning"), [FORVALTNING]) is None


def test_the_first_accepted_role_the_token_carries_is_the_callers() -> None:
    both = claims("operator", "förvaltning", organisation="sf")
    assert caller_for(both, [FORVALTNING, OPERATOR]) == Caller(FORVALTNING, "sf")
    assert caller_for(claims("operator"), [FORVALTNING, OPERATOR]) == Caller(OPERATOR, OPERATOR)


def test_roles_the_route_does_not_accept_or_nobody_knows_are_no_caller() -> None:
    assert caller_for(claims("asf-analyst", "superuser"), [ADMIN]) is None
    assert caller_for(claims("asf-analyst"), [ANALYST]) == Caller(ANALYST, ANALYST)
