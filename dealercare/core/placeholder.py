"""TEMPORARY: stands in for views not written yet so every URL name resolves. Remove when done."""

from django.http import HttpResponse


def placeholder(request, *args, **kwargs):
    return HttpResponse("not implemented yet", status=501)
