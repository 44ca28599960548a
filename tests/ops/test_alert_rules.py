"""ops/prometheus/alerts.yml: valid for Prometheus, its unit tests pass (`promtool test rules`
on synthetic series: alerts_test.yml), and it agrees with the rules /api/ops/health evaluates.

promtool comes from the Debian package `prometheus` (`make tools`). Without it these tests
are skipped on a developer's machine, and fail in CI (CI=true), where it must be installed.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from readmodels.ops.alert_rules import CDC_WAL_RETAINED, RULES, UNBOUNDED_WAL_WARNING_BYTES

RULES_DIR = Path(__file__).resolve().parents[2] / "ops" / "prometheus"
RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("promtool is missing in CI: `make tools` installs it (Debian: prometheus)")
        pytest.skip("promtool is not installed (`make tools`, or apt-get install prometheus)")
    return path


def run(promtool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [promtool, *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=60
    )


def test_promtool_accepts_the_rules_file(promtool):
    checked = run(promtool, "check", "rules", "alerts.yml")

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(RULES)} rules found" in checked.stdout


def test_rules_pass_their_unit_tests_on_synthetic_series(promtool):
    tested = run(promtool, "test", "rules", "alerts_test.yml")

    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def alerts() -> dict[str, dict]:
    groups = yaml.safe_load((RULES_DIR / "alerts.yml").read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def test_prometheus_rules_and_the_ops_health_rules_agree():
    in_prometheus = alerts()

    assert set(in_prometheus) == {rule.name for rule in RULES}
    for rule in RULES:
        alert = in_prometheus[rule.name]
        assert alert["labels"]["severity"] == rule.severity, rule.name
        assert alert["annotations"]["runbook_url"] == rule.runbook_url, rule.name
        assert alert["for"], rule.name
        assert {"summary", "description"} <= set(alert["annotations"]), rule.name
        if rule.of_max_lag:  # compared with each read model's own threshold, times a factor
            factor = "" if rule.threshold == 1 else rf"{rule.threshold} \* "
            threshold = rf"{factor}max by \(read_model\) \(orders_read_model_max_lag_seconds\)"
            assert re.search(rf"\) > on \(read_model\) {threshold}$", alert["expr"]), rule.name
        elif rule is CDC_WAL_RETAINED:  # half the server's bound, or a fixed one without it
            expr = " ".join(alert["expr"].split())
            assert f"> {rule.threshold} * max(orders_cdc_wal_keep_limit_bytes)" in expr
            assert f"> {UNBOUNDED_WAL_WARNING_BYTES} unless on () max(" in expr
        elif rule.threshold:
            assert re.search(rf"\) > {rule.threshold}$", alert["expr"].strip()), rule.name


def test_runbook_has_a_section_for_every_alert():
    if not RUNBOOK.exists():
        pytest.skip("docs/runbook.md is not written yet")
    text = RUNBOOK.read_text()
    headings = {_slug(h) for h in re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.MULTILINE)}
    explicit = set(re.findall(r"""(?:id|name)=["']([^"']+)["']|\{#([^}]+)\}""", text))
    anchors = headings | {a for pair in explicit for a in pair if a}
    for rule in RULES:
        assert rule.runbook_url.split("#")[1] in anchors, f"no runbook section for {rule.name}"


def _slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")
