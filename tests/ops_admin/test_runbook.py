"""docs/runbook.md stays accurate to the code: the alerts it covers, and the flags of the
commands it tells people to run."""

import re
from pathlib import Path

import pytest
from django.core.management import BaseCommand, load_command_class

DOCS = Path(__file__).resolve().parents[2] / "docs"
RUNBOOK = (DOCS / "runbook.md").read_text()
ALERTS = [
    "HighProjectionLag",
    "CriticalProjectionLag",
    "DeadLetterQueueGrowing",
    "OutboxBacklog",
    "ProjectorDown",
]


def section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", RUNBOOK, re.M | re.S)
    assert match, f"no section {title!r}"
    return match.group(1)


def own_options(app: str, command: str) -> set[str]:
    """The command's long options, without the ones every management command has."""

    def long_options(handler) -> set[str]:
        parser = handler.create_parser("manage.py", command)
        return {o for action in parser._actions for o in action.option_strings if o[:2] == "--"}

    return long_options(load_command_class(app, command)) - long_options(BaseCommand())


@pytest.mark.parametrize("alert", ALERTS)
def test_every_alert_has_a_section_with_what_it_means_checks_and_actions(alert):
    text = section(alert)

    for part in ("**What it means.**", "**What to check", "**What to do.**"):
        assert part in text, f"{alert}: {part}"


@pytest.mark.parametrize(
    ("app", "command", "title"),
    [
        ("readmodels", "replay_dead_letters", "Replaying dead letters"),
        ("readmodels", "run_relay", "OutboxBacklog"),
    ],
)
def test_the_flags_the_runbook_gives_are_the_commands_flags(app, command, title):
    mentioned = set(re.findall(r"(--[a-z][a-z-]+)", section(title)))

    assert mentioned == own_options(app, command)
