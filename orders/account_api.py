"""Who is logged in, for the browser UI (which has no inline scripts to be told otherwise)."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .schema import MeSerializer, login_required


class MeApi(APIView):
    @extend_schema(
        operation_id="getMe",
        tags=["account"],
        summary="Who is logged in",
        responses=login_required({200: MeSerializer}),
    )
    def get(self, request):
        user = request.user
        return Response(
            {
                "username": user.get_username(),
                "displayName": user.get_full_name() or user.get_username(),
                "isStaff": user.is_staff,
            }
        )
