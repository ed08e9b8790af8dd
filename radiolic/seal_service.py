"""The office's electronic seal on PDFs: one interface, one algorithm module behind it.

`service()` returns the configured `SealService`: by default `PadesSealService`, which signs PAdES baseline B-B
(SHA-256, CMS with the signing-certificate attribute) with pyHanko, using the office certificate and key from the
PKCS#12 file `SEAL_PKCS12` (password from the environment: RADIOLIC_SEAL_PKCS12_PASSWORD), and checks signatures
against the trusted CA certificates in `SEAL_CA_CERT`. Another algorithm (a national SM2 / GB/T 38540 seal
service) plugs in by naming its class in `SEAL_SERVICE` ("package.module:Class"): it must provide the methods of
`SealService` below (see the README for what such an adapter needs).

`init` creates a demo CA and office certificate when no PKCS#12 file is configured; the seal drawn on documents
then carries the words 演示印章.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as _dt
import functools
import importlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

DEMO_UNIT = "DEMO-SEAL"          # organisational unit of the demo certificates (how demo mode is recognised)
DEMO_LABEL = "演示印章"


@dataclass
class SignatureCheck:
    """One embedded signature of a PDF, as checked offline."""

    field: str
    signer: str
    intact: bool              # the signed bytes are unchanged and the cryptographic signature is sound
    trusted: bool             # the signer's certificate chains to a configured CA
    whole_file: bool          # nothing was added or changed after signing
    signed_at: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.trusted and self.whole_file


class SealService:
    """What every seal algorithm provides. Implementations must be picklable-free of state that breaks on fork."""

    demo: bool = False

    @property
    def label(self) -> str:
        """Words drawn under the seal (演示印章 for a demo certificate, else nothing)."""
        return DEMO_LABEL if self.demo else ""

    def sign_pdf(self, data: bytes, *, reason: str = "") -> bytes:   # pragma: no cover - interface
        raise NotImplementedError

    def check_pdf(self, data: bytes) -> list[SignatureCheck]:       # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> dict:                                      # pragma: no cover - interface
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------------- settings

def _setting(name: str, default_name: str) -> str:
    value = current_app.config.get(name)
    return str(value) if value else str(Path(current_app.config.get("SEAL_FOLDER") or
                                             Path(current_app.instance_path) / "seal") / default_name)


def pkcs12_path() -> str:
    return _setting("SEAL_PKCS12", "office.p12")


def ca_path() -> str:
    return _setting("SEAL_CA_CERT", "ca.pem")


def _password(p12: str) -> bytes:
    """RADIOLIC_SEAL_PKCS12_PASSWORD (config SEAL_PKCS12_PASSWORD), or the demo's password file beside the file."""
    value = current_app.config.get("SEAL_PKCS12_PASSWORD") or os.environ.get("RADIOLIC_SEAL_PKCS12_PASSWORD")
    if value:
        return value.encode("utf-8")
    side = Path(p12 + ".password")
    if side.exists():
        return side.read_text("utf-8").strip().encode("utf-8")
    raise RuntimeError(f"未设置 {p12} 的密码：请设置环境变量 RADIOLIC_SEAL_PKCS12_PASSWORD")


def service() -> SealService:
    """The configured seal service (cached per settings)."""
    spec = current_app.config.get("SEAL_SERVICE") or "radiolic.seal_service:PadesSealService"
    p12 = pkcs12_path()
    mtime = os.path.getmtime(p12) if os.path.exists(p12) else 0
    return _service(spec, p12, ca_path(), mtime, _password(p12) if mtime else b"")


@functools.lru_cache(maxsize=4)
def _service(spec: str, p12: str, ca: str, _mtime: float, password: bytes) -> SealService:
    module, _, name = spec.partition(":")
    cls = getattr(importlib.import_module(module), name)
    return cls(p12, password, ca)


def configured() -> bool:
    return os.path.exists(pkcs12_path())


# ---------------------------------------------------------------------------------------------------- PAdES

class PadesSealService(SealService):
    """PAdES B-B, SHA-256, RSA or ECDSA office key from PKCS#12; pyHanko for signing and validation."""

    FIELD = "OfficeSeal"

    def __init__(self, p12: str, password: bytes, ca: str):
        from pyhanko.sign import signers
        from cryptography.hazmat.primitives.serialization import pkcs12

        with open(p12, "rb") as handle:
            raw = handle.read()
        key, cert, extra = pkcs12.load_key_and_certificates(raw, password)
        self._pyca_key = key
        loaded = signers.SimpleSigner.load_pkcs12(p12, passphrase=password)
        if loaded is None:
            raise RuntimeError(f"无法读取印章证书文件 {p12}")
        self._signer = _CachedKeySigner(loaded.signing_cert, loaded.signing_key, loaded.cert_registry, key)
        self.ca_file = ca
        self.certificate = cert
        units = [a.value for a in cert.subject.get_attributes_for_oid(_ou_oid())]
        self.demo = DEMO_UNIT in units
        self._pdf_signer = None

    def _signer_for(self, reason: str):
        from pyhanko.sign import fields, signers
        meta = signers.PdfSignatureMetadata(field_name=self.FIELD, md_algorithm="sha256",
                                            subfilter=fields.SigSeedSubFilter.PADES, reason=reason or None)
        return signers.PdfSigner(meta, signer=self._signer,
                                 new_field_spec=fields.SigFieldSpec(self.FIELD, box=None))

    def sign_pdf(self, data: bytes, *, reason: str = "") -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        # A fixed reservation skips pyHanko's size estimate (a whole extra signing pass per document).
        return _outside_event_loop(lambda: self._signer_for(reason).sign_pdf(writer, bytes_reserved=12288).getvalue())

    def trust_roots(self) -> list:
        from pyhanko.keys import load_certs_from_pemder
        return list(load_certs_from_pemder([self.ca_file])) if os.path.exists(self.ca_file) else []

    def check_pdf(self, data: bytes) -> list[SignatureCheck]:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            signatures = list(reader.embedded_signatures)
        except Exception as err:  # noqa: BLE001 - any parse failure means "not a readable signed PDF"
            return [SignatureCheck("", "", False, False, False, problem=f"无法读取 PDF：{err}")]
        checks = []
        for sig in signatures:
            context = ValidationContext(trust_roots=self.trust_roots(), allow_fetching=False,
                                        revocation_mode="soft-fail")
            try:
                status = _outside_event_loop(lambda: validate_pdf_signature(sig, context))
            except Exception as err:  # noqa: BLE001 - a malformed signature reads as "not valid", never a 500
                checks.append(SignatureCheck(sig.field_name, "", False, False, False, problem=f"签名无法校验：{err}"))
                continue
            signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
            whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            problem = ("签名后文件被改动" if status.intact and not whole else
                       "签名与文件内容不符" if not (status.intact and status.valid) else
                       "签名证书不是由受信任的发证机关 CA 签发" if not status.trusted else "")
            checks.append(SignatureCheck(sig.field_name, signer, bool(status.intact and status.valid),
                                         bool(status.trusted), whole,
                                         status.signer_reported_dt.isoformat() if status.signer_reported_dt else "",
                                         problem))
        return checks

    def describe(self) -> dict:
        from cryptography.hazmat.primitives import hashes
        cert = self.certificate
        return {"algorithm": "PAdES B-B / SHA-256", "subject": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(), "serial": format(cert.serial_number, "x"),
                "fingerprint_sha256": cert.fingerprint(hashes.SHA256()).hex(), "demo": self.demo}


def _outside_event_loop(call):
    """Run one of pyHanko's synchronous calls (they use asyncio.run) even where this thread already runs an event
    loop (an async server, a notebook, Playwright's sync API in the tests): then in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def _ou_oid():
    from cryptography.x509.oid import NameOID
    return NameOID.ORGANIZATIONAL_UNIT_NAME


def _cached_signer_class():
    from pyhanko.sign import signers

    class CachedKeySigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner re-parses the private key for every signature (~0.1 s for RSA); keep it parsed."""

        def __init__(self, cert, key_info, registry, pyca_key):
            super().__init__(cert, key_info, registry, embed_roots=False)
            self._pyca = pyca_key

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
            algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}[
                digest_algorithm.lower()]
            if isinstance(self._pyca, rsa.RSAPrivateKey):
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
                if mechanism["algorithm"].native == "rsassa_pss":
                    return super().sign_raw(data, digest_algorithm)
                return self._pyca.sign(data, padding.PKCS1v15(), algorithm)
            if isinstance(self._pyca, ec.EllipticCurvePrivateKey):
                return self._pyca.sign(data, ec.ECDSA(algorithm))
            return super().sign_raw(data, digest_algorithm)

    return CachedKeySigner


def _CachedKeySigner(cert, key_info, registry, pyca_key):  # noqa: N802 - a class built on first use
    return _cached_signer_class()(cert, key_info, registry, pyca_key)


# ---------------------------------------------------------------------------------------------------- demo CA

def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _name(common: str, office: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, office),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, DEMO_UNIT),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _office_certificate(ca_key, ca_cert, office: str, start: _dt.datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name(f"{office} 电子印章（演示）", office))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + _dt.timedelta(days=365 * 5))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _save_pkcs12(p12: Path, key, cert, ca_cert, password: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    data = pkcs12.serialize_key_and_certificates(b"office-seal", key, cert, [ca_cert],
                                                 serialization.BestAvailableEncryption(password.encode("utf-8")))
    _write_private(p12, data)


def create_demo_seal(office: str, now: _dt.datetime | None = None) -> bool:
    """Create a demo CA and an office certificate (PKCS#12, mode 0600) unless a seal file exists; True if created."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    p12, ca = Path(pkcs12_path()), Path(ca_path())
    if p12.exists():
        return False
    start = (now or _dt.datetime.now(_dt.timezone.utc)).replace(tzinfo=None) - _dt.timedelta(days=1)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = _name(f"{office} 演示根证书", office)
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(start + _dt.timedelta(days=365 * 20))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                            data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                            crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key, cert = _office_certificate(ca_key, ca_cert, office, start)
    password = secrets.token_urlsafe(18)
    _write_private(Path(str(p12) + ".password"), password.encode("utf-8"))
    _save_pkcs12(p12, key, cert, ca_cert, password)
    _write_private(p12.parent / "demo-ca.key", ca_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ca.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return True


def rotate_demo_seal(office: str, now: _dt.datetime | None = None) -> str:
    """A new office key and certificate under the demo CA; the old certificate is kept in old_certs/ (returns its
    file name). Signatures made with the old key still verify: they chain to the same CA."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    p12 = Path(pkcs12_path())
    ca_key_file = p12.parent / "demo-ca.key"
    if not ca_key_file.exists():
        raise RuntimeError("只有演示印章可在此轮换；正式证书请向 CA 申请新证书后替换 SEAL_PKCS12 文件。")
    password = _password(str(p12)).decode("utf-8")
    _key, old_cert, extra = pkcs12.load_key_and_certificates(p12.read_bytes(), password.encode("utf-8"))
    ca_cert = extra[0]
    ca_key = serialization.load_pem_private_key(ca_key_file.read_bytes(), password=None)
    old_dir = p12.parent / "old_certs"
    old_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{old_cert.fingerprint(hashes.SHA256()).hex()[:16]}.pem"
    (old_dir / name).write_bytes(old_cert.public_bytes(serialization.Encoding.PEM))
    start = (now or _dt.datetime.now(_dt.timezone.utc)).replace(tzinfo=None) - _dt.timedelta(days=1)
    key, cert = _office_certificate(ca_key, ca_cert, office, start)
    _save_pkcs12(p12, key, cert, ca_cert, password)
    _service.cache_clear()
    return name
