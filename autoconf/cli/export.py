"""The command line's ``--format`` (called from :mod:`autoconf.cli.lookup`): list the
formats, choose how the file signs in (``--auth``), write the file. It opens nothing itself:
the servers and the sign-in come from ``result.recommendation``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from contextlib import AbstractContextManager

from ..errors import ExportError, ExportFailure
from ..models import DiscoveryResult, ReasonCode, Recommendation, SignIn
from ..recommend import recommendation_of
from .output import Streams, say
from .status import ExitCode, Usage

__all__ = ["format_list", "sign_in_choice", "write_export"]

# Reasons that mean "discovery did not find what the format needs" (exit 1), not "the
# format cannot say it" (exit 2).
_NOT_FOUND = frozenset({ExportFailure.NO_INCOMING, ExportFailure.NO_OUTGOING})

# What each --auth value may stand for among the provider's ways of signing in: an app
# password is a password to the servers, so it goes wherever a password does.
_AUTH = {
    "oauth2": (SignIn.OAUTH2,),
    "app-password": (SignIn.APP_PASSWORD, SignIn.PASSWORD, SignIn.PASSWORD_AFTER_ENABLING),
    "password": (SignIn.PASSWORD, SignIn.PASSWORD_AFTER_ENABLING),
}
_AUTH_WORDS = {
    SignIn.OAUTH2: "oauth2",
    SignIn.APP_PASSWORD: "app-password",
    SignIn.PASSWORD: "password",
    SignIn.PASSWORD_AFTER_ENABLING: "password",
}


def format_list() -> str:
    """``--format list``: one line per format, its name then what it writes."""
    from ..export import FORMATS

    width = max(len(name) for name in FORMATS)
    return "".join(f"{name:<{width}}  {text}\n" for name, text in FORMATS.items())


def sign_in_choice(recommendation: Recommendation, auth: str | None, name: str) -> SignIn | None:
    """The sign-in the file is written for: ``--auth`` among what the provider allows
    (a usage error otherwise), else the recommended one."""
    if auth is None:
        return recommendation.sign_in
    allowed = recommendation.sign_in_options
    for option in _AUTH[auth]:
        if option in allowed:
            return SignIn.APP_PASSWORD if auth == "app-password" else option
    ways = ", ".join(dict.fromkeys(_AUTH_WORDS[s] for s in allowed if s in _AUTH_WORDS))
    raise Usage(
        f"{name} does not allow signing in with --auth {auth}"
        + (f"; choose --auth {ways.replace(', ', ' or --auth ')}" if ways else "")
    )


def write_export(
    result: DiscoveryResult,
    args: argparse.Namespace,
    streams: Streams,
    writing: Callable[[], AbstractContextManager[None]],
) -> int:
    """Write the file for ``args.format`` to stdout: 0 written, 1 nothing to write, 2 the
    format cannot express the settings (one sentence on stderr), 3 written but the server
    refused the password --login or --password-stdin gave."""
    from ..export import export

    prog, err = streams.prog, streams.err
    recommendation = recommendation_of(result)
    problem = _nothing_to_write(result, recommendation)
    if problem is not None:
        say(err, f"{prog}: {problem}")
        return ExitCode.NOT_FOUND
    name = (result.provider.display_name if result.provider else None) or result.domain
    try:
        text = export(
            result,
            args.format,
            incoming=recommendation.incoming,
            outgoing=recommendation.outgoing,
            sign_in=sign_in_choice(recommendation, args.auth, name),
            password_command=args.password_command,
            ca_file=args.ca_file,
        )
    except ExportError as exc:
        say(err, f"{prog}: {exc}")
        return ExitCode.NOT_FOUND if exc.reason in _NOT_FOUND else ExitCode.USAGE
    with writing():
        streams.out.write(text)
        streams.out.flush()
    signed_in = args.login is not None or args.password_stdin
    refused = ReasonCode.SIGN_IN_REFUSED in {r.code for r in recommendation.reasons}
    if signed_in and refused:
        say(
            err,
            f"{prog}: the file is written, but {_refusing_host(recommendation)} refused the "
            "sign-in; check the user name and password before using it",
        )
        return ExitCode.LOGIN_REFUSED
    return ExitCode.FOUND


def _nothing_to_write(result: DiscoveryResult, recommendation: Recommendation) -> str | None:
    """Why there is no file to write, or None."""
    provider = result.provider
    if recommendation.sign_in is SignIn.UNSUPPORTED and provider is not None:
        name = provider.display_name or result.domain
        advice = f" {provider.no_imap_advice}" if provider.no_imap_advice else ""
        return f"{name} offers no IMAP, so there is nothing to write.{advice}"
    if not result.incoming and not result.outgoing:
        return (
            f"no settings were found for {result.address}, so there is nothing to write; "
            "run it without --format to see what was tried"
        )
    if recommendation.incoming is None and recommendation.outgoing is None:
        return (
            f"no server found for {result.address} passed its live check, so there is "
            "nothing to write; run it without --format to see why"
        )
    return None


def _refusing_host(recommendation: Recommendation) -> str:
    for server in (recommendation.incoming, recommendation.outgoing):
        if server is not None and server.verification and server.verification.login_refused:
            return server.host
    return "the server"  # pragma: no cover - SIGN_IN_REFUSED names a chosen server
