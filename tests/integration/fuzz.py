"""An API fuzz from a service's own OpenAPI document: every operation gets generated requests,
valid and invalid ones, and no answer may be a 5xx or a status code the document does not name.

The app is served in-process on a loopback port by uvicorn, on the test's event loop, so it
uses the test's database pool; the generator runs in a worker thread and calls it over HTTP.
Seeded and bounded (a fixed number of examples per operation and mode, no shrinking), so a run
takes the same, short time every time. Besides status codes, every response must have a
documented content type and match its documented schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
import uvicorn
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
# Per operation and mode. The default keeps the three fuzzes near a minute on two cores; set
# FUZZ_MAX_EXAMPLES=60 for a deeper run (about 3.5 minutes), e.g. before a release.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "15"))


@dataclass
class FuzzResult:
    requests: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    """``app`` on a free loopback port, on this event loop; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def fuzz(
    app: FastAPI,
    headers: Mapping[str, str],
    *,
    max_examples: int = MAX_EXAMPLES,
    skip_paths: tuple[str, ...] = (),
) -> FuzzResult:
    """Fuzz every operation of ``app``'s OpenAPI document (but ``skip_paths``) with
    ``headers`` (a valid bearer token, so the requests reach the handlers)."""
    schema = schemathesis.openapi.from_dict(app.openapi())
    result = FuzzResult()
    started = time.monotonic()
    async with served(app) as base_url:
        await asyncio.to_thread(
            _run_all, schema, base_url, dict(headers), max_examples, skip_paths, result
        )
    result.seconds = time.monotonic() - started
    return result


def _run_all(
    schema: schemathesis.BaseSchema,
    base_url: str,
    headers: dict[str, str],
    max_examples: int,
    skip_paths: tuple[str, ...],
    result: FuzzResult,
) -> None:
    with requests.Session() as session:
        for found in schema.get_all_operations():
            if isinstance(found, Err):
                raise found.err()
            operation = found.ok()
            if operation.path in skip_paths:
                continue
            for mode in MODES:
                _run_one(operation, mode, session, base_url, headers, max_examples, result)


def _run_one(
    operation: schemathesis.APIOperation[Any, Any, Any, Any],
    mode: schemathesis.GenerationMode,
    session: requests.Session,
    base_url: str,
    headers: dict[str, str],
    max_examples: int,
    result: FuzzResult,
) -> None:
    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case[Any]) -> None:
        result.requests += 1
        case.call_and_validate(
            base_url=base_url, session=session, headers=headers, checks=CHECKS, timeout=10
        )

    try:
        run()
    except Unsatisfiable:
        pass  # nothing to make invalid (an operation without parameters, in negative mode)
    except (
        Exception,
        BaseExceptionGroup,
    ) as error:  # every failure is a finding to report, then the next operation
        result.failures.append(f"{operation.method.upper()} {operation.path} ({mode}): {error}")
