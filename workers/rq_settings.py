"""Settings for RQ's own commands (`rq worker`, `rq cron`): the same Redis as the app's, from the
same environment. With REDIS_SENTINELS they reach the primary the Sentinels name, and follow it
after a failover; without, REDIS_URL.

    rq worker sms -c workers.rq_settings …        rq cron workers.cron_config -c workers.rq_settings
"""

from ussd_app.core.config import load_config
from ussd_app.core.extensions import rq_connection_settings

globals().update(rq_connection_settings(load_config()))
