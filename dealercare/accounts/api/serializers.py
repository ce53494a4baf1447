"""What the API says about the token's user and their stores."""

from rest_framework import serializers

from dealercare.accounts.models import Store


class StoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = Store
        fields = ("id", "code", "name", "city", "region", "address", "hotline", "brand",
                  "timezone", "calling_hours_start", "calling_hours_end")  # fmt: skip
        read_only_fields = fields


class MyStoreSerializer(serializers.Serializer):
    """One store of the user: the role held there and what it allows."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField(allow_null=True, help_text="Null for a group admin's store.")
    capabilities = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.Serializer):
    """The token's user and every store they work in."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_group_admin = serializers.BooleanField()
    dealer_group = serializers.IntegerField(source="dealer_group_id", allow_null=True)
    stores = MyStoreSerializer(many=True)
