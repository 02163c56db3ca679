"""Typed refusals of the email tools. All are `InputError`s (exit code 2): each is a problem with the email, the
DNS record, the notary key or a file the user handed in, caught before any prover sees it."""

from __future__ import annotations

from vlayer.errors import InputError


class EmailError(InputError):
    """Root of the email tools' refusals (`vlayer.email`, `vlayer email`, `vlayer dns-notary`)."""


class EmailFormatError(EmailError):
    """The raw email cannot be what the verifier reads: not UTF-8, no blank line before the body, a lone LF in the
    headers (the email must keep the CRLF line ends it was signed with), or a header line that is not `Name: value`."""


class DkimSignatureError(EmailError):
    """The email's DKIM-Signature header(s) cannot give a proof: unparsable, missing a tag, `l=` present, `h=`
    not covering from, to and subject, or an algorithm the verifier does not take."""


class NoDkimSignatureError(DkimSignatureError):
    """No DKIM-Signature has `d=` equal to the domain of the From address."""


class MultipleDkimSignaturesError(DkimSignatureError):
    """More than one DKIM-Signature has `d=` equal to the From domain; the verifier takes exactly one."""


class DnsRecordError(EmailError):
    """The DKIM key's DNS TXT record is unusable: no `p=`, a key that is not RSA (`k=ed25519`), bad base64."""


class NotaryKeyError(EmailError):
    """The DNS notary's key file cannot be read, is not an RSA private key, or is too small; or keygen's output
    file already exists."""


class UnverifiedEmailFormatError(EmailError):
    """A JSON document is not an UnverifiedEmail (or a signed DNS record) as `vlayer email prepare` writes it."""
