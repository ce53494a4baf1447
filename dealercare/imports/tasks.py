"""Background work of imports (django-tasks: `manage.py db_worker` runs it)."""

from django_tasks import task

from . import services


@task()
def run_import_job(job_id, phase):
    """Run a queued import (preview or commit) and record its outcome on the job."""
    job = services.import_run(job_id=job_id, phase=phase)
    return {"status": job.status, "rows": job.rows_done}
