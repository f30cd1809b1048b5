"""deploy/monitoring/: the Prometheus configuration, the alert rules and the Grafana dashboard,
checked by Prometheus's own promtool (Debian's prometheus package; .ci/run installs it): the
config loads, each alert fires on what it is meant for and not below (alerts_test.yml), every
dashboard query parses, and every metric they name is one the service serves."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CLUSTER_REQUIRED"):
            pytest.fail("promtool is missing (apt-get install prometheus)")
        pytest.skip("promtool is not installed (Debian's prometheus package)")
    return found


def run(*command: str, cwd: Path = MONITORING) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_prometheus_config_loads_with_its_rules(promtool, tmp_path):
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    token = tmp_path / "metrics.token"
    token.write_text("a-token")
    for job in config["scrape_configs"]:
        if "authorization" in job:
            job["authorization"]["credentials_file"] = str(token)
    config["rule_files"] = [str(MONITORING / "alerts.yml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    assert "SUCCESS" in run(promtool, "check", "config", str(tmp_path / "prometheus.yml"))
    web = next(job for job in config["scrape_configs"] if job["job_name"] == "lsso-web")
    assert web["static_configs"][0]["targets"] == ["127.0.0.1:8101", "127.0.0.1:8102", "127.0.0.1:8103"]


def test_each_alert_fires_on_its_threshold_and_not_below(promtool):
    assert "SUCCESS" in run(promtool, "test", "rules", "alerts_test.yml")
    names = {r["alert"] for g in yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"] for r in g["rules"]}
    tested = set(re.findall(r"alertname: (\w+)", (MONITORING / "alerts_test.yml").read_text()))
    assert names - {"LssoWebNodeDown"} <= tested  # `up` is Prometheus's own series


def dashboard_queries() -> list[str]:
    board = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [t["expr"] for panel in board["panels"] for t in panel["targets"]]


def test_every_dashboard_query_parses(promtool, tmp_path):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query_{n}", "expr": expr} for n, expr in enumerate(dashboard_queries())]}]}
    (tmp_path / "dashboard_rules.yml").write_text(yaml.safe_dump(rules))
    assert "SUCCESS" in run(promtool, "check", "rules", str(tmp_path / "dashboard_rules.yml"))


def test_the_dashboard_and_alerts_name_only_metrics_the_service_serves(app_on_demo_data, dial):
    from prometheus_client.parser import text_string_to_metric_families

    client = app_on_demo_data(METRICS_TOKEN="t").test_client()
    served = set()
    for family in text_string_to_metric_families(
            client.get("/metrics", headers={"Authorization": "Bearer t"}).get_data(as_text=True)):
        served |= {sample.name for sample in family.samples} | {family.name + "_total", family.name + "_bucket"}
    texts = dashboard_queries() + [(MONITORING / "alerts.yml").read_text()]
    named = {m for text in texts for m in re.findall(r"\blsso_[a-z_]+", text)}
    assert named and named <= served, named - served
