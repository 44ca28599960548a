"""WebSocket routes: session-authenticated, and only from this site's own origins (scheme,
host and port: config/websocket_origin.py)."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import path

from config.websocket_origin import SameSiteOriginValidator
from readmodels.push.consumer import OrderUpdatesConsumer

websocket_application = SameSiteOriginValidator(
    AuthMiddlewareStack(URLRouter([path("ws/orders/", OrderUpdatesConsumer.as_asgi())]))
)
