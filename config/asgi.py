"""ASGI entry point: HTTP goes to Django, WebSocket to Channels consumers."""

import os

from django.core.asgi import get_asgi_application

# The web process takes its database connections from a pool (DB_POOL, config/settings.py):
# under ASGI every request runs in a context of its own, so persistent connections
# (CONN_MAX_AGE) are never reused and each request would open a new PostgreSQL connection.
# Set here, before the settings load, so that only the web process gets a pool: Celery's
# prefork workers, the relay and management commands keep persistent connections, because a
# pool created before a fork would be shared by the children.
os.environ.setdefault("DB_POOL", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()  # initialise Django before importing consumers

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.body_limit import RequestBodyLimit  # noqa: E402
from config.websocket_routes import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": RequestBodyLimit(django_http), "websocket": websocket_application}
)
