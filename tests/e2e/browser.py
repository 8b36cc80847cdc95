"""Driving Debian's Chromium with Playwright for the browser tests: keyboard-only form filling,
axe-core's WCAG 2.1 A/AA check of a page, and a screenshot of every page kept as an artefact."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "tests" / "interop" / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = ROOT / "var" / "artefacts" / "app"
"""Screenshots (``<name>.png``) and axe-core results (``<name>.axe.json``) of every page."""
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_TABS = 400


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    require_tools()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield browser
        finally:
            await browser.close()


def require_tools() -> None:
    if not Path(CHROMIUM).exists() or not AXE.exists():
        raise AssertionError(
            "the browser tests need Debian's chromium and axe-core: run "
            "scripts/ensure-test-tools.sh"
        )
    ARTEFACTS.mkdir(parents=True, exist_ok=True)


async def checked(page: Page, name: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations of the page as it is now (kept with a
    screenshot under ``var/artefacts/app/``)."""
    await page.screenshot(path=ARTEFACTS / f"{name}.png", full_page=True)
    await page.add_script_tag(path=AXE)
    violations: list[dict[str, Any]] = await page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))",
        WCAG,
    )
    (ARTEFACTS / f"{name}.axe.json").write_text(json.dumps(violations, indent=2))
    return violations


async def tab_to(page: Page, selector: str) -> None:
    """Move the focus with the Tab key alone until ``selector`` has it."""
    target = page.locator(selector)
    for _ in range(MAX_TABS):
        if await target.evaluate("element => element === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"the Tab key never reaches {selector}")


async def type_into(page: Page, selector: str, text: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.press("Control+A")
    await page.keyboard.type(text)


async def choose(page: Page, name: str, value: str) -> None:
    """A radio button of group ``name``: Tab into the group, then the arrow keys."""
    group = f'input[type=radio][name="{name}"]'
    await tab_to(
        page,
        f"{group}:checked"
        if await page.locator(f"{group}:checked").count()
        else group + " >> nth=0",
    )
    target = page.locator(f'{group}[value="{value}"]')
    for _ in range(20):
        if await target.is_checked():
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reach {value} of {name}")


async def select(page: Page, selector: str, value: str) -> None:
    """An option of a drop-down list, by the arrow keys on the focused list."""
    await tab_to(page, selector)
    target = page.locator(selector)
    await page.keyboard.press("Home")
    for _ in range(60):
        if await target.input_value() == value:
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reach {value} in {selector}")


async def submit(page: Page, selector: str = "main button[type=submit]") -> None:
    """Press Enter on the form's submit button and wait for the next page."""
    await tab_to(page, selector)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
