"""What the rest of the app uses to send SMS: templates, the sender, the retry policy, and
`queue_messages` to put committed outbox rows on the job queue."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sms.africastalking import AfricasTalkingSender
from sms.delivery import Policy
from sms.quiet_hours import QuietHours
from sms.senders import OutboxSender, SmsSender
from sms.templates import TemplateSource, load_templates
from ussd_app.core.job_queue import JobQueue

log = logging.getLogger(__name__)

SEND_JOB = "workers.jobs.send_sms"
BATCH_JOB = "workers.jobs.send_batch"
BATCH = 25  # messages per job for bulk sends: one claim, one commit per 20 outcomes


@dataclass
class SmsServices:
    templates: TemplateSource  # LiveTemplates once the app is wired (the live menu's SMS texts)
    sender: SmsSender
    policy: Policy
    queue: JobQueue

    def enqueue(self, message_ids: list[int], not_before: datetime | None = None) -> None:
        """Jobs for committed messages (at `not_before` if it is still ahead, e.g. after quiet
        hours). A failure here loses nothing: the outbox sweep re-creates lost jobs."""
        later = not_before is not None and not_before > datetime.now(timezone.utc)
        for start in range(0, len(message_ids), BATCH):
            batch = message_ids[start:start + BATCH]
            job, args = (SEND_JOB, batch[0]) if len(batch) == 1 else (BATCH_JOB, batch)
            try:
                if later:
                    self.queue.enqueue_at(not_before, job, args)  # type: ignore[arg-type]
                else:
                    self.queue.enqueue(job, args)
            except Exception:  # noqa: BLE001 - the rows are safe in the database
                log.exception("could not queue SMS %s now; the outbox sweep will", batch)
                return

    def schedule(self, message_id: int, when: datetime) -> None:
        self.queue.enqueue_at(when, SEND_JOB, message_id)


BACKENDS = ("africastalking", "outbox")


def build_sender(config: Mapping[str, Any]) -> SmsSender:
    """The sender SMS_BACKEND names: Africa's Talking, or the local outbox (stored and logged only)."""
    backend = config["SMS_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"SMS_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if backend == "africastalking":
        if not (config["AT_USERNAME"] and config["AT_API_KEY"]):
            raise RuntimeError("SMS_BACKEND=africastalking needs AT_USERNAME and AT_API_KEY")
        return AfricasTalkingSender(config["AT_USERNAME"], config["AT_API_KEY"], config["AT_SENDER_ID"],
                                    config["AT_API_BASE_URL"], config["AT_TIMEOUT_SECONDS"])
    if config["AT_API_KEY"]:
        log.warning("AT_API_KEY is set but SMS_BACKEND=outbox: no SMS leaves this service")
    return OutboxSender()


def claim_budget(cfg: Mapping[str, Any]) -> float:
    """How long a batch may keep starting sends: its last send (connect + read timeouts) and
    the commit after it must end before the sweep would call its claim stale."""
    read = float(cfg["AT_TIMEOUT_SECONDS"])
    longest_send = min(3.05, read) + read
    return max(0.0, cfg["SMS_SENDING_TIMEOUT"] - longest_send - 1.0)


def build(cfg: Mapping[str, Any], queue: JobQueue) -> SmsServices:
    backoff = tuple(int(x) for x in str(cfg["SMS_RETRY_BACKOFF"]).split(",") if x.strip())
    return SmsServices(
        templates=load_templates(max_parts=cfg["SMS_MAX_PARTS"]),
        sender=build_sender(cfg),
        policy=Policy(backoff=backoff, quiet=QuietHours.parse(cfg["QUIET_HOURS"], cfg["TIMEZONE"]),
                      claim_budget=claim_budget(cfg)),
        queue=queue,
    )
