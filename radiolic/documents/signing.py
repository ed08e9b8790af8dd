"""Canonical content hashing and Ed25519 signing of electronic licences."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)


def _json_default(value):
    """Encode the non-JSON types that licence records carry."""
    # datetime before date: datetime is a date subclass.
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        # Decimal as a string keeps "12.50" exact instead of a float approximation.
        return str(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot canonicalise {type(value).__name__}")


def canonical_content(record: Mapping) -> bytes:
    """Deterministic UTF-8 JSON encoding of a record (sorted keys, no whitespace)."""
    text = json.dumps(
        dict(record),
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_json_default,
        # NaN/Infinity are not JSON and would make the hash depend on the encoder.
        allow_nan=False,
    )
    return text.encode("utf-8")


def content_hash(record: Mapping) -> str:
    """SHA-256 hex digest of the record's canonical content."""
    return hashlib.sha256(canonical_content(record)).hexdigest()


def _load_private_key(path: str) -> Ed25519PrivateKey:
    """Read an unencrypted PEM private key and insist it is Ed25519."""
    with open(path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} holds a {type(key).__name__}, not an Ed25519 key")
    return key


def load_or_create_key(path: str) -> Ed25519PrivateKey:
    """Load the signing key from path, creating it (PKCS8 PEM, mode 0600) on first use."""
    if os.path.exists(path):
        return _load_private_key(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    # Write to a private temp file, then link it into place: the key file never
    # exists half-written, and if two workers race only the first one's key wins.
    fd, temp_path = tempfile.mkstemp(prefix=".key-", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp_path, path)
        except FileExistsError:
            return _load_private_key(path)
        except OSError:
            # Filesystems without hard links: a rename is still atomic, just not exclusive.
            if os.path.exists(path):
                return _load_private_key(path)
            os.replace(temp_path, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
    return key


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SubjectPublicKeyInfo PEM of a key (private keys are reduced to their public half)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode("ascii")


def _check_digest(digest_hex: str) -> bytes:
    """ASCII bytes of a SHA-256 hex digest; ValueError if it is not one."""
    if not isinstance(digest_hex, str) or len(digest_hex) != 64:
        raise ValueError("digest must be 64 hex characters")
    bytes.fromhex(digest_hex)
    return digest_hex.encode("ascii")


def sign(key: Ed25519PrivateKey, digest_hex: str) -> str:
    """Base64 Ed25519 signature over the ASCII bytes of a SHA-256 hex digest."""
    return base64.b64encode(key.sign(_check_digest(digest_hex))).decode("ascii")


def verify(public_pem: str | bytes, digest_hex: str, signature_b64: str) -> bool:
    """True only if signature_b64 is a valid signature of digest_hex; never raises."""
    try:
        pem = public_pem.encode("ascii") if isinstance(public_pem, str) else public_pem
        public = serialization.load_pem_public_key(pem)
        if not isinstance(public, Ed25519PublicKey):
            return False
        signature = base64.b64decode(signature_b64, validate=True)
        public.verify(signature, _check_digest(digest_hex))
        return True
    except InvalidSignature:
        return False
    except Exception:  # noqa: BLE001 - malformed PEM/base64/digest must read as "not valid"
        return False


def key_id_of(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """A key's id: the first 16 hex digits of the SHA-256 of its raw public bytes (named in every seal)."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(pem: bytes) -> Ed25519PublicKey | None:
    """An Ed25519 public key from PEM (a private key's PEM gives its public half); None if it is neither."""
    try:
        public = serialization.load_pem_public_key(pem)
    except ValueError:
        try:
            public = serialization.load_pem_private_key(pem, password=None).public_key()
        except (ValueError, TypeError):
            return None
    return public if isinstance(public, Ed25519PublicKey) else None


def verify_with(public: Ed25519PublicKey, digest_hex: str, signature_b64: str) -> bool:
    """Like `verify`, with a loaded public key (no PEM parsing per check); never raises."""
    try:
        public.verify(base64.b64decode(signature_b64, validate=True), _check_digest(digest_hex))
        return True
    except InvalidSignature:
        return False
    except Exception:  # noqa: BLE001 - malformed base64/digest reads as "not valid"
        return False
