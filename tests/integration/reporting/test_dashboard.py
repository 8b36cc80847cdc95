"""The dashboard in a real headless browser (Debian's chromium): it renders its charts, loads
nothing from the network, logs nothing to the console, and a screenshot is kept in
``test-artifacts/``."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.integration.reporting.conftest import Reporting
from tests.support import eventually
from tools.sandbox import free_port

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
ENSURE_TEST_TOOLS = ROOT / "scripts" / "ensure-test-tools.sh"
ARTIFACTS = ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, which ``make test`` installs (scripts/ensure-test-tools.sh)."""
    if not shutil.which("chromium"):
        subprocess.run([str(ENSURE_TEST_TOOLS)], timeout=900, check=False)
    found = shutil.which("chromium")
    assert found, "chromium is missing and scripts/ensure-test-tools.sh could not install it"
    return found


@pytest.fixture
async def served(scenario: Reporting) -> AsyncIterator[str]:
    """The app on a real port, so the browser loads it as a person's browser would."""
    port = free_port()
    app = with_bearer(scenario.app, scenario.analyst_token)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await eventually(started, within=10)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


def with_bearer(app: ASGIApp, token: str) -> ASGIApp:
    """The app behind a proxy that signs every request in as the analyst, as a headless browser
    cannot be given a token (the sign-in itself is tested in ``test_sign_in``)."""
    header = (b"authorization", f"Bearer {token}".encode())

    async def signed_in(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {**scope, "headers": [*scope["headers"], header]}
        await app(scope, receive, send)

    return signed_in


async def browse(chromium: str, *arguments: str) -> tuple[str, str]:
    process = await asyncio.create_subprocess_exec(
        chromium,
        *FLAGS,
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(90):
        out, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    return out.decode(), err.decode()


class Charts(HTMLParser):
    """Bars (``rect.bar`` with a value) per chart, and every outside reference."""

    def __init__(self) -> None:
        super().__init__()
        self.chart: str | None = None
        self.bars: dict[str, list[int]] = {}
        self.targets: dict[str, list[int]] = {}
        self.outside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href"):
            value = attributes.get(name) or ""
            if value.startswith(("http:", "https:", "//")):
                self.outside.append(value)
        chart = attributes.get("id") or ""
        if tag == "svg" and chart.startswith("chart-"):
            self.chart = chart
            self.bars[chart] = []
            self.targets[chart] = []
        classes = (attributes.get("class") or "").split()
        data = attributes.get("data-value")
        if self.chart and data is not None:  # legend swatches carry no value
            if "bar" in classes:
                self.bars[self.chart].append(int(data))
            if "target" in classes:
                self.targets[self.chart].append(int(data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self.chart = None


async def test_dashboard_renders_its_charts_in_a_browser(chromium: str, served: str) -> None:
    url = f"{served}/dashboard?kind=year&year=2026"
    dom, log = await browse(chromium, "--dump-dom", url)
    charts = Charts()
    charts.feed(dom)

    assert "Uppföljning av arbetsmarknadsanställningar" in dom
    assert "Levererade platser mot mål per nämnd" in dom
    delivered = charts.bars["chart-delivery"]
    assert len(delivered) == 13  # every committee of the register
    assert sorted(delivered, reverse=True)[:3] == [3, 2, 2]  # asn 3, ks 2, kn 2
    assert sorted(charts.targets["chart-delivery"]) == [1, 2, 5]
    assert charts.bars["chart-trend"] == [2, 2, 3, 2, 1, 2, 2, 1, 2, 2, 2, 3]  # active per month
    assert charts.bars["chart-outcomes"] == [1, 1, 1, 1, 1]  # A–E
    assert charts.outside == []  # nothing from a CDN, nothing from anywhere
    assert [line for line in log.splitlines() if ":CONSOLE" in line] == []

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "reporting-dashboard.png"
    screenshot.unlink(missing_ok=True)
    await browse(
        chromium, f"--screenshot={screenshot}", "--window-size=1400,2600", "--hide-scrollbars", url
    )
    image = screenshot.read_bytes()
    assert image.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert (width, height) == (1400, 2600)
    assert len(image) > 50_000  # text, bars and tables, not a blank page


async def test_dashboard_period_form_and_bad_period(chromium: str, served: str) -> None:
    dom, _ = await browse(
        chromium, "--dump-dom", f"{served}/dashboard?kind=tertial&year=2026&tertial=3"
    )
    assert "Tertial 3 2026" in dom
    charts = Charts()
    charts.feed(dom)
    assert charts.bars["chart-trend"] == [2, 2, 2, 3]  # September–December
    bad, _ = await browse(chromium, "--dump-dom", f"{served}/dashboard?kind=month&year=2026")
    assert "a month period needs month" in bad
