"""The Django project: settings, URLs, WSGI/ASGI entry points, the Celery app, the database
backend and the embedded development services.

The Celery app is loaded with the package (Celery's Django layout), so `shared_task`s queued
by any process bind to it, its broker and its tenant-aware task class.
"""

from palaver.celery import app as celery_app

__all__ = ["celery_app"]
