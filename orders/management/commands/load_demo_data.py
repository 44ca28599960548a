"""Load demo users, a small catalogue and orders in every status (safe to run twice).

Orders are made only through the command services, exactly as the API makes them, so each
one has its events in the log and its outbox rows owed to every read model. The order plan
comes from a seeded random generator: the same seed gives the same orders (up to ids and
times). Running again tops the demo customers up to `--orders` orders; it never adds more.
"""

import random
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from orders import services
from orders.domain.commands import (
    CancelOrder,
    ConfirmOrder,
    DeliverOrder,
    PlaceOrder,
    RequestedItem,
    ShipOrder,
)
from orders.domain.status import OrderStatus
from orders.models import Order, Product


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    first_name: str = ""
    last_name: str = ""
    is_staff: bool = False


CUSTOMERS = (
    DemoUser("alice", "alice-demo-pass", "Alice", "Anderson"),
    DemoUser("bob", "bob-demo-pass", "Bob", "Brennan"),
)
STAFF = DemoUser("staff", "staff-demo-pass", "Sam", "Staff", is_staff=True)

CATALOGUE = {
    "espresso-beans": ("Espresso beans, 1 kg", "24.90"),
    "filter-coffee": ("Filter coffee, 500 g", "12.50"),
    "sencha-tea": ("Sencha green tea, 100 g", "8.90"),
    "ceramic-mug": ("Ceramic mug", "14.00"),
    "paper-filters": ("Paper filters, 100 pack", "4.50"),
    "milk-frother": ("Milk frother", "39.00"),
    "pour-over-kettle": ("Pour-over kettle", "59.00"),
    "hand-grinder": ("Hand grinder", "79.00"),
}

# How often each final status appears in the demo (every status appears at least once).
STATUS_WEIGHTS = {
    OrderStatus.PENDING: 3,
    OrderStatus.CONFIRMED: 2,
    OrderStatus.SHIPPED: 2,
    OrderStatus.DELIVERED: 4,
    OrderStatus.CANCELLED: 1,
}
CANCEL_REASONS = (
    "Ordered by mistake.",
    "Found it cheaper elsewhere.",
    "Delivery would take too long.",
    "Changed my mind.",
)


@dataclass(frozen=True)
class PlannedOrder:
    customer: str
    items: tuple[RequestedItem, ...]
    status: OrderStatus
    tracking_number: str
    cancel_reason: str
    confirm_before_cancel: bool


def plan_orders(count: int, seed: int) -> list[PlannedOrder]:
    """The demo orders, always the same for the same count and seed."""
    rng = random.Random(seed)
    statuses = list(STATUS_WEIGHTS)
    plan = []
    for index in range(count):
        status = (
            statuses[index]
            if index < len(statuses)
            else rng.choices(statuses, weights=list(STATUS_WEIGHTS.values()))[0]
        )
        products = rng.sample(sorted(CATALOGUE), k=rng.randint(1, 3))
        plan.append(
            PlannedOrder(
                customer=CUSTOMERS[index % len(CUSTOMERS)].username,
                items=tuple(
                    RequestedItem(product_id=product, quantity=rng.randint(1, 3))
                    for product in products
                ),
                status=status,
                tracking_number=f"TRK-{rng.randrange(10**8):08d}",
                cancel_reason=rng.choice(CANCEL_REASONS),
                confirm_before_cancel=rng.random() < 0.5,
            )
        )
    rng.shuffle(plan)
    return plan


class Command(BaseCommand):
    help = "Create demo users (alice, bob, staff), a catalogue and orders in every status."

    def add_arguments(self, parser):
        parser.add_argument(
            "--orders", type=int, default=36, help="orders the demo customers should have"
        )
        parser.add_argument("--seed", type=int, default=7, help="seed for the order plan")

    def handle(self, *args, orders: int, seed: int, **options):
        if orders < 0:
            raise CommandError("--orders must be zero or more.")
        with transaction.atomic():
            users = {user.username: ensure_user(user) for user in (*CUSTOMERS, STAFF)}
            new_products = ensure_catalogue()
        customers = [users[c.username] for c in CUSTOMERS]
        existing = Order.objects.filter(customer__in=customers).count()
        created = 0
        for planned in plan_orders(orders, seed)[existing:]:
            make_order(planned, customer=users[planned.customer], staff=users[STAFF.username])
            created += 1
        self.report(customers, new_products=new_products, new_orders=created)

    def report(self, customers, *, new_products: int, new_orders: int) -> None:
        demo_orders = Order.objects.filter(customer__in=customers)
        by_status = Counter(demo_orders.values_list("status", flat=True))
        statuses = ", ".join(f"{by_status[s]} {s}" for s in OrderStatus if by_status[s])
        self.stdout.write(
            f"Demo data: {Product.objects.count()} products ({new_products} new), "
            f"{demo_orders.count()} demo orders ({new_orders} new): {statuses or 'none'}."
        )
        logins = ", ".join(f"{u.username} / {u.password}" for u in (*CUSTOMERS, STAFF))
        self.stdout.write(f"Demo logins: {logins}.")


def ensure_user(demo: DemoUser):
    """Create the user if missing; make sure the documented password and flags hold."""
    user, created = get_user_model().objects.get_or_create(
        username=demo.username,
        defaults={"first_name": demo.first_name, "last_name": demo.last_name},
    )
    changed = created
    if user.is_staff != demo.is_staff or user.is_superuser != demo.is_staff:
        user.is_staff = user.is_superuser = demo.is_staff
        changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    if created or not user.check_password(demo.password):
        user.set_password(demo.password)
        changed = True
    if changed:
        user.save()
    return user


def ensure_catalogue() -> int:
    """Create missing products. Existing ones keep their name and price, but are made
    active again: demo orders can only be placed from the active catalogue."""
    new = 0
    for product_id, (name, price) in CATALOGUE.items():
        product, created = Product.objects.get_or_create(
            product_id=product_id, defaults={"name": name, "unit_price": Decimal(price)}
        )
        if not product.active:
            product.active = True
            product.save(update_fields=["active"])
        new += created
    return new


def make_order(planned: PlannedOrder, *, customer, staff) -> None:
    """Take one order to its planned status, each step a command of its own, by whoever may
    send it: the customer places, confirms and cancels; staff ship and deliver (API.md)."""
    result = services.place_order(command=PlaceOrder(items=planned.items), actor=customer)
    order_id = result.order.order_id
    goes_through_confirmed = planned.status in (
        OrderStatus.CONFIRMED,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
    ) or (planned.status is OrderStatus.CANCELLED and planned.confirm_before_cancel)
    if goes_through_confirmed:
        services.confirm_order(command=ConfirmOrder(order_id=order_id), actor=customer)
    if planned.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        services.ship_order(
            command=ShipOrder(order_id=order_id, tracking_number=planned.tracking_number),
            actor=staff,
        )
    if planned.status is OrderStatus.DELIVERED:
        services.deliver_order(command=DeliverOrder(order_id=order_id), actor=staff)
    if planned.status is OrderStatus.CANCELLED:
        services.cancel_order(
            command=CancelOrder(order_id=order_id, reason=planned.cancel_reason),
            actor=customer,
        )
