"""The whole system, locally or in Docker Compose.

    python -m tools.run              # make run: set up, start every service, play the year
    python -m tools.run setup        # compose: demo secrets, broker vhost, users, topology
    python -m tools.run launch NAME  # compose: start one service with its environment
    python -m tools.run simulate     # compose: play the simulated year once the API is ready

Where things are comes from the environment, with this machine's defaults:
``CITY_AMQP_HOST``, ``CITY_MANAGEMENT_URL``, ``CITY_AMQP_USER``/``CITY_AMQP_PASSWORD`` (an
administrator of the broker), ``CITY_POSTGRES_URL`` (``{service}`` is replaced by the
service's name), ``CITY_BIND_HOST``, ``CITY_CERTIFICATES_URL`` (where placements reaches the
certificates service).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from urllib.parse import quote

import httpx

from contracts.organisations import load_register
from contracts.topology import CITY_TOPOLOGY, broker_users, publisher_user_name
from runtime.amqp import declare
from runtime.http.auth import token_hash
from tools.broker_admin import provision_users
from tools.demo_secrets import DemoSecrets, load_or_create

VHOST = os.environ.get("CITY_VHOST", "city")
AMQP_HOST = os.environ.get("CITY_AMQP_HOST", "127.0.0.1:5672")
MANAGEMENT_URL = os.environ.get("CITY_MANAGEMENT_URL", "http://127.0.0.1:15672")
ADMIN = (os.environ.get("CITY_AMQP_USER", "guest"), os.environ.get("CITY_AMQP_PASSWORD", "guest"))
POSTGRES = os.environ.get("CITY_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/{service}")
BIND_HOST = os.environ.get("CITY_BIND_HOST", "127.0.0.1")
PUBLIC_URL = os.environ.get("CITY_PUBLIC_URL", "http://127.0.0.1")  # as people's browsers see it
PORTS = {"placements": 8001, "certificates": 8002, "reporting": 8003}
# Where placements reaches the certificates service (for the register extract's part).
CERTIFICATES_URL = os.environ.get(
    "CITY_CERTIFICATES_URL", f"http://127.0.0.1:{PORTS['certificates']}"
)


def amqp_url(user: str, password: str) -> str:
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{AMQP_HOST}/{VHOST}"


def placements_environment(demo: DemoSecrets) -> dict[str, str]:
    def own_user(code: str) -> str:
        user = publisher_user_name(code)
        return amqp_url(user, demo.broker_passwords[user])

    return {
        "PLACEMENTS_PSEUDONYM_KEY": demo.pseudonym_key,
        "PLACEMENTS_CLIENTS": json.dumps(
            {code: [token_hash(token)] for code, token in demo.tokens.items()}
        ),
        "PLACEMENTS_ORGANISATION_AMQP_URLS": json.dumps(
            {code: own_user(code) for code in demo.tokens}
        ),
        # The supervisors' app asks the certificates service as the supervisor's förvaltning;
        # the admin reads the whole access log and any register extract, whose certificates
        # part placements asks for with the same admin token.
        "PLACEMENTS_ADMINS": json.dumps([token_hash(demo.admin_token)]),
        "PLACEMENTS_CERTIFICATES_URL": CERTIFICATES_URL,
        "PLACEMENTS_CERTIFICATES_TOKENS": json.dumps(demo.tokens),
        "PLACEMENTS_CERTIFICATES_TOKEN": demo.admin_token,
        **demo_sign_in("placements", demo),
    }


def certificates_environment(demo: DemoSecrets) -> dict[str, str]:
    return {
        "CERTIFICATES_AMQP_URL": amqp_url("certificates", demo.broker_passwords["certificates"]),
        "CERTIFICATES_DECLARE_TOPOLOGY": "false",  # least privilege: setup declared it
        "CERTIFICATES_SIGNING_KEY": demo.signing_key_seed,
        "CERTIFICATES_PUBLIC_BASE_URL": f"{PUBLIC_URL}:{PORTS['certificates']}",
        "CERTIFICATES_CLIENTS": json.dumps(
            {code: [token_hash(token)] for code, token in demo.tokens.items()}
        ),
        "CERTIFICATES_OPERATORS": json.dumps([token_hash(demo.admin_token)]),
        "CERTIFICATES_ADMINS": json.dumps([token_hash(demo.admin_token)]),
    }


def reporting_environment(demo: DemoSecrets) -> dict[str, str]:
    return {
        "REPORTING_AMQP_URL": amqp_url("reporting", demo.broker_passwords["reporting"]),
        "REPORTING_ADMIN_TOKEN_HASHES": json.dumps([token_hash(demo.admin_token)]),
        "REPORTING_ANALYST_TOKEN_HASHES": json.dumps([token_hash(demo.analyst_token)]),
        **demo_sign_in("reporting", demo),
    }


def demo_sign_in(service: str, demo: DemoSecrets) -> dict[str, str]:
    """The demo's sign-in form (no issuer here), and its session cookie; Secure only where
    browsers reach the demo over https."""
    prefix = service.upper()
    return {
        f"{prefix}_DEMO_SIGN_IN": "true",
        f"{prefix}_SESSION_SECRET": demo.session_secrets[service],
        f"{prefix}_SESSION_COOKIE_SECURE": str(PUBLIC_URL.startswith("https:")).lower(),
    }


SERVICES: dict[str, Callable[[DemoSecrets], dict[str, str]]] = {
    "placements": placements_environment,
    "certificates": certificates_environment,
    "reporting": reporting_environment,
}


def environment(name: str, demo: DemoSecrets) -> dict[str, str]:
    """A service's environment: the defaults below, then what the service itself needs."""
    prefix = name.upper()
    return {
        **os.environ,
        f"{prefix}_AMQP_URL": amqp_url(*ADMIN),
        f"{prefix}_DATABASE_URL": POSTGRES.format(service=name),
        f"{prefix}_HTTP_HOST": BIND_HOST,
        f"{prefix}_HTTP_PORT": str(PORTS[name]),
        f"{prefix}_LOG_JSON": os.environ.get("LOG_JSON", "false"),
        f"{prefix}_LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        **SERVICES[name](demo),
    }


async def setup() -> DemoSecrets:
    """Demo secrets, the vhost, a broker user per förvaltning and service, the topology."""
    demo = load_or_create()
    async with httpx.AsyncClient(base_url=MANAGEMENT_URL, auth=ADMIN, timeout=30) as api:
        (await api.put(f"/api/vhosts/{VHOST}")).raise_for_status()
        (
            await api.put(
                f"/api/permissions/{VHOST}/{quote(ADMIN[0])}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        ).raise_for_status()
        organisations = [a.code for a in load_register().administrations]
        await provision_users(api, VHOST, broker_users(organisations), demo.broker_passwords)
    await declare(amqp_url(*ADMIN), CITY_TOPOLOGY)
    return demo


RESTART_PAUSE_SECONDS = 2.0


async def simulate(url: str = f"http://127.0.0.1:{PORTS['placements']}") -> str:
    """Once the placements API is ready, play the simulated city year against it (its
    idempotency keys make a second run add nothing)."""
    async with httpx.AsyncClient(base_url=url) as client:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/ready")).status_code == 200:
                    break
            await asyncio.sleep(0.5)
    started = time.perf_counter()
    simulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tools.simulator", "--url", url, stdout=asyncio.subprocess.PIPE
    )
    output, _ = await simulator.communicate()
    return f"  Simulated year played in {time.perf_counter() - started:.0f} s: {output.decode()}"


async def supervise(name: str, env: dict[str, str], stop: asyncio.Event) -> int:
    """Run one service until ``stop``; if it exits before that, start it again after a pause
    (as ``restart: unless-stopped`` does under Docker Compose), so one fault never stops the
    city. Returns the exit code of its last run."""
    while True:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", name, env=env)
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait(
            [stopping, asyncio.create_task(process.wait())], return_when="FIRST_COMPLETED"
        )
        if stop.is_set():
            if process.returncode is None:
                process.terminate()
            return await process.wait()
        stopping.cancel()
        print(f"{name} exited with {process.returncode}; starting it again", flush=True)
        await asyncio.sleep(RESTART_PAUSE_SECONDS)


async def run_everything() -> int:
    demo = await setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    services = {
        name: asyncio.create_task(supervise(name, environment(name, demo), stop))
        for name in SERVICES
    }
    simulation = asyncio.create_task(simulate())
    simulation.add_done_callback(lambda task: task.cancelled() or print(task.result(), flush=True))
    organisation, token = next(iter(demo.tokens.items()))
    print(
        "\nThe city is running. Ctrl-C stops it.\n"
        f"  ASF dashboard        http://127.0.0.1:{PORTS['reporting']}/dashboard"
        "  (sign in: role ASF-analytiker, any name)\n"
        f"  Reporting API docs   http://127.0.0.1:{PORTS['reporting']}/docs\n"
        f"  Supervisors' app     http://127.0.0.1:{PORTS['placements']}/app/"
        f"  (sign in: role Handledare, organisation {organisation})\n"
        f"  Placements API docs  http://127.0.0.1:{PORTS['placements']}/docs\n"
        f"  Certificates API     http://127.0.0.1:{PORTS['certificates']}/docs"
        f"  (verify pages: /verify/<id>; /waiting with the admin token)\n"
        f"  AsyncAPI (events)    contracts/asyncapi.json (view with any AsyncAPI viewer)\n"
        f"  RabbitMQ management  {MANAGEMENT_URL}/#/queues/{VHOST}  ({ADMIN[0]}/{ADMIN[1]})\n"
        f"  Demo credentials     var/demo-secrets.json (e.g. {organisation}: Bearer {token})\n",
        flush=True,
    )
    codes = await asyncio.gather(*services.values())
    simulation.cancel()
    print("stopped", dict(zip(services, codes, strict=True)))
    return 0


def main(argv: list[str]) -> int:
    match argv:
        case []:
            return asyncio.run(run_everything())
        case ["setup"]:
            asyncio.run(setup())
            return 0
        case ["launch", name] if name in SERVICES:
            os.execvpe(
                sys.executable, [sys.executable, "-m", name], environment(name, load_or_create())
            )
        case ["simulate"]:
            url = os.environ.get("CITY_PLACEMENTS_URL", f"http://placements:{PORTS['placements']}")
            print(asyncio.run(simulate(url)), flush=True)
            return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
