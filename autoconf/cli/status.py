"""The exit statuses of the command line: one table, used by every mode."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import DiscoveryResult

__all__ = ["HELP", "ExitCode", "Usage", "lookup_status"]


class ExitCode(IntEnum):
    """Every exit status the command line returns. A signal gives 128 + its number (130 for
    SIGINT, 143 for SIGTERM), computed where it is caught."""

    FOUND = 0  # usable settings found (--check: no errors or warnings)
    NOT_FOUND = 1  # no settings found (in --batch: some address not found)
    USAGE = 2  # bad input or usage (also: the format cannot express the settings)
    LOGIN_REFUSED = 3  # settings found, but a recommended server refused the password
    CHECK_WARNINGS = 4  # --check: warnings, no errors
    CHECK_ERRORS = 5  # --check: at least one error
    CANNOT_CHECK = 6  # --check: could not check from here (this machine's DNS or network is down)
    SOFTWARE = 70  # an internal error (a bug), as sysexits.h's EX_SOFTWARE
    BROKEN_PIPE = 141  # the reader of stdout went away; 128 + SIGPIPE, as shells report it


class Usage(Exception):
    """A usage error: one sentence for stderr, exit status 2 (:attr:`ExitCode.USAGE`)."""


#: The exit status lines of ``--help``, from the table above.
HELP = """\
exit status: 0 settings found, 1 none found (in --batch: some address not found),
             2 bad input or usage, 3 found, but the password was refused,
             70 internal error, 130 interrupted (Ctrl-C),
             141 output closed (e.g. | head), 143 terminated (SIGTERM)
with --check: 0 no errors or warnings (notes are fine), 4 warnings only, 5 errors,
             6 could not check from here (this machine's DNS or network is down),
             2 bad input or usage
"""


def lookup_status(result: DiscoveryResult, *, signed_in: bool = False) -> ExitCode:
    """The status of one look-up, from its recommendation: 1 when no incoming or no outgoing
    server was found, 3 when a password was checked and a recommended server refused it,
    else 0."""
    from ..models import ReasonCode
    from ..recommend import recommendation_of

    codes = {reason.code for reason in recommendation_of(result).reasons}
    if codes & {ReasonCode.NO_INCOMING, ReasonCode.NO_OUTGOING}:
        return ExitCode.NOT_FOUND
    if signed_in and ReasonCode.SIGN_IN_REFUSED in codes:
        return ExitCode.LOGIN_REFUSED
    return ExitCode.FOUND
