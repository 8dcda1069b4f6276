"""The documentation site says what the code does: generated sections cover every flag, code,
format and schema; every exit status is explained; the README stays one screen."""

from __future__ import annotations

import re

from autoconf.check import FindingCode

from .scripts import ROOT, SCRIPTS, load_script

DOCS = ROOT / "docs"


def _pages():
    return load_script(SCRIPTS / "docs_pages.py")


def test_the_flag_list_names_every_flag_of_the_parser():
    """The CLI page's generated table has a row for every option string the parser accepts."""
    pages = _pages()
    text = pages.cli_flags()
    for action in pages.build_parser()._actions:
        for flag in action.option_strings:
            assert re.search(rf"`[^`]*{re.escape(flag)}\b", text), flag


def test_every_exit_status_is_explained_on_the_cli_page():
    """Each member of the CLI's ExitCode table has a row in the exit status table of
    docs/cli.md."""
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    statuses = _pages().exit_statuses()
    assert statuses
    for name, value in statuses.items():
        assert f"| `{value}` |" in page, name


def test_the_findings_table_has_every_code():
    """The check page's generated table has one row per FindingCode."""
    text = _pages().findings()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [code.value for code in FindingCode]


def test_the_formats_and_schemas_are_complete():
    """Every export format, and every model of both schemas, appears in its generated section."""
    import autoconf
    from autoconf.export import FORMATS
    from autoconf.models import json_schema

    pages = _pages()
    formats = pages.formats()
    assert all(f"| `{name}` |" in formats for name in FORMATS)
    for model, text in (
        ("DiscoveryResult", pages.result_schema()),
        ("DomainReport", pages.report_schema()),
    ):
        schema = json_schema(getattr(autoconf, model))
        for name in [model, *schema["$defs"]]:
            assert f"### {name}\n" in text, name


def test_every_marker_names_a_section():
    """No page holds a marker the hook cannot expand (it would show as an HTML comment)."""
    sections = _pages().SECTIONS
    for page in DOCS.glob("*.md"):
        for name in re.findall(r"<!-- generated: ([a-z-]+) -->", page.read_text("utf-8")):
            assert name in sections, f"{page.name}: {name}"


def test_the_readme_is_one_screen_with_both_setup_commands():
    """The README is under 200 lines, keeps the two set-up commands and links to the docs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) < 200
    assert "python3 -m venv /tmp/ma && /tmp/ma/bin/pip install . && " in readme
    assert "bash scripts/check\n" in readme
    assert "docs/" in readme
    assert "mkdocs serve" in readme


def test_the_readme_python_example_prints_what_it_says(capsys):
    """The README's Python example runs (offline) and prints the line its comment shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = re.findall(r"```python\n(.*?)```", readme, re.S)
    expected = next(line for line in code.splitlines() if line.startswith("# imap."))
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README's example
    assert capsys.readouterr().out.strip() == expected.removeprefix("# ")
