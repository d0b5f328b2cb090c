from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from provinces.selectors import profile_of


class MeOutputSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    unit = serializers.CharField(allow_null=True)
    unit_name = serializers.CharField(allow_null=True)


class MeView(APIView):
    """Who the caller is and which unit their data is scoped to."""

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        profile = profile_of(request.user)
        data = {
            "username": request.user.get_username(),
            "role": profile.role if profile else None,
            "unit": profile.unit.code if profile else None,
            "unit_name": profile.unit.name if profile else None,
        }
        return Response(MeOutputSerializer(data).data)
