"""Scaffolding: replaced by the real views in this session."""

from django.http import Http404


def submit(request, *args, **kwargs):
    raise Http404


def submitted(request, *args, **kwargs):
    raise Http404


def track_find(request, *args, **kwargs):
    raise Http404


def track(request, *args, **kwargs):
    raise Http404


def track_reply(request, *args, **kwargs):
    raise Http404


def track_reopen(request, *args, **kwargs):
    raise Http404


def track_rate(request, *args, **kwargs):
    raise Http404
