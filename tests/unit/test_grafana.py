"""The Grafana dashboard that docker-compose.yml provisions (no Docker engine here, so it is
checked rather than run): Grafana's dashboard shape, a panel for every metric an alert watches,
no panel on a metric that nothing exports, PromQL that Prometheus's own parser (promtool)
accepts, and provisioning files that the compose file mounts where Grafana reads them."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

import certificates.bootstrap
import placements.bootstrap
import reporting.bootstrap
from runtime.http.app import service_app
from tests.unit.test_prometheus import promtool

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
SERVICES = (placements.bootstrap, certificates.bootstrap, reporting.bootstrap)  # their metrics

# Grafana's range variables, as Prometheus would receive them.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}
# Made by Prometheus itself for every scrape target, not by a service.
SCRAPE_METRICS = {"up"}

# PromQL, reduced to its metric names: strings, label matchers, ranges and grouping clauses go,
# then every name that is not a function call or a keyword is a metric.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGE = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b")
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    for pattern in (_STRING, _MATCHERS, _RANGE, _GROUPING, _NUMBER):
        expr = pattern.sub(" ", expr)
    names = set()
    for match in _NAME.finditer(expr):
        if not expr[match.end() :].lstrip().startswith("(") and match[0] not in _KEYWORDS:
            names.add(match[0])
    return names


def dashboard(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def targets(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [target for panel in board["panels"] for target in panel.get("targets", [])]


def panel_metrics() -> set[str]:
    return {
        name
        for path in DASHBOARDS
        for t in targets(dashboard(path))
        for name in metric_names(t["expr"])
    }


def alert_expressions() -> list[str]:
    rules = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text(encoding="utf-8"))
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def alert_metrics() -> set[str]:
    return {name for expr in alert_expressions() for name in metric_names(expr)}


def sample_names(family_name: str, kind: str) -> set[str]:
    """The series names a metric family of ``/metrics`` gives Prometheus."""
    suffixes = {
        "counter": ["_total", "_created"],
        "histogram": ["_bucket", "_sum", "_count", "_created"],
        "summary": ["", "_sum", "_count", "_created"],
    }.get(kind, [""])
    return {family_name + suffix for suffix in suffixes}


async def exported_metrics() -> set[str]:
    """What a service's ``/metrics`` answers, with every service's metrics loaded (they
    register in the process's registry on import)."""
    assert all(module.__name__ for module in SERVICES)
    app = service_app(title="t", description="d", routers=[], clients={}, readiness={})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        text = (await http.get("/metrics")).text
    return {
        name
        for family in text_string_to_metric_families(text)
        for name in sample_names(family.name, family.type)
    }


def test_the_name_reader_finds_what_the_alerts_watch() -> None:
    """Checked against the rules as written, so the comparisons below compare real names."""
    assert alert_metrics() == {
        "rabbitmq_detailed_queue_messages",
        "rabbitmq_detailed_queue_consumers",
        "rabbitmq_detailed_queue_messages_ready",
        "consumer_repairs_total",
        "outbox_oldest_age_seconds",
        "certificates_waiting_oldest_age_seconds",
        "retention_last_run_timestamp_seconds",
        "certificates_pdf_backlog_oldest_age_seconds",
        "up",
    }


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda path: path.name)
def test_the_dashboard_has_grafanas_shape(path: Path) -> None:
    board = dashboard(path)
    assert isinstance(board["title"], str)
    assert board["title"]
    assert re.fullmatch(r"[\w-]{1,40}", board["uid"])
    assert isinstance(board["schemaVersion"], int)
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    cells: set[tuple[int, int]] = set()
    for panel in board["panels"]:
        assert panel["type"] in {"row", "timeseries", "stat"}, panel["title"]
        grid = panel["gridPos"]
        assert 0 <= grid["x"] < grid["x"] + grid["w"] <= 24, panel["title"]  # 24 columns
        covered = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not covered & cells, f"{panel['title']} overlaps another panel"
        cells |= covered
        if panel["type"] != "row":
            refs = [target["refId"] for target in panel["targets"]]
            assert refs, panel["title"]
            assert len(refs) == len(set(refs)), panel["title"]


def test_every_metric_an_alert_watches_has_a_panel() -> None:
    assert alert_metrics() - panel_metrics() == set()


async def test_every_metric_a_panel_queries_exists() -> None:
    """Exported by the services' ``/metrics``, made by Prometheus for the scrape, or one of the
    broker's per-queue metrics that the alert rules (tested by promtool) already read."""
    known = await exported_metrics() | SCRAPE_METRICS
    broker = {name for name in alert_metrics() if name.startswith("rabbitmq_")}
    assert panel_metrics() - known - broker == set()
    assert {"http_requests_total", "http_request_duration_seconds_bucket"} <= panel_metrics()


def test_prometheus_parses_every_panel_query(tmp_path: Path) -> None:
    """Each query as a recording rule, so that promtool parses it as Prometheus would."""
    rules = []
    for number, target in enumerate(t for path in DASHBOARDS for t in targets(dashboard(path))):
        expr = target["expr"]
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"a Grafana variable this test does not know: {expr}"
        rules.append({"record": f"dashboard_query_{number}", "expr": expr})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    assert "SUCCESS" in promtool("check", "rules", str(path))


def grafana_mounts() -> dict[Path, PurePosixPath]:
    """The grafana service's volumes from this repository: host folder -> container folder."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    mounts = {}
    for volume in compose["services"]["grafana"]["volumes"]:
        source, target, *_ = volume.split(":")
        if source.startswith("./"):
            mounts[(ROOT / source).resolve()] = PurePosixPath(target)
    return mounts


def in_container(path: Path) -> PurePosixPath | None:
    for source, target in grafana_mounts().items():
        if path.resolve().is_relative_to(source):
            return target / path.resolve().relative_to(source).as_posix()
    return None


def test_compose_mounts_every_provisioning_file_where_grafana_reads_it() -> None:
    provisioning = GRAFANA / "provisioning"
    files = sorted(provisioning.rglob("*.yml"))
    assert {path.parent.name for path in files} == {"datasources", "dashboards"}
    for path in files:
        where = (
            PurePosixPath("/etc/grafana/provisioning") / path.relative_to(provisioning).as_posix()
        )
        assert in_container(path) == where, path


def test_the_provisioned_folder_holds_the_dashboards() -> None:
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/city.yml").read_text())
    folders = {PurePosixPath(p["options"]["path"]) for p in providers["providers"]}
    assert DASHBOARDS
    for path in DASHBOARDS:
        where = in_container(path)
        assert where is not None, path
        assert where.parent in folders, path


def test_the_panels_query_the_provisioned_prometheus() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    uids = {source["uid"] for source in sources["datasources"]}
    for source in sources["datasources"]:
        url = urlsplit(source["url"])
        assert f"{url.port}:{url.port}" in compose["services"][url.hostname]["ports"]
    for path in DASHBOARDS:
        board = dashboard(path)
        for panel in board["panels"]:
            for used in [panel, *panel.get("targets", [])]:
                if "datasource" in used:
                    assert used["datasource"]["uid"] in uids, panel["title"]
