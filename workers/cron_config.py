"""RQ's built-in scheduler: `rq cron workers.cron_config --url $REDIS_URL`.

Times are UTC: 02:00 UTC is 09:00 in Vientiane, inside the quiet-hours window.
"""

import os

from rq import cron

from workers import jobs

QUEUE = os.environ.get("SMS_QUEUE", "sms")

cron.register(jobs.send_reminders, QUEUE, cron=os.environ.get("REMINDER_CRON", "0 2 * * *"), job_timeout=3600)
cron.register(jobs.sweep_outbox, QUEUE, interval=60, job_timeout=300)
# 17:30 UTC is 00:30 in Vientiane: yesterday's usage figures are final, copy them to the database.
cron.register(jobs.rollup_usage, QUEUE, cron="30 17 * * *", job_timeout=600)
