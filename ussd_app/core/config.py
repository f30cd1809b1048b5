"""Every setting of the service, read from the environment, with its default and meaning.

`SETTINGS` is the single list: README's table of environment variables is generated from it
(`flask --app wsgi config table`), so the two cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    meaning: str
    parse: Callable[[str], Any] = str


def _bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on"}


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", "", "Signs cookies and keys replay digests; required, same in every process."),
    Setting("PIN_PEPPER", "", "Server-side secret mixed into every PIN hash; required; never change it casually."),
    Setting("REDIS_URL", "", "Redis for sessions, counters and queues; unset = in-process fakeredis (demo only)."),
    Setting("REDIS_SENTINELS", "", "Redis through Sentinel instead: host:port,host:port,… of the Sentinels (with "
            "REDIS_SENTINEL_MASTER); every client follows the primary they name, after a failover too. REDIS_URL's "
            "database number (/N), password and user still apply.", str),
    Setting("REDIS_SENTINEL_MASTER", "lsso", "The name the Sentinels monitor the primary under.", str),
    Setting(
        "DATABASE_URL",
        f"sqlite:///{ROOT / 'var' / 'lsso.db'}",
        "SQLAlchemy URL of the system of record, e.g. postgresql+psycopg://user@host/db.",
    ),
    Setting("MENUS_DIR", str(ROOT / "menus"), "Folder of menu definition YAML files (seed of version 1)."),
    Setting("MENU_FILE", "main.yaml", "The menu definition served on the short code, inside MENUS_DIR."),
    Setting("BENEFIT_RULES", str(ROOT / "ussd_app" / "benefits" / "rules.yaml"), "Benefit rules YAML file."),
    Setting("USSD_WEBHOOK_TOKEN", "",
            "The AT webhooks require ?token=<this> or an X-Webhook-Token header (403 otherwise); required."),
    Setting("ALLOW_UNAUTHENTICATED_WEBHOOKS", False,
            "1: start without USSD_WEBHOOK_TOKEN, anyone may post hops for any phone (make run's demo only).", _bool),
    Setting("WEB_HOST", "0.0.0.0", "Address the web server (python serve.py) listens on.", str),
    Setting("WEB_PORT", 8000, "Port the web server listens on.", int),
    Setting("WEB_WORKERS", 0, "Web server processes (0: one per core, plus one).", int),
    Setting("WEB_THREADS", 2, "Threads per web process (a thread waiting on Redis or the database lets another run).",
            int),
    Setting("ACCESS_LOG", "-", "Where the web server writes its access log: - (standard output), a file path, or off. "
            "It never holds the query string.", str),
    Setting("USSD_SESSION_TTL", 180, "Seconds a USSD session lives in Redis after its last hop.", int),
    Setting("USSD_RESUME_MINUTES", 5, "A phone that dials again this soon after a session that dropped mid-way is "
            "offered to continue it (0: never).", int),
    Setting("USSD_OPERATOR_TIMEOUT_SECONDS", "*=180", "How long each network lets a USSD session last, by network "
            "code: '45703=90,*=180' (* for the others). A session with no hop for that long after it began has "
            "dropped: its result goes by SMS, and the drop is counted.", str),
    Setting("USSD_DROP_SWEEP_SECONDS", 20, "How often rq cron looks for sessions that dropped without a notice from "
            "AT (their result SMS goes within this much of the network's time limit).", int),
    Setting("PIN_MAX_TRIES", 3, "Wrong PINs in a row before PIN-protected options lock.", int),
    Setting("PIN_LOCK_MINUTES", 30, "How long PIN-protected options stay locked (doubling for each repeat in 7 days).",
            int),
    Setting("PIN_DAILY_MAX_TRIES", 10, "Wrong PINs in 24 hours, however slow, before PIN options lock for a day.", int),
    Setting("PIN_DAILY_LOCK_HOURS", 24, "How long that lock lasts; also the longest a repeated lock grows to.", int),
    Setting("LINK_MAX_TRIES", 3, "Failed SSN/date-of-birth tries, per phone and per SSN, before linking is blocked.",
            int),
    Setting("LINK_LOCK_HOURS", 24, "How long phone linking stays blocked for that phone or SSN.", int),
    Setting("REDIS_TIMEOUT_SECONDS", 0.4, "Redis connect/read timeout; keeps fault replies under 1 s.", float),
    Setting("DATABASE_TIMEOUT_SECONDS", 0.5, "Longest wait to connect to the database, or for a pooled connection.",
            float),
    Setting("DATABASE_STATEMENT_TIMEOUT_MS", 400,
            "Web processes: the server cancels a statement after this; the client gives up 150 ms later.", int),
    Setting("JOB_STATEMENT_TIMEOUT_MS", 60000, "The same bound for RQ workers and batch CLI commands.", int),
    Setting("DATABASE_IDLE_PING_SECONDS", 10.0, "A pooled connection idle this long is pinged before use.", float),
    Setting("DEFAULT_REGION", "LA", "Region used to read phone numbers written without +country code."),
    Setting("TIMEZONE", "Asia/Vientiane", "Time zone in which dates and times are shown to members."),
    Setting("LOG_LEVEL", "INFO", "Python logging level."),
    Setting("LOG_FORMAT", "text", "text (one readable line per record) or json (one JSON object per line: hops, SMS "
            "sends and partner calls carry their fields; never a PIN or what was typed).", str),
    Setting("NODE_NAME", "", "This machine's name in logs (empty: its host name).", str),
    Setting("METRICS_TOKEN", "", "/metrics (Prometheus) needs Authorization: Bearer <this>; unset: /metrics is off.",
            str),
    Setting("ADMIN_COOKIE_SECURE", True, "Admin session cookie only over HTTPS (make run turns it off for http).",
            _bool),
    Setting("SMS_BACKEND", "outbox", "Where SMS go: africastalking (AT's API; needs AT_USERNAME and AT_API_KEY) or "
            "outbox (stored and logged only: make run, tests).", str),
    Setting("AT_USERNAME", "", "Africa's Talking username (SMS_BACKEND=africastalking)."),
    Setting("AT_API_KEY", "", "Africa's Talking API key (a secret)."),
    Setting("AT_SENDER_ID", "", "Sender ID or short code SMS come from (empty: AT's default)."),
    Setting("AT_API_BASE_URL", "", "Another host for AT's API (a proxy, a test stub), e.g. http://127.0.0.1:9100."),
    Setting("AT_TIMEOUT_SECONDS", 9.05, "How long to wait for AT's answer to one SMS (connecting: 3.05 s).", float),
    Setting("SMS_QUEUE", "sms", "Name of the RQ queue SMS jobs go to."),
    Setting("SMS_MAX_PARTS", 3, "Most parts an SMS may take; a template over it is refused at start.", int),
    Setting("SMS_RETRY_BACKOFF", "10,60,300", "Seconds to wait before each retry of a transient failure."),
    Setting("SMS_SENDING_TIMEOUT", 60, "Seconds after which a message still 'sending' means its sender died.", int),
    Setting("SMS_REPORT_GRACE", 900, "Seconds to wait for a delivery report before resending such a message.", int),
    Setting("SMS_LOST_AFTER", 120, "Seconds a due message may stay queued with no job taking it before the sweep "
            "queues it again.", int),
    Setting("SMS_KEEP_REPORTS_DAYS", 7,
            "Days a delivery report naming no message we know is kept for it, then dropped.", int),
    Setting("SMS_JOB_TIMEOUT", 120, "Seconds RQ lets one SMS job run before killing it (a batch stops starting sends "
            "well before).", int),
    Setting("SMS_SWEEP_SECONDS", 60, "How often rq cron runs the outbox sweep.", int),
    Setting("DCI_SIGNING_KEY", "", "Base64 of the 32-byte Ed25519 seed that signs DCI responses, callbacks and "
            "access tokens; required (flask partners keygen makes one).", str),
    Setting("DCI_KEY_ID", "lsso-1", "The id of that key in /dci/.well-known/jwks.json and in signatures.", str),
    Setting("DCI_SENDER_ID", "lsso.gov.la", "Our DCI sender_id (and the issuer of our access tokens).", str),
    Setting("DCI_TOKEN_MINUTES", 15, "How long a partner's access token lasts.", int),
    Setting("DCI_RATE_LIMIT", "120/minute", "Calls one partner may make (e.g. 120/minute); more get 429.", str),
    Setting("DCI_MAX_REQUESTS", 20, "Most search or subscribe requests in one DCI message (header.total_count).",
            int),
    Setting("DCI_PAGE_SIZE_MAX", 100, "Most records in one page of a search.", int),
    Setting("DCI_MAX_MATCHES", 1000, "A search by attributes matching more members than this is refused.", int),
    Setting("DCI_CALLBACK_BACKOFF", "10,60,300,1800", "Seconds before each retry of a callback the partner did not "
            "take.", str),
    Setting("DCI_CALLBACK_LOST_AFTER", 60, "Seconds after which the sweep gives back a callback whose job is gone "
            "(queued and due, or claimed by a sender that died); more than a post's 13-second timeout.", int),
    Setting("REMINDER_DUE_DAY", 15, "Day of the month a voluntary member's contribution for the last month is due.",
            int),
    Setting("USSD_SERVICE_CODE", "*211#", "The short code members dial, as SMS texts quote it (e.g. the welcome SMS "
            "after an approval).", str),
    Setting("VOLUNTARY_ARREARS_MONTHS", 12, "How many unpaid months before the current one a voluntary member is asked "
            "to pay (and a payment may pay); older gaps are settled at an office.", int),
    Setting("VOLUNTARY_PAY_AHEAD_MONTHS", 12, "How many months ahead of those due a payment may pay; more stays as "
            "credit.", int),
    Setting("REMINDER_DAYS_BEFORE", 3, "Days before the due day that the reminder goes out.", int),
    Setting("QUIET_HOURS", "08:00-20:00", "Local hours when reminders may be sent (confirmations any time)."),
    Setting("REMINDER_CRON", "0 2 * * *", "When rq cron runs the day's reminders (cron syntax, UTC: 02:00 is 09:00 "
            "in Vientiane)."),
)


def load_config(env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read every setting from `env` (default: os.environ), then apply `overrides` (tests)."""
    env = os.environ if env is None else env
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.name)
        config[setting.name] = setting.default if raw is None or raw == "" else setting.parse(raw)
    config.update(overrides or {})
    return config


def settings_table() -> str:
    """Markdown table of the settings, for README."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, str):
            default = default.replace(str(ROOT), ".")
        rows.append(f"| `{s.name}` | `{default}` | {s.meaning} |")
    return "\n".join(rows)
