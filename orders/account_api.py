"""Who is logged in, for the browser UI (which has no inline scripts to be told otherwise)."""

from rest_framework.response import Response
from rest_framework.views import APIView


class MeApi(APIView):
    def get(self, request):
        user = request.user
        return Response(
            {
                "username": user.get_username(),
                "displayName": user.get_full_name() or user.get_username(),
                "isStaff": user.is_staff,
            }
        )
