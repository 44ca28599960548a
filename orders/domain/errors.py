"""Named domain errors. The API maps each one to an HTTP status (see orders/api_errors.py)."""


class DomainError(Exception):
    """Base class: a command was refused for a business reason."""


class InvalidStateTransition(DomainError):
    def __init__(self, *, from_status: str, to_status: str):
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(f"cannot go from {from_status} to {to_status}")


class InvalidOrder(DomainError):
    """The order's content breaks a rule (items, quantities, prices).

    `fields` maps an input name to its messages so the API can show them next to the field.
    """

    def __init__(self, fields: dict[str, list[str]]):
        self.fields = fields
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items()))


class VersionConflict(DomainError):
    def __init__(self, *, expected: int, current: int):
        self.expected = expected
        self.current = current
        super().__init__(f"expected version {expected}, but the order is at {current}")


class OrderNotFound(DomainError):
    """No such order, or not one the actor may see: the two are deliberately alike."""

    def __init__(self, order_id):
        self.order_id = order_id
        super().__init__(f"order {order_id} not found")


class StaffOnly(DomainError):
    """The actor may see the order but the action belongs to staff (ship and deliver): a
    customer marking their own order shipped would take it out of staff's ship queue."""

    def __init__(self, *, action: str):
        self.action = action
        super().__init__(f"only staff may {action} an order")
