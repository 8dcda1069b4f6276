"""The provider databases' hints that are fit to show everyone (pure).

The bundled hints (``ProviderInfo.before_login_hint``, ``after_login_hint``) mostly come from
Delta Chat's provider database, written for Delta Chat users: some speak of its features
("contact requests", groups, "chatmail"), some are in German or Russian. Those about one app
are left out; those in another language are kept and marked with it, so a person knows what
they are reading and where it came from. The human view and the exported files both use this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import ProviderInfo

__all__ = ["Hint", "general_hints", "language"]

# Words that mark a text as written for one app's users, not for every mail client.
_ONE_APP = re.compile(
    r"chatmail|delta ?chat|contact requests?|group (size|members?)|gruppen", re.IGNORECASE
)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Common German words that English text does not use. A language-detection library would
# do more, at a cost (a model, start-up time) out of proportion to a few dozen short hints.
_GERMAN = re.compile(
    r"\b(und|nicht|bitte|musst|deine|erst|sind|wie|bei|mit|Sie|ist|nur|Anmeldedaten)\b"
)


@dataclass(frozen=True, slots=True)
class Hint:
    """One hint to show: when it applies, its text, and its language when not English."""

    when: str  # "before" or "after" signing in
    text: str
    language: str | None = None  # "German", "Russian"; None: English


def language(text: str) -> str | None:
    """``Russian`` for Cyrillic text, ``German`` for text with two or more German words,
    else None (taken as English)."""
    if _CYRILLIC.search(text):
        return "Russian"
    if len(_GERMAN.findall(text)) >= 2:
        return "German"
    return None


def general_hints(provider: ProviderInfo | None) -> list[Hint]:
    """The provider's before- and after-sign-in hints, one line each, without those written
    for one app; none for a provider that offers no IMAP (its advice says it)."""
    if provider is None or provider.no_imap:
        return []
    hints = []
    for when, text in (
        ("before", provider.before_login_hint),
        ("after", provider.after_login_hint),
    ):
        if not text:
            continue
        flat = " ".join(line.strip() for line in text.splitlines() if line.strip())
        if flat and not _ONE_APP.search(flat):
            hints.append(Hint(when, flat, language(flat)))
    return hints
