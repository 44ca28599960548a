"""Who sees which orders (API.md): staff see and command every order; a customer only their
own, and another customer's order looks absent (404), never forbidden. Commands, queries,
read-your-writes waits and the journey all ask this one function."""


def customer_scope(user) -> int | None:
    """The customer whose orders `user` may see: their own id, or None (every order) for
    staff."""
    return None if user.is_staff else user.pk
