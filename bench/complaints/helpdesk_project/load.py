"""Load the django-helpdesk baseline: queues, staff users, N tickets and their follow-ups.

Run by bench/complaints in the helpdesk virtualenv, with bench/complaints on PYTHONPATH:

    bench/.venv-helpdesk/bin/python -m helpdesk_project.load --tickets 100000 --seed 2024

The database must be migrated. Exits 0 doing nothing when it already holds exactly N tickets
from this loader (use the benchmark's --fresh to rebuild). Tickets and follow-ups go in with
COPY: the same rows django-helpdesk writes when a ticket is opened through its UI (a "Ticket
Opened" follow-up, then one per status change), with Chinese titles and descriptions from
bench/complaints/corpus.py, the stream the Dealercare side is built from.
"""

import argparse
import datetime
import io
import os
import sys
import time
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_project.settings")

QUEUES = (
    # slug, title, Dealercare complaint categories filed in it
    ("service", "售后维修投诉", ("service_skill", "timeliness")),
    ("attitude", "服务态度投诉", ("service_attitude", "overall_service")),
    ("parts", "配件供应投诉", ("parts_supply",)),
    ("product", "产品质量投诉", ("product_quality",)),
)
STAFF = ("bench-staff", "hd-agent-1", "hd-agent-2", "hd-agent-3")
STATUS = {"open": 1, "reopened": 2, "resolved": 3, "closed": 4}
PRIORITY = {"major": 1, "serious": 2, "normal": 3}
TICKET_COLUMNS = (
    "id", "title", "created", "modified", "submitter_email", "status", "on_hold", "description",
    "resolution", "priority", "due_date", "last_escalation", "assigned_to_id", "queue_id",
    "secret_key", "kbitem_id", "merged_to_id",
)  # fmt: skip
FOLLOWUP_COLUMNS = ("date", "title", "comment", "public", "new_status", "ticket_id", "user_id")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True, help="TSV written by bench/complaints")
    parser.add_argument("--tickets", type=int, required=True, help="rows expected in --cases")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--password", required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from helpdesk.models import Queue, Ticket

    if (
        Ticket.objects.count() == args.tickets
        and get_user_model().objects.filter(username=STAFF[0]).exists()
    ):
        print(f"  django-helpdesk: reusing {args.tickets:,} tickets")
        return
    if Ticket.objects.exists():
        sys.exit("helpdesk database holds another dataset: rebuild it (--fresh)")

    t0 = time.perf_counter()
    User = get_user_model()
    users = []
    for n, username in enumerate(STAFF):
        user = User.objects.create_user(
            username, f"{username}@example.com", args.password, is_staff=True,
            first_name=("客服", "专员一", "专员二", "专员三")[n],
        )  # fmt: skip
        users.append(user.pk)
    queue_of = {}
    for slug, title, categories in QUEUES:
        queue = Queue.objects.create(title=title, slug=slug, allow_public_submission=False)
        for category in categories:
            queue_of[category] = queue.pk

    tickets, followups = io.StringIO(), io.StringIO()
    n = 0
    with open(args.cases, encoding="utf-8") as cases:
        for line in cases:
            n += 1
            (pk, created, finished, state, severity, category, title, description, name, mobile,
             plate, model) = line.rstrip("\n").split("\t")  # fmt: skip
            pk = int(pk) + 1
            created = datetime.datetime.fromisoformat(created)
            finished = datetime.datetime.fromisoformat(finished) if finished else None
            status = STATUS[state]
            assignee = users[1 + pk % 3] if pk % 10 else None
            text = f"客户：{name}，电话：{mobile}，车牌：{plate}，车型：{model}。{description}"
            resolution = "已与客户沟通并处理完毕，客户表示认可。" if finished else None
            row = (
                pk, f"{name} {plate} {title}", created.isoformat(),
                (finished or created).isoformat(), f"customer{pk}@example.com", status, "f",
                text, resolution, PRIORITY[severity], None, None, assignee, queue_of[category],
                str(uuid.UUID(int=(args.seed << 64) + pk)), None, None,
            )  # fmt: skip
            tickets.write(_line(row))
            followups.write(_line((created.isoformat(), "Ticket Opened", text, "t", None, pk,
                                   users[0])))  # fmt: skip
            if finished:
                followups.write(_line((finished.isoformat(), "Resolved", resolution, "t",
                                       STATUS["resolved"], pk, assignee or users[0])))  # fmt: skip
            if state in ("closed", "reopened"):
                later = (finished or created) + datetime.timedelta(days=1)
                followups.write(_line((later.isoformat(), state.title(), "客户回访确认。", "f",
                                       status, pk, users[0])))  # fmt: skip
    if n != args.tickets:
        sys.exit(f"{args.cases} holds {n} cases, not {args.tickets}")
    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg 3
        with raw.cursor() as cur:
            with cur.copy(f"COPY helpdesk_ticket ({', '.join(TICKET_COLUMNS)}) FROM STDIN") as cp:
                cp.write(tickets.getvalue())
            with cur.copy(
                f"COPY helpdesk_followup ({', '.join(FOLLOWUP_COLUMNS)}) FROM STDIN"
            ) as cp:
                cp.write(followups.getvalue())
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('helpdesk_ticket', 'id'), "
                "(SELECT max(id) FROM helpdesk_ticket))"
            )
        raw.commit()
        for table in ("helpdesk_ticket", "helpdesk_followup", "auth_user", "helpdesk_queue"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    n_followups = followups.getvalue().count("\n")
    print(f"  django-helpdesk: {args.tickets:,} tickets, {n_followups:,} follow-ups, "
          f"{len(QUEUES)} queues loaded in {time.perf_counter() - t0:.1f} s")  # fmt: skip


def _line(values):
    out = []
    for v in values:
        if v is None:
            out.append("\\N")
        else:
            s = str(v)
            out.append(s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n"))
    return "\t".join(out) + "\n"


if __name__ == "__main__":
    main()
