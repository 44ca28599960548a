"""WebSocket routes: session-authenticated, and only from this site's own origins."""

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from readmodels.push.consumer import OrderUpdatesConsumer

websocket_application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter([path("ws/orders/", OrderUpdatesConsumer.as_asgi())]))
)
