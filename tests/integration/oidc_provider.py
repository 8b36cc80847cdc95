"""A real OpenID Connect provider in its own process (``oidc-provider-mock``), and tokens from
it through its authorization and token endpoints, as a client would get them.

The mock's access tokens are opaque; its ID tokens are JWTs signed with the key it publishes in
its JWKS, for the client as audience, with the user's custom claims: the tests present those as
the access tokens a city provider issues (JWT, roles and organisation claims). Each process
generates a new signing key, so restarting it on the same port is a key rotation at the issuer.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx

REDIRECT = "http://client.example/callback"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Provider:
    def __init__(self, port: int, *token_max_age: str) -> None:
        self.port = port
        self.issuer = f"http://localhost:{port}"
        self._options = token_max_age
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "oidc_provider_mock", "-p", str(self.port)]
        self._process = subprocess.Popen(
            [*command, *self._options], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration").is_success:
                    return
            time.sleep(0.1)
        raise RuntimeError("the OpenID Connect provider did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def restart(self) -> None:
        """A new process with a new signing key; the old key is no longer published."""
        self.stop()
        self.start()

    def add_user(self, sub: str, **claims: Any) -> None:
        """A user who signs in as ``sub`` and whose tokens carry ``claims``."""
        httpx.put(f"{self.issuer}/users/{sub}", json=claims).raise_for_status()

    def token(self, sub: str, *, audience: str, **claims: Any) -> str:
        """A signed JWT for ``sub`` with ``claims``, for the client ``audience``."""
        self.add_user(sub, **claims)
        with httpx.Client(base_url=self.issuer) as client:
            query = {
                "client_id": audience,
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "scope": "openid",
            }
            granted = client.post("/oauth2/authorize", params=query, data={"sub": sub})
            code = httpx.URL(granted.headers["location"]).params["code"]
            answer = client.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "client_id": audience,
                    "client_secret": "unused",
                },
            )
            answer.raise_for_status()
            return str(answer.json()["id_token"])


@contextlib.contextmanager
def running_provider(*options: str) -> Iterator[Provider]:
    provider = Provider(free_port(), *options)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
