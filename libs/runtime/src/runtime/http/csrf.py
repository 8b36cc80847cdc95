"""Cross-site request forgery: a page's form carries a token bound to the session.

The session is a cookie the browser sends with any request to the site, also one another site
makes it send; only a page of ours knows the token, so a form post without it is refused.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request, status

SESSION_KEY = "csrf"
FIELD = "csrf_token"


def csrf_token(request: Request) -> str:
    """The session's token, made on first use."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


def check_csrf(request: Request, submitted: object) -> None:
    """403 unless ``submitted`` is the session's token."""
    expected = request.session.get(SESSION_KEY)
    if not (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and hmac.compare_digest(expected, submitted)
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"{FIELD}: the form is stale or came from another site; reload the page",
        )
