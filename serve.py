"""Production's web server: `python serve.py` runs wsgi:app under Granian (a Rust HTTP server for
WSGI apps), with the settings WEB_HOST, WEB_PORT, WEB_WORKERS, WEB_THREADS and ACCESS_LOG
(README's settings table). The integration tests start this very command.

Chosen by measurement (README, Performance): under the same load on this project's 2-core
machine, gunicorn's gthread workers spent more CPU on HTTP than the whole hop costs now.
"""

from __future__ import annotations

import os
from typing import Any

from granian import Granian
from granian.constants import Interfaces

from ussd_app.core.config import ROOT, load_config
from ussd_app.core.metrics_files import prepare_multiprocess_dir

# The webhook token travels in the query string: the access log has the path only, never the
# query (nor the referrer, which could repeat it).
ACCESS_FORMAT = '%(addr)s [%(time)s] "%(method)s %(path)s %(protocol)s" %(status)d %(dt_ms).1fms'


def workers_for(setting: int) -> int:
    """WEB_WORKERS, or (0) one process per core and one more, to use a core while another waits."""
    return setting or (os.cpu_count() or 1) + 1


def access_log_on(target: str) -> bool:
    return target.strip().lower() not in ("off", "")


def access_log_config(target: str) -> dict[str, Any] | None:
    """Logging config sending Granian's access log to a file (`-`: standard output; `off`: none)."""
    if not access_log_on(target) or target == "-":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(message)s"}},
        "handlers": {"access_file": {"class": "logging.FileHandler", "filename": target, "formatter": "plain"}},
        "loggers": {"granian.access": {"handlers": ["access_file"], "level": "INFO", "propagate": False}},
    }


def main() -> None:
    cfg = load_config()
    # Before the app (and prometheus_client) is imported: every worker then counts into files
    # of this node's folder, and /metrics in any of them adds them all up (core/metrics.py).
    prepare_multiprocess_dir(ROOT / "var" / "metrics" / f"node-{cfg['WEB_PORT']}")
    create_check()
    Granian(
        "wsgi:app",
        interface=Interfaces.WSGI,
        address=cfg["WEB_HOST"],
        port=cfg["WEB_PORT"],
        workers=workers_for(cfg["WEB_WORKERS"]),
        blocking_threads=cfg["WEB_THREADS"],
        backlog=2048,
        respawn_failed_workers=True,  # a worker that dies (the OOM killer) is replaced
        workers_kill_timeout=10,  # on stop, a hop in hand has 10 s (every wait in a hop is bounded well under)
        log_access=access_log_on(cfg["ACCESS_LOG"]),
        log_access_format=ACCESS_FORMAT,
        log_dictconfig=access_log_config(cfg["ACCESS_LOG"]),
        log_level=cfg["LOG_LEVEL"].lower(),  # type: ignore[arg-type]
    ).serve()


def create_check() -> None:
    """Build the app once before any worker starts: a missing secret or an invalid menu stops
    the server here, with its reason, instead of workers failing one after another."""
    from ussd_app import create_app

    create_app()


if __name__ == "__main__":
    main()
