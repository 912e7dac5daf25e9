"""gunicorn settings for the request/response app (threaded workers; see docs/performance.md)."""

import multiprocessing
import os

from core.env import envint

wsgi_app = "palaver.wsgi:application"
# Loopback: the app is reached through the front proxy only, which is what lets it believe
# the proxy's X-Real-IP / X-Forwarded-Proto (TRUSTED_PROXIES, docs/security.md).
bind = os.environ.get("BIND", "127.0.0.1:8000")
# Numbers are read as settings read theirs: a bad value stops the start-up, naming the variable.
workers = envint("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2, minimum=1)
# Threaded workers measured faster than sync workers for the hot read (keep-alive
# connections, no accept per request): `make bench` compares them; docs/performance.md.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = envint("GUNICORN_THREADS", 4, minimum=1)
# Comment reads are short; a slow client should not pin a worker for long.
timeout = envint("GUNICORN_TIMEOUT", 30, minimum=0)
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
accesslog = os.environ.get("ACCESS_LOG", None)
errorlog = "-"
# As long as nginx's (large_client_header_buffers 8k), so a request line or header too long is
# refused by nginx, which answers in the API's JSON shape, rather than by gunicorn's own HTML
# 414/431 page (gunicorn's default request line limit, 4094 bytes, is half of nginx's).
limit_request_line = 8190
limit_request_field_size = 8190
