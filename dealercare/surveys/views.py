"""Survey pages: questionnaires and versions (CS manager), settings, responses, the tablet form,
SMS links, external imports and the questionnaire inside the call console. Thin: parse, call a
service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms import formset_factory
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dealercare.accounts.access import MSG_NO_PERMISSION, access_for
from dealercare.accounts.roles import Capability
from dealercare.core.errors import ApplicationError
from dealercare.core.validators import normalize_mobile
from dealercare.customers.models import Customer
from dealercare.followups.models import FollowUpTask

from . import external, scoring, selectors, services
from .choices import ResponseChannel, VersionStatus
from .forms import (
    AnswerForm,
    CustomerLookupForm,
    ImportForm,
    ItemEditForm,
    ScoringModelForm,
    SectionAddForm,
    SettingsForm,
)
from .models import Dimension, SurveyResponse

C = Capability
PAGE_SIZE = 50
LEVEL_LABELS = {
    scoring.Level.VERY_SATISFIED: gettext_lazy("Very satisfied"),
    scoring.Level.SATISFIED: gettext_lazy("Satisfied"),
    scoring.Level.AVERAGE: gettext_lazy("Average"),
    scoring.Level.DISSATISFIED: gettext_lazy("Dissatisfied"),
    scoring.Level.VERY_DISSATISFIED: gettext_lazy("Very dissatisfied"),
}


def _require_anywhere(user, capability):
    if not access_for(user).has_anywhere(capability):
        raise PermissionDenied(MSG_NO_PERMISSION)


def _chosen_store(request, capability):
    """The store a page works on: ?store= / POST store among the user's, else the first."""
    stores = list(access_for(request.user).stores(capability))
    if not stores:
        raise PermissionDenied(MSG_NO_PERMISSION)
    wanted = request.POST.get("store") or request.GET.get("store")
    for store in stores:
        if wanted and str(store.pk) == str(wanted):
            return store, stores
    return stores[0], stores


# --- questionnaires ----------------------------------------------------------------------------


@login_required
def questionnaire_list(request):
    store, stores = _chosen_store(request, C.MANAGE_SURVEYS)
    rows = []
    for questionnaire in services.questionnaires_of_store(store):
        versions = list(questionnaire.versions.all())
        rows.append(
            {
                "questionnaire": questionnaire,
                "published": next((v for v in versions if v.status == "published"), None),
                "draft": next((v for v in versions if v.status == "draft"), None),
                "versions": versions,
            }
        )
    return render(
        request,
        "surveys/questionnaire_list.html",
        {"page_title": _("Questionnaires"), "rows": rows, "store": store, "stores": stores},
    )


@login_required
def version_detail(request, pk):
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    version = selectors.version_detail(request.user, pk)
    store, stores = _chosen_store(request, C.MANAGE_SURVEYS)
    return render(
        request,
        "surveys/version_detail.html",
        {
            "page_title": f"{version.questionnaire.name} · v{version.number}",
            "version": version,
            "sections": selectors.version_items(version),
            "store": store,
            "stores": stores,
            "answered": version.responses.exists(),
        },
    )


@login_required
@require_POST
def draft_create(request, pk):
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    questionnaire = selectors.questionnaire_detail(request.user, pk)
    if not request.POST.get("store"):
        messages.error(request, _("Choose the store whose questionnaire you edit."))
        return redirect("surveys:questionnaire-list")
    store, _stores = _chosen_store(request, C.MANAGE_SURVEYS)
    if questionnaire.store_id and questionnaire.store_id != store.pk:
        store = questionnaire.store
    try:
        draft = services.draft_create(actor=request.user, store=store, questionnaire=questionnaire)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(reverse("surveys:questionnaire-list") + f"?store={store.pk}")
    messages.success(request, _("Draft version %(n)s created.") % {"n": draft.number})
    return redirect("surveys:version-edit", draft.pk)


ItemFormSet = formset_factory(ItemEditForm, extra=1, can_delete=True)


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request, pk):
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    version = selectors.version_detail(request.user, pk)
    store = version.questionnaire.store
    if store is None or not access_for(request.user).has(C.MANAGE_SURVEYS, store):
        raise Http404
    if version.status != VersionStatus.DRAFT:
        messages.info(request, services.MSG_PUBLISHED_IMMUTABLE % {"number": version.number})
        return redirect("surveys:version-detail", version.pk)
    items = list(version.items.select_related("section").order_by("section__order", "order"))
    section_form = SectionAddForm(prefix="section")
    formset_kwargs = {"form_kwargs": {"version": version}, "prefix": "items"}
    if request.method == "POST" and "add_section" in request.POST:
        section_form = SectionAddForm(request.POST, prefix="section")
        if section_form.is_valid():
            services.section_add(
                actor=request.user, version=version, title=section_form.cleaned_data["title"]
            )
            return redirect("surveys:version-edit", version.pk)
        formset = _item_formset(items, version, None, formset_kwargs)
    elif request.method == "POST":
        formset = _item_formset(items, version, request.POST, formset_kwargs)
        if formset.is_valid():
            rows = []
            for index, form in enumerate(formset.forms):
                item = items[index] if index < len(items) else None
                if not form.has_changed() and item is None:
                    continue
                row = form.row() if not form.cleaned_data.get("DELETE") else {"delete": True}
                row["id"] = item.pk if item else None
                rows.append(row)
            try:
                services.items_save(actor=request.user, version=version, rows=rows)
            except ApplicationError as error:
                messages.error(request, error.message)
                for index, problems in error.extra.get("items", {}).items():
                    for field, texts in problems.items():
                        target = field if field in formset.forms[index].fields else None
                        formset.forms[index].add_error(target, texts)
            else:
                messages.success(request, _("Items saved."))
                return redirect("surveys:version-edit", version.pk)
    else:
        formset = _item_formset(items, version, None, formset_kwargs)
    return render(
        request,
        "surveys/version_edit.html",
        {
            "page_title": _("Edit %(name)s · draft v%(n)s")
            % {"name": version.questionnaire.name, "n": version.number},
            "version": version,
            "formset": formset,
            "section_form": section_form,
        },
    )


def _item_formset(items, version, data, kwargs):
    initial = [
        {
            "section": item.section_id,
            "order": item.order,
            "code": item.code,
            "text": item.text,
            "kind": item.kind,
            "dimension": item.dimension_id,
            "weight": item.weight,
            "required": item.required,
            "choices_text": "\n".join(map(str, item.choices)),
        }  # fmt: skip
        for item in items
    ]
    return ItemFormSet(data, initial=initial, **kwargs)


@login_required
@require_POST
def version_publish(request, pk):
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    version = selectors.version_detail(request.user, pk)
    store = version.questionnaire.store
    if store is None or not access_for(request.user).has(C.MANAGE_SURVEYS, store):
        raise Http404
    if request.POST.get("confirm") != "publish":
        messages.error(request, _("Confirm that you publish this version."))
        return redirect("surveys:version-detail", version.pk)
    try:
        services.version_publish(actor=request.user, version=version)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Version %(n)s is published; new surveys ask it. Past answers keep their version.")
            % {"n": version.number},
        )
    return redirect("surveys:version-detail", version.pk)


# --- settings ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def survey_settings(request):
    store, stores = _chosen_store(request, C.MANAGE_SURVEYS)
    current = services.settings_for(store)
    questionnaires = services.questionnaires_of_store(store)
    assignments = {kind: services.questionnaire_for_kind(store, kind) for kind in _kinds()}
    form = SettingsForm(
        request.POST or None,
        instance=current,
        questionnaires=questionnaires,
        assignments=assignments,
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS}
        try:
            services.settings_update(
                actor=request.user, store=store, fields=fields, assignments=form.assignments()
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Survey settings saved."))
            return redirect(reverse("surveys:settings") + f"?store={store.pk}")
    return render(
        request,
        "surveys/settings.html",
        {"page_title": _("Survey settings"), "form": form, "store": store, "stores": stores},
    )


@login_required
@require_http_methods(["GET", "POST"])
def scoring_models(request):
    """The scoring models the user's stores may switch to, and a new one for the group."""
    _require_anywhere(request.user, C.MANAGE_SURVEYS)
    form = ScoringModelForm(request.POST or None, dimensions=Dimension.objects.all())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.scoring_model_create(
                actor=request.user, code=data["code"], name=data["name"],
                business=data["business"], scale=data["scale"], weights=form.weights(),
            )  # fmt: skip
        except ApplicationError as error:
            field = error.extra.get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Scoring model %(code)s created; choose it in a store's survey settings.")
                % {"code": created.code},
            )
            return redirect("surveys:scoring-models")
    models = list(services.scoring_models_for(request.user).select_related("group"))
    names = dict(Dimension.objects.values_list("code", "name"))
    rows = [
        (model, [(names.get(code, code), scoring.percent_display(scoring.exact(str(weight))))
                 for code, weight in model.dimension_weights.items()])
        for model in models
    ]  # fmt: skip
    return render(
        request,
        "surveys/scoring_models.html",
        {"page_title": _("Scoring models"), "rows": rows, "form": form},
    )


def _kinds():
    from dealercare.followups.choices import TaskKind

    return [kind for kind, _label in TaskKind.choices]


# --- responses ---------------------------------------------------------------------------------


@login_required
def response_list(request):
    _require_anywhere(request.user, C.VIEW_CSI)
    responses = selectors.responses_for(request.user)
    channel = request.GET.get("channel", "")
    if channel in ResponseChannel.values:
        responses = responses.filter(channel=channel)
    if request.GET.get("recovery") == "1":
        responses = responses.filter(needs_recovery=True)
    store = request.GET.get("store", "")
    if store.isdigit():
        responses = responses.filter(store_id=int(store))
    query = (request.GET.get("q") or "").strip()
    if query:
        responses = responses.filter(Q(customer__name=query) | Q(customer__number=query))
    page = Paginator(responses.order_by("-answered_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "surveys/response_list.html",
        {
            "page_title": _("Survey responses"),
            "page": page,
            "channels": ResponseChannel.choices,
            "channel": channel,
            "stores": access_for(request.user).stores(C.VIEW_CSI),
            "query": query,
        },
    )


@login_required
def response_detail(request, pk):
    _require_anywhere(request.user, C.VIEW_CSI)
    response = selectors.response_detail(request.user, pk)
    answers, score, model = selectors.response_scored(response)
    item_scores = dict(score.items) if score else {}
    rows = []
    for answer in answers:
        item_score = item_scores.get(answer.item.code)
        rows.append(
            {
                "answer": answer,
                "level": LEVEL_LABELS[scoring.level_of(answer.score)] if answer.score else None,
                "item_score": item_score.score_display if item_score else None,
                "low": services.is_low(answer, services.settings_for(response.store)),
            }
        )
    recovery = FollowUpTask.objects.filter(
        event_type="survey_response", event_id=response.pk
    ).first()
    names = dict(Dimension.objects.values_list("code", "name"))
    dimension_rows = [
        (names.get(d.dimension, d.dimension), d.score_display)
        for d in (score.dimensions if score else ())
    ]
    return render(
        request,
        "surveys/response_detail.html",
        {
            "page_title": _("Survey response #%(id)s") % {"id": response.pk},
            "response": response,
            "rows": rows,
            "score": score,
            "model": model,
            "dimension_rows": dimension_rows,
            "recovery": recovery,
            "complaint_url": complaint_url(response),
            "can_complain": access_for(request.user).has(C.HANDLE_COMPLAINTS, response.store_id),
        },
    )


def complaint_url(response):
    """The complaint intake prefilled from a survey response (contract 1)."""
    query = urlencode(
        {
            "customer": response.customer_id,
            "vehicle": response.vehicle_id or "",
            "channel": "survey",
            "origin_type": "survey_response",
            "origin_id": response.pk,
            "description": response.comment[:500],
        }
    )
    return f"{reverse('complaints:create')}?{query}"


# --- taking a survey: tablet, console, SMS link ------------------------------------------------


def _find_customer(user, who, capability):
    stores = access_for(user).store_ids(capability)
    who = (who or "").strip()
    mobile = normalize_mobile(who)
    query = Q(number=who)
    if mobile:
        query |= Q(mobile=mobile)
    return (
        Customer.objects.filter(query, store_id__in=stores, merged_into__isnull=True)
        .select_related("store")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def tablet(request):
    """Face to face: staff find the customer, hand over the tablet, the customer answers."""
    _require_anywhere(request.user, C.TAKE_SURVEYS)
    lookup = CustomerLookupForm(request.GET or None)
    customer = None
    business = request.GET.get("business") or request.POST.get("business") or "service"
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if customer_id and str(customer_id).isdigit():
        customer = (
            Customer.objects.filter(
                pk=customer_id, store_id__in=access_for(request.user).store_ids(C.TAKE_SURVEYS)
            )
            .select_related("store")
            .first()
        )
    elif lookup.is_bound and lookup.is_valid():
        customer = _find_customer(request.user, lookup.cleaned_data["who"], C.TAKE_SURVEYS)
        business = lookup.cleaned_data["business"] or "service"
        if customer is None:
            lookup.add_error("who", _("No customer with this number or mobile in your stores."))
    context = {"page_title": _("Face-to-face survey"), "lookup": lookup, "customer": customer}
    if customer is None:
        return render(request, "surveys/tablet.html", context)
    if business not in ("sales", "service"):
        business = "service"
    version = services.published_version(
        services.questionnaire_for_business(customer.store, business)
    )
    if version is None:
        messages.error(request, services.MSG_NOT_PUBLISHED)
        return render(request, "surveys/tablet.html", context)
    form = AnswerForm(request.POST if request.method == "POST" else None, version=version)
    refusal = services.survey_refusal(customer)
    if request.method == "POST" and form.is_valid() and not refusal:
        try:
            response = services.response_record(
                actor=request.user, store=customer.store, version=version, customer=customer,
                channel=ResponseChannel.TABLET, answers=form.answers(),
            )  # fmt: skip
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            return render(
                request,
                "surveys/thanks.html",
                {"page_title": _("Thank you!"), "response": response, "again": True},
            )
    context |= {"form": form, "version": version, "business": business, "refusal": refusal}
    return render(request, "surveys/tablet.html", context)


def _task_for(user, pk):
    stores = access_for(user).store_ids(C.TAKE_SURVEYS)
    task = (
        FollowUpTask.objects.filter(pk=pk, store_id__in=stores)
        .select_related("store", "customer")
        .first()
    )
    if task is None:
        raise Http404
    return task


def console_context(task, user, form=None, response=None, error=None):
    """What the console's questionnaire partial shows for ``task``."""
    context = {"task": task, "survey_error": error}
    if response is None:
        response = SurveyResponse.objects.filter(followup_task_id=task.pk).first()
    if response is not None:
        context["survey_response"] = response
        if response.needs_recovery and access_for(user).has(C.HANDLE_COMPLAINTS, task.store_id):
            context["survey_complaint_url"] = complaint_url(response)
        return context
    if not access_for(user).has(C.TAKE_SURVEYS, task.store_id):
        context["survey_hidden"] = True
        return context
    version = services.published_version(services.questionnaire_for_kind(task.store, task.kind))
    if version is None:
        context["survey_none"] = True
        return context
    context["survey_refusal"] = services.survey_refusal(task.customer)
    context["survey_form"] = form or AnswerForm(version=version, prefix="survey")
    context["survey_version"] = version
    return context


@login_required
@require_http_methods(["GET", "POST"])
def console(request, pk):
    """The console's questionnaire (contract 4): GET renders it, POST (HTMX) records it."""
    _require_anywhere(request.user, C.TAKE_SURVEYS)
    task = _task_for(request.user, pk)
    if request.method == "GET":
        return render(
            request,
            "surveys/_console_questionnaire.html",
            {"task": task, **console_context(task, request.user)},
        )
    existing = SurveyResponse.objects.filter(followup_task_id=task.pk).first()
    if existing is not None:
        return render(
            request,
            "surveys/_console_questionnaire.html",
            {"task": task, **console_context(task, request.user, response=existing)},
        )
    version = services.published_version(services.questionnaire_for_kind(task.store, task.kind))
    if version is None:
        raise Http404
    form = AnswerForm(request.POST, version=version, prefix="survey")
    error = None
    if form.is_valid():
        try:
            response = services.task_response_record(
                actor=request.user, task=task, answers=form.answers()
            )
        except ApplicationError as exc:
            error = exc.message
        else:
            return render(
                request,
                "surveys/_console_questionnaire.html",
                {"task": task, **console_context(task, request.user, response=response)},
            )
    status = 200 if request.htmx else 400
    return render(
        request,
        "surveys/_console_questionnaire.html",
        {"task": task, **console_context(task, request.user, form=form, error=error)},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request):
    """Send a customer the SMS survey link (staff)."""
    _require_anywhere(request.user, C.TAKE_SURVEYS)
    form = CustomerLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = _find_customer(request.user, form.cleaned_data["who"], C.TAKE_SURVEYS)
        if customer is None:
            form.add_error("who", _("No customer with this number or mobile in your stores."))
        else:
            try:
                sent = services.invitation_send(
                    actor=request.user, store=customer.store, customer=customer,
                    business=form.cleaned_data["business"] or "service",
                    link_base=request.build_absolute_uri("/"),
                )  # fmt: skip
            except ApplicationError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("The survey link was sent to %(name)s; it is valid until %(until)s.")
                    % {
                        "name": customer.name,
                        "until": sent.invitation.expires_at.astimezone(
                            customer.store.tzinfo
                        ).strftime("%Y-%m-%d %H:%M"),
                    },
                )
                return redirect("surveys:invite")
    invitations = selectors.invitations_for(request.user)[:20]
    return render(
        request,
        "surveys/invite.html",
        {"page_title": _("Send a survey link"), "form": form, "invitations": invitations},
    )


# --- external import ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_results(request):
    store, stores = _chosen_store(request, C.MANAGE_SURVEYS)
    questionnaires = services.questionnaires_of_store(store)
    form = ImportForm(
        request.POST or None, request.FILES or None, stores=stores, questionnaires=questionnaires
    )
    errors = []
    if request.method == "POST" and form.is_valid():
        questionnaire = next(
            q for q in questionnaires if str(q.pk) == form.cleaned_data["questionnaire"]
        )
        upload = form.cleaned_data["file"]
        try:
            batch = external.external_import(
                actor=request.user, store=store, questionnaire=questionnaire,
                study=form.cleaned_data["study"], file_name=upload.name, data=upload.read(),
                weights=form.cleaned_data["weights"],
            )  # fmt: skip
        except ApplicationError as error:
            form.add_error(None, error.message)
            errors = error.extra.get("errors", [])
        else:
            messages.success(
                request,
                _("%(n)s responses of “%(study)s” imported.")
                % {"n": batch.responses_count, "study": batch.study},
            )
            return redirect(reverse("surveys:import") + f"?store={store.pk}")
    return render(
        request,
        "surveys/import.html",
        {
            "page_title": _("Import external results"),
            "form": form,
            "errors": errors,
            "imports": selectors.imports_for(request.user).filter(store=store)[:20],
            "store": store,
        },
    )
