"""The simulator: every förvaltning's system driving the placements API through a city-wide
year, deterministic from a seed.

    python -m tools.simulator --url http://127.0.0.1:8001 --tokens var/demo-secrets.json

A plan is made first (pure, from the seed): about 1,500 placements spread over the
förvaltningar of the organisation register, starting through the year (some the year before,
so periods are crossed), with planned mervärde, assessments that progress, some extensions,
realised mervärde and endings spread over the outcome codes; a few corrections (an outcome, an
assessment's comment) and withdrawals of placements registered by mistake. Then the plan is
played against
the API, placements side by side, each placement's commands in order. Every POST carries an
Idempotency-Key made from the seed, so playing the same plan again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from contracts.calendar import city_today
from contracts.organisations import OrganisationRegister, load_register
from contracts.reference import Module, ReferenceData, load_reference_data
from tools.samples import personnummer

# Relative size of each förvaltning's programme (unknown codes get 1).
WEIGHTS = {
    "asf": 18,
    "hvof": 15,
    "gsf": 10,
    "fgk": 9,
    "sf": 9,
    "fsf": 8,
    "gvf": 7,
    "fusf": 7,
    "frf": 5,
    "sk": 4,
    "kf": 4,
    "sbk": 3,
    "mf": 2,
}
TYPES = {
    "extratjanst": 55,
    "kommunal-arbetsmarknadsanstallning": 20,
    "introduktionsjobb": 8,
    "lonebidrag": 6,
    "nystartsjobb": 5,
    "trygghetsanstallning": 2,
    "utvecklingsanstallning": 2,
    "offentligt-skyddat-arbete": 2,
}
OUTCOMES = {"A": 32, "B": 14, "C": 16, "D": 28, "E": 10}
GIVEN_NAMES = [
    "Amina",
    "Ali",
    "Sara",
    "Mohammed",
    "Elin",
    "Johan",
    "Fatima",
    "Erik",
    "Leila",
    "Ahmed",
    "Maria",
    "Daniel",
    "Zeynep",
    "Oskar",
    "Noor",
    "Anders",
    "Hanna",
    "Yusuf",
]
FAMILY_NAMES = [
    "Hassan",
    "Andersson",
    "Nilsson",
    "Ali",
    "Persson",
    "Yilmaz",
    "Johansson",
    "Karimi",
    "Lindqvist",
    "Omar",
    "Berg",
    "Haddad",
    "Svensson",
    "Ahmadi",
]
WORKPLACES = [
    "Stadsbiblioteket",
    "Parkförvaltningens driftområde Väster",
    "Rosengårds fritidsgård",
    "Äldreboendet Solgläntan",
    "Kontaktcenter",
    "Förskolan Ekorren",
    "Centralköket",
    "Återbruket",
    "Simhallen Aq-va-kul",
    "Grundskolan Kroksbäck",
]
ROLES = [
    "Servicevärd",
    "Kökbiträde",
    "Parkarbetare",
    "Biblioteksassistent",
    "Elevassistent",
    "Vaktmästare",
    "Kundtjänstmedarbetare",
    "Omsorgsassistent",
]
TASKS = [
    "Ta emot besökare",
    "Städa och iordningställa",
    "Laga mat",
    "Sköta grönytor",
    "Stötta elever",
    "Svara i telefon",
    "Sortera material",
]
COMMENTS = [
    "Visar stort engagemang.",
    "Utvecklas stadigt.",
    "Behöver fortsatt stöd.",
    "Tar egna initiativ.",
]


@dataclass
class Command:
    path: str  # relative to the placement; "{assessment}" is its first assessment's id
    body: dict[str, Any]


@dataclass
class PlannedPlacement:
    key: str
    organisation: str
    registration: dict[str, Any]
    commands: list[Command] = field(default_factory=list)


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def plan_year(
    seed: int,
    year: int,
    total: int,
    register: OrganisationRegister,
    reference: ReferenceData,
    today: date | None = None,
) -> list[PlannedPlacement]:
    """The whole year's placements and their commands, decided by the seed alone."""
    rng = random.Random(seed)
    today = today or date(year, 12, 31)
    codes = [a.code for a in register.administrations]
    organisation_weights = {code: WEIGHTS.get(code, 1) for code in codes}
    plans = []
    for index in range(total):
        start = date(year - 1, 7, 1) + timedelta(days=rng.randrange(0, 548))
        if start > today:
            start = today - timedelta(days=rng.randrange(0, 120))
        plan = _plan_placement(
            rng, f"sim-{seed}-{index}", pick(rng, organisation_weights), start, today, reference
        )
        plans.append(plan)
    return plans


def _plan_placement(
    rng: random.Random,
    key: str,
    organisation: str,
    start: date,
    today: date,
    reference: ReferenceData,
) -> PlannedPlacement:
    # The order of the random draws is the plan: change it and a seed plays another year.
    months = rng.choice([6, 6, 9, 12, 12, 12, 18, 24])
    placement_type = pick(rng, TYPES)
    first, total = _longest(reference, placement_type)  # what the type's rules allow
    planned_end = start + timedelta(days=30 * min(months, first))
    registration = _registration(rng, start, planned_end, placement_type, reference)
    plan = PlannedPlacement(key, organisation, registration)
    extended = planned_end + timedelta(days=90)
    if rng.random() < 0.12 and (extended - start).days <= 30 * total:
        planned_end = extended
        plan.commands.append(
            Command(
                "planned-end",
                {"planned_end_date": planned_end.isoformat(), "reason": "Förlängning"},
            )
        )
    end = planned_end if rng.random() > 0.15 else start + timedelta(days=rng.randint(20, 150))
    plan.commands += _assessment_rounds(rng, reference, start, end, today)
    if end <= today:
        plan.commands += _ending(rng, reference, end)
    plan.commands += _corrections(key, plan.commands)
    return plan


def _corrections(key: str, planned: list[Command]) -> list[Command]:
    """About one placement in a hundred is withdrawn as registered by mistake; a few get an
    assessment or the outcome corrected. From a generator of the placement's own, so the
    rest of the year stays as the seed made it."""
    rng = random.Random(f"{key}/corrections")
    if rng.random() < 0.01:
        return [Command("withdrawal", {"reason": "Registrerad av misstag"})]
    corrections = []
    if rng.random() < 0.05 and any(c.path == "assessment-rounds" for c in planned):
        corrections.append(
            Command(
                "corrections/assessments/{assessment}",
                {"comment": "Rättad kommentar efter samtal.", "reason": "Fel kommentar"},
            )
        )
    ended = [c.body["outcome"] for c in planned if c.path == "end"]
    if ended and rng.random() < 0.05:
        outcome = pick(rng, {code: w for code, w in OUTCOMES.items() if code != ended[0]})
        corrections.append(
            Command("corrections/end", {"outcome": outcome, "reason": "Fel utfallskod"})
        )
    return corrections


def _longest(reference: ReferenceData, placement_type: str) -> tuple[int, int]:
    """Months a placement of the type may be planned for at first, and in total (a month
    counted as 30 days, so always within the limit). Unlimited types: ten years."""
    limit = reference.placement_type(placement_type).max_duration
    if limit is None:
        return 120, 120
    return limit.months, limit.extended_months or 120


def _registration(
    rng: random.Random,
    start: date,
    planned_end: date,
    placement_type: str,
    reference: ReferenceData,
) -> dict[str, Any]:
    return {
        "participant": {
            "personnummer": _personnummer(rng, start),
            "given_name": rng.choice(GIVEN_NAMES),
            "family_name": rng.choice(FAMILY_NAMES),
        },
        "workplace": {"name": rng.choice(WORKPLACES), "unit": None},
        "supervisor": {"name": f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)}"},
        "placement_type": placement_type,
        "role": rng.choice(ROLES),
        "tasks": rng.sample(TASKS, k=2),
        "employment_rate": rng.choice([50, 75, 100, 100]),
        "start_date": start.isoformat(),
        "planned_end_date": planned_end.isoformat(),
        "planned_value_added": [
            {
                "beneficiary": "workplace",
                "category": rng.choice(_categories(reference, "workplace")),
            },
            {
                "beneficiary": "individual",
                "category": rng.choice(_categories(reference, "individual")),
            },
        ],
    }


def _personnummer(rng: random.Random, start: date) -> str:
    """A participant aged 18 to 64 at the start; some have a samordningsnummer instead."""
    age = rng.choices([rng.randint(18, 24), rng.randint(25, 64)], weights=[35, 65])[0]
    born = date(start.year - age, rng.randint(1, 12), rng.randint(1, 28))
    day = born.day + (60 if rng.random() < 0.08 else 0)
    return personnummer(f"{born.year:04d}{born.month:02d}{day:02d}", f"{rng.randrange(1000):03d}")


def _assessment_rounds(
    rng: random.Random, reference: ReferenceData, start: date, end: date, today: date
) -> list[Command]:
    """Each module assessed early and again at the end (progression); språk for about half."""
    modules = [m for m in reference.modules if m.code != "sprak" or rng.random() < 0.5]
    levels = {m.code: rng.randrange(0, 3) for m in modules}
    rounds = []
    for assessed_on in (start + timedelta(days=30), end - timedelta(days=7)):
        if assessed_on > min(end, today) or assessed_on < start:
            break
        body = {
            "assessed_on": assessed_on.isoformat(),
            "assessor": "handledare",
            "modules": [_assessment(rng, reference, module, levels) for module in modules],
        }
        rounds.append(Command("assessment-rounds", body))
    return rounds


def _assessment(
    rng: random.Random, reference: ReferenceData, module: Module, levels: dict[str, int]
) -> dict[str, Any]:
    """One module's assessment, a step or two above the last one (``levels`` is updated)."""
    scale = reference.scale_for(module.code).level_codes
    levels[module.code] = min(len(scale) - 1, levels[module.code] + rng.choice([0, 1, 1, 2]))
    return {
        "module": module.code,
        "level": scale[levels[module.code]],
        "criteria_met": rng.sample(sorted(module.criterion_codes), k=2),
        "comment": rng.choice(COMMENTS),
    }


def _ending(rng: random.Random, reference: ReferenceData, end: date) -> list[Command]:
    """Realised mervärde, then the end with an outcome."""
    value_added = {
        "beneficiary": "individual",
        "category": rng.choice(_categories(reference, "individual")),
        "description": "Uppnått under anställningen",
    }
    return [
        Command("value-added", value_added),
        Command("end", {"end_date": end.isoformat(), "outcome": pick(rng, OUTCOMES)}),
    ]


def _categories(reference: ReferenceData, beneficiary: str) -> list[str]:
    return [c.code for c in reference.value_added_categories if c.beneficiary == beneficiary]


async def play(
    plans: list[PlannedPlacement],
    client: httpx.AsyncClient,
    tokens: dict[str, str],
    concurrency: int = 16,
) -> Counter[str]:
    """Run the plan against the API; returns how many commands of each kind succeeded."""
    done: Counter[str] = Counter()
    queue = list(reversed(plans))

    async def worker() -> None:
        while queue:
            await _play_one(client, queue.pop(), tokens, done)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done


async def _play_one(
    client: httpx.AsyncClient, plan: PlannedPlacement, tokens: dict[str, str], done: Counter[str]
) -> None:
    headers = {"Authorization": f"Bearer {tokens[plan.organisation]}"}
    placement = await _post(client, "/placements", plan.registration, headers, f"{plan.key}-0")
    done["registered"] += 1
    for step, command in enumerate(plan.commands, start=1):
        path = f"/placements/{placement['id']}/{resolved(command.path, placement)}"
        placement = await _post(client, path, command.body, headers, f"{plan.key}-{step}")
        done[command.path] += 1


def resolved(path: str, placement: dict[str, Any]) -> str:
    """A correction's path names the fact it corrects, whose id only the API's answer gives."""
    if "{assessment}" in path:
        return path.format(assessment=placement["assessments"][0]["id"])
    return path


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], headers: dict[str, str], key: str
) -> dict[str, Any]:
    for attempt in range(5):  # the service may be starting or restarting: retry, same key
        try:
            response = await client.post(
                path, json=body, headers={**headers, "Idempotency-Key": key}
            )
        except httpx.TransportError:
            await asyncio.sleep(0.5 * 2**attempt)
            continue
        if response.status_code >= 500:
            await asyncio.sleep(0.5 * 2**attempt)
            continue
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result
    raise RuntimeError(f"giving up on {path} after 5 attempts")


async def _play_over_http(
    plans: list[PlannedPlacement], url: str, tokens: dict[str, str], concurrency: int
) -> Counter[str]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        return await play(plans, client, tokens, concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Drive the placements API through a city year.")
    parser.add_argument("--url", default="http://127.0.0.1:8001", help="placements API")
    parser.add_argument(
        "--tokens",
        type=Path,
        default=Path("var/demo-secrets.json"),
        help="JSON file with a 'tokens' object: förvaltning code → bearer token",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--placements", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args(argv)
    tokens = json.loads(args.tokens.read_text())["tokens"]
    # Nothing ends or is assessed after today: the service refuses dates in the future.
    today = min(date(args.year, 12, 31), city_today())
    plans = plan_year(
        args.seed, args.year, args.placements, load_register(), load_reference_data(), today
    )
    started = time.perf_counter()
    try:
        done = asyncio.run(_play_over_http(plans, args.url, tokens, args.concurrency))
    except KeyboardInterrupt:  # Ctrl-C on `make run` stops the demo, not an error to show
        return 130
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": round(seconds, 1), **done}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
