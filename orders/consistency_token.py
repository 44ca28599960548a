"""The consistency token a command returns and a query may wait for.

It names an order and the sequence number the caller's write produced. It is opaque to clients
(they pass it back unchanged) but readable here, so the query side can check whether a read
model has applied that order's events up to that number.
"""

import base64
import binascii
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class ConsistencyToken:
    order_id: UUID
    seq: int

    def encode(self) -> str:
        raw = f"v1:{self.order_id}:{self.seq}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "ConsistencyToken":
        """Raise ValueError for anything that is not a token this module produced."""
        try:
            padded = token + "=" * (-len(token) % 4)
            version, order_id, seq = base64.urlsafe_b64decode(padded).decode().split(":")
            if version != "v1" or int(seq) < 1:
                raise ValueError
            return cls(order_id=UUID(order_id), seq=int(seq))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValueError("not a valid consistency token") from None
