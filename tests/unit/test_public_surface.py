"""The public surface: which modules are public, what they export, and that all of it is documented.

A change to a pinned list here is a decision (a new public name, or a deprecation); the other
tests keep every public name documented and every type a caller meets importable, so names
and fields added later are held to the same rule.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator
from typing import Any

import pydantic
import pytest

import autoconf

# Public module -> its __all__, pinned. ``autoconf`` itself is pinned in tests/unit/test_api.py.
PUBLIC_MODULES: dict[str, set[str]] = {
    "autoconf.models": {
        "SCHEMA_VERSION",
        "AttemptStatus",
        "AuthMethod",
        "Certificate",
        "CertificateKind",
        "DaneStatus",
        "DiscoveryResult",
        "DiscoveryWarning",
        "DnssecStatus",
        "Documentation",
        "DomainStatus",
        "EnableInstructions",
        "FailureKind",
        "LocalizedText",
        "LoginStatus",
        "NotProbed",
        "OAuth2Info",
        "OAuthMetadataStatus",
        "Pop3Options",
        "PaccRecordProblem",
        "Protocol",
        "ProviderDatabase",
        "ProviderInfo",
        "ProviderStatus",
        "ReasonCode",
        "Recommendation",
        "RecommendationReason",
        "Security",
        "ServerSettings",
        "Service",
        "ServiceKind",
        "SignIn",
        "SourceAttempt",
        "SourceName",
        "TlsStatus",
        "Trust",
        "Verdict",
        "Verification",
        "WarningCode",
        "json_schema",
    },
    "autoconf.errors": {
        "MAX_MESSAGE_CHARS",
        "AddressFailure",
        "AutoconfError",
        "DeadlineExceeded",
        "DnsError",
        "DnsFailure",
        "DnsTimeout",
        "ExportError",
        "ExportFailure",
        "FetchError",
        "FetchFailure",
        "HostNotFound",
        "InvalidAddress",
        "NetworkError",
        "OptionsError",
        "ParseError",
        "SessionClosed",
        "TLSError",
        "bounded",
    },
    "autoconf.events": {
        "CandidateFound",
        "DiscoveryEvent",
        "DiscoveryFinished",
        "ProbeFinished",
        "ProbeStarted",
        "SourceFinished",
        "SourceStarted",
    },
    "autoconf.check": {
        "DnsRecord",
        "DomainReport",
        "Finding",
        "FindingCode",
        "HttpLookup",
        "LegacyTls",
        "LocalProblem",
        "LookupOutcome",
        "Mechanism",
        "MechanismReport",
        "OAuthCheck",
        "PaccDetails",
        "PaccRecord",
        "ServerReport",
        "ServiceCheck",
        "Severity",
    },
}

# Public names that are values, not classes or functions: documented by an attribute
# docstring in their module (the API reference shows it), which Python cannot check here.
DATA_NAMES = {
    "__version__",
    "DiscoveryEvent",
    "export_formats",
    "MAX_MESSAGE_CHARS",
    "SCHEMA_VERSION",
}

# Internal types that a public signature still shows, each with the reason it may. A new
# entry needs a reason a reviewer accepts; a type a caller must name belongs in a public module.
KNOWN_INTERNAL = {
    # The built-in sources' part of the Source context; documented as "may change".
    "SourceContext.network": "the built-in sources' network handle",
    "SourceContext.ispdb": "the built-in sources' bundled data",
    "SourceContext.board": "the built-in sources' shared board",
    # BundledIspdb.load() is the documented part; the look-ups serve the built-in sources.
    "BundledIspdb.lookup": "the bundled source's look-up",
    "BundledIspdb.template": "the bundled source's look-up",
    # Session.network() lends the session's network to check_domain(session=...).
    "Session.network": "check_domain's access to a session's network",
    "check_domain": "its session parameter's protocol (issue 21 item 3: being made public)",
    "check_domain_sync": "as check_domain",
}


def _public_modules() -> list[types.ModuleType]:
    return [autoconf, *(importlib.import_module(name) for name in PUBLIC_MODULES)]


def _public_objects() -> Iterator[tuple[str, object]]:
    """Every (name, object) exported by a public module, each object once."""
    seen: set[int] = set()
    for module in _public_modules():
        for name in module.__all__:
            value = getattr(module, name)
            if id(value) not in seen:
                seen.add(id(value))
                yield name, value


def test_public_modules_and_their_all_are_pinned():
    """Each public module exports exactly its pinned names (``autoconf``'s own list is pinned
    once, in tests/unit/test_api.py)."""
    for name, expected in PUBLIC_MODULES.items():
        assert set(importlib.import_module(name).__all__) == expected, name


def _own_doc(obj: object) -> str | None:
    """The docstring ``obj`` wrote itself: not inherited, not a dataclass's generated one."""
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return None
    if isinstance(obj, type) and doc.startswith(f"{obj.__name__}("):  # dataclass's signature
        return None
    if doc.strip() == "An enumeration.":  # Enum's default on older Pythons
        return None
    return doc


def test_every_public_name_has_a_docstring_of_its_own():
    """Every public class, enum, event and function says what it is in its own docstring."""
    lacking = [
        name
        for name, value in _public_objects()
        if name not in DATA_NAMES and _own_doc(value) is None
    ]
    assert lacking == []


def _models() -> list[type[pydantic.BaseModel]]:
    """Every pydantic model a public module exports, and every model their fields use."""
    found: dict[type[pydantic.BaseModel], None] = {}
    todo = [v for _, v in _public_objects() if isinstance(v, type)]
    while todo:
        cls = todo.pop()
        if not (issubclass(cls, pydantic.BaseModel) and cls not in found):
            continue
        found[cls] = None
        for field in cls.model_fields.values():
            todo.extend(_classes_in(field.annotation))
    return list(found)


def test_every_public_model_field_has_a_description():
    """Every field of every public model has a description (an attribute docstring)."""
    lacking = [
        f"{cls.__name__}.{name}"
        for cls in _models()
        for name, field in cls.model_fields.items()
        if not (field.description or "").strip()
    ]
    assert lacking == []


def test_every_public_event_field_is_described_in_its_class_docstring():
    """An event's docstring names each of its fields (events are dataclasses, not models)."""
    from autoconf import events

    for name in events.__all__:
        cls = getattr(events, name)
        if dataclasses.is_dataclass(cls):
            doc = _own_doc(cls) or ""
            missing = [f.name for f in dataclasses.fields(cls) if f"``{f.name}``" not in doc]
            assert missing == [], name


def _classes_in(annotation: object) -> Iterator[type]:
    """Every class named in a type annotation, through unions, generics and Annotated."""
    if isinstance(annotation, type) and not typing.get_args(annotation):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if isinstance(origin, type):
        yield origin
    for arg in typing.get_args(annotation):
        yield from _classes_in(arg)


def _namespace() -> dict[str, Any]:
    """Every class of the package by name: resolves annotations imported for type checking."""
    import ssl

    import dns.asyncresolver
    import httpx

    names: dict[str, Any] = {"SecretStr": pydantic.SecretStr, "ssl": ssl, "httpx": httpx}
    names["dns"] = dns
    for info in pkgutil.walk_packages(autoconf.__path__, "autoconf."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for key, value in vars(module).items():
            if isinstance(value, type) and value.__module__.startswith("autoconf"):
                names.setdefault(key, value)
    return names


def _hints(func: Callable[..., Any], namespace: dict[str, Any]) -> dict[str, Any]:
    module = importlib.import_module(func.__module__)
    return typing.get_type_hints(func, globalns={**namespace, **vars(module)})


def _signatures(name: str, value: object) -> Iterator[tuple[str, object]]:
    """(where, type) for each parameter, field and return type a caller of ``value`` meets."""
    namespace = _namespace()
    if inspect.isfunction(value):
        for hint in _hints(value, namespace).values():
            yield name, hint
        return
    if not isinstance(value, type) or issubclass(value, enum.Enum | BaseException):
        return
    if issubclass(value, pydantic.BaseModel):
        fields = {k: f.annotation for k, f in value.model_fields.items()}
    elif dataclasses.is_dataclass(value):
        fields = _hints(value, namespace)  # type: ignore[arg-type]
    else:
        fields = {}
    for field, hint in fields.items():
        if not field.startswith("_"):
            yield f"{name}.{field}", hint
    for attr, member in vars(value).items():
        if attr.startswith("_") and not (attr == "__init__" and not fields):
            continue
        func = member.fget if isinstance(member, property) else member
        if isinstance(func, classmethod | staticmethod):
            func = func.__func__
        if inspect.isfunction(func):
            for hint in _hints(func, namespace).values():
                yield f"{name}.{attr}", hint


def _reachable() -> set[type]:
    return {v for _, v in _public_objects() if isinstance(v, type)}


def test_every_type_in_a_public_signature_or_field_is_importable():
    """A type a caller meets in a public field or signature is exported by a public module."""
    public = _reachable()
    leaks = set()
    for name, value in list(_public_objects()):
        for where, hint in _signatures(name, value):
            for cls in _classes_in(hint):
                internal = cls.__module__.startswith("autoconf") and cls not in public
                if internal and where not in KNOWN_INTERNAL:
                    leaks.add(f"{where}: {cls.__module__}.{cls.__qualname__}")
    assert sorted(leaks) == []


@pytest.mark.parametrize("model", ["DiscoveryResult", "DomainReport"])
def test_schema_describes_every_property(model: str):
    """Every property of the --schema and --check --schema output has a description."""
    schema = getattr(autoconf, model).model_json_schema()
    lacking = [
        f"{where}.{prop}"
        for where, body in [(model, schema), *schema.get("$defs", {}).items()]
        for prop, spec in body.get("properties", {}).items()
        if "description" not in spec
    ]
    assert lacking == []


@pytest.mark.parametrize(
    ("flags", "model"),
    [(["--schema"], "DiscoveryResult"), (["--check", "--schema"], "DomainReport")],
)
def test_printed_schema_has_an_id_and_a_version(flags: list[str], model: str):
    """--schema and --check --schema print a schema with $schema, $id and the version."""
    import io
    import json

    from autoconf.cli import main
    from autoconf.models import SCHEMA_VERSION

    out = io.StringIO()
    assert main(flags, stdout=out, stderr=io.StringIO(), stdin=io.StringIO()) == 0
    schema = json.loads(out.getvalue())
    assert schema["$id"] == f"urn:mail-autoconf:schema:{model}:{SCHEMA_VERSION}"
    assert schema["version"] == SCHEMA_VERSION
    assert schema["$schema"].endswith("/draft/2020-12/schema")
    assert schema["title"] == model
