"""The ``local`` source: clientConfig files the caller supplies (enterprise overrides).

Every ``*.xml`` file in ``Options.config_dir`` (and every document in
``Options.local_documents``) is a clientConfig document; the first one whose ``<domain>``
elements name the address's domain is used. Files are read in name order.

When none does, a document with ``<domain purpose="mx">`` (autoconfig draft: "applicable when
the address's MX server is within that domain") is used for an address whose lowest-preference
MX host lies within one of its MX domains; the MX answer is unauthenticated DNS, so such a
match has medium trust. There is no MX lookup when no document names an MX domain, nor offline.
"""

from __future__ import annotations

from pathlib import Path

from ..address import is_within
from ..errors import AutoconfError, ParseError
from ..models import AttemptStatus, DiscoveryWarning, SourceAttempt, SourceName, Trust, WarningCode
from ..parsers.clientconfig import ClientConfigTemplate, parse_template
from .base import SourceContext, SourceOutcome, Stopwatch

__all__ = ["MAX_LOCAL_FILE_BYTES", "LocalSource"]

MAX_LOCAL_FILE_BYTES = 1024 * 1024


class LocalSource:
    name = SourceName.LOCAL

    async def run(self, ctx: SourceContext) -> SourceOutcome:
        watch = Stopwatch()
        domain = ctx.address.domain
        warnings: list[DiscoveryWarning] = []
        documents: list[tuple[str, bytes | None, str | None]] = []
        by_mx: list[tuple[str, ClientConfigTemplate]] = []
        for index, given in enumerate(ctx.options.local_documents):
            documents.append((f"document #{index + 1}", given, None))
        if ctx.options.config_dir is not None:
            documents.extend(_read_dir(Path(ctx.options.config_dir)))

        for origin, data, read_error in documents:
            if data is None:
                warnings.append(_bad_file(origin, read_error or "unreadable"))
                continue
            try:
                template = parse_template(data, origin=origin)
            except ParseError as exc:
                warnings.append(_bad_file(origin, exc.reason))
                continue
            if domain in template.provider.domains:
                return self._outcome(ctx, template, origin, watch, warnings)
            if template.provider.mx_domains:
                by_mx.append((origin, template))
        matched = await _by_mx(ctx, by_mx) if by_mx and not ctx.options.offline else None
        if matched is not None:
            origin, template, detail = matched
            return self._outcome(
                ctx, template, origin, watch, warnings, trust=Trust.MEDIUM, detail=detail
            )

        target = str(ctx.options.config_dir) if ctx.options.config_dir else "local documents"
        attempt = SourceAttempt(
            source=self.name,
            target=target,
            status=AttemptStatus.EMPTY,
            elapsed_ms=watch.ms(),
            detail=f"no local file names {domain} in its <domain> elements",
        )
        return SourceOutcome(source=self.name, attempts=[attempt], warnings=warnings)

    def _outcome(
        self,
        ctx: SourceContext,
        template: ClientConfigTemplate,
        origin: str,
        watch: Stopwatch,
        warnings: list[DiscoveryWarning],
        *,
        trust: Trust = Trust.HIGH,
        detail: str | None = None,
    ) -> SourceOutcome:
        config = template.resolve(
            ctx.address, source=self.name, trust=trust, real_name=ctx.options.real_name
        )
        attempt = SourceAttempt(
            source=self.name,
            target=origin,
            status=AttemptStatus.OK,
            elapsed_ms=watch.ms(),
            detail=detail,
        )
        return SourceOutcome(
            source=self.name,
            attempts=[attempt],
            incoming=config.incoming,
            outgoing=config.outgoing,
            provider=config.provider,
            warnings=warnings + config.warnings,
        )


async def _by_mx(
    ctx: SourceContext, candidates: list[tuple[str, ClientConfigTemplate]]
) -> tuple[str, ClientConfigTemplate, str] | None:
    """The first document whose MX domains hold the address's lowest-preference MX host."""
    try:
        records = await ctx.network().dns.mx(
            ctx.address.domain, ctx.deadline, limit=ctx.options.first_byte_timeout
        )
    except (AutoconfError, OSError):
        return None  # the MX source reports the failure
    if not records or records[0].exchange in ("", "."):
        return None
    host = records[0].exchange
    for origin, template in candidates:
        within = next((d for d in template.provider.mx_domains if is_within(host, d)), None)
        if within is not None:
            return origin, template, f'the MX host {host} is within <domain purpose="mx">{within}'
    return None


def _read_dir(directory: Path) -> list[tuple[str, bytes | None, str | None]]:
    found: list[tuple[str, bytes | None, str | None]] = []
    try:
        paths = sorted(p for p in directory.iterdir() if p.suffix.lower() == ".xml")
    except OSError as exc:
        return [(str(directory), None, f"cannot list the folder: {exc.strerror or exc}")]
    for path in paths:
        try:
            if path.stat().st_size > MAX_LOCAL_FILE_BYTES:
                found.append((str(path), None, f"larger than {MAX_LOCAL_FILE_BYTES} bytes"))
                continue
            found.append((str(path), path.read_bytes(), None))
        except OSError as exc:
            found.append((str(path), None, f"cannot read it: {exc.strerror or exc}"))
    return found


def _bad_file(origin: str, reason: str) -> DiscoveryWarning:
    return DiscoveryWarning(
        code=WarningCode.BAD_DOCUMENT, message=f"local file {origin} ignored: {reason}"
    )
