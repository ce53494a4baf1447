"""Writes of the survey module: shipped defaults, each store's settings, questionnaire drafts and
publishing, recording responses from every channel (phone, SMS link, tablet, external import),
and the closed loop (a low answer flags the response and opens a recovery call on commit).

Scores come from scoring.py; nothing here does arithmetic of its own.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.roles import Capability
from dealercare.core import audit
from dealercare.core.errors import ApplicationError
from dealercare.core.models import AuditAction
from dealercare.csi.services import rollup_add
from dealercare.customers.models import Customer

from . import defaults, scoring
from .choices import Business, ItemKind, ResponseChannel, ResponseSource, VersionStatus
from .models import (
    Answer,
    Dimension,
    Item,
    Questionnaire,
    QuestionnaireAssignment,
    QuestionnaireVersion,
    ScoringModel,
    Section,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
)

C = Capability

MSG_PUBLISHED_IMMUTABLE = _(
    "Version %(number)s is published and cannot change; create a new draft to edit it."
)
MSG_DRAFT_EXISTS = _("Version %(number)s is already a draft of this questionnaire; edit that one.")
MSG_NOTHING_TO_PUBLISH = _("Only a draft can be published.")
MSG_EMPTY_VERSION = _("A questionnaire needs at least one item before it is published.")
MSG_NOT_PUBLISHED = _("This questionnaire has no published version to answer.")
MSG_REQUIRED = _("Answer “%(item)s”.")
MSG_UNKNOWN_ITEM = _("“%(code)s” is not an item of this questionnaire.")
MSG_BAD_SCORE = _("“%(item)s”: a score must be a whole number from 1 to 10; got “%(value)s”.")
MSG_BAD_YES_NO = _("“%(item)s”: answer yes or no; got “%(value)s”.")
MSG_BAD_CHOICE = _("“%(item)s”: “%(value)s” is not one of the choices.")
MSG_TEXT_TOO_LONG = _("“%(item)s”: at most 2,000 characters.")
MSG_NO_ANSWERS = _("The response has no answers.")
MSG_TOO_SOON = _(
    "%(customer)s already answered a satisfaction survey on %(date)s. This store surveys a "
    "customer at most once every %(days)s days, so the next survey is possible from %(next)s."
)
MSG_TASK_SURVEYED = _("This follow-up already has a survey response (#%(id)s).")
MSG_TASK_NO_QUESTIONNAIRE = _("No questionnaire is asked in this kind of follow-up.")
MSG_NO_SMS = _("%(customer)s does not accept SMS, or has no mobile number.")
MSG_WRONG_STORE = _("The customer belongs to another store.")
MSG_WRONG_BUSINESS = _("Choose a questionnaire of the %(business)s business.")

TEXT_LIMIT = 2000
YES_WORDS = {"yes", "y", "true", "1", "是", "on"}
NO_WORDS = {"no", "n", "false", "0", "否"}


# --- defaults and settings ---------------------------------------------------------------------


def ensure_defaults() -> dict:
    """Create the shipped dimensions, scoring models and questionnaires that are missing."""
    return defaults.ensure_defaults(
        Dimension=Dimension,
        ScoringModel=ScoringModel,
        Questionnaire=Questionnaire,
        QuestionnaireVersion=QuestionnaireVersion,
        Section=Section,
        Item=Item,
        now=timezone.now(),
    )


def settings_for(store) -> SurveySettings:
    """The store's survey settings, created with the shipped models the first time."""
    existing = SurveySettings.objects.filter(store=store).select_related(
        "scoring_model", "sales_scoring_model"
    )
    found = existing.first()
    if found is not None:
        return found
    if not ScoringModel.objects.filter(code=defaults.SERVICE_MODEL_CODE).exists():
        ensure_defaults()
    SurveySettings.objects.get_or_create(
        store=store,
        defaults={
            "scoring_model": ScoringModel.objects.get(code=defaults.SERVICE_MODEL_CODE),
            "sales_scoring_model": ScoringModel.objects.filter(
                code=defaults.SALES_MODEL_CODE
            ).first(),
        },
    )
    return existing.get()


def scoring_model_for(store, business) -> ScoringModel:
    """The store's current scoring model of one business."""
    survey_settings = settings_for(store)
    if business == Business.SALES and survey_settings.sales_scoring_model_id:
        return survey_settings.sales_scoring_model
    if business == Business.SALES:
        return ScoringModel.objects.get(code=defaults.SALES_MODEL_CODE)
    return survey_settings.scoring_model


@transaction.atomic
def settings_update(*, actor, store, fields, assignments=None) -> SurveySettings:
    """Change a store's survey settings and (optionally) which questionnaire each kind asks."""
    access_for(actor).require(C.MANAGE_SURVEYS, store)
    survey_settings = settings_for(store)
    names = [name for name in fields if name in SETTINGS_FIELDS]
    for name in ("scoring_model", "sales_scoring_model"):
        chosen = fields.get(name)
        if chosen is not None and chosen.group_id not in (None, store.group_id):
            raise ApplicationError(MSG_MODEL_OTHER_GROUP, extra={"field": name})
    before = audit.snapshot(survey_settings, names)
    for name in names:
        setattr(survey_settings, name, fields[name])
    survey_settings.full_clean()
    survey_settings.save()
    changes = audit.field_changes(before, audit.snapshot(survey_settings, names), names)
    for kind, questionnaire in (assignments or {}).items():
        row, _created = QuestionnaireAssignment.objects.get_or_create(
            store=store, task_kind=kind, defaults={"questionnaire": questionnaire}
        )
        if row.questionnaire_id != getattr(questionnaire, "pk", None):
            changes[f"questionnaire:{kind}"] = [str(row.questionnaire), str(questionnaire)]
            row.questionnaire = questionnaire
            row.save()
    if changes:
        audit.record(
            actor=actor, action=AuditAction.SETTINGS, target=survey_settings, store=store,
            changes=changes,
        )  # fmt: skip
    return survey_settings


SETTINGS_FIELDS = (
    "scoring_model", "sales_scoring_model", "survey_interval_days", "low_answer_threshold",
    "recover_on_no", "invitation_valid_days", "sms_template",
)  # fmt: skip


# --- questionnaires ----------------------------------------------------------------------------


def questionnaires_of_store(store) -> list[Questionnaire]:
    """The questionnaires a store uses: its own, and the shipped defaults it has not copied."""
    own = list(Questionnaire.objects.filter(store=store))
    codes = {q.code for q in own}
    shipped = Questionnaire.objects.filter(store__isnull=True).exclude(code__in=codes)
    return sorted([*own, *shipped], key=lambda q: (q.business, q.code))


def questionnaire_by_code(store, code) -> Questionnaire | None:
    """The store's questionnaire with ``code`` (its own copy wins over the shipped default)."""
    found = (
        Questionnaire.objects.filter(code=code, store=store).first()
        or Questionnaire.objects.filter(code=code, store__isnull=True).first()
    )
    if found is None and not Questionnaire.objects.filter(store__isnull=True).exists():
        # A database flushed after its migrations ran (transactional tests): ship them again.
        ensure_defaults()
        return questionnaire_by_code(store, code)
    return found


def published_version(questionnaire) -> QuestionnaireVersion | None:
    """The version asked now."""
    if questionnaire is None:
        return None
    return questionnaire.versions.filter(status=VersionStatus.PUBLISHED).first()


def questionnaire_for_kind(store, task_kind) -> Questionnaire | None:
    """Which questionnaire a follow-up of ``task_kind`` asks in ``store`` (contract 4)."""
    row = QuestionnaireAssignment.objects.filter(store=store, task_kind=task_kind).first()
    if row is not None:
        if row.questionnaire is None:
            return None
        # A shipped default the store has since copied: ask the store's copy.
        return questionnaire_by_code(store, row.questionnaire.code)
    code = defaults.DEFAULT_KIND_QUESTIONNAIRES.get(task_kind)
    return questionnaire_by_code(store, code) if code else None


def questionnaire_for_business(store, business) -> Questionnaire | None:
    """The questionnaire an SMS link or a tablet asks by default for one business."""
    return questionnaire_by_code(store, defaults.DEFAULT_BUSINESS_QUESTIONNAIRES[business])


@transaction.atomic
def draft_create(*, actor, store, questionnaire) -> QuestionnaireVersion:
    """A new draft copying the current version; a shipped default is first copied to the store,
    so that one store's edit never changes what another store asks."""
    access_for(actor).require(C.MANAGE_SURVEYS, store)
    if questionnaire.store_id is None:
        own = Questionnaire.objects.filter(store=store, code=questionnaire.code).first()
        if own is None:
            own = Questionnaire.objects.create(
                store=store, code=questionnaire.code, name=questionnaire.name,
                business=questionnaire.business, based_on=questionnaire,
            )  # fmt: skip
        source_version = published_version(own) or published_version(questionnaire)
        questionnaire = own
    else:
        if questionnaire.store_id != store.pk:
            raise ApplicationError(MSG_WRONG_STORE)
        source_version = published_version(questionnaire)
    draft = questionnaire.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        raise ApplicationError(MSG_DRAFT_EXISTS % {"number": draft.number})
    number = (questionnaire.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, number=number)
    if source_version is not None:
        _copy_items(source_version, version)
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=version, store=store,
        changes={"copied_from": str(source_version) if source_version else ""},
    )  # fmt: skip
    return version


def _copy_items(source, target) -> None:
    sections = {}
    for section in source.sections.all():
        sections[section.pk] = Section.objects.create(
            version=target, order=section.order, title=section.title
        )
    Item.objects.bulk_create(
        Item(
            version=target,
            section=sections[item.section_id],
            order=item.order,
            code=item.code,
            text=item.text,
            kind=item.kind,
            dimension_id=item.dimension_id,
            weight=item.weight,
            choices=item.choices,
            required=item.required,
        )  # fmt: skip
        for item in source.items.all()
    )


def _require_draft(version) -> None:
    if version.status != VersionStatus.DRAFT:
        raise ApplicationError(MSG_PUBLISHED_IMMUTABLE % {"number": version.number})


def _version_store(version):
    return version.questionnaire.store


@transaction.atomic
def section_add(*, actor, version, title) -> Section:
    """Add a section at the end of a draft."""
    access_for(actor).require(C.MANAGE_SURVEYS, _version_store(version))
    _require_draft(version)
    order = (version.sections.aggregate(n=Max("order"))["n"] or 0) + 1
    section = Section(version=version, order=order, title=title)
    section.full_clean()
    section.save()
    return section


@transaction.atomic
def items_save(*, actor, version, rows) -> int:
    """Save a draft's items: ``rows`` are dicts of Item fields (``id`` to update, ``delete``);
    every row is validated before anything is written. Returns the number of items after."""
    access_for(actor).require(C.MANAGE_SURVEYS, _version_store(version))
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    _require_draft(version)
    existing = {item.pk: item for item in version.items.all()}
    errors, to_save, to_delete = {}, [], []
    for index, row in enumerate(rows):
        row = dict(row)
        pk = row.pop("id", None)
        if row.pop("delete", False):
            if pk in existing:
                to_delete.append(existing[pk])
            continue
        item = existing.get(pk) or Item(version=version)
        for name, value in row.items():
            setattr(item, name, value)
        if item.kind != ItemKind.CHOICE:
            item.choices = []
        try:
            item.full_clean(exclude=["version"], validate_unique=False)
        except ValidationError as error:
            errors[index] = error.message_dict
            continue
        to_save.append(item)
    touched = {item.pk for item in [*to_save, *to_delete] if item.pk}
    codes = [item.code for item in to_save]
    codes += [item.code for pk, item in existing.items() if pk not in touched]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ApplicationError(
            _("Item codes must be unique in a version: %(codes)s")
            % {"codes": ", ".join(duplicates)}
        )
    if errors:
        raise ApplicationError(_("Some items are not valid."), extra={"items": errors})
    for item in to_delete:
        if item.answers.exists():  # a draft has no answers; kept as a safety net
            raise ApplicationError(_("An item with answers cannot be deleted."))
        item.delete()
    for item in to_save:
        item.save()
    audit.record(
        actor=actor, action=AuditAction.UPDATE, target=version, store=_version_store(version),
        changes={"items": len(to_save), "deleted": len(to_delete)},
    )  # fmt: skip
    return version.items.count()


@transaction.atomic
def version_publish(*, actor, version) -> QuestionnaireVersion:
    """Publish a draft: the published version before it is retired (past answers keep
    pointing at its items, so their meaning never changes)."""
    store = _version_store(version)
    access_for(actor).require(C.MANAGE_SURVEYS, store)
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ApplicationError(MSG_NOTHING_TO_PUBLISH)
    if not version.items.exists():
        raise ApplicationError(MSG_EMPTY_VERSION)
    _pure_model_check(version)
    now = timezone.now()
    version.questionnaire.versions.filter(status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED, updated_at=now
    )
    version.status, version.published_at, version.published_by = (
        VersionStatus.PUBLISHED,
        now,
        actor,
    )
    version.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, target=version, store=store,
                 changes={"status": ["draft", "published"]})  # fmt: skip
    return version


def _pure_model_check(version) -> None:
    """Refuse to publish item weights that scoring.py would refuse (with its message)."""
    items = list(version.items.filter(kind=ItemKind.SCORE, dimension__isnull=False))
    store = version.questionnaire.store
    if not items or store is None:
        return
    try:
        item_model(items, scoring_model_for(store, version.questionnaire.business))
    except ValueError as error:
        raise ApplicationError(str(error)) from error


# --- scoring models ----------------------------------------------------------------------------

MSG_MODEL_OTHER_GROUP = _("This scoring model belongs to another dealer group.")
MSG_MODEL_CODE_TAKEN = _("A scoring model with the code %(code)s exists already; choose another.")
MSG_MODEL_NO_WEIGHTS = _("Give at least one %(business)s dimension a weight greater than 0.")
MSG_MODEL_BAD_WEIGHT = _(
    "The weight of %(dimension)s must be a number of 0 or more (e.g. 20, 1.5 or 1/3)."
)
MSG_MODEL_UNKNOWN_DIMENSION = _("%(dimension)s is not a %(business)s dimension.")


def scoring_models_for(user):
    """The scoring models `user` may use: the shipped ones and their dealer group's own."""
    group_ids = {store.group_id for store in access_for(user).stores(C.MANAGE_SURVEYS)}
    group_ids |= {store.group_id for store in access_for(user).stores(C.VIEW_CSI)}
    return ScoringModel.objects.filter(Q(group__isnull=True) | Q(group_id__in=group_ids))


@transaction.atomic
def scoring_model_create(*, actor, code, name, business, scale, weights) -> ScoringModel:
    """A dealer group's own scoring model (MANAGE_SURVEYS): ``weights`` maps dimension codes of
    ``business`` to relative weights ("30", "1.5", "1/3"; blank or 0 leaves the dimension out),
    stored as exact shares of 1. Its code is prefixed with the group's. Audited; never edited
    afterwards (a different weighting is a new model), so the figures it made keep their
    meaning."""
    stores = list(access_for(actor).stores(C.MANAGE_SURVEYS))
    if not stores:
        raise PermissionDenied(MSG_NO_PERMISSION)
    group = stores[0].group
    full_code = f"{group.code}-{code}".lower()[:40]
    if ScoringModel.objects.filter(code=full_code).exists():
        raise ApplicationError(MSG_MODEL_CODE_TAKEN % {"code": full_code}, extra={"field": "code"})
    dimensions = {d.code: d for d in Dimension.objects.filter(business=business)}
    business_label = Business(business).label
    given = {}
    for dimension, raw in weights.items():
        if dimension not in dimensions:
            raise ApplicationError(
                MSG_MODEL_UNKNOWN_DIMENSION % {"dimension": dimension, "business": business_label},
                extra={"field": "weights"},
            )  # fmt: skip
        text = str(raw).strip() if raw is not None else ""
        if not text:
            continue
        try:
            value = scoring.exact(text)
        except ValueError:
            value = None
        if value is None or value < 0:
            label = dimensions[dimension].name
            raise ApplicationError(
                MSG_MODEL_BAD_WEIGHT % {"dimension": label}, extra={"field": f"weight_{dimension}"}
            )  # fmt: skip
        if value > 0:
            given[dimension] = value
    if not given:
        raise ApplicationError(
            MSG_MODEL_NO_WEIGHTS % {"business": business_label}, extra={"field": "weights"}
        )  # fmt: skip
    shares = scoring.normalise_weights(given)
    ordered = [d for d in dimensions if d in shares]
    model = ScoringModel(
        code=full_code, name=name, business=business, scale=scale, group=group,
        dimension_weights={d: str(shares[d]) for d in ordered},
    )  # fmt: skip
    try:
        model.full_clean()
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages)) from error
    model.save()
    audit.record(
        actor=actor, action=AuditAction.CREATE, target=model,
        changes={"dimension_weights": [None, model.dimension_weights], "scale": [None, scale]},
    )  # fmt: skip
    return model


def model_weights(scoring_model) -> dict[str, Fraction]:
    """A ScoringModel row's dimension weights as exact fractions, in its order."""
    return {code: scoring.exact(str(w)) for code, w in scoring_model.dimension_weights.items()}


def item_model(items, scoring_model, *, weights=None) -> scoring.ScoringModel:
    """The pure model scoring ``items`` (Item rows, or (code, dimension_code, weight) triples)
    under a ScoringModel row: its dimensions that have items, re-normalised (ADR 0004: a
    dimension without answers is left out the same way), item weights normalised within
    their dimension. ``weights`` replaces the row's weights (an external study's own)."""
    dimension_weights = weights or model_weights(scoring_model)
    triples = [
        (i.code, i.dimension.code, i.weight) if isinstance(i, Item) else tuple(i) for i in items
    ]
    by_item = {}
    for code, dimension, weight in triples:
        if dimension in dimension_weights and code not in by_item:
            by_item[code] = (dimension, weight)
    used = [d for d in dimension_weights if any(d == dim for dim, _ in by_item.values())]
    if not used:
        raise ValueError(
            f"No item of these answers belongs to a dimension of model {scoring_model.code!r}."
        )
    item_weights = {}
    for dimension in used:
        members = {code: w for code, (d, w) in by_item.items() if d == dimension}
        item_weights.update(scoring.normalise_weights({k: str(v) for k, v in members.items()}))
    return scoring.ScoringModel(
        code=scoring_model.code,
        dimension_weights=scoring.normalise_weights({d: dimension_weights[d] for d in used}),
        item_dimensions={code: d for code, (d, _) in by_item.items()},
        scale=scoring_model.scale,
        item_weights=item_weights,
    )


def response_score(response, answers, scoring_model, *, weights=None):
    """Score one response's answers (Answer rows with item loaded) -> SurveyScore or None."""
    scored = [a for a in answers if a.score is not None and a.item.is_scored]
    if not scored:
        return None
    try:
        model = item_model([a.item for a in scored], scoring_model, weights=weights)
    except ValueError:
        return None
    by_item = {}
    for answer in scored:
        if answer.item.code in model.items:
            by_item.setdefault(answer.item.code, []).append(answer.score)
    return scoring.score_survey(model, by_item)


# --- answers -----------------------------------------------------------------------------------


def _score_value(item, value):
    if isinstance(value, bool):
        raise ApplicationError(MSG_BAD_SCORE % {"item": item.text, "value": value})
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit():
            raise ApplicationError(MSG_BAD_SCORE % {"item": item.text, "value": value})
        value = int(text)
    try:
        return scoring.check_score(value)
    except ValueError:
        raise ApplicationError(MSG_BAD_SCORE % {"item": item.text, "value": value}) from None


def _yes_no_value(item, value):
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ApplicationError(MSG_BAD_YES_NO % {"item": item.text, "value": value})


def clean_answers(items, raw) -> list[Answer]:
    """Unsaved Answer rows from ``raw`` ({item code: value}); blank values are skipped, a
    required item left blank or a wrong value is refused with the item's question."""
    known = {item.code: item for item in items}
    for code in raw:
        if code not in known:
            raise ApplicationError(MSG_UNKNOWN_ITEM % {"code": code})
    answers = []
    for item in items:
        value = raw.get(item.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            if item.required:
                raise ApplicationError(
                    MSG_REQUIRED % {"item": item.text}, extra={"item": item.code}
                )
            continue
        answer = Answer(item=item)
        if item.kind == ItemKind.SCORE:
            answer.score = _score_value(item, value)
        elif item.kind == ItemKind.YES_NO:
            answer.yes_no = _yes_no_value(item, value)
        elif item.kind == ItemKind.CHOICE:
            if str(value) not in [str(c) for c in item.choices]:
                raise ApplicationError(MSG_BAD_CHOICE % {"item": item.text, "value": value})
            answer.choice = str(value)
        else:
            text = str(value).strip()
            if len(text) > TEXT_LIMIT:
                raise ApplicationError(MSG_TEXT_TOO_LONG % {"item": item.text})
            answer.text = text
        answers.append(answer)
    if not any(a.score is not None or a.yes_no is not None or a.choice for a in answers):
        raise ApplicationError(MSG_NO_ANSWERS)
    return answers


def is_low(answer, survey_settings) -> bool:
    """An answer that calls for a recovery call: a score at or below the threshold, or a
    "no" on a check (when the store recovers on those)."""
    if answer.score is not None:
        return answer.score <= survey_settings.low_answer_threshold
    return answer.yes_no is False and survey_settings.recover_on_no


# --- the one-survey-per-quarter rule -----------------------------------------------------------


def last_internal_survey(customer, *, exclude_pk=None) -> SurveyResponse | None:
    """The customer's latest internal survey response."""
    queryset = SurveyResponse.objects.filter(customer=customer, source=ResponseSource.INTERNAL)
    if exclude_pk:
        queryset = queryset.exclude(pk=exclude_pk)
    return queryset.order_by("-answered_at").first()


def survey_refusal(customer, *, now=None, survey_settings=None) -> str | None:
    """Why ``customer`` may not be surveyed now (the interval rule), or None."""
    survey_settings = survey_settings or settings_for(customer.store)
    days = survey_settings.survey_interval_days
    if not days:
        return None
    now = now or timezone.now()
    last = last_internal_survey(customer)
    if last is None or last.answered_at <= now - datetime.timedelta(days=days):
        return None
    tz = customer.store.tzinfo
    answered = timezone.localtime(last.answered_at, tz).date()
    return str(MSG_TOO_SOON) % {
        "customer": customer.name,
        "date": date_format(answered, "SHORT_DATE_FORMAT"),
        "days": days,
        "next": date_format(answered + datetime.timedelta(days=days), "SHORT_DATE_FORMAT"),
    }


# --- recording a response ----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """Who and what a response is about, beyond the customer: the operations event and staff."""

    event_type: str = ""
    event_id: int | None = None
    advisor_id: int | None = None
    technician_id: int | None = None
    consultant_id: int | None = None
    vehicle_id: int | None = None
    vehicle_model: str = ""


def event_context(event_type, event_id, store) -> Context:
    """Staff and vehicle of the delivery or service visit a survey is about."""
    from dealercare.operations.models import Delivery, ServiceVisit

    if event_type == "delivery" and event_id:
        delivery = Delivery.objects.filter(pk=event_id, store=store).select_related("vehicle")
        delivery = delivery.first()
        if delivery:
            return Context(
                "delivery", delivery.pk, consultant_id=delivery.sales_consultant_id,
                vehicle_id=delivery.vehicle_id, vehicle_model=delivery.vehicle.model_name,
            )  # fmt: skip
    if event_type == "service_visit" and event_id:
        visit = ServiceVisit.objects.filter(pk=event_id, store=store).select_related("vehicle")
        visit = visit.first()
        if visit:
            return Context(
                "service_visit", visit.pk, advisor_id=visit.advisor_id,
                technician_id=visit.technician_id, vehicle_id=visit.vehicle_id,
                vehicle_model=visit.vehicle.model_name,
            )  # fmt: skip
    return Context()


def _denormalise(response, answers):
    day = timezone.localtime(response.answered_at, response.store.tzinfo).date()
    for answer in answers:
        answer.response = response
        answer.store_id = response.store_id
        answer.answered_on = day
        answer.dimension_id = answer.item.dimension_id if answer.item.is_scored else None
        answer.business = response.business
        answer.source = response.source


@transaction.atomic
def response_record(
    *, actor, store, version, customer, channel, answers, answered_at=None, context=None,
    task=None, source=ResponseSource.INTERNAL, external_import=None, external_ref="",
    weights=None, enforce_interval=True, check_access=True,
) -> SurveyResponse:  # fmt: skip
    """Record one customer's answers to a published version and score them.

    Internal surveys respect the store's interval (one per customer per quarter by default);
    external results are the research firm's and are kept apart. A low answer flags the
    response and, once committed, opens a recovery follow-up (contract 3). ``check_access``
    is False only for the customer's own SMS link (no user).
    """
    if check_access:
        need = C.MANAGE_SURVEYS if source == ResponseSource.EXTERNAL else C.TAKE_SURVEYS
        access_for(actor).require(need, store)
    if customer.store_id != store.pk:
        raise ApplicationError(MSG_WRONG_STORE)
    if version.status != VersionStatus.PUBLISHED and source == ResponseSource.INTERNAL:
        raise ApplicationError(MSG_NOT_PUBLISHED)
    survey_settings = settings_for(store)
    now = timezone.now()
    answered_at = answered_at or now
    # Serialise the interval check per customer (two agents, two tabs).
    customer = Customer.objects.select_for_update().select_related("store").get(pk=customer.pk)
    if task is not None and SurveyResponse.objects.filter(followup_task_id=task.pk).exists():
        existing = SurveyResponse.objects.get(followup_task_id=task.pk)
        raise ApplicationError(MSG_TASK_SURVEYED % {"id": existing.pk}, code="duplicate")
    if source == ResponseSource.INTERNAL and enforce_interval:
        refusal = survey_refusal(customer, now=answered_at, survey_settings=survey_settings)
        if refusal:
            raise ApplicationError(refusal, code="too_soon")
    items = list(version.items.select_related("dimension", "section"))
    rows = clean_answers(items, answers)
    context = context or Context()
    business = version.questionnaire.business
    vehicle_id = context.vehicle_id or (task.vehicle_id if task else None)
    vehicle_model = context.vehicle_model
    if vehicle_id and not vehicle_model:
        from dealercare.customers.models import Vehicle

        vehicle_model = (
            Vehicle.objects.filter(pk=vehicle_id).values_list("model_name", flat=True).first() or ""
        )
    response = SurveyResponse(
        store=store, questionnaire_version=version, customer=customer, vehicle_id=vehicle_id,
        channel=channel, source=source, business=business, answered_at=answered_at,
        event_type=context.event_type, event_id=context.event_id,
        followup_task_id=task.pk if task else None,
        advisor_id=context.advisor_id, technician_id=context.technician_id,
        consultant_id=context.consultant_id, vehicle_model=vehicle_model,
        customer_type=customer.customer_type, region=store.region or customer.city or "",
        needs_recovery=source == ResponseSource.INTERNAL
        and any(is_low(a, survey_settings) for a in rows),
        recorded_by=actor if actor and actor.is_authenticated else None,
        external_import=external_import, external_ref=external_ref,
        comment=" ".join(a.text for a in rows if a.text)[:TEXT_LIMIT],
    )  # fmt: skip
    response.full_clean(exclude=["questionnaire_version", "customer", "store"])
    response.save()
    _denormalise(response, rows)
    Answer.objects.bulk_create(rows)
    model = scoring_model_for(store, business)
    score = response_score(response, rows, model, weights=weights)
    if score is not None and score.overall is not None:
        response.scoring_model_code = score.model_code
        response.overall_score = score_display_decimal(score.overall, score.scale)
        response.save(update_fields=["scoring_model_code", "overall_score"])
    # The CSI rollups count the answers in the same transaction (after the overall score,
    # which the key-driver sums use), so the dashboard is current the moment this commits.
    rollup_add(response)
    audit.record(
        actor=response.recorded_by, action=AuditAction.CREATE, target=response, store=store,
        changes={"channel": channel, "needs_recovery": response.needs_recovery},
    )  # fmt: skip
    if response.needs_recovery:
        transaction.on_commit(lambda: _open_recovery(response.pk))
    return response


def score_display_decimal(value, scale):
    """The overall score as stored on a response: rounded once, half up, to one decimal."""
    return scoring.round_half_up(value, 1)


def _open_recovery(response_pk) -> None:
    """Commit hook: the recovery follow-up of a flagged response (contract 3)."""
    from dealercare.followups.services import on_event_saved

    response = SurveyResponse.objects.filter(pk=response_pk).first()
    if response is not None:
        on_event_saved(response)


def task_context(task) -> Context:
    """The event and staff of a follow-up task's event."""
    return event_context(task.event_type, task.event_id, task.store)


def task_response_record(*, actor, task, answers) -> SurveyResponse:
    """Record the phone survey asked in a follow-up call (the console, contract 4)."""
    access_for(actor).require(C.TAKE_SURVEYS, task.store)
    questionnaire = questionnaire_for_kind(task.store, task.kind)
    version = published_version(questionnaire)
    if version is None:
        raise ApplicationError(MSG_TASK_NO_QUESTIONNAIRE)
    return response_record(
        actor=actor, store=task.store, version=version, customer=task.customer,
        channel=ResponseChannel.PHONE, answers=answers, context=task_context(task), task=task,
    )  # fmt: skip


# --- SMS invitations ---------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """SHA-256 of a link's secret: what the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SentInvitation:
    """An invitation and the secret of its link (known only here and in the SMS)."""

    invitation: SurveyInvitation
    token: str


@transaction.atomic
def invitation_send(
    *, actor, store, customer, business=Business.SERVICE, questionnaire=None, context=None,
    task=None, link_base="", now=None,
) -> SentInvitation:  # fmt: skip
    """Send a customer an SMS with a one-use, expiring survey link (followups' SMS backend)."""
    from dealercare.followups.choices import SmsStatus
    from dealercare.followups.messaging import deliver
    from dealercare.followups.models import SmsMessage

    access_for(actor).require(C.TAKE_SURVEYS, store)
    if customer.store_id != store.pk:
        raise ApplicationError(MSG_WRONG_STORE)
    if not customer.allow_sms or not customer.mobile:
        raise ApplicationError(MSG_NO_SMS % {"customer": customer.name})
    now = now or timezone.now()
    survey_settings = settings_for(store)
    refusal = survey_refusal(customer, now=now, survey_settings=survey_settings)
    if refusal:
        raise ApplicationError(refusal, code="too_soon")
    questionnaire = questionnaire or questionnaire_for_business(store, business)
    version = published_version(questionnaire)
    if version is None:
        raise ApplicationError(MSG_NOT_PUBLISHED)
    context = context or Context()
    token = secrets.token_urlsafe(24)
    invitation = SurveyInvitation.objects.create(
        store=store, customer=customer, vehicle_id=context.vehicle_id,
        questionnaire_version=version, token=token_digest(token),
        expires_at=now + datetime.timedelta(days=survey_settings.invitation_valid_days),
        task=task, event_type=context.event_type, event_id=context.event_id, created_by=actor,
    )  # fmt: skip
    link = f"{link_base.rstrip('/')}/s/{token}/"
    text = survey_settings.sms_template.format_map(
        _Defaulting(store=store.name, customer=customer.name, link=link)
    )
    message = SmsMessage.objects.create(
        store=store, customer=customer, task=task, mobile=customer.mobile, text=text,
        status=SmsStatus.QUEUED,
    )  # fmt: skip
    invitation.sms_message = message
    invitation.save(update_fields=["sms_message"])
    audit.record(actor=actor, action=AuditAction.CREATE, target=invitation, store=store)
    transaction.on_commit(lambda: deliver([message]))
    return SentInvitation(invitation, token)


class _Defaulting(dict):
    def __missing__(self, key):
        return ""


class LinkState:
    """What a survey link is now."""

    OPEN = "open"
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


def invitation_state(invitation, *, now=None) -> str:
    """open / expired / used for a found invitation."""
    if invitation is None:
        return LinkState.INVALID
    if invitation.used_at is not None:
        return LinkState.USED
    if invitation.expires_at <= (now or timezone.now()):
        return LinkState.EXPIRED
    return LinkState.OPEN


def invitation_by_token(token) -> SurveyInvitation | None:
    """The invitation of a link secret, or None (a tampered or unknown link)."""
    if not token or len(token) > 100:
        return None
    return (
        SurveyInvitation.objects.filter(token=token_digest(token))
        .select_related("store", "customer", "questionnaire_version__questionnaire")
        .first()
    )


MSG_LINK_INVALID = _("This survey link is not valid. Please check the link in your SMS.")
MSG_LINK_EXPIRED = _("This survey link has expired. Thank you all the same.")
MSG_LINK_USED = _("This survey has already been answered. Thank you!")
LINK_MESSAGES = {
    LinkState.INVALID: MSG_LINK_INVALID,
    LinkState.EXPIRED: MSG_LINK_EXPIRED,
    LinkState.USED: MSG_LINK_USED,
}


@transaction.atomic
def invitation_answer(*, token, answers, now=None) -> SurveyResponse:
    """The customer answers through the link: once, before it expires."""
    now = now or timezone.now()
    found = invitation_by_token(token)
    if found is None:
        raise ApplicationError(MSG_LINK_INVALID, code=LinkState.INVALID)
    invitation = SurveyInvitation.objects.select_for_update().get(pk=found.pk)
    state = invitation_state(invitation, now=now)
    if state != LinkState.OPEN:
        raise ApplicationError(LINK_MESSAGES[state], code=state)
    context = Context(
        event_type=invitation.event_type, event_id=invitation.event_id,
        vehicle_id=invitation.vehicle_id,
    )  # fmt: skip
    if invitation.event_id:
        event = event_context(invitation.event_type, invitation.event_id, found.store)
        context = event if event.event_id else context
    # The interval was checked when the link was sent; the link itself is the permission.
    response = response_record(
        actor=None, store=found.store, version=found.questionnaire_version,
        customer=found.customer, channel=ResponseChannel.SMS, answers=answers,
        answered_at=now, context=context, enforce_interval=False, check_access=False,
    )  # fmt: skip
    invitation.used_at, invitation.response = now, response
    invitation.save(update_fields=["used_at", "response", "updated_at"])
    return response
