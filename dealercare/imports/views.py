"""Import pages: the job list, upload, column mapping, preview, commit, progress and errors.

Thin: services write, selectors read. A job of another store is a 404 like a missing one.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealercare.accounts.access import MSG_NO_PERMISSION
from dealercare.accounts.models import Store
from dealercare.core.errors import ApplicationError

from . import exports, selectors, services
from .choices import JobPhase, JobStatus
from .forms import CommitForm, MappingForm, UploadForm
from .uploads import SizeLimitUploadHandler

PAGE_SIZE = 50
ERRORS_SHOWN = 200


def _importable_stores(user):
    store_ids = selectors.importable_store_ids(user)
    if not store_ids:
        raise PermissionDenied(MSG_NO_PERMISSION)
    return Store.objects.filter(pk__in=store_ids).order_by("code")


@login_required
@require_GET
def job_list(request):
    """Imports of the user's stores, newest first."""
    stores = _importable_stores(request.user)
    page = Paginator(selectors.import_job_list(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "imports/job_list.html", {
        "page_title": _("Imports"), "page_obj": page, "show_store": stores.count() > 1,
    })  # fmt: skip


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def job_create(request):
    """Upload a file; the size limit is enforced while the upload streams in."""
    limit = services.max_upload_bytes()
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request, limit))
    return _job_create(request)


@csrf_protect
def _job_create(request):
    stores = _importable_stores(request.user)
    max_mb = services.max_upload_bytes() // 1024**2
    sources = selectors.saved_sources(list(stores.values_list("pk", flat=True)))
    form_kwargs = {"stores": stores, "max_mb": max_mb, "sources": sources}
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, **form_kwargs)
        if getattr(request, "import_upload_too_large", False):
            size_mb = int(request.META.get("CONTENT_LENGTH") or 0) / 1024**2
            form.errors.clear()
            form.add_error("file", services.MSG_TOO_BIG % {"size": f"{size_mb:,.0f}",
                                                          "max": max_mb})  # fmt: skip
        elif form.is_valid():
            data = form.cleaned_data
            try:
                job = services.import_job_create(
                    actor=request.user, store=data["store"], kind=data["kind"],
                    source_name=data["source_name"], uploaded_file=data["file"],
                )  # fmt: skip
            except PermissionDenied:
                form.add_error("kind", MSG_NO_PERMISSION)
            except ApplicationError as error:
                form.add_error("file", error.message)
            else:
                return redirect("imports:job-detail", pk=job.pk)
    else:
        form = UploadForm(initial={"kind": request.GET.get("kind")}, **form_kwargs)
    return render(request, "imports/job_create.html", {
        "page_title": _("New import"), "form": form,
    })  # fmt: skip


def _detail_context(request, job, mapping_form=None, error=None):
    progress = selectors.job_progress(job)
    stale = services.job_is_stale(job)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING) and not stale
    editable = job.status != JobStatus.DONE and not running
    return {
        "page_title": _("Import #%(id)s") % {"id": job.pk},
        "job": job,
        "progress": progress,
        "running": running,
        "stale": stale,
        "mapping_form": mapping_form or (MappingForm(job=job) if editable else None),
        "errors": selectors.job_errors(job, ERRORS_SHOWN) if job.rejected_rows else [],
        "errors_shown": ERRORS_SHOWN,
        "show_results": job.status in (JobStatus.PREVIEWED, JobStatus.DONE)
        or (job.status == JobStatus.FAILED and job.rows_done),
        "can_commit": job.status == JobStatus.PREVIEWED
        or (job.status == JobStatus.FAILED and job.phase == JobPhase.COMMIT)
        or stale,
        "action_error": error,
    }


@login_required
@require_GET
@never_cache
def job_detail(request, pk):
    """One import: its mapping, progress or results, and what can be done next."""
    job = selectors.import_job_get(request.user, pk)
    return render(request, "imports/job_detail.html", _detail_context(request, job))


@login_required
@require_POST
def job_mapping(request, pk):
    """Confirm the column mapping and start the preview."""
    job = selectors.import_job_get(request.user, pk)
    form = MappingForm(request.POST, job=job)
    error = None
    if form.is_valid():
        try:
            services.import_mapping_set(actor=request.user, job=job, mapping=form.mapping())
            services.import_preview_start(actor=request.user, job=job)
        except ApplicationError as exc:
            error = exc.message
        else:
            return redirect("imports:job-detail", pk=job.pk)
    context = _detail_context(request, job, mapping_form=form, error=error)
    return render(request, "imports/job_detail.html", context, status=400)


@login_required
@require_POST
def job_commit(request, pk):
    """Start the real import: all rows (all-or-nothing) or the valid rows only."""
    job = selectors.import_job_get(request.user, pk)
    form = CommitForm(request.POST)
    if not form.is_valid():
        return render(request, "imports/job_detail.html",
                      _detail_context(request, job, error=_("Choose what to import.")),
                      status=400)  # fmt: skip
    try:
        services.import_commit_start(
            actor=request.user, job=job, valid_rows_only=form.cleaned_data["mode"] == "valid"
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("imports:job-detail", pk=job.pk)


@login_required
@require_GET
@never_cache
def job_progress(request, pk):
    """The progress bar (HTMX polls it every second); a finished job reloads the page."""
    job = selectors.import_job_get(request.user, pk)
    context = _detail_context(request, job)
    response = render(request, "imports/_progress.html", context)
    if not context["running"] and request.htmx:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def job_errors(request, pk):
    """Every rejected row of the job as an XLSX file."""
    job = selectors.import_job_get(request.user, pk)
    handle = exports.rejected_rows_xlsx(actor=request.user, job=job)
    return FileResponse(
        handle, as_attachment=True, filename=f"import-{job.pk}-rejected-rows.xlsx",
        content_type=exports.XLSX_CONTENT_TYPE,
    )  # fmt: skip
