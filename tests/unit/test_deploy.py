"""Deployment files that cannot run here (no Docker engine) are at least consistent."""

from __future__ import annotations

import importlib.util
import json
import tomllib
from pathlib import Path

import yaml

from contracts.topology import CITY_TOPOLOGY
from tools import run

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_refers_to_files_that_exist() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name}: {source}"


def test_every_consumer_queue_has_a_delivery_limit_and_a_dead_letter_queue() -> None:
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    queues = {q["name"]: q["arguments"] for q in definitions["queues"]}
    for spec in CITY_TOPOLOGY.consumer_queues:
        arguments = queues[spec.name]
        assert arguments["x-queue-type"] == "quorum"
        assert arguments["x-delivery-limit"] >= 1
        assert arguments["x-dead-letter-strategy"] == "at-least-once"
        assert arguments["x-overflow"] == "reject-publish"
        assert spec.dead_letter_queue in queues
    for stream in CITY_TOPOLOGY.streams:
        assert queues[stream.name]["x-queue-type"] == "stream"


def test_compose_commands_name_modules_and_services_that_exist() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        command = service.get("command")
        if not command or command[:2] != ["python", "-m"]:
            continue
        assert importlib.util.find_spec(command[2]) is not None, f"{name}: {command}"
        if command[2:4] == ["tools.run", "launch"]:
            assert command[4] in run.SERVICES, f"{name}: no such service {command[4]}"


def test_every_service_port_in_compose_is_the_one_it_listens_on() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name, port in run.PORTS.items():
        assert f"{port}:{port}" in compose["services"][name]["ports"]


def test_the_image_copies_every_workspace_member() -> None:
    """``uv sync --frozen`` in the image needs every member's folder, e.g. ``ops/``."""
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    copied = {
        line.split()[1]
        for line in (ROOT / "deploy/Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
    }
    for member in members["members"]:
        assert member.split("/")[0] in copied, f"the image does not copy {member}"
