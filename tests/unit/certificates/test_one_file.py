"""One file carries both forms: the PDF/A-3 paper with the signed credential inside as an
associated file, sealed (PAdES) with the issuer's X.509 seal certificate. Checked with
pyHanko's validation, our own verifier on the extracted credential, and ``qpdf --check``."""

from __future__ import annotations

import asyncio
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus
from pyhanko_certvalidator import ValidationContext

from certificates.bootstrap import load_seal
from certificates.messaging import Consumers
from certificates.presentation.pdf import TypstRenderer
from certificates.service.context import Context, Urls
from certificates.settings import CertificatesSettings
from certificates.signing.multikey import SigningKey
from certificates.signing.seal import SEAL_FIELD, Seal, SealError
from certificates.signing.signer import DataIntegritySigner
from tests.unit.certificates.factory import complete_placement
from tests.unit.certificates.test_handlers import (
    REFERENCE,
    REGISTER,
    Service,
    everything,
    ticking_clock,
)
from tests.unit.certificates.test_pdf import catalog, xmp_of

SEAL = Seal.demo("Malmö stad")


@dataclass
class Issued:
    pdf: bytes
    credential: str
    ctx: Context


@pytest.fixture(scope="module")
def issued() -> Issued:
    """A certificate issued through the handlers with the real renderer, seal and signer."""
    urls = Urls("https://intyg.test")
    ctx = Context(
        reference=REFERENCE,
        register=REGISTER,
        signer=DataIntegritySigner(SigningKey.generate(), urls.issuer_id),
        renderer=TypstRenderer(REFERENCE, seal=SEAL),
        issuer_name="Malmö stad",
        urls=urls,
        clock=ticking_clock(),
    )
    service = Service()
    service.ctx, service.consumers = ctx, Consumers(lambda: service.uow, ctx)
    placement = complete_placement(producer="sf")
    asyncio.run(service.deliver(everything(placement)))
    [stored] = service.uow.repository.certificates.values()
    pdf = asyncio.run(service.stored_pdf(stored.certificate.id))  # as the PDF worker renders it
    return Issued(pdf, stored.credential, ctx)


def attachments(pdf: bytes) -> dict[str, list[bytes]]:
    return dict(pypdf.PdfReader(io.BytesIO(pdf)).attachments)


def seal_status(pdf: bytes, trust: Any) -> PdfSignatureStatus:
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert signature.field_name == SEAL_FIELD
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[trust]))


def test_the_signed_credential_is_inside_and_verifies(issued: Issued) -> None:
    files = attachments(issued.pdf)
    [name] = files
    assert re.fullmatch(r"KI-\d{4}-\d{6}\.json", name)
    [content] = files[name]
    assert content.decode() == issued.credential
    document = json.loads(content)
    assert issued.ctx.signer.verify(document)
    document["credentialSubject"]["name"] = "Someone Else"
    assert not issued.ctx.signer.verify(document)


def test_it_is_an_associated_file_of_a_tagged_pdf_a_3(issued: Issued) -> None:
    root = catalog(issued.pdf)
    associated = root["/AF"].get_object()
    assert isinstance(associated, pypdf.generic.ArrayObject)
    [spec] = [entry.get_object() for entry in associated]
    assert spec["/AFRelationship"] == "/Alternative"
    embedded = spec["/EF"]["/F"].get_object()
    assert embedded["/Subtype"] == "/application/vc"
    assert "/StructTreeRoot" in root
    xmp = xmp_of(issued.pdf)
    assert 'pdfaid:part="3"' in xmp or "<pdfaid:part>3</pdfaid:part>" in xmp


def test_the_seal_is_valid_covers_the_whole_file_and_names_the_issuer(issued: Issued) -> None:
    status = seal_status(issued.pdf, SEAL.certificate)
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.bottom_line
    assert status.coverage is not None
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.subject.native["organization_name"] == "Malmö stad"
    [signature] = PdfFileReader(io.BytesIO(issued.pdf)).embedded_signatures
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_a_changed_byte_breaks_the_seal(issued: Issued) -> None:
    position = issued.pdf.index(b"/Title")
    changed = issued.pdf[:position] + b"/Titel" + issued.pdf[position + 6 :]
    status = seal_status(changed, SEAL.certificate)
    assert not status.intact
    assert not status.bottom_line


def test_qpdf_finds_no_error(issued: Issued, tmp_path: Path) -> None:
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is missing: run scripts/ensure-test-tools.sh (make test does)"
    path = tmp_path / "certificate.pdf"
    path.write_bytes(issued.pdf)
    result = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors found" in result.stdout


# --------------------------------------------------------------------------- the configured seal


def _usage(*, seal: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=seal,
        content_commitment=seal,  # non-repudiation: what a seal asserts, and validators require
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not seal,
        crl_sign=not seal,
        encipher_only=False,
        decipher_only=False,
    )


USAGE_SEAL, USAGE_CA = _usage(seal=True), _usage(seal=False)


def write_seal_files(folder: Path) -> tuple[Path, Path, x509.Certificate]:
    """A seal certificate issued by a CA, as a city would get one: key, certificate + chain."""
    now = datetime.now(UTC)
    ca_key, seal_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    seal_name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Malmö stad e-sigill"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Malmö stad"),
        ]
    )

    def certificate(subject: x509.Name, key: ec.EllipticCurvePrivateKey, ca: bool) -> Any:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(USAGE_CA if ca else USAGE_SEAL, critical=True)
            .sign(ca_key, hashes.SHA256())
        )

    ca, seal = certificate(ca_name, ca_key, True), certificate(seal_name, seal_key, False)
    key_file, certificate_file = folder / "seal.key", folder / "seal.pem"
    key_file.write_bytes(
        seal_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate_file.write_bytes(
        seal.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    )
    return key_file, certificate_file, ca


def test_a_configured_seal_certificate_seals_and_chains_to_its_ca(
    issued: Issued, tmp_path: Path
) -> None:
    key_file, certificate_file, ca = write_seal_files(tmp_path)
    settings = CertificatesSettings(seal_key_file=key_file, seal_certificate_file=certificate_file)
    seal = load_seal(settings)
    pdf = seal.seal(unsealed(issued.pdf), reason="Utfärdat av Malmö stad")
    root = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    status = seal_status(pdf, root)
    assert status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "Malmö stad e-sigill"


def unsealed(pdf: bytes) -> bytes:
    """The paper as Typst made it: the bytes before the seal's incremental update."""
    return pdf[: pdf.index(b"%%EOF") + len(b"%%EOF\n")]


def test_half_a_seal_configuration_is_refused(tmp_path: Path) -> None:
    key_file, _, _ = write_seal_files(tmp_path)
    with pytest.raises(SealError, match="both"):
        load_seal(CertificatesSettings(seal_key_file=key_file))
    with pytest.raises(SealError, match="cannot be read"):
        load_seal(
            CertificatesSettings(seal_key_file=key_file, seal_certificate_file=tmp_path / "none")
        )
