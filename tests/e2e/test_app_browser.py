"""The supervisors' app in Debian's Chromium, against the three services as processes: a
supervisor signs in, registers, assesses twice, sees the progression, ends the placement and
downloads the certificate; a förvaltning imports a list with two bad rows and reads the report.
Every form is filled with the keyboard alone, and axe-core finds no WCAG 2.1 A/AA violation on
any page, nor on the ASF dashboard. Screenshots: ``var/artefacts/app/``."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.async_api import Browser, Page

from tests.e2e.browser import (
    ARTEFACTS,
    checked,
    choose,
    chromium,
    select,
    submit,
    tab_to,
    type_into,
)
from tests.e2e.conftest import ORGANISATION, City
from tests.support import eventually
from tools.samples import personnummer

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


async def sign_in(page: Page, city: City) -> None:
    """The demo's sign-in, by keyboard: the app sends an unsigned-in browser there."""
    await page.goto(f"{city.urls['placements']}/app/")
    assert "/sign-in" in page.url
    assert await checked(page, "sign-in") == []
    await type_into(page, "#name", "Karin Nilsson")
    await select(page, "#role", "supervisor")
    await type_into(page, "#organisation", ORGANISATION)
    await submit(page, "button[type=submit]")
    assert page.url.endswith("/app/")


async def register(page: Page) -> None:
    await page.get_by_role("link", name="Registrera placering").click()
    assert await checked(page, "register") == []
    fields = {
        "#f-participant-personnummer": personnummer("19950505", "384"),
        "#f-participant-given_name": "Amina",
        "#f-participant-family_name": "Hassan",
        "#f-workplace-name": "Stadsbiblioteket",
        "#f-role": "Biblioteksassistent",
        "#f-tasks": "Låna ut böcker",
        "#f-employment_rate": "75",
        "#f-start_date": "2026-01-12",
        "#f-planned_end_date": "2026-12-31",
        "#f-supervisor-name": "Karin Nilsson",
    }
    await type_into(page, "#f-participant-personnummer", "19950505-3840")  # wrong check digit
    for selector, text in list(fields.items())[1:]:
        await type_into(page, selector, text)
    await select(page, "#f-placement_type", "extratjanst")
    await submit(page)
    field = page.locator("#f-participant-personnummer")
    assert await field.get_attribute("aria-invalid") == "true"
    assert "f-participant-personnummer-error" in (
        await field.get_attribute("aria-describedby") or ""
    )
    assert await checked(page, "register-refused") == []
    await type_into(page, "#f-participant-personnummer", fields["#f-participant-personnummer"])
    await submit(page)
    assert re.search(r"/app/placements/[0-9a-f-]{36}\?saved=1$", page.url)


async def assess(page: Page, day: str, language_level: str, social_level: str) -> None:
    await page.get_by_role("link", name="Bedöm moduler").click()
    await type_into(page, "#f-assessed_on", day)
    await choose(page, "modules.sprak.level", language_level)
    await choose(page, "modules.sociala-fardigheter.level", social_level)
    await tab_to(page, "#f-modules-sprak-criteria_met-1")
    await page.keyboard.press("Space")
    await type_into(page, "#f-modules-sprak-comment", "Bra framsteg i samtal med besökare")
    assert await checked(page, f"assess-{day}") == []
    await submit(page)


async def test_a_supervisor_follows_a_placement_to_its_certificate(
    city: City, browser: Browser
) -> None:
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await sign_in(page, city)
    assert await checked(page, "placements") == []
    await register(page)
    assert await checked(page, "placement-registered") == []

    await assess(page, "2026-02-02", "A2", "2")
    await assess(page, "2026-06-01", "B1", "3")
    progression = page.locator("table", has=page.locator("caption", has_text="första och senaste"))
    assert re.sub(r"\s+", " ", await progression.inner_text()).count("+1") == 2
    assert await checked(page, "placement-progression") == []

    await page.get_by_role("link", name="Registrera mervärde").click()
    await choose(page, "stage", "realised")
    await choose(page, "beneficiary", "individual")
    await select(page, "#f-category", "sprakutveckling")
    assert await checked(page, "value-added") == []
    await submit(page)

    await page.get_by_role("link", name="Avsluta placeringen").click()
    await type_into(page, "#f-end_date", "2026-06-30")
    await choose(page, "outcome", "A")
    assert await checked(page, "end") == []
    await submit(page)
    assert "Avslutad" in await page.locator(".status").inner_text()

    async def issued() -> bool:
        await page.reload()
        return await page.get_by_role("link", name="Ladda ner på svenska (PDF)").count() == 1

    await eventually(issued, within=90, interval=1)
    assert await checked(page, "placement-certificate") == []
    for name in ("Ladda ner på svenska (PDF)", "Ladda ner på engelska (PDF)"):
        async with page.expect_download() as download:
            await page.get_by_role("link", name=name).click()
        pdf = downloaded(await (await download.value).path())
        assert pdf.startswith(b"%PDF")

    placement_url = page.url.split("?")[0]
    for action, name in (
        ("end-correction", "correct-end"),
        ("details-correction", "correct-details"),
        ("planned-end", "planned-end"),
        ("withdrawal", "withdraw"),
    ):
        await page.goto(f"{placement_url}/{action}")
        assert await checked(page, name) == []
    await page.goto(placement_url)
    await page.get_by_role("link", name=re.compile("^Rätta Språk ")).first.click()
    assert await checked(page, "correct-assessment") == []
    await page.goto(placement_url)
    await page.get_by_role("link", name="Rätta Språkutveckling").click()
    assert await checked(page, "correct-value-added") == []

    await page.goto(f"{city.urls['placements']}/app/?status=ended")
    assert await page.get_by_role("link", name="Amina Hassan").count() == 1
    await page.get_by_role("link", name="English").click()
    assert await page.locator("h1").inner_text() == "Placements"
    assert await checked(page, "placements-en") == []
    await page.goto(placement_url)
    assert await checked(page, "placement-en") == []
    missing = await page.goto(f"{city.urls['placements']}/app/placements/{uuid.uuid4()}")
    assert missing is not None
    assert missing.status == 404
    assert await checked(page, "not-found") == []


def downloaded(path: Path) -> bytes:
    return path.read_bytes()


def kept(name: str, content: bytes) -> Path:
    """A file the test made, kept with the screenshots."""
    path = ARTEFACTS / name
    path.write_bytes(content)
    return path


def list_with_two_bad_rows(template: bytes) -> bytes:
    book = load_workbook(io.BytesIO(template))
    sheet = book["Placeringar"]
    headers = [cell.value for cell in sheet[1]]
    for number in range(2, 7):
        values: dict[str, str | int | date] = {
            "Personnummer": personnummer("19880808", f"{number:03d}"),
            "Förnamn": "Deltagare",
            "Efternamn": f"Nummer {number}",
            "Arbetsplats": "Parkförvaltningen",
            "Handledare": "Ola Berg",
            "Anställningsform": "Extratjänst",
            "Roll": "Parkarbetare",
            "Sysselsättningsgrad (%)": 100,
            "Startdatum": date(2026, 3, 1),
            "Planerat slutdatum": date(2026, 11, 30),
        }
        if number == 3:
            values["Personnummer"] = "19880808-0030"
        if number == 5:
            values["Sysselsättningsgrad (%)"] = 150
        for name, value in values.items():
            sheet.cell(row=number, column=headers.index(name) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_forvaltning_imports_its_list_and_reads_the_report(
    city: City, browser: Browser
) -> None:
    page = await (await browser.new_context(accept_downloads=True)).new_page()
    await sign_in(page, city)
    await page.get_by_role("link", name="Importera lista").click()
    assert await checked(page, "import") == []
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Ladda ner mallen (Excel)").click()
    template = downloaded(await (await download.value).path())
    filled = kept("import-list.xlsx", list_with_two_bad_rows(template))

    await page.set_input_files("#f-file", filled)
    await submit(page)
    facts = await page.locator("dl.facts").inner_text()
    assert re.search(r"Registrerade nu\s+3", facts)
    report = page.locator("table", has=page.locator("caption", has_text="Rader med fel"))
    rows = [re.split(r"\t", line) for line in (await report.inner_text()).splitlines()[2:]]
    assert [(r[0], r[1]) for r in rows] == [
        ("3", "Personnummer"),
        ("5", "Sysselsättningsgrad (%)"),
    ]
    assert await checked(page, "import-report") == []

    await page.set_input_files("#f-file", filled)
    await submit(page)
    facts = await page.locator("dl.facts").inner_text()
    assert re.search(r"Registrerade nu\s+0", facts)
    assert re.search(r"Redan registrerade\s+3", facts)


async def test_the_asf_dashboard_has_no_accessibility_violations(
    city: City, browser: Browser
) -> None:
    """Signed in as ASF with the analyst's bearer token (the dashboard is behind sign-in), small
    cells withheld as a deployment does by default: the markers and their explanation too."""
    context = await browser.new_context(
        extra_http_headers={"Authorization": f"Bearer {city.analyst_token}"}
    )
    page = await context.new_page()
    await page.goto(f"{city.urls['reporting']}/dashboard?threshold=5")
    assert await page.locator("h1").count() == 1
    assert await page.locator("#small-cells abbr.withheld").count() == 2
    assert await checked(page, "asf-dashboard") == []
