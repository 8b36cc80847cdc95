"""The issuer's electronic seal on the PDF: a PAdES signature (ETSI.CAdES.detached) with the
issuer's X.509 seal certificate, so that a PDF reader shows who issued the file and that it is
unchanged since.

The key and certificate come from files named in the settings; without them the service makes
a self-signed demo seal at start (and says so in its log): a reader then shows the issuer's
name but cannot trust it, which is right for a demo.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.keys import load_certs_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

__all__ = ["SEAL_FIELD", "Seal", "SealError"]

SEAL_FIELD = "Sigill"


class SealError(RuntimeError):
    """The seal's key or certificate cannot be used; the service refuses to start."""


@dataclass(frozen=True)
class Seal:
    """Seals PDFs with one key and its certificate (and the certificate's chain, if given)."""

    signer: signers.SimpleSigner
    certificate: asn1_x509.Certificate
    name: str
    """Whom the seal names: the certificate's subject organisation or common name."""

    @classmethod
    def from_files(cls, key_file: Path, certificate_file: Path) -> Seal:
        """The seal key (PEM or DER, unencrypted) and its certificate, followed by the chain
        up to the root, in one PEM file."""
        try:
            key = load_private_key_from_pemder(key_file, passphrase=None)
            certificate, *chain = load_certs_from_pemder([certificate_file])  # type: ignore[no-untyped-call]
        except (OSError, ValueError) as error:
            raise SealError(f"the seal key or certificate cannot be read: {error}") from None
        registry = SimpleCertificateStore.from_certs(chain)  # type: ignore[no-untyped-call]
        signer = signers.SimpleSigner(
            signing_cert=certificate, signing_key=key, cert_registry=registry
        )
        return cls(signer, certificate, _subject_name(certificate))

    @classmethod
    def demo(cls, issuer_name: str, now: datetime | None = None) -> Seal:
        """A self-signed seal in the issuer's name, valid for ten years."""
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = _self_signed(key, issuer_name, now or datetime.now(UTC))
        der_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
        signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=SimpleCertificateStore(),  # type: ignore[no-untyped-call]
        )
        return cls(signer, cert, issuer_name)

    def seal(self, pdf: bytes, reason: str, location: str | None = None) -> bytes:
        """``pdf`` with the seal added as an incremental update (the original bytes stay)."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        metadata = signers.PdfSignatureMetadata(
            field_name=SEAL_FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
            name=self.name,
        )
        output = signers.sign_pdf(
            writer, metadata, signer=self.signer, bytes_reserved=self._bytes_reserved()
        )
        return bytes(output.getvalue())

    def _bytes_reserved(self) -> int:
        """Room for the CMS signature: its certificates and a few kilobytes more. Given, it
        spares pyHanko a trial signature to measure it (half the time of a seal)."""
        certificates = [self.certificate, *self.signer.cert_registry]
        needed = 4096 + sum(len(c.dump()) for c in certificates)
        return -(-needed // 1024) * 1024  # whole kilobytes (pyHanko needs an even number)


def _subject_name(certificate: asn1_x509.Certificate) -> str:
    subject = certificate.subject.native
    return str(subject.get("organization_name") or subject.get("common_name") or "")


def _self_signed(
    key: ec.EllipticCurvePrivateKey, issuer_name: str, now: datetime
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{issuer_name} (demo seal)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
