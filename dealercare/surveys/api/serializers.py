"""Questionnaires, responses, scores, invitations and external imports as the API shows and
takes them. Customers appear by id, number and name only (no mobile)."""

from rest_framework import serializers

from dealercare.surveys.choices import Business, ResponseChannel
from dealercare.surveys.models import (
    Answer,
    ExternalImport,
    Item,
    Questionnaire,
    QuestionnaireVersion,
    ScoringModel,
    Section,
    SurveyInvitation,
    SurveyResponse,
)


def _text(help_text):
    """A read-only choice value as a plain string (no shared enum component in the schema)."""
    return serializers.CharField(read_only=True, help_text=help_text)


def _one_of(values, **kwargs):
    """A writable choice as a string checked against ``values``."""
    return serializers.CharField(
        help_text=f"One of: {', '.join(values)}.",
        validators=[_OneOf(values)],
        **kwargs,
    )


class _OneOf:
    def __init__(self, values):
        self.values = tuple(values)

    def __call__(self, value):
        if value not in self.values:
            raise serializers.ValidationError(f"One of: {', '.join(self.values)}.")


class ItemSerializer(serializers.ModelSerializer):
    kind = _text("score, yes_no, choice or text")
    dimension = serializers.SlugRelatedField(slug_field="code", read_only=True)
    section = serializers.CharField(source="section.title", read_only=True)

    class Meta:
        model = Item
        fields = ["id", "code", "section", "order", "text", "kind", "dimension", "weight",
                  "choices", "required"]  # fmt: skip


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "order", "title"]


class VersionSerializer(serializers.ModelSerializer):
    status = _text("draft, published or retired")
    sections = SectionSerializer(many=True, read_only=True)
    items = ItemSerializer(many=True, read_only=True)

    class Meta:
        model = QuestionnaireVersion
        fields = ["id", "number", "status", "published_at", "note", "sections", "items"]


class QuestionnaireSerializer(serializers.ModelSerializer):
    business = _text("sales or service")
    versions = VersionSerializer(many=True, read_only=True)
    store = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Questionnaire
        fields = ["id", "store", "code", "name", "business", "versions"]


class AnswerSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code", read_only=True)
    dimension = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Answer
        fields = ["item", "score", "yes_no", "choice", "text", "dimension"]


class ResponseSerializer(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.number", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    questionnaire = serializers.CharField(
        source="questionnaire_version.questionnaire.code", read_only=True
    )
    version = serializers.IntegerField(source="questionnaire_version.number", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)
    channel = _text("phone, sms, tablet or external")
    source = _text("internal or external")
    business = _text("sales or service")
    event_type = _text("delivery, service_visit or empty")

    class Meta:
        model = SurveyResponse
        fields = [
            "id", "store", "customer", "customer_number", "customer_name", "vehicle",
            "questionnaire", "questionnaire_version", "version", "channel", "source", "business",
            "answered_at", "event_type", "event_id", "followup_task_id", "advisor", "technician",
            "consultant", "vehicle_model", "customer_type", "region", "needs_recovery",
            "scoring_model_code", "overall_score", "external_import", "answers",
        ]  # fmt: skip


class ResponseCreateSerializer(serializers.Serializer):
    """A response with its answers: {item code: score 1-10 | true/false | choice | text}."""

    customer = serializers.IntegerField()
    questionnaire_version = serializers.IntegerField(required=False)
    questionnaire = serializers.CharField(required=False, help_text="A questionnaire code.")
    channel = _one_of([ResponseChannel.PHONE, ResponseChannel.TABLET], default="phone")
    answered_at = serializers.DateTimeField(required=False)
    followup_task = serializers.IntegerField(required=False)
    event_type = _one_of(["delivery", "service_visit"], required=False)
    event_id = serializers.IntegerField(required=False)
    answers = serializers.DictField(child=serializers.JSONField())

    def validate(self, attrs):
        if not attrs.get("questionnaire_version") and not attrs.get("questionnaire"):
            raise serializers.ValidationError(
                {"questionnaire": "Give questionnaire_version (an id) or questionnaire (a code)."}
            )
        return attrs


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = SurveyInvitation
        fields = ["id", "store", "customer", "questionnaire_version", "expires_at", "used_at",
                  "response", "task", "created_at"]  # fmt: skip


class InvitationCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    business = _one_of(Business.values, default="service")
    questionnaire = serializers.CharField(required=False, help_text="A questionnaire code.")
    followup_task = serializers.IntegerField(required=False)


class ExternalImportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExternalImport
        fields = ["id", "store", "study", "file_name", "dimension_weights", "responses_count",
                  "imported_by", "created_at"]  # fmt: skip


class ExternalImportCreateSerializer(serializers.Serializer):
    store = serializers.IntegerField()
    questionnaire = serializers.CharField(help_text="A questionnaire code.")
    study = serializers.CharField(max_length=100)
    weights = serializers.JSONField(required=False, help_text='{"service_skill": 22, ...}')
    file = serializers.FileField()


class ScoringModelSerializer(serializers.ModelSerializer):
    business = _text("service or sales.")
    shipped = serializers.SerializerMethodField(help_text="Shipped with the product (no group).")

    class Meta:
        model = ScoringModel
        fields = ("code", "name", "business", "scale", "dimension_weights", "shipped")
        read_only_fields = fields

    def get_shipped(self, model) -> bool:
        return model.group_id is None


class ScoringModelCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=24, help_text="The group's code is put in front.")
    name = serializers.CharField(max_length=100)
    business = _one_of(Business.values)
    scale = serializers.ChoiceField(choices=[100, 1000])
    weights = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text='Relative weight per dimension code of the business, e.g. {"service_skill":'
        ' "30", "timeliness": "20"}; stored as exact shares of 1.',
    )
