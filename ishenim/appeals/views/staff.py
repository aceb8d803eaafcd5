"""Scaffolding: replaced by the real views in this session."""

from django.http import Http404


def queue(request, *args, **kwargs):
    raise Http404


def queue_geojson(request, *args, **kwargs):
    raise Http404


def bulk_assign(request, *args, **kwargs):
    raise Http404


def detail(request, *args, **kwargs):
    raise Http404


def act(request, *args, **kwargs):
    raise Http404


def attachment(request, *args, **kwargs):
    raise Http404
