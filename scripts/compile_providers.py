#!/usr/bin/env python3
"""Compile the bundled provider databases into data/providers-index.json and its report.

python scripts/compile_providers.py           # rewrite the index and data/compile-report.md
python scripts/compile_providers.py --check   # exit 1 if either committed file is stale

Four databases are read from ``data/`` (see data/SOURCES.md for where each came from):

* ``ispdb/*.xml``: Thunderbird's ISPDB (clientConfig files), curated and current;
* ``deltachat/_providers/*.md``: Delta Chat's provider database (YAML front matter and a
  Markdown note), maintained; the only one that says what users must do first (status,
  before/after-login hints, no IMAP at all);
* ``k9/providers.xml``: K-9 Mail's list (``imap+ssl+://host:port`` URIs), frozen in 2023;
* ``mailcore2/providers.json``: mailcore2's list (servers, ``domain-match`` and ``mx-match``
  regular expressions), frozen in 2020.

Precedence, the one statement of it (docs/providers.md repeats it):

1. **ISPDB wins where it has servers.** Its servers are the domain's, at high trust.
2. **Delta Chat next**, at medium trust, for domains ISPDB lacks; on every domain it names it
   also gives its hints (status, before/after-login hints, app password, no IMAP, website),
   shown beside the servers of whichever database serves the domain. A domain Delta Chat says
   offers no IMAP keeps that answer unless ISPDB has servers for it.
3. **K-9, then mailcore2**, at low trust, only for domains nobody above has: they are frozen.

Before the merge, the reviewed corrections of ``data/overrides.yaml`` are laid over the records
they name (domains and servers a provider's own documentation lists, how to sign in), each
with its source page and date; the report lists what each changed. Where a lower database
names other servers than the one that serves a shared domain, the serving database's servers
are kept and the disagreement is recorded (in the index and the report). Records that cannot
be used are skipped with a reason in the report. The runtime ranks network sources
(autoconfig, SRV) above every secondary database's servers (autoconf/engine/rank.py), so a
frozen list never outranks what the network says.

The YAML library is used here only: the runtime reads the JSON index and imports none of it.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autoconf._data import INDEX_FORMAT, INDEX_NAME  # noqa: E402
from autoconf.address import normalize_domain  # noqa: E402
from autoconf.models import (  # noqa: E402
    AuthMethod,
    Protocol,
    ProviderDatabase,
    ProviderInfo,
    ProviderStatus,
    Security,
)
from autoconf.parsers.clientconfig import (  # noqa: E402
    ClientConfigTemplate,
    ServerTemplate,
    parse_template,
)

REPORT_NAME = "compile-report.md"
OVERRIDES_NAME = "overrides.yaml"
ORDER = (
    ProviderDatabase.ISPDB,
    ProviderDatabase.DELTACHAT,
    ProviderDatabase.K9,
    ProviderDatabase.MAILCORE2,
)
PASSWORD = (AuthMethod.PASSWORD_CLEARTEXT,)
NOTE_URL = "https://providers.delta.chat/{}"
_APP_PASSWORD = re.compile(r"app[- ]?(specific )?pass|anwendungspasswort|app-passwort", re.I)


@dataclass
class Record:
    """One provider record of one database, as a clientConfig template."""

    database: ProviderDatabase
    key: str  # its key in the index
    file: str  # "ispdb/gmx.net.xml", "k9/providers.xml#gmx.com"
    template: ClientConfigTemplate
    domains: list[str]

    @property
    def has_servers(self) -> bool:
        return bool(self.template.servers)


@dataclass
class Compiled:
    records: dict[ProviderDatabase, list[Record]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    mx: list[tuple[str, str]] = field(default_factory=list)  # (regex, provider key)
    overridden: list[str] = field(default_factory=list)  # what each override changed


# ---------------------------------------------------------------------------- the readers


def read_ispdb(folder: Path, out: Compiled) -> None:
    """ISPDB files, parsed as at run time; a domain claimed twice is an error."""
    records: list[Record] = []
    owner: dict[str, str] = {}
    for path in sorted(folder.glob("*.xml")):
        template = parse_template(path.read_bytes(), origin=path.name)
        key = path.name[: -len(".xml")]
        info = template.provider.model_copy(
            update={"database": ProviderDatabase.ISPDB, "records": [f"ispdb/{path.name}"]}
        )
        template = ClientConfigTemplate(
            info, template.servers, template.skipped, template.domain_placeholder
        )
        for domain in info.domains:
            if owner.setdefault(domain, key) != key:
                raise SystemExit(f"{domain} is claimed by both {owner[domain]} and {key}")
        records.append(Record(ProviderDatabase.ISPDB, key, f"ispdb/{path.name}", template, []))
        records[-1].domains = list(dict.fromkeys(info.domains))
        # <domain purpose="mx"> (autoconfig draft): the file applies to any address whose MX
        # host lies in that domain, which the MX source asks through the MX patterns.
        out.mx.extend((rf"(?:[a-z0-9-]+\.)*{re.escape(d)}", key) for d in info.mx_domains)
    out.records[ProviderDatabase.ISPDB] = records


def read_deltachat(folder: Path, out: Compiled) -> None:
    import yaml  # compile time only

    records = []
    for path in sorted(folder.glob("*.md")):
        where = f"deltachat/_providers/{path.name}"
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        data = yaml.safe_load(front)
        if path.stem == "example.com":
            out.skipped.append(f"{where}: the database's example entry")
            continue
        servers = []
        for number, server in enumerate(data.get("server") or [], 1):
            made = _deltachat_server(server)
            if isinstance(made, str):
                out.skipped.append(f"{where}: server {number} skipped: {made}")
            else:
                servers.append(made)
        domains = _domains(data.get("domains") or [], where, out)
        info = _deltachat_info(path.stem, data, body, domains, where)
        records.append(
            Record(
                ProviderDatabase.DELTACHAT,
                f"deltachat/{path.stem}",
                where,
                ClientConfigTemplate(info, tuple(servers)),
                domains,
            )
        )
    out.records[ProviderDatabase.DELTACHAT] = records


def _deltachat_server(server: dict[str, Any]) -> ServerTemplate | str:
    protocol = {"imap": Protocol.IMAP, "pop3": Protocol.POP3, "smtp": Protocol.SMTP}.get(
        str(server.get("type", "")).lower()
    )
    security = {"ssl": Security.TLS, "starttls": Security.STARTTLS, "plain": Security.PLAIN}.get(
        str(server.get("socket", "")).lower()
    )
    if protocol is None or security is None or not server.get("hostname"):
        return f"unknown type, socket or no hostname in {server}"
    pattern = str(server.get("username_pattern") or "EMAIL").upper()
    username = "%EMAILLOCALPART%" if pattern == "EMAILLOCALPART" else "%EMAILADDRESS%"
    return ServerTemplate(
        protocol, str(server["hostname"]).lower(), int(server["port"]), security, username, PASSWORD
    )


def _deltachat_info(
    stem: str, data: dict[str, Any], body: str, domains: list[str], where: str
) -> ProviderInfo:
    before = _text(data.get("before_login_hint"))
    after = _text(data.get("after_login_hint"))
    status = ProviderStatus(str(data.get("status", "OK")).lower())
    servers = data.get("server") or []
    no_imap = status is ProviderStatus.BROKEN and not any(
        str(s.get("type", "")).lower() == "imap" for s in servers
    )
    paragraphs = [_plain(p) for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    advice = None
    if no_imap:
        advice = " ".join(paragraphs[1:]) or after or before
    hints = " ".join(filter(None, (before, after, *paragraphs)))
    return ProviderInfo(
        id=stem,
        display_name=str(data.get("name") or stem),
        domains=domains,
        status=status,
        before_login_hint=before,
        after_login_hint=after,
        app_password_required=_app_password(status, hints),
        no_imap=True if no_imap else None,
        no_imap_advice=advice,
        website=_text(data.get("website")),
        note_url=NOTE_URL.format(stem),
        database=ProviderDatabase.DELTACHAT,
        hints_database=ProviderDatabase.DELTACHAT,
        records=[where],
    )


def _app_password(status: ProviderStatus, hints: str) -> bool | None:
    """True where the provider needs a step first (status preparation) and the hints name an
    app password; a broken provider's words about app passwords say they do not work
    (Outlook: "per-app-passwords are currently not working")."""
    if status is ProviderStatus.PREPARATION and _APP_PASSWORD.search(hints):
        return True
    return None


def read_k9(path: Path, out: Compiled) -> None:
    root = ET.parse(path).getroot()  # noqa: S314 - our own committed data file
    records = []
    for element in root.iter("provider"):
        ident = element.get("id") or element.get("domain") or "?"
        where = f"k9/providers.xml#{ident}"
        servers = []
        for tag in ("incoming", "outgoing"):
            for sub in element.iter(tag):
                made = _k9_server(sub.get("uri") or "", sub.get("username") or "")
                if isinstance(made, str):
                    out.skipped.append(f"{where}: {tag} skipped: {made}")
                else:
                    servers.append(made)
        domains = _domains([element.get("domain") or ""], where, out)
        info = ProviderInfo(
            id=ident,
            display_name=element.get("label") or None,
            domains=domains,
            database=ProviderDatabase.K9,
            records=[where],
        )
        records.append(
            Record(
                ProviderDatabase.K9,
                f"k9/{ident}",
                where,
                ClientConfigTemplate(info, tuple(servers)),
                domains,
            )
        )
    out.records[ProviderDatabase.K9] = records


_K9_SCHEMES = {
    "imap+ssl+": (Protocol.IMAP, Security.TLS, 993),
    "imap+tls+": (Protocol.IMAP, Security.STARTTLS, 143),
    "smtp+ssl+": (Protocol.SMTP, Security.TLS, 465),
    "smtp+tls+": (Protocol.SMTP, Security.STARTTLS, 587),
}


def _k9_server(uri: str, username: str) -> ServerTemplate | str:
    match = re.fullmatch(r"([a-z+]+)://([^:/]+)(?::(\d+))?/?", uri.strip())
    if match is None or match.group(1) not in _K9_SCHEMES:
        return f"unreadable URI {uri!r}"
    protocol, security, port = _K9_SCHEMES[match.group(1)]
    host = _k9_fill(match.group(2)).lower()
    return ServerTemplate(
        protocol,
        host,
        int(match.group(3) or port),
        security,
        _k9_fill(username) if username else "%EMAILADDRESS%",
        PASSWORD,
    )


def _k9_fill(text: str) -> str:
    return (
        text.replace("$email", "%EMAILADDRESS%")
        .replace("$user", "%EMAILLOCALPART%")
        .replace("$domain", "%EMAILDOMAIN%")
    )


def read_mailcore2(path: Path, out: Compiled) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    records = []
    for name, entry in data.items():
        where = f"mailcore2/providers.json#{name}"
        servers: list[ServerTemplate] = []
        skipped: list[str] = []
        for kind, protocol in (
            ("imap", Protocol.IMAP),
            ("pop", Protocol.POP3),
            ("smtp", Protocol.SMTP),
        ):
            for number, server in enumerate(entry.get("servers", {}).get(kind, []), 1):
                made = _mailcore2_server(protocol, server)
                if isinstance(made, str):
                    skipped.append(f"{where}: {kind} server {number} skipped: {made}")
                else:
                    servers.append(made)
        domains = []
        for pattern in entry.get("domain-match", []):
            literal = _literal(pattern)
            if literal is None:
                out.skipped.append(f"{where}: domain pattern `{pattern}` is not one domain")
            else:
                domains.extend(_domains([literal], where, out))
        key = f"mailcore2/{name}"
        if not servers:
            out.skipped.append(
                f"{where}: not one of its {len(skipped)} server sections names a host "
                "(a template for other providers)"
            )
            continue
        out.skipped.extend(skipped)
        for pattern in entry.get("mx-match", []):
            out.mx.append((pattern, key))
        info = ProviderInfo(
            id=name, domains=domains, database=ProviderDatabase.MAILCORE2, records=[where]
        )
        records.append(
            Record(
                ProviderDatabase.MAILCORE2,
                key,
                where,
                ClientConfigTemplate(info, tuple(servers)),
                domains,
            )
        )
    out.records[ProviderDatabase.MAILCORE2] = records


def _mailcore2_server(protocol: Protocol, server: dict[str, Any]) -> ServerTemplate | str:
    host = server.get("hostname")
    if not host or "port" not in server:
        return "no host name or no port (a template for other providers)"
    if server.get("ssl") or server.get("tls"):
        security = Security.TLS
    elif server.get("starttls"):
        security = Security.STARTTLS
    else:
        security = Security.PLAIN
    host = str(host).lower().replace("{domain}", "%EMAILDOMAIN%")
    return ServerTemplate(protocol, host, int(server["port"]), security, "%EMAILADDRESS%", PASSWORD)


def _literal(pattern: str) -> str | None:
    """The one domain a ``domain-match`` pattern matches, or None for a real pattern."""
    text = pattern.replace("\\.", "\x00")
    if re.search(r"[\\^$.*+?()\[\]{}|]", text):
        return None
    return text.replace("\x00", ".")


def _domains(values: Iterable[Any], where: str, out: Compiled) -> list[str]:
    domains: list[str] = []
    for value in values:
        try:
            domain = normalize_domain(str(value))
        except ValueError:
            out.skipped.append(f"{where}: domain {value!r} is not a domain name")
            continue
        if domain not in domains:
            domains.append(domain)
    return domains


def _text(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _plain(markdown: str) -> str:
    """A Markdown paragraph as one line of plain text: links become ``text (url)``."""
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", lambda m: _link(m.group(1), m.group(2)), markdown)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"^#+\s*", "", text, flags=re.M)
    text = text.replace("**", "").replace("__", "")
    return " ".join(text.split())


def _link(text: str, url: str) -> str:
    return url if text.strip() == url.strip() else f"{text} ({url})"


# ---------------------------------------------------------------------------- the overrides


_OVERRIDE_KEYS = frozenset({"record", "source", "read", "add_domains", "add_servers", "provider"})
_SERVER_KEYS = frozenset({"protocol", "hostname", "port", "security", "username"})


def apply_overrides(path: Path, out: Compiled) -> None:
    """Lay the reviewed corrections of ``path`` over the records they name (in place)."""
    import yaml  # compile time only

    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("overrides") or []
    records = {r.key: r for rs in out.records.values() for r in rs}
    for number, entry in enumerate(entries, 1):
        where = f"{path.name} entry {number}"
        unknown = set(entry) - _OVERRIDE_KEYS
        if unknown or not {"record", "source", "read"} <= set(entry):
            raise SystemExit(f"{where}: needs record, source and read; unknown keys {unknown}")
        record = records.get(entry["record"])
        if record is None:
            raise SystemExit(f"{where}: no record {entry['record']!r} in the databases")
        said = _override(record, entry, where)
        out.overridden.append(
            f"{record.key} ({entry['source']}, read {entry['read']}): " + "; ".join(said)
        )


def _override(record: Record, entry: dict[str, Any], where: str) -> list[str]:
    """Apply one entry to ``record``; what it changed, in words."""
    said: list[str] = []
    domains = _domains(entry.get("add_domains") or [], where, Compiled())
    if already := [d for d in domains if d in record.domains]:
        raise SystemExit(f"{where}: {record.key} already lists {', '.join(already)}")
    if domains:
        record.domains += domains
        said.append("domains " + ", ".join(domains))
    servers = tuple(_override_server(s, where) for s in entry.get("add_servers") or [])
    have = {(s.protocol, s.hostname, s.port) for s in record.template.servers}
    if present := [s for s in servers if (s.protocol, s.hostname, s.port) in have]:
        raise SystemExit(f"{where}: {record.key} already has {present[0].hostname}")
    said += [f"{s.protocol.value} {s.hostname}:{s.port} ({s.security.value})" for s in servers]
    fields = dict(entry.get("provider") or {})
    said += [f"{name} {value}" for name, value in fields.items()]
    provider = record.template.provider
    try:
        provider = provider.model_validate(
            provider.model_dump() | fields | {"domains": [*provider.domains, *domains]}
        )
    except ValueError as exc:
        raise SystemExit(f"{where}: {exc}") from exc
    template = record.template
    record.template = ClientConfigTemplate(
        provider, template.servers + servers, template.skipped, template.domain_placeholder
    )
    return said


def _override_server(server: dict[str, Any], where: str) -> ServerTemplate:
    if set(server) - _SERVER_KEYS or not {"protocol", "hostname", "port", "security"} <= set(
        server
    ):
        raise SystemExit(f"{where}: a server needs protocol, hostname, port, security: {server}")
    return ServerTemplate(
        Protocol(server["protocol"]),
        str(server["hostname"]).lower(),
        int(server["port"]),
        Security(server["security"]),
        str(server.get("username") or "%EMAILADDRESS%"),
        PASSWORD,
    )


# ---------------------------------------------------------------------------- the merge


@dataclass
class Merged:
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    disagreements: dict[str, list[str]] = field(default_factory=dict)
    per_database: dict[str, int] = field(default_factory=dict)
    served_by: dict[str, int] = field(default_factory=dict)


def merge(compiled: Compiled) -> Merged:
    """Apply the precedence of the module docstring to every domain of every database."""
    claims: dict[str, list[Record]] = {}
    merged = Merged()
    for database in ORDER:
        names: set[str] = set()
        for record in compiled.records.get(database, []):
            for domain in record.domains:
                if domain in names:
                    compiled.skipped.append(
                        f"{record.file}: {domain} already listed earlier in {database.value}"
                    )
                    continue
                names.add(domain)
                claims.setdefault(domain, []).append(record)
        merged.per_database[database.value] = len(names)
    used: dict[str, Record] = {}
    for domain in sorted(claims):
        records = claims[domain]
        serving = _serving(records)
        merged.domains[domain] = serving.key
        used[serving.key] = serving
        merged.served_by[serving.database.value] = (
            merged.served_by.get(serving.database.value, 0) + 1
        )
        hints = next((r for r in records if r.database is ProviderDatabase.DELTACHAT), None)
        if hints is not None and hints is not serving:
            merged.hints[domain] = hints.key
            used[hints.key] = hints
        said = [_disagreement(serving, other) for other in records if other is not serving]
        if said := [s for s in said if s]:
            merged.disagreements[domain] = said
    for _, key in compiled.mx:
        used[key] = next(r for rs in compiled.records.values() for r in rs if r.key == key)
    merged.providers = {key: used[key].template.to_json() for key in sorted(used)}
    return merged


def _serving(records: list[Record]) -> Record:
    """The record whose servers a domain gets (the records are in precedence order)."""
    first = records[0]
    if first.database is ProviderDatabase.ISPDB and first.has_servers:
        return first
    deltachat = next((r for r in records if r.database is ProviderDatabase.DELTACHAT), None)
    if deltachat is not None and (deltachat.has_servers or deltachat.template.provider.no_imap):
        return deltachat
    return next((r for r in records if r.has_servers), first)


def _disagreement(serving: Record, other: Record) -> str | None:
    """What ``other`` says differently from ``serving`` about the servers, in words."""
    if not other.has_servers:
        return None
    if not serving.has_servers:
        return f"{other.database.value} lists servers, {serving.database.value} says no IMAP"
    said = []
    for protocol in Protocol:
        mine = {s.hostname for s in serving.template.servers if s.protocol is protocol}
        theirs = {s.hostname for s in other.template.servers if s.protocol is protocol}
        if mine and theirs and not theirs <= mine:
            said.append(
                f"{protocol.value} host {', '.join(sorted(theirs - mine))} "
                f"(kept {serving.database.value}'s {', '.join(sorted(mine))})"
            )
    if not said:
        return None
    return f"{other.database.value} ({other.file}): " + "; ".join(said)


# ---------------------------------------------------------------------------- the output


def read_all(data: Path) -> Compiled:
    compiled = Compiled()
    read_ispdb(data / "ispdb", compiled)
    read_deltachat(data / "deltachat" / "_providers", compiled)
    read_k9(data / "k9" / "providers.xml", compiled)
    read_mailcore2(data / "mailcore2" / "providers.json", compiled)
    if (data / OVERRIDES_NAME).is_file():
        apply_overrides(data / OVERRIDES_NAME, compiled)
    return compiled


def build_index(data: Path) -> tuple[dict[str, Any], Compiled, Merged]:
    compiled = read_all(data)
    merged = merge(compiled)
    index = {
        "format": INDEX_FORMAT,
        "snapshot": _ispdb_commit(data / "ispdb"),
        "providers": merged.providers,
        "domains": merged.domains,
        "hints": merged.hints,
        "mx": [list(pair) for pair in compiled.mx],
        "disagreements": merged.disagreements,
    }
    return index, compiled, merged


def _ispdb_commit(folder: Path) -> str:
    source_txt = folder / "SOURCE.txt"
    if source_txt.is_file():
        for line in source_txt.read_text().splitlines():
            if line.startswith("Commit:"):
                return line.split(":", 1)[1].strip().split()[0]
    return ""


def render(index: dict[str, Any]) -> str:
    """The index file: a JSON header line, then one ``["key", template]`` line per provider
    (sorted), so that loading parses the header only and a look-up one provider line."""
    header = {name: value for name, value in index.items() if name != "providers"}
    lines = [_json(header)]
    for key, template in sorted(index["providers"].items()):
        if json.dumps(key) != f'"{key}"' or "\n" in _json(template):
            raise SystemExit(f"provider key {key!r} cannot be written as one plain line")
        lines.append(_json([key, template]))
    return "\n".join(lines) + "\n"


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def report(compiled: Compiled, merged: Merged) -> str:
    """The compile report: counts, every disagreement and every skipped record."""
    lines = [
        "# Compile report of the bundled provider index",
        "",
        "Written by `scripts/compile_providers.py` (do not edit); precedence in its docstring.",
        "",
        "| database | domains it lists | domains it serves in the index |",
        "|---|---|---|",
    ]
    for database in ORDER:
        name = database.value
        lines.append(
            f"| {name} | {merged.per_database.get(name, 0)} | {merged.served_by.get(name, 0)} |"
        )
    no_imap = sum(
        1 for key in merged.domains.values() if merged.providers[key]["provider"].get("no_imap")
    )
    lines += [
        "",
        f"- merged total: **{len(merged.domains)} domains** "
        f"({len(merged.providers)} provider records)",
        f"- domains with Delta Chat's hints beside another database's servers: {len(merged.hints)}",
        f'- domains answered "offers no IMAP": {no_imap}',
        f"- MX patterns (mailcore2): {len(compiled.mx)}",
        f"- domains with a disagreement: {len(merged.disagreements)} "
        f"({sum(len(v) for v in merged.disagreements.values())} disagreements: "
        + ", ".join(f"{name} {count}" for name, count in _by_database(merged).items())
        + ")",
        f"- skipped (records, server sections, domains or patterns): {len(compiled.skipped)}",
        "",
        f"## Overrides ({OVERRIDES_NAME}: reviewed, each from the provider's own page)",
        "",
        *(f"- {line}" for line in compiled.overridden),
        "",
        "## Disagreements (the serving database's servers are kept)",
        "",
    ]
    for domain, said in merged.disagreements.items():
        lines.extend(f"- {domain}: {s}" for s in said)
    lines += ["", "## Skipped", ""]
    lines.extend(f"- {s}" for s in compiled.skipped)
    return "\n".join(lines) + "\n"


def _by_database(merged: Merged) -> dict[str, int]:
    """How many disagreements each lower database has with the serving one."""
    counts = {database.value: 0 for database in ORDER[1:]}
    for said in merged.disagreements.values():
        for line in said:
            name = line.split(" ", 1)[0]
            counts[name] = counts.get(name, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed files")
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    args = parser.parse_args(argv)
    index, compiled, merged = build_index(args.data)
    outputs = {
        args.data / INDEX_NAME: render(index),
        args.data / REPORT_NAME: report(compiled, merged),
    }
    if args.check:
        stale = [
            p for p, text in outputs.items() if not p.is_file() or p.read_text("utf-8") != text
        ]
        for path in stale:
            print(f"{path} is stale: run python scripts/compile_providers.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
    print(
        f"wrote {args.data / INDEX_NAME}: {len(index['providers'])} providers, "
        f"{len(index['domains'])} domains; report in {args.data / REPORT_NAME}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
