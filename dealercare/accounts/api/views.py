"""The token's user (/api/me/) and their stores (/api/stores/)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from dealercare.accounts.access import access_for
from dealercare.accounts.models import Store, StoreMembership

from .serializers import MeSerializer, StoreSerializer


def my_stores(user):
    """The stores where the user holds a role (or all of a group admin's group), by code."""
    return Store.objects.filter(id__in=list(access_for(user).by_store)).order_by("code")


class MeView(APIView):
    """Who the token belongs to, and their role and capabilities in each store."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        access = access_for(user)
        roles = dict(StoreMembership.objects.filter(user=user).values_list("store_id", "role"))
        stores = [
            {
                "id": store.pk,
                "code": store.code,
                "name": store.name,
                "role": roles.get(store.pk),
                "capabilities": sorted(access.by_store[store.pk]),
            }
            for store in my_stores(user)
        ]
        me = {
            "id": user.pk,
            "username": user.username,
            "display_name": user.display_name,
            "is_group_admin": user.is_group_admin,
            "dealer_group_id": user.dealer_group_id,
            "stores": stores,
        }
        return Response(MeSerializer(me).data)


class StoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The stores the user works in (read-only); another store's id is a 404."""

    serializer_class = StoreSerializer
    queryset = Store.objects.none()

    def get_queryset(self):
        return my_stores(self.request.user)
