"""ASGI entry point: HTTP goes to Django, WebSocket to Channels consumers."""

import os

import django

# The web process takes its database connections from a pool (DB_POOL, config/settings.py):
# under Django's own ASGI handler every request runs on a new thread, so persistent connections
# (CONN_MAX_AGE) were never reused and each request opened a new PostgreSQL connection; the
# pool also bounds connections when many requests run at once on the reused threads.
# Set here, before the settings load, so that only the web process gets a pool: Celery's
# prefork workers, the relay and management commands keep persistent connections, because a
# pool created before a fork would be shared by the children.
os.environ.setdefault("DB_POOL", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # initialise Django before importing consumers

from config.request_threads import ReusedThreadASGIHandler  # noqa: E402

django_http = ReusedThreadASGIHandler()  # Django's handler, one thread hop per request

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.body_limit import RequestBodyLimit  # noqa: E402
from config.websocket_routes import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": RequestBodyLimit(django_http), "websocket": websocket_application}
)
