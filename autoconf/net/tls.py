"""The one TLS trust decision shared by HTTP fetches and mail probes."""

from __future__ import annotations

import os
import re
import ssl
import sys
import threading
import warnings
from datetime import UTC, datetime
from pathlib import Path

from ..errors import OptionsError
from ..models import CertificateKind

__all__ = [
    "TRUST_STORES",
    "TrustStores",
    "certificate_kind",
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


# OpenSSL's X509_V_ERR_* verify codes (include/openssl/x509_vfy.h) for the refusals worth
# naming; any other code is ``other``.
_UNTRUSTED_CODES = frozenset(
    {
        2,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        19,  # X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN (an untrusted root sent along)
        20,  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        21,  # X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        24,  # X509_V_ERR_INVALID_CA
        27,  # X509_V_ERR_CERT_UNTRUSTED
    }
)
_KIND_BY_CODE = {
    9: CertificateKind.NOT_YET_VALID,  # X509_V_ERR_CERT_NOT_YET_VALID
    10: CertificateKind.EXPIRED,  # X509_V_ERR_CERT_HAS_EXPIRED
    18: CertificateKind.SELF_SIGNED,  # X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
    62: CertificateKind.HOSTNAME_MISMATCH,  # X509_V_ERR_HOSTNAME_MISMATCH
    64: CertificateKind.HOSTNAME_MISMATCH,  # X509_V_ERR_IP_ADDRESS_MISMATCH
} | dict.fromkeys(_UNTRUSTED_CODES, CertificateKind.UNTRUSTED)


def certificate_kind(
    error: ssl.SSLCertVerificationError, der: bytes | None = None
) -> CertificateKind:
    """Why the certificate was refused: from OpenSSL's verify code, else from the certificate.

    ``der`` is the refused certificate when it could be read (a second, unverified handshake);
    it decides only when the verify code names nothing more specific.
    """
    code: int = getattr(error, "verify_code", 0) or 0  # unset on an error built by hand
    kind = _KIND_BY_CODE.get(code)
    if kind is not None:
        return kind
    return _kind_from_certificate(der) if der else CertificateKind.OTHER


def _kind_from_certificate(der: bytes) -> CertificateKind:
    try:
        from cryptography import x509  # optional: reads a certificate that failed verification
    except ImportError:
        return CertificateKind.OTHER
    try:
        cert = x509.load_der_x509_certificate(der)
        now = datetime.now(UTC)
        if cert.not_valid_after_utc < now:
            return CertificateKind.EXPIRED
        if cert.not_valid_before_utc > now:
            return CertificateKind.NOT_YET_VALID
        if cert.issuer == cert.subject:
            return CertificateKind.SELF_SIGNED
    except ValueError:
        pass
    return CertificateKind.OTHER


def unverified_context() -> ssl.SSLContext:
    """Only for reading a refused certificate's details after verification failed.

    Nothing but the handshake happens on a connection made with it: no command, no
    credential. The trust decision was already taken by the verifying context.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
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


def presented_chain(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> list[bytes] | None:
    """The certificates the server sent (DER, leaf first), or None when Python cannot tell.

    Python 3.13 has ``get_unverified_chain``; 3.10 to 3.12 have the same method only on the
    private ``_ssl`` object underneath. Without either the chain stays unknown.
    """
    public = getattr(ssl_object, "get_unverified_chain", None)
    if public is not None:
        return [bytes(der) for der in public() or ()]
    inner = getattr(getattr(ssl_object, "_sslobj", None), "get_unverified_chain", None)
    if inner is None:
        return None
    chain = inner() or ()
    return [cert.public_bytes(ssl._ssl.ENCODING_DER) for cert in chain]  # type: ignore[attr-defined]
