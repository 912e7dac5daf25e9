"""ASGI entry point, for the long-lived Server-Sent Events streams."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "palaver.settings")
application = get_asgi_application()
