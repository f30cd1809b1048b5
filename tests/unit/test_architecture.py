"""The layout keeps its promises: the engine and the benefit rules stand alone, lower layers
never import upward, and what create_app builds is handed down, not looked up."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

from ussd_app.core.database import Base

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ussd_app"


def test_the_engine_and_the_benefit_rules_import_and_run_without_flask_redis_or_sqlalchemy():
    script = textwrap.dedent(f"""
        import sys
        from datetime import date

        class Refuse:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("flask", "redis", "sqlalchemy", "rq", "psycopg", "werkzeug"):
                    raise ImportError(f"{{name}} may not be imported here")
                return None

        sys.meta_path.insert(0, Refuse())
        from ussd_app.benefits import load_rules, evaluate
        from ussd_app.engine import SessionState, Typed, resume
        from ussd_app.engine.actions import Actions
        from ussd_app.engine.loader import load_text
        from ussd_app.engine.ports import Limits, Services

        text = open({str(ROOT / "tests/unit/engine_only_menu.yaml")!r}, encoding="utf-8").read()
        definition, _ = load_text(text, Actions([]))
        state = SessionState(session_id="s", phone="+8562055512345", menu_version="1", lang="en")
        services = Services(members=None, pins=None, guards=None, clock=None, limits=Limits(), extra=dict())
        out = resume(definition, state, Typed("1"), services)
        print(out.screen.text)
        rules = load_rules({str(PACKAGE / "benefits/rules.yaml")!r})
        print(len(rules.benefits) > 0)
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("flask", "redis", "sqlalchemy")))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["Thanks", "True", "[]"]


LAYERS = {  # a package may import from the packages listed, and from itself
    "text": set(),
    "core": {"text"},
    "engine": {"text", "members.pins"},
    "benefits": set(),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ussd_app."):
            found.add(node.module.removeprefix("ussd_app."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("ussd_app.") for a in node.names if a.name.startswith("ussd_app.")}
        elif isinstance(node, ast.ImportFrom) and node.module in ("sms", "workers") or (
                isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("sms", "workers")):
            found.add("!" + node.module)
    return found


def test_lower_layers_never_import_upward():
    wrong = []
    for layer, allowed in LAYERS.items():
        for path in (PACKAGE / layer).rglob("*.py"):
            for module in _imports(path):
                ok = module.startswith(layer) or any(module == a or module.startswith(a + ".") for a in allowed)
                if not ok:
                    wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_every_part_brings_its_tables_when_the_app_is_built(app):
    assert {"members", "contributions", "sms_outbox", "sms_events", "sms_pending_reports", "sms_opt_outs",
            "reminder_runs", "menu_versions", "menu_pointer", "admin_users", "admin_sessions", "audit_log",
            "conversation_tests", "usage_days", "ussd_session_events"} <= set(Base.metadata.tables)


def test_nothing_below_the_gateways_looks_up_the_app():
    """The hop's modules receive the Runtime: no current_app, g or module-level app anywhere below."""
    below = [*(PACKAGE / "ussd").glob("*.py"), *(PACKAGE / "engine").rglob("*.py"),
             *(PACKAGE / "publishing").glob("*.py"), PACKAGE / "members/repository.py"]
    offenders = []
    for path in below:
        if path.name == "cli.py":
            continue  # the CLI commands are edges too, like the gateways
        source = path.read_text(encoding="utf-8")
        for word in ("current_app", "flask import g", "from flask import", "request."):
            if word in source and not (path.name == "runtime.py" and word in ("current_app", "from flask import")):
                offenders.append(f"{path.relative_to(ROOT)}: {word}")
    assert not offenders, "\n".join(offenders)


def test_jobs_of_the_in_process_queue_run_in_the_app_that_queued_them(database_url, tmp_path):
    """Two apps in one process (the old workers/app._app held whichever was built last, and an
    SMS queued by one ran in the other, its row left queued)."""
    import shutil

    from sqlalchemy import select

    from sms import outbox
    from sms.models import SmsMessage
    from tests.conftest import make_app
    from ussd_app.core.extensions import clients
    from ussd_app.ussd.runtime import runtime_of

    other_db = tmp_path / "other.db"
    shutil.copy(database_url.removeprefix("sqlite:///"), other_db)
    first = make_app(database_url)
    make_app(f"sqlite:///{other_db}")  # built after: it must not take the first one's jobs
    rt = runtime_of(first)
    with clients(first).sessions() as s:
        message = outbox.add(s, rt.sms.templates, recipient="+8562055512345", kind="pin_changed", language="en",
                             values={}, key="two-apps")
        s.commit()
    rt.sms.enqueue([message.id])
    clients(first).queue.drain()
    with clients(first).sessions() as s:
        assert s.execute(select(SmsMessage.status).where(SmsMessage.id == message.id)).scalar_one() == "stored"
