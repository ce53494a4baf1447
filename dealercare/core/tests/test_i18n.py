"""The Chinese UI: every msgid of the code is translated, the .mo matches the .po, Chinese is the
default and English is one switch away (pages and API errors alike).

The catalogue check runs the extraction of `make messages` (its arguments are read from the
Makefile) on a copy of dealercare/, so it never writes into the working tree.
"""

import ast
import gettext
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from dealercare.core import audit
from dealercare.core.models import AuditAction
from dealercare.testing.factories import CustomerFactory

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "dealercare" / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
FIX = "run `make messages`, translate every entry listed, then run `make messages` again"

# %(name)s, %s, {name} and HTML tags must come through a translation unchanged.
_PLACEHOLDER = re.compile(r"%\([^)]+\)[sdifr]|%[sdifr]|\{\w*\}|</?[a-zA-Z][^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list = field(default_factory=list)
    flags: set = field(default_factory=set)

    @property
    def key(self):
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def translated(self):
        return "fuzzy" not in self.flags and bool(self.msgstr) and all(self.msgstr)


def read_po(path):
    """{key: Entry} of a .po file: context + msgid as the key; header and obsolete entries left out."""
    entries, entry, current = {}, Entry(), None

    def flush():
        nonlocal entry, current
        if entry.msgid:
            entries[entry.key] = entry
        entry, current = Entry(), None

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current and current.startswith("msgstr"):
                flush()
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith('"'):
            text = ast.literal_eval(line)
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and current and current.startswith("msgstr"):
                flush()
            current, text = keyword, ast.literal_eval(rest)
            if current.startswith("msgstr"):
                entry.msgstr.append("")
        if current == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + text
        elif current == "msgid":
            entry.msgid += text
        elif current == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + text
        else:
            entry.msgstr[-1] += text
    flush()
    return entries


def listing(keys):
    return "\n".join("  " + key.replace("\x04", " | ") for key in sorted(keys))


def run(args, **kwargs):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True, **kwargs)  # noqa: S603
    except FileNotFoundError:
        pytest.fail(f"{args[0]} is missing: install gettext (`make system-deps`)")
    except subprocess.CalledProcessError as error:
        pytest.fail(f"{shlex.join(args)} failed:\n{error.stdout}\n{error.stderr}")


def makemessages_args():
    """The makemessages arguments of the Makefile's `messages` target, so both extract alike."""
    match = re.search(r"^MAKEMESSAGES_ARGS\s*:?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile defines MAKEMESSAGES_ARGS for its messages target"
    return shlex.split(match.group(1))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The .po that `make messages` would write now: the committed one merged with the code."""
    copy = tmp_path_factory.mktemp("i18n") / "dealercare"
    shutil.copytree(
        ROOT / "dealercare", copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    )
    # Without settings makemessages writes to ./locale of the copy, never to LOCALE_PATHS.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    run([sys.executable, "-m", "django", "makemessages", *makemessages_args()], cwd=copy, env=env)
    return read_po(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")


@pytest.fixture(scope="module")
def committed():
    return read_po(PO)


# --- the catalogue ------------------------------------------------------------------------------


def test_every_msgid_in_the_code_is_in_the_committed_po(extracted, committed):
    missing = extracted.keys() - committed.keys()

    assert not missing, f"msgids in the code but not in {PO.name} ({FIX}):\n{listing(missing)}"


def test_the_committed_po_holds_no_msgid_the_code_no_longer_uses(extracted, committed):
    stale = committed.keys() - extracted.keys()

    assert not stale, f"entries of {PO.name} no longer in the code ({FIX}):\n{listing(stale)}"


def test_every_entry_is_translated_and_none_is_fuzzy(committed):
    untranslated = [key for key, entry in committed.items() if not entry.translated]

    assert committed, "the catalogue has entries"
    assert not untranslated, f"untranslated or fuzzy in {PO.name} ({FIX}):\n{listing(untranslated)}"


def test_translations_keep_every_placeholder_and_html_tag(committed):
    broken = [
        f"{key}  ->  {msgstr}"
        for key, entry in committed.items()
        for msgstr in entry.msgstr
        if msgstr
        and sorted(_PLACEHOLDER.findall(entry.msgid)) != sorted(_PLACEHOLDER.findall(msgstr))
    ]

    assert not broken, "translations that change a placeholder or tag:\n" + "\n".join(broken)


def test_the_po_header_declares_simplified_chinese_with_one_plural_form():
    header = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]

    assert '"Language: zh_Hans\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in header
    assert "#, fuzzy" not in header


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    fresh = tmp_path / "django.mo"
    run(["msgfmt", "--check", "-o", str(fresh), str(PO)])

    def catalog(path):
        with path.open("rb") as file:
            messages = dict(gettext.GNUTranslations(file)._catalog)
        messages.pop("", None)  # the header: its POT-Creation-Date changes on every extraction
        return messages

    assert MO.exists(), f"{MO} is missing: run `make messages`"
    assert catalog(MO) == catalog(fresh), f"{MO.name} is out of date: run `make messages`"


# --- the UI in use ------------------------------------------------------------------------------


@pytest.fixture
def chinese_default(settings):
    """The production default (test settings use English)."""
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.mark.django_db
def test_the_login_page_is_chinese_by_default(client, chinese_default):
    response = client.get(reverse("login"))

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in page
    assert "登录您的账号" in page and "客户关系中心" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_choosing_english_in_the_switch_shows_the_ui_in_english(client, chinese_default):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in to your account" in page and "登录您的账号" not in page


@pytest.mark.django_db
def test_choosing_chinese_again_switches_back(client, chinese_default):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert "登录您的账号" in client.get(reverse("login")).content.decode()


@pytest.fixture
def customer_with_history(store_a, manager_a):
    customer = CustomerFactory(store=store_a, name="张三", mobile="13812345678")
    audit.record(actor=manager_a, action=AuditAction.REVEAL_PHONE, target=customer, reason="回电")
    return customer


PAGES = {
    # page: (what a CS manager sees in Chinese, the same in English)
    "customer list": (
        ("客户", "筛选", "客户状态", "新建客户"),
        ("Filter", "Lifecycle", "New customer"),
    ),
    "customer 360": (
        ("客户动态", "查看完整号码", "联系偏好"),
        ("Timeline", "Reveal", "Contact preferences"),
    ),
    "audit log": (
        ("审计日志", "查看完整号码", "变更内容"),
        ("Audit log", "Phone revealed", "Changes"),
    ),
}


def page_url(page, customer):
    return {
        "customer list": reverse("customers:list"),
        "customer 360": reverse("customers:detail", args=[customer.pk]),
        "audit log": reverse("audit:list"),
    }[page]


@pytest.mark.parametrize("page", PAGES)
def test_pages_are_chinese_by_default_and_english_after_the_switch(
    client, chinese_default, manager_a, customer_with_history, page
):
    client.force_login(manager_a)
    url = page_url(page, customer_with_history)
    chinese, english = PAGES[page]

    zh = client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": url})
    en = client.get(url).content.decode()

    assert [text for text in chinese if text not in zh] == []
    assert [text for text in english if text in zh] == []
    assert [text for text in english if text not in en] == []
    assert "张三" in zh and "张三" in en  # data is shown as entered, whatever the UI language


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "请输入有效的中国大陆手机号码（11 位，例如 13812345678）。"),
        ("en", "Enter a valid mainland China mobile number (11 digits, e.g. 13812345678)."),
    ],
)
def test_an_api_field_error_comes_in_the_requested_language(
    api_client, store_a, agent_a, chinese_default, language, message
):
    api_client.force_authenticate(agent_a)

    response = api_client.post(
        "/api/customers/",
        {"store": store_a.pk, "name": "李四", "mobile": "12345"},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    assert response.json() == {"mobile": [message]}


def test_an_api_error_defaults_to_chinese_without_accept_language(
    api_client, store_a, agent_a, chinese_default
):
    api_client.force_authenticate(agent_a)

    response = api_client.post(
        "/api/customers/", {"store": store_a.pk, "name": "李四", "mobile": "12345"}, format="json"
    )

    assert response.json() == {
        "mobile": ["请输入有效的中国大陆手机号码（11 位，例如 13812345678）。"]
    }
