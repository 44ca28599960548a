"""ASGI entry point: HTTP goes to Django, WebSocket to Channels consumers."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_http = get_asgi_application()  # initialise Django before importing consumers

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.body_limit import RequestBodyLimit  # noqa: E402
from config.websocket_routes import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": RequestBodyLimit(django_http), "websocket": websocket_application}
)
