"""An account-setup wizard's back end with Django, in one file: an async view per address.

Run it with ``python examples/django_app.py runserver``, then open
``/settings/?address=someone@example.com``. In a real project the view goes into an app's
``views.py`` and ``AUTOCONF_OPTIONS`` into ``settings.py``.

- The view is ``async``: it awaits :func:`autoconf.discover` without blocking a worker
  (a sync view would call :func:`autoconf.discover_sync` instead).
- The answer is the whole :class:`autoconf.DiscoveryResult` as JSON, plus the one server of
  each direction a form would fill in; a bad address is a 400 with the reason's code.
"""

from __future__ import annotations

import sys
from typing import Any

import django
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import path

import autoconf


def configure(**overrides: Any) -> None:
    """Configure Django for this one-file project (once per process)."""
    if not settings.configured:
        values: dict[str, Any] = {
            "ROOT_URLCONF": __name__,
            "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "testserver"],
            "SECRET_KEY": "only-for-this-example",  # a placeholder, not a secret
            "AUTOCONF_OPTIONS": None,  # an autoconf.Options, e.g. Options(offline=True)
        }
        settings.configure(**{**values, **overrides})
        django.setup()


async def settings_view(request: HttpRequest) -> JsonResponse:
    """GET /settings/?address=...: the discovery's result, and the servers to fill in."""
    address = request.GET.get("address", "")
    try:
        result = await autoconf.discover(address, options=settings.AUTOCONF_OPTIONS)
    except autoconf.InvalidAddress as exc:
        return JsonResponse({"error": exc.kind.value, "message": exc.reason}, status=400)
    body = {
        "found": result.found,
        "incoming": _form(result.incoming),
        "outgoing": _form(result.outgoing),
        "result": result.model_dump(mode="json"),
    }
    return JsonResponse(body, status=200 if result.found else 404)


def _form(servers: list[autoconf.ServerSettings]) -> dict[str, object] | None:
    """The fields of a set-up form for the best server of one direction."""
    if not servers:
        return None
    best = servers[0]
    return {
        "protocol": best.protocol.value,
        "host": best.host,
        "port": best.port,
        "security": best.security.value,
        "username": best.username,
    }


urlpatterns = [path("settings/", settings_view)]


if __name__ == "__main__":
    configure(DEBUG=True)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
