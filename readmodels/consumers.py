"""WebSocket consumer for /ws/orders/: subscribes and forwards, nothing else.

Logged-in users only. Customers join their own group, staff the staff group; pushes come from
readmodels/push.py through the channel layer. Delivery is at most once: a client re-fetches
what it shows after every (re)connect.
"""

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .push import STAFF_GROUP, customer_group

CLOSE_UNAUTHENTICATED = 4401


class OrderUpdatesConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = STAFF_GROUP if user.is_staff else customer_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        """Clients have nothing to say; the protocol is server → client only."""

    async def order_pending(self, message):
        await self.send_json(_public(message))

    async def order_projected(self, message):
        await self.send_json(_public(message))


def _public(message: dict) -> dict:
    return {key: value for key, value in message.items() if key != "customerId"}
