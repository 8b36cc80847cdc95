"""``make run``: the whole system on this machine. Ctrl-C stops every process cleanly."""

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
from runtime.http_auth import token_hash
from tools.broker_admin import provision_users
from tools.demo_secrets import DemoSecrets, load_or_create
from tools.sandbox import AMQP_HOST, AMQP_PASSWORD, AMQP_USER, MANAGEMENT_URL, management

VHOST = os.environ.get("CITY_VHOST", "city")
POSTGRES = os.environ.get("CITY_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
PLACEMENTS_PORT = 8001


def amqp_url(user: str, password: str) -> str:
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{AMQP_HOST}/{VHOST}"


def placements_environment(demo: DemoSecrets) -> dict[str, str]:
    return {
        "PLACEMENTS_PSEUDONYM_KEY": demo.pseudonym_key,
        "PLACEMENTS_HTTP_PORT": str(PLACEMENTS_PORT),
        "PLACEMENTS_CLIENTS": json.dumps(
            {code: [token_hash(token)] for code, token in demo.tokens.items()}
        ),
        "PLACEMENTS_ORGANISATION_AMQP_URLS": json.dumps(
            {
                code: amqp_url(
                    publisher_user_name(code), demo.broker_passwords[publisher_user_name(code)]
                )
                for code in demo.tokens
            }
        ),
    }


SERVICES: dict[str, Callable[[DemoSecrets], dict[str, str]]] = {
    "placements": placements_environment,
}


async def prepare_broker(demo: DemoSecrets) -> None:
    """The vhost, the topology, and a broker user per förvaltning and service."""
    async with management() as api:
        (await api.put(f"/api/vhosts/{VHOST}")).raise_for_status()
        (
            await api.put(
                f"/api/permissions/{VHOST}/{quote(AMQP_USER)}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        ).raise_for_status()
        organisations = [a.code for a in load_register().administrations]
        await provision_users(api, VHOST, broker_users(organisations), demo.broker_passwords)
    await declare(amqp_url(AMQP_USER, AMQP_PASSWORD), CITY_TOPOLOGY)


def environment(name: str, demo: DemoSecrets) -> dict[str, str]:
    prefix = name.upper()
    return {
        **os.environ,
        f"{prefix}_AMQP_URL": amqp_url(AMQP_USER, AMQP_PASSWORD),
        f"{prefix}_DATABASE_URL": f"{POSTGRES}/{name}",
        f"{prefix}_LOG_JSON": os.environ.get("LOG_JSON", "false"),
        **SERVICES[name](demo),
    }


async def simulate_year() -> str:
    """Once the placements API is ready, play the simulated city year against it (the
    simulator's idempotency keys make a second ``make run`` add nothing)."""
    url = f"http://127.0.0.1:{PLACEMENTS_PORT}"
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
    seconds = time.perf_counter() - started
    return f"  Simulated year played in {seconds:.0f} s: {output.decode().strip()}"


async def main() -> int:
    demo = load_or_create()
    await prepare_broker(demo)
    processes = {
        name: await asyncio.create_subprocess_exec(
            sys.executable, "-m", name, env=environment(name, demo)
        )
        for name in SERVICES
    }
    simulator = asyncio.create_task(simulate_year())
    example = next(iter(demo.tokens.items()))
    print(
        "\nThe city is running. Ctrl-C stops it.\n"
        f"  Placements API docs  http://127.0.0.1:{PLACEMENTS_PORT}/docs\n"
        f"  RabbitMQ management  {MANAGEMENT_URL}/#/queues/{VHOST}  ({AMQP_USER}/{AMQP_PASSWORD})\n"
        f"  Demo credentials     var/demo-secrets.json (e.g. {example[0]}: Bearer {example[1]})\n",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    exited = [asyncio.create_task(p.wait()) for p in processes.values()]
    simulator.add_done_callback(lambda task: task.cancelled() or print(task.result(), flush=True))
    await asyncio.wait([asyncio.create_task(stop.wait()), *exited], return_when="FIRST_COMPLETED")
    simulator.cancel()
    for process in processes.values():
        if process.returncode is None:
            process.terminate()
    codes = await asyncio.gather(*(p.wait() for p in processes.values()))
    print("stopped", dict(zip(processes, codes, strict=True)))
    return 0 if stop.is_set() else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
