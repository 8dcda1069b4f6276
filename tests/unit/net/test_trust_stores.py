"""Verifying contexts are built once per process and shared; a changed CA file is read again."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
import trustme

from autoconf.errors import OptionsError
from autoconf.net import tls
from autoconf.net.tls import TrustStores, make_ssl_context


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    return path


def test_a_ca_file_context_is_built_once(ca_file: Path) -> None:
    """Two asks for the same CA file get the very same context, built once."""
    stores = TrustStores()
    first, second = stores.context(ca_file), stores.context(ca_file)
    assert first is second
    assert stores.builds == 1
    assert first.verify_mode is ssl.CERT_REQUIRED
    assert first.check_hostname


def test_an_edited_ca_file_is_read_again(ca_file: Path) -> None:
    """A CA file whose modification time changed gets a new context with its new content."""
    stores = TrustStores()
    before = stores.context(ca_file)
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    stat = ca_file.stat()
    os.utime(ca_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    after = stores.context(ca_file)
    assert after is not before
    assert stores.builds == 2


def test_the_system_store_is_built_once() -> None:
    """make_ssl_context() without a CA file returns the process's one system-store context."""
    assert make_ssl_context() is make_ssl_context()
    assert make_ssl_context().minimum_version is ssl.TLSVersion.TLSv1_2


def test_the_callers_context_is_used_as_given() -> None:
    """A context the caller built is never replaced by a shared one."""
    own = ssl.create_default_context()
    assert make_ssl_context(context=own) is own


def test_ssl_cert_file_is_honoured(ca_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With SSL_CERT_FILE set, the system store is that file, not the hashed directory."""
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert tls._hashed_directory() is None
    stores = TrustStores()
    context = stores.context(None)
    assert context.cert_store_stats()["x509_ca"] == 1


def test_a_missing_ca_file_is_an_options_error(tmp_path: Path) -> None:
    """A CA file that cannot be read is a clear OptionsError, never a crash."""
    with pytest.raises(OptionsError):
        TrustStores().context(tmp_path / "absent.pem")


def test_the_hashed_directory_loads_no_certificate_up_front(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The system store from OpenSSL's hashed directory parses no certificate when built."""
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    if tls._hashed_directory() is None:
        pytest.skip("this machine has no hashed certificate directory")
    context = TrustStores().context(None)
    assert context.cert_store_stats()["x509"] == 0
