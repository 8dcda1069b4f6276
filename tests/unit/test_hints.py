"""The bundled hints shown to everyone: one-app texts left out, other languages marked."""

from __future__ import annotations

import io

import pytest

from autoconf.cli import main
from autoconf.hints import general_hints, language
from autoconf.models import ProviderInfo


@pytest.mark.parametrize(
    "hint",
    [
        "Unfortunately, i.ua doesn't support IMAP, so it doesn't work with chatmail.",
        "If you want to receive contact requests, disable the spam filter.",
        "Leider schränkt Firemail die maximale Gruppengröße ein.",
        "Delta Chat needs this setting.",
    ],
)
def test_hints_written_for_one_app_are_left_out(hint: str):
    """Hints about chatmail, contact requests, groups or Delta Chat are not shown."""
    assert general_hints(ProviderInfo(before_login_hint=hint)) == []


def test_hints_in_another_language_are_kept_and_marked():
    """German and Russian hints stay, each marked with its language; English is unmarked."""
    german = "Um deine Adresse zu benutzen, musst du erst IMAP aktivieren."
    russian = "Протокол IMAP не предоставляется."
    hints = general_hints(
        ProviderInfo(before_login_hint=german, after_login_hint="Check your spam folder.")
    )
    assert [(h.when, h.language) for h in hints] == [("before", "German"), ("after", None)]
    assert language(russian) == "Russian"
    assert language("You must allow IMAP access first.") is None


def test_the_view_marks_a_german_hint_and_drops_a_delta_chat_one():
    """freenet.de's German hint is shown marked "(in German)" with its database named; web.de's
    after-sign-in hint about contact requests is not shown."""
    out = io.StringIO()
    assert main(["someone@freenet.de", "--offline"], stdout=out, stderr=io.StringIO()) == 0
    assert "Before you sign in (in German): Um deine freenet.de" in out.getvalue()
    assert "Source of these notes: Delta Chat's provider database" in out.getvalue()
    out = io.StringIO()
    assert main(["someone@web.de", "--offline"], stdout=out, stderr=io.StringIO()) == 0
    assert "contact requests" not in out.getvalue()
