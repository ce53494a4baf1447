"""A year of survey history for the demo (``manage.py seed_demo``): deterministic and fast.

About a third of the year's finished service visits and deliveries get a survey, at most one
per customer per quarter: by phone from the worked follow-up call where there is one (linked to
the task), else by phone, SMS link or tablet; plus two external research batches per store.
Scores are drawn per store, dimension and staff member so that strengths and weaknesses exist:
each store has a weak and a strong service dimension, one advisor and one consultant do worse
and one better. Everything is written with bulk_create; answers are scored with scoring.py.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from dealercare.accounts.models import Store
from dealercare.followups.choices import TaskKind, TaskStatus
from dealercare.followups.conf import setting
from dealercare.followups.models import FollowUpTask
from dealercare.operations.models import Delivery, ServiceVisit

from . import scoring, services
from .choices import ResponseChannel, ResponseSource
from .models import Answer, ExternalImport, SurveyInvitation, SurveyResponse

HISTORY_DAYS = 365
SURVEYED_SHARE = 0.35
# (weak dimension, strong dimension) per store, by position in the group.
STORE_PROFILES = (
    ("timeliness", "service_attitude"),
    ("parts_supply", "service_skill"),
    ("overall_service", "timeliness"),
)
SALES_PROFILES = (("delivery", "viewing"), ("price_payment", "showroom"), ("followup_service",
                  "delivery"))  # fmt: skip
CHANNEL_WEIGHTS = ((ResponseChannel.PHONE, 55), (ResponseChannel.SMS, 30),
                   (ResponseChannel.TABLET, 15))  # fmt: skip
EXTERNAL_WEIGHTS = {"service_skill": "22", "service_attitude": "18", "timeliness": "20",
                    "parts_supply": "20", "overall_service": "20"}  # fmt: skip


def _draw(rng, mean, spread, low=1):
    """A 1-10 score around ``mean``."""
    return max(low, min(10, round(rng.gauss(mean, spread))))


class _Scorer:
    """Scores of one store: a weak and a strong dimension, better and worse staff.

    Most customers are content; about one in eight is unhappy with the store's weak
    dimension (more with its weaker staff member), so that dimension is a weakness (few very
    satisfied, >= 10% negative) and those customers get recovery calls.
    """

    def __init__(self, rng, profile, staff_ids):
        self.rng = rng
        self.weak, self.strong = profile
        ordered = sorted(i for i in staff_ids if i)
        self.staff_offset = dict.fromkeys(ordered, 0.0)
        if len(ordered) >= 2:
            self.staff_offset[ordered[0]] = -0.5
            self.staff_offset[ordered[-1]] = 0.4
        self.drift = rng.uniform(-0.15, 0.15)

    def mood(self, staff_id, recent):
        """Per response: is this customer unhappy with the weak dimension? Also rarely unhappy
        with everything."""
        offset = self.staff_offset.get(staff_id, 0.0)
        unhappy = 0.11 + (0.06 if offset < 0 else 0) + (0.03 if recent else 0)
        return {"weak": self.rng.random() < unhappy, "all": self.rng.random() < 0.02}

    def score(self, dimension, staff_id, mood):
        offset = self.staff_offset.get(staff_id, 0.0) + self.drift
        if mood["all"]:
            return _draw(self.rng, 5.5, 1.3)
        if dimension == self.weak:
            if mood["weak"]:
                return _draw(self.rng, 3.0, 1.0)
            return _draw(self.rng, 7.9 + offset / 2, 0.55, low=7)
        if dimension == self.strong:
            return _draw(self.rng, 9.2 + offset / 2, 0.55, low=7)
        return _draw(self.rng, 8.4 + offset, 0.75, low=7)


def _token(rng):
    return hashlib.sha256(rng.randbytes(24)).hexdigest()


def build_history(*, group, seed=42, now=None) -> dict:
    """Create the group's survey history; returns {label: count} for the summary."""
    services.ensure_defaults()
    totals = defaultdict(int)
    now = now or timezone.now()
    with transaction.atomic():
        for position, store in enumerate(Store.objects.filter(group=group).order_by("code")):
            rng = random.Random(f"surveys-{seed}-{store.code}")
            counts = _store_history(store, position, rng, now)
            for label, value in counts.items():
                totals[label] += value
    recovery = _recent_recovery_calls(group, now)
    return {
        "Survey responses": totals["responses"],
        "Survey answers": totals["answers"],
        "Survey responses needing a recovery call": totals["recovery"],
        "Recovery follow-ups opened (recent)": recovery,
        "External survey batches": totals["batches"],
        "SMS survey links": totals["invitations"],
    }


def _versions(store):
    def version(code):
        return services.published_version(services.questionnaire_by_code(store, code))

    versions = {code: version(code) for code in ("sales", "service", "service-5d")}
    items = {code: list(v.items.select_related("dimension", "section")) for code, v in
             versions.items()}  # fmt: skip
    return versions, items


def _store_history(store, position, rng, now):
    survey_settings = services.settings_for(store)
    versions, items = _versions(store)
    start = now - datetime.timedelta(days=HISTORY_DAYS)
    visits = list(
        ServiceVisit.objects.filter(
            store=store, status="finished", date_out__gte=start, date_out__lte=now
        )  # fmt: skip
        .select_related("vehicle", "customer")
        .order_by("date_out", "pk")
    )
    deliveries = list(
        Delivery.objects.filter(
            store=store, status="delivered", delivered_at__gte=start, delivered_at__lte=now
        )  # fmt: skip
        .select_related("vehicle", "customer")
        .order_by("delivered_at", "pk")
    )
    worked = {
        (t.event_type, t.event_id): t
        for t in FollowUpTask.objects.filter(
            store=store,
            status=TaskStatus.DONE,
            kind__in=(TaskKind.SERVICE_FOLLOWUP, TaskKind.DELIVERY_FIRST_FOLLOWUP),
        )  # fmt: skip
    }
    service_scorer = _Scorer(
        rng, STORE_PROFILES[position % len(STORE_PROFILES)], {v.advisor_id for v in visits}
    )
    sales_scorer = _Scorer(
        rng, SALES_PROFILES[position % len(SALES_PROFILES)],
        {d.sales_consultant_id for d in deliveries},
    )  # fmt: skip
    events = [("service_visit", v, v.date_out) for v in visits]
    events += [("delivery", d, d.delivered_at) for d in deliveries]
    events.sort(key=lambda e: (e[2], e[0], e[1].pk))
    last_survey = {}
    interval = datetime.timedelta(days=survey_settings.survey_interval_days)
    planned = []
    for event_type, event, at in events:
        task = worked.get((event_type, event.pk))
        if task is None and rng.random() > SURVEYED_SHARE:
            continue
        answered_at = at + datetime.timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 600))
        if answered_at > now:
            continue
        previous = last_survey.get(event.customer_id)
        if previous and answered_at - previous < interval:
            continue
        last_survey[event.customer_id] = answered_at
        if task is not None:
            channel = ResponseChannel.PHONE
        else:
            channel = rng.choices(*zip(*CHANNEL_WEIGHTS, strict=True))[0]
        if event_type == "delivery":
            code, scorer, staff = "sales", sales_scorer, event.sales_consultant_id
        else:
            code = "service" if channel == ResponseChannel.PHONE else "service-5d"
            scorer, staff = service_scorer, event.advisor_id
        planned.append((event_type, event, answered_at, task, channel, code, scorer, staff))
    counts = _write(store, survey_settings, versions, items, planned, now, rng)
    counts["batches"], external = _external_batches(store, versions, items, rng, now)
    counts["responses"] += external
    counts["answers"] += external * 5
    return counts


def _answers_for(items, scorer, staff, recent, rng):
    mood = scorer.mood(staff, recent)
    rows = []
    for item in items:
        if item.kind == "score":
            code = item.dimension.code if item.dimension_id else ""
            rows.append(Answer(item=item, score=scorer.score(code, staff, mood)))
        elif item.kind == "yes_no":
            rows.append(Answer(item=item, yes_no=rng.random() > 0.03))
    return rows


def _write(store, settings_row, versions, items, planned, now, rng):
    models = {b: services.scoring_model_for(store, b) for b in ("sales", "service")}
    tz = store.tzinfo
    responses, answer_sets, invitations = [], [], []
    recent_from = now - datetime.timedelta(days=90)
    for event_type, event, answered_at, task, channel, code, scorer, staff in planned:
        version = versions[code]
        business = version.questionnaire.business
        answers = _answers_for(items[code], scorer, staff, answered_at >= recent_from, rng)
        score = services.response_score(None, answers, models[business])
        visit = event if event_type == "service_visit" else None
        responses.append(SurveyResponse(
            store=store, questionnaire_version=version, customer_id=event.customer_id,
            vehicle_id=event.vehicle_id, channel=channel, source=ResponseSource.INTERNAL,
            business=business, answered_at=answered_at, event_type=event_type, event_id=event.pk,
            followup_task_id=task.pk if task else None,
            advisor_id=visit.advisor_id if visit else None,
            technician_id=visit.technician_id if visit else None,
            consultant_id=None if visit else event.sales_consultant_id,
            vehicle_model=event.vehicle.model_name if event.vehicle_id else "",
            customer_type=event.customer.customer_type, region=store.region or store.city,
            needs_recovery=any(services.is_low(a, settings_row) for a in answers),
            scoring_model_code=score.model_code if score else "",
            overall_score=scoring.round_half_up(score.overall, 1) if score else None,
        ))  # fmt: skip
        answer_sets.append(answers)
    SurveyResponse.objects.bulk_create(responses, batch_size=500)
    rows = []
    for response, answers in zip(responses, answer_sets, strict=True):
        day = timezone.localtime(response.answered_at, tz).date()
        for answer in answers:
            answer.response = response
            answer.store_id, answer.answered_on = store.pk, day
            answer.dimension_id = answer.item.dimension_id if answer.item.is_scored else None
            answer.business, answer.source = response.business, response.source
            rows.append(answer)
        if response.channel == ResponseChannel.SMS:
            invitations.append(SurveyInvitation(
                store=store, customer_id=response.customer_id, vehicle_id=response.vehicle_id,
                questionnaire_version=response.questionnaire_version, token=_token(rng),
                expires_at=response.answered_at + datetime.timedelta(days=5),
                used_at=response.answered_at, response=response,
                event_type=response.event_type, event_id=response.event_id,
            ))  # fmt: skip
    Answer.objects.bulk_create(rows, batch_size=2000)
    SurveyInvitation.objects.bulk_create(invitations, batch_size=500)
    return {
        "responses": len(responses),
        "answers": len(rows),
        "recovery": sum(r.needs_recovery for r in responses),
        "invitations": len(invitations),
    }


def _external_batches(store, versions, items, rng, now):
    """Two quarterly batches of an external research firm on the five-dimension survey."""
    version = versions["service-5d"]
    scored = [i for i in items["service-5d"] if i.kind == "score"]
    customers = list(
        SurveyResponse.objects.filter(store=store, business="service")
        .values_list("customer_id", flat=True)
        .distinct()
        .order_by("customer_id")[:400]
    )
    if not customers:
        return 0, 0
    shares = {k: str(v) for k, v in scoring.normalise_weights(EXTERNAL_WEIGHTS).items()}
    model = services.scoring_model_for(store, "service")
    weights = {k: scoring.exact(v) for k, v in shares.items()}
    total, batches = 0, 0
    for quarter_back, study in ((2, "外部满意度调查 第一期"), (1, "外部满意度调查 第二期")):
        batch = ExternalImport.objects.create(
            store=store, study=study, file_name=f"external-{store.code.lower()}-{quarter_back}.xlsx",
            dimension_weights=shares if quarter_back == 1 else {},
        )  # fmt: skip
        chosen = rng.sample(customers, min(40, len(customers)))
        responses, sets = [], []
        for customer_id in chosen:
            answered_at = now - datetime.timedelta(days=90 * quarter_back + rng.randint(0, 60))
            answers = [Answer(item=item, score=_draw(rng, 8.0, 1.1)) for item in scored]
            score = services.response_score(None, answers, model, weights=batch.dimension_weights
                                            and weights)  # fmt: skip
            responses.append(SurveyResponse(
                store=store, questionnaire_version=version, customer_id=customer_id,
                channel=ResponseChannel.EXTERNAL, source=ResponseSource.EXTERNAL,
                business="service", answered_at=answered_at, external_import=batch,
                external_ref=f"EXT-{quarter_back}-{customer_id}", region=store.region or store.city,
                scoring_model_code=score.model_code,
                overall_score=scoring.round_half_up(score.overall, 1),
            ))  # fmt: skip
            sets.append(answers)
        SurveyResponse.objects.bulk_create(responses)
        rows = []
        for response, answers in zip(responses, sets, strict=True):
            for answer in answers:
                answer.response, answer.store_id = response, store.pk
                answer.answered_on = timezone.localtime(response.answered_at, store.tzinfo).date()
                answer.dimension_id, answer.business, answer.source = (
                    answer.item.dimension_id, "service", ResponseSource.EXTERNAL,
                )  # fmt: skip
                rows.append(answer)
        Answer.objects.bulk_create(rows)
        batch.responses_count = len(responses)
        batch.save(update_fields=["responses_count"])
        total += len(responses)
        batches += 1
    return batches, total


def _recent_recovery_calls(group, now) -> int:
    """Recovery follow-ups for flagged responses recent enough to still be called."""
    from dealercare.followups.services import sync_event_tasks

    since = now - datetime.timedelta(days=min(14, setting("FOLLOWUP_LOOKBACK_DAYS")))
    created = 0
    for response in SurveyResponse.objects.filter(
        store__group=group, needs_recovery=True, answered_at__gte=since
    ).select_related("store"):
        result = sync_event_tasks(response, now=now)
        created += result.created if result else 0
    return created
