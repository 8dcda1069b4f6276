"""The generated parts of the documentation site, made from the code they describe.

A page of ``docs/`` holds a marker such as ``<!-- generated: cli-flags -->``; this file is
also the site's MkDocs hook (``hooks:`` in mkdocs.yml), whose :func:`on_page_markdown`
replaces each marker with :func:`section`'s output at build time, so the site cannot drift
from the argparse parser, the finding codes, the export formats, the JSON schemas or the last
benchmark run. Print one section with ``python scripts/docs_pages.py NAME``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"<!-- generated: ([a-z-]+) -->")


def _cell(text: object) -> str:
    """``text`` made safe for one cell of a Markdown table."""
    return " ".join(str(text).split()).replace("|", "\\|")


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argparse parser, wherever the CLI keeps its builder."""
    for name in ("autoconf.cli.parser", "autoconf.cli.app", "autoconf.cli"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr in ("build_parser", "_build_parser"):
            builder = getattr(module, attr, None)
            if callable(builder):
                parser = builder("mail-autoconf")
                assert isinstance(parser, argparse.ArgumentParser)
                return parser
    raise LookupError("no parser builder in autoconf.cli: update scripts/docs_pages.py")


def _flag(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    choices = "|".join(str(c) for c in action.choices) if action.choices else None
    metavar = action.metavar or choices or (action.dest.upper() if action.nargs != 0 else None)
    if isinstance(metavar, tuple):
        metavar = " ".join(metavar)
    shown = ", ".join(action.option_strings)
    # A pipe inside a code span does not split a table cell (Python-Markdown's tables).
    return f"`{shown} {metavar}`" if metavar and action.nargs != 0 else f"`{shown}`"


def cli_flags() -> str:
    """Every argument of the CLI, one table per argparse group, in the parser's order."""
    parser = build_parser()
    # argparse keeps its groups and its help expansion private; both are stable since 3.2
    # and there is no public way to walk a parser (argparse's own help formatter does this).
    formatter = parser._get_formatter()
    lines: list[str] = []
    for group in parser._action_groups:
        actions = [a for a in group._group_actions if a.help != argparse.SUPPRESS]
        if not actions:
            continue
        lines += [f"### {group.title.capitalize() if group.title else 'Other'}", ""]
        lines += ["| argument | what it does |", "|---|---|"]
        for action in actions:
            help_text = formatter._expand_help(action) if action.help else ""
            lines.append(f"| {_flag(action)} | {_cell(help_text)} |")
        lines.append("")
    return "\n".join(lines)


def findings() -> str:
    """Every finding code of ``--check``: severity, when it is raised, the usual fix."""
    from autoconf.check import FindingCode
    from autoconf.check.guide import GUIDE

    lines = ["| code | severity | when | usual fix |", "|---|---|---|---|"]
    for code in FindingCode:
        entry = GUIDE[code]
        severity = " or ".join(s.value for s in entry.severities)
        lines.append(f"| `{code.value}` | {severity} | {_cell(entry.when)} | {_cell(entry.fix)} |")
    return "\n".join(lines) + "\n"


def formats() -> str:
    """Every ``--format``, with its one-line description."""
    from autoconf.export import FORMATS

    lines = ["| `--format` | what it writes |", "|---|---|"]
    lines += [f"| `{name}` | {_cell(text)} |" for name, text in FORMATS.items()]
    return "\n".join(lines) + "\n"


def _type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = spec["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in spec:
        return " or ".join(_type(s) for s in spec["anyOf"])
    if "allOf" in spec:
        return " or ".join(_type(s) for s in spec["allOf"])
    if spec.get("type") == "array":
        return f"list of {_type(spec.get('items', {}))}"
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    kind = str(spec.get("type", "any"))
    return f"{kind} ({spec['format']})" if "format" in spec else kind


def _schema_tables(schema: dict[str, Any]) -> Iterator[str]:
    bodies = [(schema["title"], schema), *sorted(schema.get("$defs", {}).items())]
    for name, body in bodies:
        yield f"### {name}"
        yield ""
        if body.get("description"):
            yield " ".join(body["description"].split())
            yield ""
        properties = body.get("properties")
        if not properties:
            values = ", ".join(f"`{v}`" for v in body.get("enum", []))
            yield f"Values: {values}" if values else ""
            yield ""
            continue
        required = set(body.get("required", []))
        yield "| property | type | description |"
        yield "|---|---|---|"
        for prop, spec in properties.items():
            shown = f"`{prop}`" + (" (required)" if prop in required else "")
            yield f"| {shown} | {_type(spec)} | {_cell(spec.get('description', ''))} |"
        yield ""


def _schema(model: str) -> str:
    import autoconf
    from autoconf.models import json_schema

    schema = json_schema(getattr(autoconf, model))
    head = [
        f"`$id`: `{schema['$id']}`, version {schema['version']}.",
        "",
        *_schema_tables(schema),
        '??? note "The whole schema, as printed"',
        "",
        "    ```json",
        *("    " + line for line in json.dumps(schema, indent=2).splitlines()),
        "    ```",
        "",
    ]
    return "\n".join(head)


def result_schema() -> str:
    """The schema of ``--json`` (``python -m autoconf --schema``), property by property."""
    return _schema("DiscoveryResult")


def report_schema() -> str:
    """The schema of ``--check --json`` (``--check --schema``), property by property."""
    return _schema("DomainReport")


def performance() -> str:
    """BENCHMARKS.md, the output of the last ``benchmarks/run.py``, one heading level down."""
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(f"#{line}" if line.startswith("#") else line for line in lines) + "\n"


def exit_statuses() -> dict[str, int]:
    """Every member of the CLI's one exit-status table (``autoconf.cli.status.ExitCode``):
    the statuses the CLI page must explain."""
    from autoconf.cli.status import ExitCode

    return {code.name: int(code) for code in ExitCode}


SECTIONS: dict[str, Callable[[], str]] = {
    "cli-flags": cli_flags,
    "findings": findings,
    "formats": formats,
    "result-schema": result_schema,
    "report-schema": report_schema,
    "performance": performance,
}


def section(name: str) -> str:
    """The generated Markdown for the marker ``name``."""
    return SECTIONS[name]()


def expand(markdown: str) -> str:
    """``markdown`` with every marker replaced by its section."""
    return MARKER.sub(lambda m: section(m.group(1)), markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """The MkDocs hook: expand the markers of one page."""
    return expand(markdown)


_REST_ROLE = re.compile(r":(?:class|func|data|mod|attr|meth|exc):(?=<code>)")


def on_page_content(html: str, **_: Any) -> str:
    """The MkDocs hook: the API reference without the reST roles and ``::`` of the docstrings.

    The docstrings are written for ``help()`` and Sphinx-style readers (``:class:`X```);
    mkdocstrings renders them as Markdown, where the role would show as text.
    """
    return _REST_ROLE.sub("", html).replace("<p>::</p>", "")


if __name__ == "__main__":
    sys.stdout.write(section(sys.argv[1]) if len(sys.argv) > 1 else ", ".join(SECTIONS) + "\n")
