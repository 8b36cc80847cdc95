"""``make run``: the whole system on this machine. Ctrl-C stops every process cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from urllib.parse import quote

from tools.sandbox import AMQP_HOST, AMQP_PASSWORD, AMQP_USER, MANAGEMENT_URL, management

VHOST = os.environ.get("CITY_VHOST", "city")
POSTGRES = os.environ.get("CITY_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")

SERVICES = {
    "placements": [sys.executable, "-m", "placements"],
}


async def ensure_vhost() -> None:
    async with management() as api:
        (await api.put(f"/api/vhosts/{VHOST}")).raise_for_status()
        (
            await api.put(
                f"/api/permissions/{VHOST}/{quote(AMQP_USER)}",
                json={"configure": ".*", "write": ".*", "read": ".*"},
            )
        ).raise_for_status()


def service_environment(name: str) -> dict[str, str]:
    prefix = name.upper()
    return {
        **os.environ,
        f"{prefix}_AMQP_URL": f"amqp://{AMQP_USER}:{AMQP_PASSWORD}@{AMQP_HOST}/{VHOST}",
        f"{prefix}_DATABASE_URL": f"{POSTGRES}/{name}",
        f"{prefix}_LOG_JSON": os.environ.get("LOG_JSON", "false"),
    }


async def main() -> int:
    await ensure_vhost()
    processes = {
        name: await asyncio.create_subprocess_exec(*command, env=service_environment(name))
        for name, command in SERVICES.items()
    }
    print(
        "\nThe city is running. Ctrl-C stops it.\n"
        f"  RabbitMQ management  {MANAGEMENT_URL}/#/queues/{VHOST}  ({AMQP_USER}/{AMQP_PASSWORD})\n"
        f"  Services             {', '.join(processes)}\n",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    exited = [asyncio.create_task(p.wait()) for p in processes.values()]
    await asyncio.wait([asyncio.create_task(stop.wait()), *exited], return_when="FIRST_COMPLETED")
    for process in processes.values():
        if process.returncode is None:
            process.terminate()
    codes = await asyncio.gather(*(p.wait() for p in processes.values()))
    print("stopped", dict(zip(processes, codes, strict=True)))
    return 0 if stop.is_set() else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
