"""Baseline commands: the same order rows written with the ORM, without events or outbox.

They are the real command endpoints minus exactly what CQRS adds to a command: no event log
rows, no outbox rows, no inline projection, no NOTIFY and no push after commit. Everything
else is shared: the same API base class (session auth, CSRF, metrics), input validation,
pricing from the catalogue, the Order aggregate's rules, the repository's row writes and the
response body. The ratio of the two throughputs is the price of the write side's guarantees.
"""

from uuid import UUID

from django.db import transaction
from django.utils import timezone

from orders import repository, services
from orders.api import CommandApi, command_response, place_order_command, validated
from orders.serializers import ChangeOrderInput
from orders.unit_of_work import DjangoCatalogue


class BaselinePlaceOrderApi(CommandApi):
    def execute(self, request):
        command = place_order_command(request.data)
        with transaction.atomic():
            order = services.new_order(command, request.user, DjangoCatalogue())
            repository.save(order, is_new=True)
        return command_response(services.CommandResult(order=order, seq=order.version), 201)


class BaselineConfirmOrderApi(CommandApi):
    def execute(self, request, order_id: UUID):
        validated(ChangeOrderInput, request.data)
        with transaction.atomic():
            order = repository.load_for_update(order_id, actor=request.user)
            order.confirm(now=timezone.now())
            repository.save(order, is_new=False)
        return command_response(services.CommandResult(order=order, seq=order.version))
