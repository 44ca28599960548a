"""Clients that speak API.md from outside, as a browser or a client library would: a logged-in
HTTP session for commands and queries, and a push socket that records what it receives."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

PRODUCT = "widget"  # from the `catalogue` fixture (tests/conftest.py)


class ApiClient:
    """One person's browser session: log in through the login form, then call the API with
    the session cookie and the CSRF header."""

    def __init__(self, base_url: str, username: str, password: str):
        self.base_url = base_url
        self.username = username
        self.http = requests.Session()
        self.http.get(f"{base_url}/accounts/login/", timeout=10)
        reply = self.http.post(
            f"{base_url}/accounts/login/",
            data={"username": username, "password": password, **self._csrf_form()},
            allow_redirects=False,
            timeout=10,
        )
        assert reply.status_code == 302, f"{username} could not log in: {reply.status_code}"

    def _csrf_form(self) -> dict:
        return {"csrfmiddlewaretoken": self.http.cookies.get("csrftoken")}

    def command(self, path: str, body: dict, *, key: str | None = None) -> requests.Response:
        """POST a command with an Idempotency-Key; a retry with the same key is safe."""
        return self.http.post(
            f"{self.base_url}{path}",
            json=body,
            headers={
                "X-CSRFToken": self.http.cookies.get("csrftoken"),
                "Idempotency-Key": key or str(uuid.uuid4()),
            },
            timeout=15,
        )

    def command_until_answered(self, path: str, body: dict, *, within: float = 60) -> dict:
        """Retry one command (same Idempotency-Key) through outages until it has a definite
        answer; returns the success body, or raises on a refusal."""
        key = str(uuid.uuid4())
        deadline = time.monotonic() + within
        while True:
            try:
                reply = self.command(path, body, key=key)
                if reply.status_code in (200, 201):
                    return reply.json()
                code = reply.json().get("error", {}).get("code") if reply.text else None
                if code == "invalid_transition":
                    return reply.json()  # definite: the order is already past this command
                if reply.status_code < 500 and code not in ("request_in_progress", "throttled"):
                    raise AssertionError(f"{path} refused: {reply.status_code} {reply.text}")
            except requests.RequestException:
                pass  # the web server restarting, or a connection cut: ask again
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} got no answer within {within} s")
            time.sleep(0.2)

    def place(self, quantity: int = 1) -> dict:
        return self.command_until_answered(
            "/api/orders/", {"items": [{"productId": PRODUCT, "quantity": quantity}]}
        )

    def act(self, order_id: str, action: str, body: dict | None = None) -> dict:
        """A command on an order. A refusal as an invalid transition (a retry of a command
        whose first answer was lost) still tells the order's status: that is returned."""
        answer = self.command_until_answered(f"/api/orders/{order_id}/{action}", body or {})
        if "error" in answer:
            return {"order": {"orderId": order_id, "status": answer["error"]["currentStatus"]}}
        return answer

    def get(self, path: str, **params) -> requests.Response:
        return self.http.get(f"{self.base_url}{path}", params=params, timeout=15)

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())


@dataclass
class PushRecorder:
    """A push socket held open on a thread; every message is kept with its arrival time."""

    client: ApiClient
    messages: list[tuple[float, dict]] = field(default_factory=list)
    closed_with: int | None = None

    def __post_init__(self):
        ws_url = self.client.base_url.replace("http://", "ws://") + "/ws/orders/"
        self.connection = connect(
            ws_url,
            additional_headers={"Cookie": self.client.cookie_header()},
            origin=self.client.base_url,
            open_timeout=10,
        )
        self.socket = self.connection.__enter__()  # a context held open across the test
        self.thread = threading.Thread(target=self._record, daemon=True)
        self.thread.start()

    def _record(self) -> None:
        try:
            for text in self.socket:
                self.messages.append((time.monotonic(), json.loads(text)))
        except ConnectionClosed as closed:
            self.closed_with = closed.rcvd.code if closed.rcvd else None
        self.closed_with = self.closed_with or 1000

    def about(self, order_id: str) -> list[dict]:
        return [message for _, message in self.messages if message.get("orderId") == order_id]

    def arrival(self, order_id: str, seq: int, read_model: str) -> float | None:
        for at, message in self.messages:
            if (
                message.get("type") == "order.projected"
                and message.get("orderId") == order_id
                and message.get("seq") == seq
                and message.get("readModel") == read_model
            ):
                return at
        return None

    def close(self) -> None:
        self.connection.__exit__(None, None, None)
        self.thread.join(timeout=5)
