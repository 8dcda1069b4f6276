from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_the_data_and_runs_from_another_folder(tmp_path: Path):
    """A built wheel holds the ISPDB index, licence and py.typed, and its CLI works elsewhere."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("mail_autoconf-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "autoconf/_bundled/providers-index.json" in names
    assert "autoconf/_bundled/ispdb/LICENSE" in names
    assert "autoconf/_bundled/ispdb/SOURCE.txt" in names
    for licence in ("deltachat/LICENSE", "k9/LICENSE", "k9/NOTICE", "mailcore2/LICENSE"):
        assert f"autoconf/_bundled/{licence}" in names
    assert "autoconf/_bundled/SOURCES.md" in names
    assert "autoconf/_bundled/compile-report.md" in names
    assert "autoconf/py.typed" in names
    (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    metadata = zipfile.ZipFile(wheel).read(metadata_name).decode()
    assert "License-Expression: MIT AND " in metadata  # pip show names the licences
    assert "Project-URL: Homepage, https://" in metadata
    assert "Classifier: Development Status :: " in metadata
    assert "Keywords: " in metadata

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import autoconf, autoconf._data as d; print(autoconf.__file__);print(d.data_dir())",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert where[0].startswith(str(site))
    assert where[1] == str(site / "autoconf" / "_bundled")
    proc = subprocess.run(
        [sys.executable, "-m", "autoconf", "someone@gmail.com", "--offline", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["outgoing"][0]["host"] == "smtp.gmail.com"
    proc = subprocess.run(
        [sys.executable, "-m", "autoconf", "someone@mailbox.org", "--offline", "--json"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["incoming"][0]["database"] == "deltachat"


_NO_YAML_AT_RUN_TIME = """
import io, sys
import autoconf
from autoconf._data import default_ispdb
assert default_ispdb.cache_info().currsize == 0, "the index was read at import"
from autoconf.cli import main
code = main(["someone@gmx.net", "--offline", "--json"], stdout=io.StringIO())
assert code == 0, code
assert "yaml" not in sys.modules, "the runtime imported yaml"
print("ok")
"""


def test_runtime_reads_the_index_lazily_and_never_imports_yaml():
    """``import autoconf`` reads no index; an offline answer reads it and imports no yaml."""
    proc = subprocess.run(
        [sys.executable, "-c", _NO_YAML_AT_RUN_TIME],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
