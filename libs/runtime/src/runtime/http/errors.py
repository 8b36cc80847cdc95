"""Domain errors as HTTP answers, declared once per service as a table.

The domain never imports the web framework: a service maps its exception types to a status
(the body is ``{"detail": str(error)}``) or to a function that builds the response, and
:func:`install_error_responses` registers the table."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

Answer = int | Callable[[Any], JSONResponse]
ErrorResponses = Mapping[type[Exception], Answer]


def install_error_responses(app: FastAPI, answers: ErrorResponses) -> None:
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
