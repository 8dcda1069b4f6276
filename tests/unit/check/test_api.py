"""The check's public names: lazily exported from autoconf, and light to import."""

from __future__ import annotations

import subprocess
import sys

import autoconf
from autoconf import api
from autoconf.check import DomainReport


def test_check_domain_and_its_report_are_public_names():
    """autoconf.check_domain and check_domain_sync are the API's (run in a Session), and
    DomainReport is the check's own model."""
    assert autoconf.check_domain is api.check_domain
    assert autoconf.check_domain_sync is api.check_domain_sync
    assert autoconf.DomainReport is DomainReport


def test_importing_autoconf_does_not_import_the_check():
    """``import autoconf`` stays light: the check (and its sources) load on first use."""
    code = "import sys, autoconf; print('autoconf.check' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
