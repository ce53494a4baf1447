"""Enumerate the project's URL patterns as concrete paths, for tests that must cover every URL."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

SKIP_PREFIXES = ("django-admin/", "i18n/", "static/", "api/schema/", "api/docs/", "__debug__/")
_ROUTE_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_REGEX_PARAM = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


@dataclass(frozen=True)
class UrlSpec:
    """A URL pattern: its name (namespaced), its template and the names of its parameters."""

    name: str
    template: str  # e.g. "customers/{pk}/edit/"
    params: tuple

    def path(self, **values):
        return "/" + self.template.format(**values)


def _to_template(pattern):
    if isinstance(pattern, RoutePattern):
        text = str(pattern)
        params = tuple(m.group("name") for m in _ROUTE_PARAM.finditer(text))
        return _ROUTE_PARAM.sub(lambda m: "{" + m.group("name") + "}", text), params
    if isinstance(pattern, RegexPattern):
        text = str(pattern).lstrip("^").rstrip("$")
        params = tuple(m.group("name") for m in _REGEX_PARAM.finditer(text))
        text = _REGEX_PARAM.sub(lambda m: "{" + m.group("name") + "}", text)
        return text.replace("\\.", ".").replace("/?", "/"), params
    raise TypeError(pattern)


def all_urls(resolver=None, prefix="", namespace="", params=()):
    """Every named URL pattern of the project (DRF's format-suffix variants left out)."""
    resolver = resolver or get_resolver()
    specs = []
    for entry in resolver.url_patterns:
        template, own = _to_template(entry.pattern)
        full = prefix + template
        if full.startswith(SKIP_PREFIXES) or "format" in own:
            continue
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            specs.extend(all_urls(entry, full, ns, params + own))
        elif isinstance(entry, URLPattern) and entry.name:
            specs.append(UrlSpec(namespace + entry.name, full, params + own))
    unique = {}
    for spec in specs:
        unique.setdefault(spec.template, spec)
    return list(unique.values())
