"""The demo's survey history: deterministic, with strengths, weaknesses and every channel."""

import datetime
import hashlib

import pytest
from django.db.models import Count

from dealercare.demo.dataset import build_demo
from dealercare.surveys import demo
from dealercare.surveys.models import Answer, ExternalImport, SurveyInvitation, SurveyResponse

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 30, 12, 0, tzinfo=datetime.UTC)


def digest():
    rows = SurveyResponse.objects.order_by("answered_at", "customer_id", "channel").values_list(
        "customer_id", "channel", "answered_at", "overall_score", "needs_recovery"
    )
    scores = Answer.objects.order_by("response__answered_at", "response__customer_id",
                                     "item_id").values_list("item__code", "score")  # fmt: skip
    return hashlib.sha256(repr((list(rows), list(scores))).encode()).hexdigest()


def wipe():
    SurveyInvitation.objects.all().delete()
    Answer.objects.all().delete()
    SurveyResponse.objects.all().delete()
    ExternalImport.objects.all().delete()


def test_the_history_is_realistic_and_the_same_seed_gives_the_same_history():
    group = build_demo(customers=150, seed=7, now=NOW).group

    summary = demo.build_history(group=group, seed=7, now=NOW)

    assert summary["Survey responses"] == SurveyResponse.objects.count() > 50
    channels = dict(SurveyResponse.objects.values_list("channel").annotate(n=Count("id")))
    assert set(channels) == {"phone", "sms", "tablet", "external"}
    assert summary["SMS survey links"] == channels["sms"] == SurveyInvitation.objects.count()
    assert ExternalImport.objects.count() == 2 * group.stores.count()
    flagged = SurveyResponse.objects.filter(source="internal", needs_recovery=True).count()
    internal = SurveyResponse.objects.filter(source="internal").count()
    assert 0.05 < flagged / internal < 0.35
    assert not SurveyResponse.objects.filter(overall_score__isnull=True).exists()
    # one survey per customer per quarter
    last = {}
    for customer, at in SurveyResponse.objects.filter(source="internal").order_by(
        "answered_at").values_list("customer_id", "answered_at"):  # fmt: skip
        assert customer not in last or at - last[customer] >= datetime.timedelta(days=90)
        last[customer] = at
    first = digest()
    wipe()
    demo.build_history(group=group, seed=7, now=NOW)
    assert digest() == first
