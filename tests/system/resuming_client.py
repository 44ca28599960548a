"""A push client that does what docs/push-resumption.md asks of a browser: it keeps the last
position it saw, reconnects with `?since=` and asks for a gap it sees; and it keeps each
order's "Updating…" badge from the messages, as the browser's projection tracker does."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .clients import ApiClient


class Badges:
    """Per order and read model: the seq a badge waits for, and the seq known applied."""

    def __init__(self):
        self.waiting: dict[str, dict[str, int]] = defaultdict(dict)
        self.applied: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def apply(self, message: dict) -> None:
        order, seq = message["orderId"], message["seq"]
        if message["type"] == "order.pending":
            for read_model in message["behind"]:
                if self.applied[order][read_model] < seq:
                    self.waiting[order][read_model] = max(
                        seq, self.waiting[order].get(read_model, 0)
                    )
        elif message["type"] == "order.projected":
            read_model = message["readModel"]
            self.applied[order][read_model] = max(seq, self.applied[order][read_model])
            if self.waiting[order].get(read_model, seq + 1) <= seq:
                del self.waiting[order][read_model]

    def wrong(self, final_seq: dict[str, int], read_models: list[str]) -> list[str]:
        """Orders whose badge is wrong once every read model has applied `final_seq`: still
        "Updating…", or not knowing that some read model applied the last change."""
        return [
            order
            for order, seq in final_seq.items()
            if self.waiting[order] or any(self.applied[order][rm] < seq for rm in read_models)
        ]


class ResumingPushClient:
    def __init__(self, client: ApiClient):
        self.client = client
        self.position: int | None = None
        self.badges = Badges()
        self.received: list[str] = []  # every text frame, as sent
        self.caught_up: list[tuple[dict, float]] = []  # (message, seconds from connect)
        self.refetches: list[dict] = []
        self.gaps_seen = 0
        self.duplicates = 0
        self.lock = threading.Lock()
        self.connect()

    def connect(self) -> None:
        query = f"?since={self.position}" if self.position is not None else ""
        ws_url = self.client.base_url.replace("http://", "ws://") + "/ws/orders/" + query
        self.connected_at = time.monotonic()
        self.connection = connect(
            ws_url,
            additional_headers={"Cookie": self.client.cookie_header()},
            origin=self.client.base_url,
            open_timeout=10,
        )
        self.socket = self.connection.__enter__()  # a context held open until disconnect()
        self.thread = threading.Thread(target=self._record, daemon=True)
        self.thread.start()

    def disconnect(self) -> None:
        self.connection.__exit__(None, None, None)
        self.thread.join(timeout=5)

    def _record(self) -> None:
        try:
            for text in self.socket:
                with self.lock:
                    self.received.append(text)
                    self._handle(json.loads(text))
        except ConnectionClosed:
            pass

    def _handle(self, message: dict) -> None:
        kind, position = message["type"], message.get("position")
        if kind == "caught_up":
            self.caught_up.append((message, time.monotonic() - self.connected_at))
            self.position = position
        elif kind == "refetch":
            self.refetches.append(message)
            self.position = position
        elif position is not None and self.position is not None and position <= self.position:
            self.duplicates += 1
        else:
            if position is not None and self.position is not None and position > self.position + 1:
                self.gaps_seen += 1  # the server never leaves one; ask anyway, as a client must
                self.socket.send(json.dumps({"type": "resume", "since": self.position}))
                return
            self.position = position if position is not None else self.position
            self.badges.apply(message)
