"""Scaffolding: replaced by the real views in this session."""

from django.http import Http404


def figures(request, *args, **kwargs):
    raise Http404
