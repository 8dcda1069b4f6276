"""The domain check's PACC mechanism and its findings, on scripted HTTP and DNS answers."""

from __future__ import annotations

import dataclasses

import pytest

from autoconf.check.findings import pacc_findings, service_findings
from autoconf.check.mechanisms import check_pacc
from autoconf.check.report import FindingCode, LookupOutcome, Mechanism, Severity
from autoconf.errors import FetchError, FetchFailure, TLSError
from autoconf.models import OAuthMetadataStatus
from autoconf.net.http import FetchResult
from autoconf.parsers.pacc import document_url, record_for, txt_name

from .test_mechanisms import D, ScriptedDns, ScriptedHttp, answer, context

URL = document_url(D)
NAME = txt_name(D)
BODY = (
    b'{"protocols":{"imap":{"host":"imap.example.com"},"smtp":{"host":"smtp.example.com"},'
    b'"submit":{"host":"smtp.example.com"}},"info":{"provider":{"name":"Example"}}}'
)


async def _check(body: bytes | Exception | None, *records: str):
    answers = (
        {}
        if body is None
        else {URL: body if isinstance(body, Exception) else answer(URL, body, "application/json")}
    )
    dns = ScriptedDns(txt={NAME: [(r.encode(),) for r in records]})
    report = await check_pacc(context(ScriptedHttp(answers), dns))
    return report, {f.code: f for f in pacc_findings(D, report)}


async def test_a_vouched_document_is_published_with_no_finding():
    """A document and the record that vouches for it: published, its servers, no finding."""
    report, found = await _check(BODY, record_for(BODY))
    assert report.published
    assert [s.host for s in report.incoming + report.outgoing] == [
        "imap.example.com",
        "smtp.example.com",
    ]
    assert report.pacc is not None
    assert report.pacc.records[0].matches
    assert found == {}


async def test_a_document_without_a_record_is_an_error_that_names_the_record():
    """No TXT record: pacc-no-record, an error whose fix is the exact record to publish."""
    report, found = await _check(BODY)
    assert not report.published
    assert report.incoming == []
    finding = found[FindingCode.PACC_NO_RECORD]
    assert finding.severity is Severity.ERROR
    assert record_for(BODY) in (finding.fix or "")


async def test_a_mismatch_is_an_error_and_a_stale_record_is_info():
    """A record for other bytes: pacc-digest-mismatch; beside a matching one: pacc-stale-record."""
    _, found = await _check(BODY, record_for(BODY + b"x"))
    assert found[FindingCode.PACC_DIGEST_MISMATCH].severity is Severity.ERROR
    report, found = await _check(BODY, record_for(BODY + b"x"), record_for(BODY))
    assert report.published
    assert set(found) == {FindingCode.PACC_STALE_RECORD}
    assert found[FindingCode.PACC_STALE_RECORD].severity is Severity.INFO


async def test_bad_records_are_warned_about_and_other_txt_records_ignored():
    """A UAAC record that does not parse is a warning; an SPF record at the name is ignored."""
    report, found = await _check(BODY, "v=UAAC1; a=sha512; d=AAAA", "v=spf1 -all", record_for(BODY))
    assert report.published
    assert report.pacc is not None
    assert len(report.pacc.records) == 2
    assert found[FindingCode.PACC_BAD_RECORD].severity is Severity.WARNING


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (
            FetchError("redirect", kind=FetchFailure.REDIRECT_REFUSED, status=301, url=URL),
            FindingCode.PACC_REDIRECT,
        ),
        (TLSError("bad certificate", kind="hostname-mismatch"), FindingCode.PACC_CERTIFICATE),
    ],
)
async def test_a_document_clients_cannot_read_is_an_error(error: Exception, code: FindingCode):
    """A redirect or a refused certificate at the PACC URL is an error of its own code."""
    report, found = await _check(error, record_for(BODY))
    assert report.lookups[0].outcome in (LookupOutcome.REDIRECT_REFUSED, LookupOutcome.CERTIFICATE)
    assert found[code].severity is Severity.ERROR


async def test_records_without_a_document_and_no_pacc_at_all():
    """TXT records but no document: pacc-unreachable; neither: no finding at all."""
    _, found = await _check(None, record_for(BODY))
    assert set(found) == {FindingCode.PACC_UNREACHABLE}
    report, found = await _check(None)
    assert not report.published
    assert found == {}


async def test_document_entries_clients_ignore_and_a_single_revision_key():
    """An IP-literal host and a lone legacy 'smtp' key are warnings (a lone 'submit' is info);
    a non-JSON body is an error."""
    body = b'{"protocols":{"imap":{"host":"192.0.2.1"},"smtp":{"host":"smtp.example.com"}}}'
    _, found = await _check(body, record_for(body))
    assert found[FindingCode.PACC_ENTRY_IGNORED].severity is Severity.WARNING
    assert found[FindingCode.PACC_ONE_REVISION].severity is Severity.WARNING
    body = b'{"protocols":{"submit":{"host":"smtp.example.com"}}}'
    _, found = await _check(body, record_for(body))
    assert found[FindingCode.PACC_ONE_REVISION].severity is Severity.INFO
    _, found = await _check(b"<html>", record_for(b"<html>"))
    assert set(found) == {FindingCode.PACC_BAD_DOCUMENT}


# -- OAuth issuer metadata (RFC 8414) and the JMAP/DAV URLs --------------------------------

ISSUER = "https://auth.example.com"
META_URL = "https://auth.example.com/.well-known/oauth-authorization-server"
OIDC_URL = "https://auth.example.com/.well-known/openid-configuration"
JMAP = "https://jmap.example.com/session"
CALDAV = "https://dav.example.com/calendars/"
WITH_OAUTH = (
    b'{"protocols":{"imap":{"host":"imap.example.com"},"submit":{"host":"smtp.example.com"},'
    b'"jmap":{"url":"' + JMAP.encode() + b'"},"caldav":{"url":"' + CALDAV.encode() + b'"}},'
    b'"authentication":{"password":false,"oauth-public":{"issuer":"' + ISSUER.encode() + b'"}},'
    b'"info":{"provider":{"name":"Example"}}}'
)
META = (
    b'{"issuer":"https://auth.example.com","authorization_endpoint":"https://auth.example.com/a",'
    b'"token_endpoint":"https://auth.example.com/t","code_challenge_methods_supported":["S256"],'
    b'"token_endpoint_auth_methods_supported":["none"]}'
)


def _challenged(url: str, *challenges: str, status: int = 401) -> FetchResult:
    return FetchResult(
        url=url, status=status, body=b"", content_type="text/plain", www_authenticate=challenges
    )


async def _oauth_check(answers: dict[str, FetchResult | Exception]):
    answers = {URL: answer(URL, WITH_OAUTH, "application/json"), **answers}
    dns = ScriptedDns(txt={NAME: [(record_for(WITH_OAUTH).encode(),)]})
    report = await check_pacc(context(ScriptedHttp(answers), dns))
    return report, {f.code: f for f in pacc_findings(D, report) + service_findings(report)}


async def test_matching_metadata_and_answering_services_make_no_finding():
    """The issuer's metadata matches and serves a public client; JMAP and CalDAV answer 401
    with a challenge: no finding, the endpoints and challenges recorded."""
    report, found = await _oauth_check(
        {
            META_URL: answer(META_URL, META, "application/json"),
            JMAP: _challenged(JMAP, 'Basic realm="mail"', "Bearer"),
            CALDAV: _challenged(CALDAV, "", status=207),
        }
    )
    assert set(found) == {FindingCode.PACC_ONE_REVISION}  # 'submit' only: a note
    assert report.pacc is not None
    assert report.pacc.oauth is not None
    oauth = report.pacc.oauth
    assert (oauth.status, oauth.url) == (OAuthMetadataStatus.OK, META_URL)
    assert (oauth.authorization_endpoint, oauth.token_endpoint) == (
        "https://auth.example.com/a",
        "https://auth.example.com/t",
    )
    assert oauth.public_client_ready
    assert [(s.kind.value, s.lookup.status, s.challenges) for s in report.services] == [
        ("jmap", 401, ['Basic realm="mail"', "Bearer"]),
        ("caldav", 207, [""]),
    ]


async def test_openid_discovery_is_the_alternative():
    """No RFC 8414 document (404) but OpenID Connect's: the OpenID one is used."""
    report, found = await _oauth_check({OIDC_URL: answer(OIDC_URL, META, "application/json")})
    assert report.pacc is not None
    assert report.pacc.oauth is not None
    assert (report.pacc.oauth.status, report.pacc.oauth.url) == (OAuthMetadataStatus.OK, OIDC_URL)
    assert FindingCode.PACC_OAUTH_METADATA not in found


async def test_missing_mismatched_and_unfit_metadata_are_findings():
    """No metadata: pacc-oauth-metadata (error); another issuer: pacc-oauth-mismatch (error);
    no PKCE S256: pacc-oauth-profile (warning)."""
    _, found = await _oauth_check({})
    assert found[FindingCode.PACC_OAUTH_METADATA].severity is Severity.ERROR
    other = META.replace(b'"issuer":"https://auth.example.com"', b'"issuer":"https://evil.test"')
    _, found = await _oauth_check({META_URL: answer(META_URL, other, "application/json")})
    assert found[FindingCode.PACC_OAUTH_MISMATCH].severity is Severity.ERROR
    assert FindingCode.PACC_OAUTH_METADATA not in found
    plain = META.replace(b'["S256"]', b'["plain"]')
    _, found = await _oauth_check({META_URL: answer(META_URL, plain, "application/json")})
    assert found[FindingCode.PACC_OAUTH_PROFILE].severity is Severity.WARNING


async def test_services_that_do_not_answer_or_give_no_challenge_are_findings():
    """A 404 JMAP URL: service-unreachable (error); a 401 without WWW-Authenticate:
    service-no-challenge (warning); both name the PACC mechanism."""
    _, found = await _oauth_check(
        {META_URL: answer(META_URL, META, "application/json"), CALDAV: _challenged(CALDAV)}
    )
    assert found[FindingCode.SERVICE_UNREACHABLE].severity is Severity.ERROR
    assert found[FindingCode.SERVICE_UNREACHABLE].host == "jmap.example.com"
    assert found[FindingCode.SERVICE_NO_CHALLENGE].severity is Severity.WARNING
    assert found[FindingCode.SERVICE_NO_CHALLENGE].mechanisms == [Mechanism.PACC]


async def test_services_are_not_asked_without_verify():
    """--no-verify: the URLs are listed in the details, never requested."""
    http = ScriptedHttp({URL: answer(URL, WITH_OAUTH, "application/json")})
    dns = ScriptedDns(txt={NAME: [(record_for(WITH_OAUTH).encode(),)]})
    ctx = context(http, dns)
    ctx = dataclasses.replace(ctx, options=dataclasses.replace(ctx.options, verify=False))
    report = await check_pacc(ctx)
    assert report.services == []
    assert JMAP not in http.asked
    assert report.pacc is not None
    assert report.pacc.urls == [JMAP, CALDAV]
