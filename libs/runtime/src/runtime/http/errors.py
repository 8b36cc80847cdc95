"""Domain errors as HTTP answers, declared once per service as a table.

The domain never imports the web framework: a service maps its exception types to a status
(the body is ``{"detail": str(error)}``) or to a function that builds the response, and
:func:`install_error_responses` registers the table."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

Answer = int | Callable[[Any], JSONResponse]
ErrorResponses = Mapping[type[Exception], Answer]


def install_error_responses(app: FastAPI, answers: ErrorResponses) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _unreadable_body)
    for error_type, answer in answers.items():
        app.add_exception_handler(error_type, _handler(answer))


def _handler(answer: Answer) -> Callable[[Request, Any], Any]:
    async def handle(_: Request, error: Exception) -> JSONResponse:
        if isinstance(answer, int):
            return JSONResponse(status_code=answer, content={"detail": str(error)})
        return answer(error)

    return handle


def field_error(
    loc: Sequence[str | int], msg: str, rule: str, *, status_code: int = 422
) -> JSONResponse:
    """A 422 in FastAPI's own shape, so that a business rule reads like a type error: ``loc``
    names the field, ``type`` the rule."""
    return JSONResponse(
        status_code=status_code,
        content={"detail": [{"loc": list(loc), "msg": msg, "type": rule}]},
    )


def fixed(status_code: int, detail: str) -> Callable[[Any], JSONResponse]:
    """The same answer whatever the error says (for errors whose text is internal)."""

    def answer(_: Any) -> JSONResponse:
        return JSONResponse(status_code=status_code, content={"detail": detail})

    return answer


async def _invalid_request(_: Request, error: Exception) -> JSONResponse:
    """FastAPI's own 422, except that the input it echoes may be what JSON in UTF-8 cannot
    hold (a lone surrogate, NaN): it is written as an escape or a string, not a crash."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse(
        status_code=422, content={"detail": _encodable(jsonable_encoder(error.errors()))}
    )


def _encodable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # NaN and Infinity, echoed as given: JSON has no such numbers
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_encodable(k): _encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    return value


_UNREADABLE = "There was an error parsing the body"  # FastAPI's 400 for a body it cannot decode


_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


async def _unreadable_body(request: Request, error: Exception) -> Response:
    """A JSON body that is not UTF-8 is as invalid as one that is not JSON: the same 422. So is
    a form or upload the parser cannot read (Starlette answers 400 with the parser's words)."""
    assert isinstance(error, HTTPException)
    if error.status_code == 400 and error.detail == _UNREADABLE:
        return field_error(["body"], "the body is not JSON in UTF-8", "json_invalid")
    if error.status_code == 400 and request.headers.get("content-type", "").startswith(_FORMS):
        return field_error(["body"], f"the form cannot be read: {error.detail}", "form_invalid")
    return await http_exception_handler(request, error)
