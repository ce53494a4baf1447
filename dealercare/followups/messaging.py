"""SMS: the pluggable backend, the log of messages (SmsMessage), sending the SMS variant of due
tasks, and customers' replies (an opt-out such as "TD" or "退订" withdraws SMS consent).

The backend is SMS_BACKEND (a dotted path; see conf.py): by default the file backend when
SMS_FILE_PATH is set, else the console backend; `HttpSmsBackend` posts to a provider's HTTP API
(SMS_HTTP_URL, SMS_HTTP_KEY). Sending is at most once: a task is marked sent and its message
logged as queued in one transaction, and the backend is called after that commits, so a crash
can leave a message "queued" (visible, resendable by hand) but never sends it twice.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from dealercare.accounts.access import access_for
from dealercare.accounts.roles import Capability
from dealercare.core.validators import normalize_mobile
from dealercare.customers.choices import ConsentChannel, ConsentMethod
from dealercare.customers.models import Customer
from dealercare.customers.services import consent_set

from .choices import Channel, SmsDirection, SmsStatus, TaskOutcome, TaskStatus
from .conf import setting
from .models import FollowUpTask, SmsMessage
from .scripts import render_script
from .services import script_values

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The backend could not hand the message to the provider."""


# --- backends ------------------------------------------------------------------------------------


class SmsBackend:
    """Sends one text to one mainland mobile number; returns the provider's message id."""

    def send(self, *, mobile: str, text: str) -> str:
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__


class ConsoleSmsBackend(SmsBackend):
    """Writes each message to standard output (development, demos)."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, mobile, text):
        self.stream.write(f"SMS to {mobile}: {text}\n")
        self.stream.flush()
        return ""


class FileSmsBackend(SmsBackend):
    """Appends each message as one JSON line to SMS_FILE_PATH."""

    _lock = threading.Lock()

    def send(self, *, mobile, text):
        path = setting("SMS_FILE_PATH")
        if not path:
            raise SmsError("SMS_FILE_PATH is not set")
        line = json.dumps(
            {"at": timezone.now().isoformat(), "mobile": mobile, "text": text}, ensure_ascii=False
        )
        with self._lock, open(path, "a", encoding="utf-8") as out:
            out.write(line + "\n")
        return ""


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in `LocmemSmsBackend.outbox` (tests)."""

    outbox: list[dict] = []

    def send(self, *, mobile, text):
        self.outbox.append({"mobile": mobile, "text": text})
        return f"locmem-{len(self.outbox)}"


class HttpSmsBackend(SmsBackend):
    """Posts {"mobile", "text", "sign"} as JSON to SMS_HTTP_URL with "Authorization: Bearer
    SMS_HTTP_KEY"; a 2xx answer's "id" (or "message_id") is the provider's message id.

    Providers differ; a deployment whose provider wants another shape subclasses this and
    overrides `request_body()` / `message_id()`, then names the subclass in SMS_BACKEND.
    """

    def request_body(self, *, mobile, text) -> dict:
        return {"mobile": mobile, "text": text, "sign": setting("SMS_HTTP_SIGN")}

    def message_id(self, answer: dict) -> str:
        return str(answer.get("id") or answer.get("message_id") or "")

    def send(self, *, mobile, text):
        url = setting("SMS_HTTP_URL")
        if not url.startswith(("https://", "http://")):
            raise SmsError("SMS_HTTP_URL must be an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=json.dumps(self.request_body(mobile=mobile, text=text)).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {setting('SMS_HTTP_KEY')}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310
                request, timeout=setting("SMS_HTTP_TIMEOUT")
            ) as response:
                body = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SmsError(str(error)) from error
        try:
            answer = json.loads(body or b"{}")
        except ValueError as error:
            raise SmsError(f"provider answered non-JSON: {body[:200]!r}") from error
        if not isinstance(answer, dict):
            raise SmsError(f"provider answered {answer!r}")
        return self.message_id(answer)


def get_backend() -> SmsBackend:
    """The configured backend (SMS_BACKEND; default file if SMS_FILE_PATH is set, else console)."""
    path = setting("SMS_BACKEND")
    if not path:
        path = (
            "dealercare.followups.messaging.FileSmsBackend"
            if setting("SMS_FILE_PATH")
            else "dealercare.followups.messaging.ConsoleSmsBackend"
        )
    return import_string(path)()


# --- sending -------------------------------------------------------------------------------------


def deliver(messages: list[SmsMessage], backend: SmsBackend | None = None) -> int:
    """Hand queued messages to the backend (outside any transaction); returns how many went."""
    backend = backend or get_backend()
    sent = 0
    for message in messages:
        try:
            provider_id = backend.send(mobile=message.mobile, text=message.text)
        except SmsError as error:
            logger.warning("SMS #%s not sent: %s", message.pk, error)
            SmsMessage.objects.filter(pk=message.pk).update(
                status=SmsStatus.FAILED, error=str(error)[:1000], backend=backend.name,
                updated_at=timezone.now(),
            )  # fmt: skip
            _retry_or_fail(message)
            continue
        SmsMessage.objects.filter(pk=message.pk).update(
            status=SmsStatus.SENT, provider_id=provider_id or "", backend=backend.name,
            sent_at=timezone.now(), updated_at=timezone.now(),
        )  # fmt: skip
        sent += 1
    return sent


@transaction.atomic
def _retry_or_fail(message) -> None:
    """A task whose SMS failed goes back to pending, until its rule's attempts are used up."""
    if message.task_id is None:
        return
    task = FollowUpTask.objects.select_for_update().select_related("rule").get(pk=message.task_id)
    if task.status != TaskStatus.SMS_SENT:
        return
    now = timezone.now()
    if task.attempts_count >= task.rule.max_attempts:
        task.status, task.outcome, task.closed_at = (
            TaskStatus.UNREACHABLE,
            TaskOutcome.SMS_FAILED,
            now,
        )
    else:
        task.status, task.outcome, task.closed_at = TaskStatus.PENDING, "", None
        task.window_start = now + timedelta(minutes=setting("FOLLOWUP_RETRY_MINUTES"))
    task.save()


@dataclass
class SmsRun:
    """What send_due_sms() did."""

    sent: int = 0
    failed: int = 0
    to_phone: int = 0
    cancelled: int = 0
    messages: list = field(default_factory=list)


def send_due_sms(
    *, now: datetime | None = None, store=None, batch_size: int = 200, backend=None
) -> SmsRun:
    """Send the SMS of every pending SMS task whose window has opened (the sweep runs this)."""
    now = now or timezone.now()
    run = SmsRun()
    while True:
        queued = _queue_batch(now, store, batch_size, run)
        if queued is None:
            return run
        sent = deliver(queued, backend)
        run.sent += sent
        run.failed += len(queued) - sent
        run.messages.extend(queued)


@transaction.atomic
def _queue_batch(now, store, batch_size, run) -> list[SmsMessage] | None:
    """Mark one batch of due SMS tasks sent and log their messages as queued; None when done."""
    due = FollowUpTask.objects.filter(
        status=TaskStatus.PENDING, channel=Channel.SMS, window_start__lte=now
    )
    if store is not None:
        due = due.filter(store=store)
    tasks = list(
        due.select_for_update(skip_locked=True, of=("self",))
        .select_related("rule", "store", "customer", "vehicle")
        .order_by("window_start", "pk")[:batch_size]
    )
    if not tasks:
        return None
    queued = []
    for task in tasks:
        customer = task.customer
        if not customer.allow_sms or not customer.mobile:
            # Consent changed since the task was made (or no number): call instead, or drop it.
            if customer.allow_phone:
                task.channel = Channel.PHONE
                run.to_phone += 1
            else:
                task.status, task.outcome, task.closed_at = (
                    TaskStatus.CANCELLED,
                    TaskOutcome.NO_CONSENT,
                    now,
                )
                run.cancelled += 1
            task.save()
            continue
        text = render_script(task.rule.sms_template, script_values(task, now=now))
        queued.append(
            SmsMessage(
                store_id=task.store_id,
                customer=customer,
                task=task,
                mobile=customer.mobile,
                text=text,
                status=SmsStatus.QUEUED,
            )  # fmt: skip
        )
        task.status, task.outcome, task.closed_at = TaskStatus.SMS_SENT, TaskOutcome.SMS_SENT, now
        task.attempts_count += 1
        task.save()
    return SmsMessage.objects.bulk_create(queued)


# --- replies -------------------------------------------------------------------------------------


def is_opt_out(text: str) -> bool:
    """True when a reply withdraws SMS consent ("TD", "退订", per SMS_OPT_OUT_KEYWORDS)."""
    keywords = {keyword.upper() for keyword in setting("SMS_OPT_OUT_KEYWORDS")}
    return (text or "").strip().upper() in keywords


@transaction.atomic
def sms_inbound(*, actor, mobile, text, received_at: datetime | None = None) -> list[Customer]:
    """Log a customer's reply; an opt-out withdraws their SMS consent (method: SMS reply).

    `actor` is whoever reports the reply (the provider's webhook user, or staff typing it in);
    customers with that mobile in the stores where the actor may edit customers are affected.
    Their pending SMS tasks become calls, or are cancelled when they refuse calls too. Returns
    the customers who opted out now.
    """
    stores = access_for(actor).store_ids(Capability.EDIT_CUSTOMERS)
    number = normalize_mobile(mobile)
    if not number or not stores:
        return []
    received_at = received_at or timezone.now()
    customers = list(
        Customer.objects.filter(store_id__in=stores, mobile=number, merged_into__isnull=True)
    )
    SmsMessage.objects.bulk_create(
        SmsMessage(
            store_id=customer.store_id,
            customer=customer,
            direction=SmsDirection.INBOUND,
            mobile=number,
            text=text[:1000],
            status=SmsStatus.RECEIVED,
            sent_at=received_at,
        )  # fmt: skip
        for customer in customers
    )
    if not is_opt_out(text):
        return []
    opted_out = []
    for customer in customers:
        if not customer.allow_sms:
            continue
        consent_set(
            actor=actor, customer=customer, channel=ConsentChannel.SMS, granted=False,
            method=ConsentMethod.SMS_REPLY, note=text.strip()[:100],
        )  # fmt: skip
        pending = FollowUpTask.objects.filter(
            customer=customer, status=TaskStatus.PENDING, channel=Channel.SMS
        )
        if customer.allow_phone:
            pending.update(channel=Channel.PHONE, updated_at=received_at)
        else:
            pending.update(
                status=TaskStatus.CANCELLED, outcome=TaskOutcome.OPTED_OUT,
                closed_at=received_at, updated_at=received_at,
            )  # fmt: skip
        opted_out.append(customer)
    return opted_out
