"""The one TLS trust decision shared by HTTP fetches and mail probes."""

from __future__ import annotations

import os
import re
import ssl
import sys
import threading
import warnings
from pathlib import Path

from ..errors import OptionsError
from .certificates import certificate_kind, presented_chain

__all__ = [
    "TRUST_STORES",
    "TrustStores",
    "certificate_kind",  # kept here for callers from before net.certificates
    "dane_context",
    "legacy_context",
    "make_ssl_context",
    "presented_chain",
    "unverified_context",
]


def make_ssl_context(
    *, ca_file: Path | None = None, context: ssl.SSLContext | None = None
) -> ssl.SSLContext:
    """The caller's context, or one that trusts ``ca_file`` only, or the system store.

    Certificates are always verified against the host name; TLS 1.2 is the floor. The
    contexts this builds are built once per process and shared (see :class:`TrustStores`).
    """
    if context is not None:
        return context
    return TRUST_STORES.context(ca_file)


class TrustStores:
    """Verifying contexts, built once per process: the system store and each CA file.

    Building a context parses its certificates (the system bundle: 40-50 ms of CPU), and every
    ``discover()`` without a Session and every CLI run would pay it again. A CA file's context
    is keyed by its path, modification time and size, so an edited file is read again. The
    system store is read from OpenSSL's hashed certificate directory where there is one (a
    certificate is then parsed only when a chain needs it), else from the bundle file; the
    environment variables that name them (``SSL_CERT_FILE``, ``SSL_CERT_DIR``) are honoured.

    Process-wide on purpose (the one exception to "no module-level caches"): the contexts are
    immutable once built, hold no connection or secret, and ``ssl.SSLContext`` is thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[tuple[object, ...], ssl.SSLContext] = {}
        self.builds = 0  # contexts built so far (for tests and benchmarks)

    def context(self, ca_file: Path | None) -> ssl.SSLContext:
        key = _store_key(ca_file)
        with self._lock:
            found = self._built.get(key)
            if found is None:
                found = _build_context(ca_file)
                self.builds += 1
                if len(self._built) >= _MAX_STORES:
                    self._built.clear()
                self._built[key] = found
            return found

    def clear(self) -> None:
        with self._lock:
            self._built.clear()


_MAX_STORES = 32
TRUST_STORES = TrustStores()


def _store_key(ca_file: Path | None) -> tuple[object, ...]:
    if ca_file is None:
        env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        return ("system", *env)
    try:
        stat = os.stat(ca_file)
    except OSError:
        return ("file", str(ca_file), None, None)  # built (and refused) below
    return ("file", str(Path(ca_file).resolve()), stat.st_mtime_ns, stat.st_size)


def _build_context(ca_file: Path | None) -> ssl.SSLContext:
    try:
        if ca_file is not None:
            ctx = ssl.create_default_context(cafile=str(ca_file))
        else:
            ctx = _system_context()
    except (OSError, ssl.SSLError) as exc:
        raise OptionsError(f"cannot use the CA file {ca_file}: {exc}") from exc
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _system_context() -> ssl.SSLContext:
    """The system store: OpenSSL's hashed directory alone when it has certificates, which
    loads lazily; otherwise whatever ``load_default_certs`` reads (the bundle, the OS store)."""
    capath = _hashed_directory()
    if capath is None:
        return ssl.create_default_context()
    ctx = ssl.create_default_context(capath=capath)
    return ctx


def _hashed_directory() -> str | None:
    """OpenSSL's default certificate directory, when it holds hashed links and ``SSL_CERT_FILE``
    names no bundle of its own (one other than the system's, which must then be read)."""
    paths = ssl.get_default_verify_paths()
    named = os.environ.get(paths.openssl_cafile_env)
    if sys.platform == "win32" or (named and not _same_file(named, paths.openssl_cafile)):
        return None
    capath = paths.capath
    if not capath or not os.path.isdir(capath):
        return None
    try:
        with os.scandir(capath) as entries:
            hashed = any(_HASHED.fullmatch(e.name) for e in entries)
    except OSError:
        return None
    return capath if hashed else None


def _same_file(a: str, b: str) -> bool:
    """True when both name one file (``SSL_CERT_FILE`` set to the system's own bundle)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


_HASHED = re.compile(r"[0-9a-f]{8}\.[0-9]+")


def unverified_context() -> ssl.SSLContext:
    """Only for reading a refused certificate's details after verification failed.

    Nothing but the handshake happens on a connection made with it: no command, no
    credential. The trust decision was already taken by the verifying context.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def dane_context() -> ssl.SSLContext:
    """For a server whose DNSSEC-secure TLSA records decide its certificate (DANE, RFC 7671).

    OpenSSL checks neither the CA nor the name here: the probe compares the presented chain
    with the records (:mod:`autoconf.net.dane`) right after the handshake, before anything is
    sent on the connection, and drops it when none matches. Only for servers with usable
    secure TLSA records; every other connection is verified by :func:`make_ssl_context`'s.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def legacy_context() -> ssl.SSLContext | None:
    """A client context that offers only TLS 1.0 and 1.1, or None when this OpenSSL cannot.

    Only for asking a server whether it still accepts them: nothing but the handshake happens
    on a connection made with it (no command, no credential), and it verifies nothing. The
    test that it can offer them is local: OpenSSL must write a ClientHello into memory.
    """
    if not (ssl.HAS_TLSv1 or ssl.HAS_TLSv1_1):
        return None
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():
            # Python deprecates the very versions this context exists to offer.
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = ssl.TLSVersion.TLSv1_1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        hello = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
        hello.do_handshake()
    except ssl.SSLWantReadError:
        return ctx  # the ClientHello was written; OpenSSL waits for the server's answer
    except (ssl.SSLError, ValueError):
        return None  # no protocol or no cipher left to offer: this machine's OpenSSL forbids it
    return None
