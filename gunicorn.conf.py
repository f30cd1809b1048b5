"""Production's gunicorn settings: `gunicorn -c gunicorn.conf.py wsgi:app` (the integration tests
start the same file). Environment: PORT (8000), WEB_CONCURRENCY (4 processes), WEB_THREADS (2)."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "2"))
timeout = 30
graceful_timeout = 10
keepalive = 5

# Webhooks carry their token in the query string (?token=…): log the path only, never the query
# (nor the referrer, which could repeat it).
accesslog = os.environ.get("ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

# A request line or header block larger than this is refused by gunicorn itself (400).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
