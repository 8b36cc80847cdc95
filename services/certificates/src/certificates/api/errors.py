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
)
from runtime.http.errors import ErrorResponses, fixed


def _superseded(error: AlreadySuperseded) -> JSONResponse:
    return JSONResponse(
        status_code=409, content={"detail": str(error), "superseded_by": str(error.by)}
    )


ERRORS: ErrorResponses = {
    CertificateNotFound: fixed(404, "certificate not found"),  # nothing about whose it is
    PlacementNotFound: 404,
    AlreadyRevoked: 409,
    AlreadySuperseded: _superseded,
    CannotIssue: 409,
    IdentityErased: 410,
}

UNAUTHORIZED: dict[str, Any] = {"description": "No or unknown bearer token."}
NOT_FOUND: dict[str, Any] = {"description": "No such certificate for this förvaltning."}
CONFLICT: dict[str, Any] = {
    "description": "Not allowed in the certificate's state; `detail` says why."
}
INVALID: dict[str, Any] = {"description": "A field or parameter breaks a rule; `detail` names it."}

COMMAND_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: UNAUTHORIZED,
    404: NOT_FOUND,
    409: CONFLICT,
    422: INVALID,
}
