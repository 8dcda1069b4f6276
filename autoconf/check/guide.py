"""What each finding code means, how bad it is, and the usual fix: the admin's reference.

The check itself decides each finding's severity and writes a fix naming the domain's own
hosts; this table says the same in general terms, once, for the documentation (the site's
"Domain check" page is generated from it) and for tools that explain a code without a report.
A test holds the two together: every :class:`FindingCode` has an entry, and every finding
the test world produces has a severity its entry allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .report import FindingCode, Severity

__all__ = ["GUIDE", "CodeGuide"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class CodeGuide:
    """One finding code explained: ``severities`` it can have, ``when`` it is raised, ``fix``."""

    severities: tuple[Severity, ...]
    when: str
    fix: str


def _g(severities: Severity | tuple[Severity, ...], when: str, fix: str) -> CodeGuide:
    if isinstance(severities, Severity):
        severities = (severities,)
    return CodeGuide(severities, when, fix)


GUIDE: Mapping[FindingCode, CodeGuide] = {
    FindingCode.NOTHING_PUBLISHED: _g(
        _E,
        "no autoconfig, SRV, Autodiscover or ISPDB entry at all",
        "publish https://autoconfig.DOMAIN/mail/config-v1.1.xml and the SRV records "
        "_imaps._tcp and _submissions._tcp",
    ),
    FindingCode.MECHANISMS_BOGUS: _g(
        _E,
        "with `--dnssec` on: DNSSEC proves the DNS answers of some mechanisms (SRV, MX, the "
        "PACC TXT record) bogus, so neither validating clients nor the check can read them; "
        "the check then says so instead of `nothing-published` (the evidence lists the names "
        "asked, and `zone-dnssec-bogus` the failing link)",
        "fix the zone's chain of trust: re-sign the zone, or correct the DS record at the "
        "parent (registrar)",
    ),
    FindingCode.MECHANISMS_DISAGREE: _g(
        _W,
        "two mechanisms name no common server for a protocol, or one host and port with two "
        "securities",
        "publish the same servers in both",
    ),
    FindingCode.POP3_NOT_EVERYWHERE: _g(
        _W,
        "one mechanism publishes POP3, another does not",
        "publish POP3 everywhere, or nowhere",
    ),
    FindingCode.ORDER_DIFFERS: _g(
        _I,
        "SRV priorities order the servers otherwise than the autoconfig file",
        "give the SRV records priorities in the autoconfig file's order",
    ),
    FindingCode.SRV_TARGET_OUTSIDE_DOMAIN: _g(
        (_W, _I),
        "an SRV target outside the domain (clients must ask the user, RFC 6186 §6); only a "
        "note when, with `--dnssec` on, the SRV answer is DNSSEC-signed: clients that validate "
        "it may trust the target (the library then gives it high trust), those that do not "
        "still ask",
        "point the SRV record at a host name inside the domain (a CNAME is fine), or publish "
        "an autoconfig file that names the same server",
    ),
    FindingCode.SRV_TARGET_UNRESOLVED: _g(
        _E,
        "an SRV target has no address",
        "add an A/AAAA record for the target, or correct the SRV target",
    ),
    FindingCode.SRV_NOT_OFFERED: _g(
        _I,
        "an SRV record with target `.`: the service is explicitly not offered",
        "nothing, if that is meant",
    ),
    FindingCode.SRV_STARTTLS_PREFERRED: _g(
        _W,
        "STARTTLS at a better SRV priority than implicit TLS (RFC 8314 §5.1)",
        "give the implicit-TLS service (_imaps, _submissions, _pop3s) the lower priority number",
    ),
    FindingCode.AUTOCONFIG_HTTP_ONLY: _g(
        _E,
        "the file answers only over http://: anyone on the path can change it",
        "serve the same file over HTTPS",
    ),
    FindingCode.AUTOCONFIG_ONE_URL: _g(
        _I,
        "only one of the two autoconfig URLs answers",
        "serve the same file at the other URL too",
    ),
    FindingCode.AUTOCONFIG_NEEDS_ADDRESS: _g(
        _W,
        "a URL works only with ?emailaddress=",
        "answer without ?emailaddress= too (use %EMAILADDRESS% in the file instead)",
    ),
    FindingCode.AUTOCONFIG_DEPENDS_ON_ADDRESS: _g(
        _I,
        "a URL names other servers when the address is sent",
        "nothing, if per-user servers are meant",
    ),
    FindingCode.AUTOCONFIG_CONTENT_TYPE: _g(
        _W,
        "the file is served with a non-XML content type",
        "serve config-v1.1.xml with Content-Type: text/xml",
    ),
    FindingCode.AUTOCONFIG_NOT_XML: _g(
        _W,
        "a URL answers a web page instead of the XML",
        "serve the clientConfig XML there, or answer 404",
    ),
    FindingCode.AUTOCONFIG_REDIRECT_ELSEWHERE: _g(
        _W,
        "a URL redirects to another domain",
        "serve the file at the URL itself",
    ),
    FindingCode.AUTOCONFIG_CERTIFICATE: _g(
        _E,
        "the autoconfig web host's certificate is refused (the kind is named)",
        "install a valid certificate for that host name (e.g. from Let's Encrypt)",
    ),
    FindingCode.SKIPPED_SERVER: _g(
        _W,
        "a server entry had to be skipped (the reason is given)",
        "correct or remove that server entry",
    ),
    FindingCode.BAD_DOCUMENT: _g(
        _E,
        "a URL answers XML that is not a valid clientConfig",
        "fix the document (validate it against the clientConfig 1.1 format)",
    ),
    FindingCode.ISPDB_STALE: _g(
        _W,
        "the bundled or online ISPDB entry names other servers than the domain publishes",
        "ask for the ISPDB entry to be updated (github.com/thunderbird/autoconfig)",
    ),
    FindingCode.SERVER_UNREACHABLE: _g(
        (_E, _W),
        "a named server does not answer (error), or the deadline left it unchecked (warning)",
        "run the server and let clients reach it, or stop publishing it; when unchecked, run "
        "the check again with a longer --timeout",
    ),
    FindingCode.CERTIFICATE_INVALID: _g(
        _E,
        "a server's certificate is refused (the CertificateKind is in the evidence)",
        "install a certificate from a public CA whose names include the host name",
    ),
    FindingCode.CERTIFICATE_EXPIRING: _g(
        _W,
        "a server's certificate expires within 21 days",
        "renew it now, and check that its renewal is automated",
    ),
    FindingCode.CERTIFICATE_CHAIN_INCOMPLETE: _g(
        _E,
        "a server sends its certificate without the intermediates clients need",
        "configure the full chain (the certificate followed by its intermediates, e.g. "
        "fullchain.pem)",
    ),
    FindingCode.CERTIFICATE_DANE_ONLY: _g(
        _W,
        "with `--dnssec` on: a server's certificate passes only by its DNSSEC-secure TLSA "
        "records (DANE, RFC 7673); the CA store (public CAs, or `--ca-file`) refuses it, so "
        "clients without DANE (most mail clients) reject the certificate",
        "keep the TLSA records, and also use a certificate from a public CA (ACME) for the "
        "clients without DANE; the TLSA `3 1 1` record survives renewals that keep the key",
    ),
    FindingCode.LEGACY_TLS_ACCEPTED: _g(
        _W,
        "a server still accepts TLS 1.0 or 1.1",
        "make TLS 1.2 the minimum (Dovecot: ssl_min_protocol = TLSv1.2; Postfix: "
        "smtpd_tls_protocols = >=TLSv1.2)",
    ),
    FindingCode.LEGACY_TLS_NOT_TESTED: _g(
        _I,
        "this machine's OpenSSL cannot offer TLS 1.0/1.1, so their acceptance was not tested",
        "nothing; check from a machine whose OpenSSL still offers them if it matters",
    ),
    FindingCode.PLAINTEXT_LOGIN_BEFORE_TLS: _g(
        _E,
        "a STARTTLS server offers a password login before TLS",
        "allow login only after TLS (Dovecot: disable_plaintext_auth = yes; Postfix: "
        "smtpd_tls_auth_only = yes)",
    ),
    FindingCode.STARTTLS_MISSING: _g(
        _E,
        "a server on 143, 587 or 110 does not offer STARTTLS (STLS)",
        "enable STARTTLS on that port with a valid certificate",
    ),
    FindingCode.IMPLICIT_TLS_MISSING: _g(
        _W,
        "no server with implicit TLS (993, 465, 995) is published (RFC 8314 §3.3)",
        "offer the protocol with TLS from the first byte and publish it (autoconfig socketType "
        "SSL, SRV _imaps/_submissions/_pop3s)",
    ),
    FindingCode.SUBMISSION_MISSING: _g(
        _W,
        "SMTP is published only on port 25, which many networks block for clients",
        "offer submission on 465 (implicit TLS) or 587 (STARTTLS) with authentication, and "
        "publish it",
    ),
    FindingCode.SASL_MECHANISMS: _g(
        _I,
        "what SASL mechanisms a server offers",
        "nothing",
    ),
    FindingCode.MX_NONE: _g(
        _W,
        "no MX record",
        "publish an MX record naming your mail server",
    ),
    FindingCode.MX_NULL: _g(
        (_W, _I),
        "a null MX (RFC 7505): the domain takes no mail (a note when nothing else is published)",
        "remove the null MX if the domain should receive mail",
    ),
    FindingCode.MX_UNRESOLVED: _g(
        _E,
        "an MX host has no address",
        "add an A/AAAA record for the MX host, or correct the MX record",
    ),
    FindingCode.MX_PROVIDER: _g(
        _I,
        "the MX belongs to a provider the provider data knows",
        "nothing",
    ),
    FindingCode.MX_PROVIDER_MISMATCH: _g(
        _W,
        "the MX is at a known provider, and a mechanism names none of its servers",
        "publish the provider's servers, or point the MX elsewhere",
    ),
    FindingCode.PACC_UNREACHABLE: _g(
        _E,
        "_ua-auto-config TXT records are published, but the PACC document is not served",
        "serve the document at https://ua-auto-config.DOMAIN/.well-known/"
        "user-agent-configuration.json, or remove the TXT records",
    ),
    FindingCode.PACC_CERTIFICATE: _g(
        _E,
        "the PACC host's certificate is refused, so clients cannot read the document",
        "give https://ua-auto-config.DOMAIN a certificate that names that host",
    ),
    FindingCode.PACC_REDIRECT: _g(
        _E,
        "the PACC document URL redirects; clients do not follow redirects there",
        "serve the document at exactly its URL (a 200 answer, no redirect)",
    ),
    FindingCode.PACC_BAD_DOCUMENT: _g(
        _E,
        "the PACC document is not JSON, or has no 'protocols' object",
        "serve a JSON object with a 'protocols' object (draft-ietf-mailmaint-pacc)",
    ),
    FindingCode.PACC_NO_RECORD: _g(
        _E,
        "the PACC document is served, but no _ua-auto-config TXT record vouches for it",
        "publish the TXT record the report names (its digest is the document's SHA-256)",
    ),
    FindingCode.PACC_BAD_RECORD: _g(
        _W,
        "a _ua-auto-config TXT record does not parse, so it vouches for nothing",
        'publish records as "v=UAAC1; a=sha256; d=<base64 of the SHA-256>"',
    ),
    FindingCode.PACC_DIGEST_MISMATCH: _g(
        _E,
        "no TXT record's digest matches the PACC document served, so clients discard it",
        "publish the TXT record the report names, then remove the old records",
    ),
    FindingCode.PACC_STALE_RECORD: _g(
        _I,
        "TXT records beside the matching one vouch for no document served now",
        "remove them once the old document's caches have expired",
    ),
    FindingCode.PACC_ONE_REVISION: _g(
        (_W, _I),
        "the document names its submission server only as 'smtp' (warning) or only as "
        "'submit' (note), so clients of one draft revision do not read it",
        "name the submission server under both 'submit' and 'smtp'",
    ),
    FindingCode.PACC_ENTRY_IGNORED: _g(
        _W,
        "an entry of the PACC document that clients must ignore (an address for a host, a bad URL)",
        "name host names (not addresses) and absolute https URLs",
    ),
    FindingCode.PACC_OAUTH_METADATA: _g(
        _E,
        "the OAuth issuer the PACC document names has no RFC 8414 metadata that loads (at "
        "/.well-known/oauth-authorization-server, nor OpenID Connect's)",
        "serve the issuer's metadata at https://HOST/.well-known/oauth-authorization-server[/PATH]",
    ),
    FindingCode.PACC_OAUTH_MISMATCH: _g(
        _E,
        "the issuer's metadata names another issuer, so clients must not use it (RFC 8414 §3.3)",
        "make the metadata's 'issuer' exactly the issuer the PACC document names",
    ),
    FindingCode.PACC_OAUTH_PROFILE: _g(
        _W,
        "the issuer's metadata lacks what a public mail client needs: the authorization code "
        "grant, PKCE S256, token_endpoint_auth_method 'none', both endpoints",
        "list them in the metadata (draft-ietf-mailmaint-oauth-public)",
    ),
    FindingCode.SERVICE_UNREACHABLE: _g(
        _E,
        "a JMAP, CalDAV or CardDAV URL (from PACC or SRV) gives no 2xx or 401 answer at the end "
        "of its redirects (error status, TLS or certificate failure, no answer)",
        "serve the service at the URL, or correct the URL or record",
    ),
    FindingCode.SERVICE_NO_CHALLENGE: _g(
        _W,
        "a JMAP, CalDAV or CardDAV URL answers 401 without a WWW-Authenticate header",
        "send a WWW-Authenticate challenge (Basic, Bearer) with the 401",
    ),
    FindingCode.SERVICE_WELL_KNOWN: _g(
        _W,
        "/.well-known/caldav or /.well-known/carddav answers itself instead of redirecting to "
        "the context path (RFC 6764 §5)",
        "redirect the well-known URI to the context path, or publish a TXT path beside the SRV",
    ),
    FindingCode.SRV_RECORDS_LEFT_OUT: _g(
        _W,
        "more than 16 SRV records for one service: the rest were not checked "
        "(MechanismReport.records_left_out)",
        "publish one record per server; clients try only the first few",
    ),
    FindingCode.SERVERS_LEFT_OUT: _g(
        _W,
        "more than 32 servers named: the rest were not probed (DomainReport.servers_left_out)",
        "name fewer servers; clients try only the first few",
    ),
    FindingCode.MECHANISM_TIMEOUT: _g(
        (_W, _I),
        "a URL or DNS name a mechanism asked did not answer in time (a note, asking nothing of "
        "the admin, when the host is not the domain's own, e.g. the online ISPDB)",
        "make it answer (or stop publishing the name), or run the check again with a longer "
        "--timeout",
    ),
    FindingCode.ZONE_DNSSEC_BOGUS: _g(
        _E,
        "the domain's zone is signed but its DNSSEC chain of trust fails (bogus; the evidence "
        "names the failing link: a DS matching no DNSKEY, an expired or missing signature): "
        "validating resolvers answer SERVFAIL for every name in it",
        "fix that link: re-sign the zone, or correct the DS record at the parent (registrar)",
    ),
    FindingCode.ZONE_UNSIGNED: _g(
        _I,
        "the domain's zone is not DNSSEC-signed, or the parent holds no DS for it (insecure): "
        "TLSA records there would be ignored, so DANE cannot protect mail to it",
        "sign the zone, publish its DS at the registrar, then publish TLSA records",
    ),
    FindingCode.MX_UNREACHABLE: _g(
        _W,
        "an MX host does not answer SMTP on port 25 (senders then try the other MX hosts, or "
        "queue the mail and retry)",
        "make the host accept connections on port 25 (check the firewall), or remove the MX record",
    ),
    FindingCode.MX_STARTTLS_MISSING: _g(
        (_E, _W),
        "an MX host does not offer STARTTLS on port 25, or TLS fails there: mail to the domain "
        "travels in plain text. An error when MTA-STS enforces TLS or secure TLSA records "
        "publish DANE for the host (senders then do not deliver at all)",
        "offer STARTTLS (RFC 3207) with a certificate for the MX host name",
    ),
    FindingCode.MX_CERTIFICATE: _g(
        (_E, _W, _I),
        "the WebPKI refuses an MX host's certificate (self-signed, expired, another name). "
        "Mail servers deliver over TLS opportunistically whatever the certificate (RFC 7435), "
        "so this is only worth knowing, unless an MTA-STS policy asks senders to check it: a "
        "warning in mode testing (failures reported), an error in mode enforce (senders refuse "
        "to deliver). With secure TLSA records DANE judges the certificate instead (RFC 7672 "
        "§3.2: the names are checked against TLSA, not the WebPKI), and this is not raised",
        "install a certificate from a public CA for the MX host name (e.g. from Let's "
        "Encrypt), or publish TLSA records for it in a DNSSEC-signed zone",
    ),
    FindingCode.MX_OLD_TLS: _g(
        _W,
        "an MX host agreed to TLS 1.0 or 1.1, which RFC 8996 retires",
        "allow TLS 1.2 and 1.3 only",
    ),
    FindingCode.TLSA_MISMATCH: _g(
        (_E, _W),
        "no TLSA record of an MX host (`_25._tcp.HOST`) or server (`_PORT._tcp.HOST`) matches "
        "the certificate or key it presents: an error when the records are DNSSEC-secure "
        "(DANE senders and clients refuse the connection), a warning when their status is "
        "unknown (DNSSEC not checked: `--dnssec`)",
        "publish the TLSA record for the current key first (`--format srv-zone` prints "
        "`3 1 1` records from the keys presented), roll the key over, then remove the old "
        "record",
    ),
    FindingCode.TLSA_NOT_SECURE: _g(
        _W,
        "TLSA records are published in a zone that DNSSEC does not sign (insecure): everyone "
        "ignores them",
        "sign the zone (and publish its DS at the parent), or remove the records",
    ),
    FindingCode.TLSA_BOGUS: _g(
        _E,
        "the TLSA answer fails DNSSEC validation (bogus): DANE senders and clients refuse to "
        "connect, since the records may be forged",
        "fix the zone's signatures or the DS at the parent (often a key rollover gone wrong)",
    ),
    FindingCode.TLSA_USAGE_DISCOURAGED: _g(
        (_W, _I),
        "TLSA records with usage 0 (PKIX-TA) or 1 (PKIX-EE): SMTP senders treat them as "
        "unusable (RFC 7672 §3.1.3; a warning for MX hosts), and RFC 7671 advises DANE-EE or "
        "DANE-TA for other mail servers too (a note)",
        "publish DANE-EE `3 1 1` (the server's key) or DANE-TA `2 1 1` (the issuing CA's key) "
        "records instead",
    ),
    FindingCode.TLSA_MISSING: _g(
        _I,
        "a host in a DNSSEC-signed zone has no TLSA record: DANE is one record away",
        "publish `_PORT._tcp.HOST. IN TLSA 3 1 1 <hex>` (`--format srv-zone` prints it)",
    ),
    FindingCode.MTA_STS_BAD_RECORD: _g(
        _E,
        "the `_mta-sts` TXT record does not parse (RFC 8461 §3.1: `v=STSv1` first, an `id` of "
        "1 to 32 letters and digits), or two records start with `v=STSv1`: senders ignore "
        "MTA-STS",
        'publish one record `_mta-sts.DOMAIN. IN TXT "v=STSv1; id=20240101T000000"`',
    ),
    FindingCode.MTA_STS_POLICY_UNREACHABLE: _g(
        _E,
        "the `_mta-sts` record is published but the policy is not served at "
        "`https://mta-sts.DOMAIN/.well-known/mta-sts.txt` with a valid certificate and a 200 "
        "answer; redirects are not followed (RFC 8461 §3.3), nor bodies over 64 KiB",
        "serve the policy there (HTTPS, a certificate for mta-sts.DOMAIN, no redirect), or "
        "remove the TXT record",
    ),
    FindingCode.MTA_STS_BAD_POLICY: _g(
        _E,
        "the policy file does not parse (RFC 8461 §3.2): `key: value` lines ended by CRLF or "
        "LF, `version: STSv1`, `mode` enforce, testing or none, `max_age` up to 31557600, an "
        "`mx` line per MX host or `*.` pattern",
        "correct the file; then change the TXT record's `id` so senders fetch it again",
    ),
    FindingCode.MTA_STS_NO_RECORD: _g(
        _W,
        "a policy is served, but no `_mta-sts` TXT record tells senders to fetch it",
        'publish `_mta-sts.DOMAIN. IN TXT "v=STSv1; id=<a new id>"`',
    ),
    FindingCode.MTA_STS_MX_MISMATCH: _g(
        (_E, _W),
        "an MX host matches no `mx` pattern of the policy (RFC 8461 §4.1: `*.` stands for the "
        "leftmost label only): in mode enforce senders do not deliver there (an error), in "
        "mode testing they report it (a warning)",
        "add an `mx:` line for the host, then change the TXT record's `id`",
    ),
    FindingCode.MTA_STS_TESTING: _g(
        _I,
        "the policy's mode is testing (or none): senders deliver even when TLS fails",
        "switch to `mode: enforce` once the TLS reports show no failures",
    ),
    FindingCode.MTA_STS_MISSING: _g(
        _I,
        "neither MTA-STS nor DANE asks senders to use TLS for mail to the domain: an attacker "
        "on the path can strip STARTTLS",
        "publish an MTA-STS policy and its `_mta-sts` TXT record, or TLSA records in a "
        "DNSSEC-signed zone",
    ),
    FindingCode.TLS_RPT_BAD_RECORD: _g(
        _W,
        "the `_smtp._tls` TXT record does not parse (RFC 8460 §3: `v=TLSRPTv1` first, `rua=` "
        "with mailto: or https: URIs), or two records start with `v=TLSRPTv1`: no reports",
        'publish one record `_smtp._tls.DOMAIN. IN TXT "v=TLSRPTv1; '
        'rua=mailto:tls-reports@DOMAIN"`',
    ),
    FindingCode.TLS_RPT_MISSING: _g(
        _I,
        "MTA-STS or DANE is in use, but no `_smtp._tls` record asks senders for reports "
        "(RFC 8460), so TLS failures at senders go unseen",
        'publish `_smtp._tls.DOMAIN. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@DOMAIN"`',
    ),
    FindingCode.LOCAL_DNS_DOWN: _g(
        _E,
        "this machine resolves nothing, not even the online ISPDB's host: nothing about the "
        "domain could be checked (the report's only finding; exit status 6)",
        "check this machine's network connection and DNS settings (or --nameserver), then "
        "run the check again",
    ),
    FindingCode.LOCAL_NETWORK_DOWN: _g(
        _E,
        "names resolve, but neither the online ISPDB nor any web host of the domain answered: "
        "nothing about the domain could be checked (the report's only finding; exit status 6)",
        "check this machine's network connection (a proxy, a firewall), then run the check again",
    ),
}
