"""RQ's built-in scheduler: `rq cron workers.cron_config --url $REDIS_URL`.

Times are UTC: 02:00 UTC is 09:00 in Vientiane, inside the quiet-hours window.
"""

from rq import cron

from ussd_app.core.config import load_config
from workers import jobs

CONFIG = load_config()
QUEUE = CONFIG["SMS_QUEUE"]

cron.register(jobs.send_reminders, QUEUE, cron=CONFIG["REMINDER_CRON"], job_timeout=3600)
cron.register(jobs.sweep_outbox, QUEUE, interval=CONFIG["SMS_SWEEP_SECONDS"], job_timeout=300)
# USSD sessions dropped with no notice from AT: their results by SMS within a minute.
cron.register(jobs.sweep_drops, QUEUE, interval=CONFIG["USSD_DROP_SWEEP_SECONDS"], job_timeout=120)
# 17:30 UTC is 00:30 in Vientiane: yesterday's usage figures are final, copy them to the database.
cron.register(jobs.rollup_usage, QUEUE, cron="30 17 * * *", job_timeout=600)
# 17:05 UTC is 00:05 in Vientiane: a due day has passed, voluntary members may have fallen behind.
cron.register(jobs.refresh_arrears, QUEUE, cron="5 17 * * *", job_timeout=600)
# The partner API: notifications of events not dealt with yet (each event also kicks it at once),
# and callbacks whose job was lost.
cron.register(jobs.dci_dispatch, QUEUE, interval=30, job_timeout=300)
cron.register(jobs.dci_sweep, QUEUE, interval=60, job_timeout=300)
