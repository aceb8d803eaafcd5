"""Scaffolding: replaced by the real views in this session."""

from django.http import Http404


def entry(request, *args, **kwargs):
    raise Http404


def register_import(request, *args, **kwargs):
    raise Http404
