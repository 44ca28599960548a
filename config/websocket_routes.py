"""WebSocket routes. Filled in by the push issue; until then every connection is refused."""

from channels.routing import URLRouter

websocket_application = URLRouter([])
