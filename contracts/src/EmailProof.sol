// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ChainIds} from "./ChainIds.sol";
import {IDnsKeyRepository} from "./ImageIdRepository.sol";
import {PrecompileCall} from "./PrecompileCall.sol";
import {Precompiles} from "./PrecompilesAddresses.sol";

/// @notice A DNS TXT record as the DNS notary saw it: `name` is `<selector>._domainkey.<domain>`, `data` the DKIM
///         key record (`v=DKIM1; k=rsa; p=...`), `recordType` 16 (TXT). `ttl` is informational: it is not signed.
struct DnsRecord {
    string name;
    uint8 recordType;
    string data;
    uint64 ttl;
}

/// @notice The DNS notary's signature over the record: RSA PKCS#1 v1.5 / SHA-256 over the canonical JSON
///         `{"data":...,"name":...,"type":16,"valid_until":...}`, by the key `pubKey` (SubjectPublicKeyInfo DER),
///         vouching for the record until `validUntil` (unix seconds).
struct VerificationData {
    uint64 validUntil;
    bytes signature;
    bytes pubKey;
}

/// @notice A raw email (RFC 5322, CRLF line ends) with the notarised DKIM record of its signer: what a prover takes.
///         `vlayer email prepare` / `vlayer.email.prepare_email` build one.
struct UnverifiedEmail {
    string email;
    DnsRecord dnsRecord;
    VerificationData verificationData;
}

/// @notice What a verified email says: the sender's bare address, the `To` header as written, the subject ("" when
///         absent) and the plain-text body.
struct VerifiedEmail {
    string from;
    string to;
    string subject;
    string body;
}

/// @notice Email proofs (vlayer v1 API): the DKIM signature of the sender's domain, checked by vlayer's precompile
///         against a DKIM record signed by a DNS notary whose key this library accepts. A signature or record that
///         does not verify aborts the execution with the engine's message; the checks below revert.
library EmailProofLib {
    /// @notice keccak256 of the dev DNS notary's public key (SubjectPublicKeyInfo DER). Its private key is public
    ///         (host/vlayer/email/dev_notary_key.pem, like anvil's accounts), so it is trusted on dev chains only.
    bytes32 internal constant DEV_DNS_NOTARY_KEY_HASH =
        0x074cd05b6bf1d8d4ec96562e65e928b4e5cb4e5f7f5e7c2f929475d75c0849b6;

    /// @notice Verifies `unverifiedEmail` on a dev chain, where the dev DNS notary's key is trusted. Other chains
    ///         have no built-in notary key: use `verify(email, repository)` there.
    function verify(UnverifiedEmail memory unverifiedEmail) internal view returns (VerifiedEmail memory) {
        _requireFresh(unverifiedEmail);
        require(
            ChainIds.isDevChain(block.chainid),
            "EmailProof: no DNS notary key is trusted on this chain without a key repository; use EmailProofLib.verify(email, repository)"
        );
        require(
            _isDevKey(unverifiedEmail.verificationData.pubKey),
            "EmailProof: not the dev DNS notary key; use EmailProofLib.verify(email, repository) to trust others"
        );
        return _verifyEmail(unverifiedEmail);
    }

    /// @notice Verifies `unverifiedEmail` signed by a DNS notary key that `repository` lists (or, on a dev chain,
    ///         by the dev notary key).
    function verify(UnverifiedEmail memory unverifiedEmail, IDnsKeyRepository repository)
        internal
        view
        returns (VerifiedEmail memory)
    {
        _requireFresh(unverifiedEmail);
        bytes memory key = unverifiedEmail.verificationData.pubKey;
        // The dev key first: on a dev chain it needs no repository deployed at all.
        if (!(ChainIds.isDevChain(block.chainid) && _isDevKey(key))) {
            // Otherwise a call to an empty address would fail decoding its empty answer, with no reason given.
            require(address(repository).code.length > 0, "EmailProof: no contract at the key repository address");
            require(repository.isDnsKeyValid(key), "EmailProof: DNS notary key is not valid in the key repository");
        }
        return _verifyEmail(unverifiedEmail);
    }

    function _requireFresh(UnverifiedEmail memory unverifiedEmail) private view {
        // A block producer can shift the timestamp by seconds; a notarised record is vouched for over hours (its
        // TTL), so that leeway does not matter.
        // forge-lint: disable-next-line(block-timestamp)
        require(unverifiedEmail.verificationData.validUntil > block.timestamp, "EmailProof: expired DNS verification");
    }

    function _isDevKey(bytes memory key) private pure returns (bool) {
        return keccak256(key) == DEV_DNS_NOTARY_KEY_HASH;
    }

    function _verifyEmail(UnverifiedEmail memory unverifiedEmail) private view returns (VerifiedEmail memory) {
        bytes memory output = PrecompileCall.call(Precompiles.VERIFY_EMAIL, abi.encode(unverifiedEmail));
        return abi.decode(output, (VerifiedEmail));
    }
}
