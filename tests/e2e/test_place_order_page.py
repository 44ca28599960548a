"""The place-order page: quantities, running total, the server's field errors next to the
right input, and the new order's page right after placing it."""

import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import Order, Product

from .pages import detail_status, screenshot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def quantity(page: Page, product_name: str):
    return page.get_by_role("textbox", name=product_name, exact=True)


def catalogue_row(page: Page, product_name: str):
    return page.locator(".catalogue-table tbody tr").filter(has=quantity(page, product_name))


def total(page: Page):
    return page.locator(".catalogue-table tfoot output")


def test_place_order_totals_field_errors_and_the_new_orders_page(live, browsers, alice, catalogue):
    """Given the catalogue page loaded, when alice types quantities the line totals and the
    running total follow; the server's refusals appear under the input they concern (a
    quantity over the limit; a product withdrawn after the page loaded); and a valid order
    takes her to the new order's page."""
    live.start_pipeline()
    tab = browsers.logged_in(alice, "/orders/new")
    page = tab.page
    expect(page.get_by_role("heading", name="Place an order")).to_be_visible()
    expect(page.get_by_role("textbox", name="Retired thing")).to_have_count(0)  # withdrawn
    expect(total(page)).to_have_text("0.00")

    quantity(page, "Widget").fill("3")
    expect(catalogue_row(page, "Widget")).to_contain_text("59.70")
    expect(total(page)).to_have_text("59.70")
    quantity(page, "Gadget").fill("2")
    expect(catalogue_row(page, "Gadget")).to_contain_text("10.50")
    expect(total(page)).to_have_text("70.20")
    quantity(page, "Gizmo").fill("two")
    expect(total(page)).to_have_text("70.20")
    page.get_by_role("button", name="Place order", exact=True).click()
    expect(catalogue_row(page, "Gizmo").locator(".field-error")).to_have_text(
        "Enter a whole number (0 or more)."
    )
    screenshot(page, "place-order")

    # The browser lets 5000 through; the server's limit is 1000, reported at items[2].quantity.
    quantity(page, "Gizmo").fill("5000")
    expect(total(page)).to_have_text("500,070.20")
    with page.expect_response(lambda r: r.url.endswith("/api/orders/") and r.status == 400):
        page.get_by_role("button", name="Place order", exact=True).click()
    expect(catalogue_row(page, "Gizmo").locator(".field-error")).to_contain_text("1000")
    expect(quantity(page, "Gizmo")).to_have_attribute("aria-invalid", "true")
    expect(catalogue_row(page, "Widget").locator(".field-error")).to_have_count(0)

    # Gadget is withdrawn after the page loaded: items[1].productId is an unknown product.
    Product.objects.filter(product_id="gadget").update(active=False)
    quantity(page, "Gizmo").fill("")
    with page.expect_response(lambda r: r.url.endswith("/api/orders/") and r.status == 400):
        page.get_by_role("button", name="Place order", exact=True).click()
    expect(catalogue_row(page, "Gadget").locator(".field-error")).to_have_text(
        "productId: Unknown product."
    )
    expect(catalogue_row(page, "Gizmo").locator(".field-error")).to_have_count(0)
    screenshot(page, "place-order-refused")
    assert not Order.objects.exists()

    quantity(page, "Gadget").fill("0")
    expect(total(page)).to_have_text("59.70")
    page.get_by_role("button", name="Place order", exact=True).click()

    expect(page).to_have_url(re.compile(r"/orders/[0-9a-f-]{36}$"))
    order = Order.objects.get()
    assert page.url.endswith(f"/orders/{order.pk}")
    expect(page.get_by_role("heading", name=f"Order #{str(order.pk)[:8]}")).to_be_visible()
    expect(detail_status(page)).to_have_text("pending")
    items = page.locator(".items-table")
    expect(items.locator("tbody tr")).to_have_count(1)
    expect(items.locator("tbody tr")).to_contain_text("Widget")
    expect(items.locator("tfoot .total")).to_have_text("59.70")
    tab.assert_no_console_errors()
