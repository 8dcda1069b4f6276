"""The ``ispdb-bundled`` source: the provider index shipped with the package (no I/O).

The index merges ISPDB, Delta Chat's, K-9's and mailcore2's databases (see
``scripts/compile_providers.py``). Every server it gives names its database in
``ServerSettings.database`` and is trusted at most as that database is (``DATABASE_TRUST``).
"""

from __future__ import annotations

from dataclasses import replace

from .._data import DATABASE_TRUST
from ..models import AttemptStatus, ServerSettings, SourceAttempt, SourceName, Trust
from ..parsers.clientconfig import ClientConfig, ClientConfigTemplate
from ._fetch import outcome_from
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["BundledIspdbSource", "bundled_lookup", "bundled_resolve"]

_WEAKER = {Trust.HIGH: 0, Trust.MEDIUM: 1, Trust.LOW: 2}


def bundled_lookup(
    ctx: SourceContext, source: SourceName, domain: str, trust: Trust
) -> tuple[SourceAttempt, ClientConfig | None]:
    """Look ``domain`` up in the bundled index and resolve it for the context's address."""
    watch = Stopwatch()
    target = f"bundled ISPDB {ctx.ispdb.snapshot[:12]}: {domain}".replace(" :", ":")
    template = ctx.ispdb.lookup(domain)
    if template is None:
        attempt = SourceAttempt(
            source=source,
            target=target,
            status=AttemptStatus.EMPTY,
            elapsed_ms=watch.ms(),
            detail=f"{domain} is not among the {len(ctx.ispdb)} bundled domains",
        )
        return attempt, None
    config = bundled_resolve(ctx, template, source, trust)
    attempt = SourceAttempt(
        source=source,
        target=target,
        status=AttemptStatus.OK,
        elapsed_ms=watch.ms(),
        detail=f"provider {ctx.ispdb.provider_key(domain)}" + _from(template),
    )
    return attempt, config


def bundled_resolve(
    ctx: SourceContext, template: ClientConfigTemplate, source: SourceName, trust: Trust
) -> ClientConfig:
    """``template`` resolved for the context's address; each server names its database and is
    trusted no more than that database."""
    database = template.provider.database
    if database is not None and _WEAKER[DATABASE_TRUST[database]] > _WEAKER[trust]:
        trust = DATABASE_TRUST[database]
    config = template.resolve(
        ctx.address, source=source, trust=trust, real_name=ctx.options.real_name
    )
    if not template.servers:  # a record of hints only (no IMAP, ...): not a broken document
        config = replace(config, warnings=[])
    if database is None:
        return config

    def tagged(servers: list[ServerSettings]) -> list[ServerSettings]:
        return [s.model_copy(update={"database": database}) for s in servers]

    return replace(config, incoming=tagged(config.incoming), outgoing=tagged(config.outgoing))


def _from(template: ClientConfigTemplate) -> str:
    provider = template.provider
    if provider.database is None:
        return ""
    said = f" from {provider.database.value}"
    if provider.hints_database not in (None, provider.database):
        said += f", hints from {provider.hints_database.value}"
    return said


class BundledIspdbSource:
    name = SourceName.ISPDB_BUNDLED

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        found = bundled_lookup(ctx, self.name, ctx.address.domain, Trust.HIGH)
        return outcome_from(self.name, [found])
