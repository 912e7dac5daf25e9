"""WSGI entry point: the request/response API and pages, served by gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")
application = get_wsgi_application()
