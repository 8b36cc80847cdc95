"""The certificate rules' refusals as HTTP answers, and how the OpenAPI document describes them."""

from typing import Any

from fastapi.responses import JSONResponse

from certificates.domain.certificate import (
    AlreadyRevoked,
    AlreadySuperseded,
    CannotIssue,
    CertificateNotFound,
    IdentityErased,
    PlacementNotFound,
    RenderError,
)
from runtime.http.errors import ErrorResponses, fixed


def _superseded(error: AlreadySuperseded) -> JSONResponse:
    return JSONResponse(
        status_code=409, content={"detail": str(error), "superseded_by": str(error.by)}
    )


PDF_RETRY_AFTER_SECONDS = 300  # the worker's next try backs off from a minute


def _paper_not_ready(error: RenderError) -> JSONResponse:
    """The credential is issued and valid; its paper cannot be made right now (a template or
    font problem, logged for operators). Try again later rather than a 500."""
    return JSONResponse(
        status_code=503,
        content={"detail": f"the PDF cannot be made yet: {error}"},
        headers={"Retry-After": str(PDF_RETRY_AFTER_SECONDS)},
    )


ERRORS: ErrorResponses = {
    CertificateNotFound: fixed(404, "certificate not found"),  # nothing about whose it is
    PlacementNotFound: 404,
    AlreadyRevoked: 409,
    AlreadySuperseded: _superseded,
    CannotIssue: 409,
    IdentityErased: 410,
    RenderError: _paper_not_ready,
}

UNAUTHORIZED: dict[str, Any] = {"description": "No or unknown bearer token."}
NOT_FOUND: dict[str, Any] = {"description": "No such certificate for this förvaltning."}
CONFLICT: dict[str, Any] = {
    "description": "Not allowed in the certificate's state; `detail` says why."
}
PAPER_NOT_READY: dict[str, Any] = {
    "description": "The PDF cannot be made right now (the credential is valid); try again "
    "after `Retry-After` seconds.",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
}
INVALID: dict[str, Any] = {"description": "A field or parameter breaks a rule; `detail` names it."}

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: UNAUTHORIZED,
    404: NOT_FOUND,
    409: CONFLICT,
    422: INVALID,
}
