"""gunicorn settings for the request/response app (threaded workers; see docs/performance.md)."""

import multiprocessing
import os

wsgi_app = "palaver.wsgi:application"
# Loopback: the app is reached through the front proxy only, which is what lets it believe
# the proxy's X-Real-IP / X-Forwarded-Proto (TRUSTED_PROXIES, docs/security.md).
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
# Threaded workers measured faster than sync workers for the hot read (keep-alive
# connections, no accept per request): `make bench` compares them; docs/performance.md.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Comment reads are short; a slow client should not pin a worker for long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
accesslog = os.environ.get("ACCESS_LOG", None)
errorlog = "-"
