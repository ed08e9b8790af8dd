"""PDF rendering and signing of notices and licences: plain data in, bytes out."""
from .fonts import FontInfo, cjk_font
from .licence import LicenceFace, render_licence, render_licences
from .notice import Notice, render_notice
from .signing import (
    canonical_content,
    content_hash,
    key_id_of,
    load_or_create_key,
    load_public_key,
    public_key_pem,
    sign,
    verify,
    verify_with,
)

__all__ = [
    "FontInfo",
    "LicenceFace",
    "Notice",
    "canonical_content",
    "cjk_font",
    "content_hash",
    "key_id_of",
    "load_public_key",
    "load_or_create_key",
    "public_key_pem",
    "render_licence",
    "render_licences",
    "render_notice",
    "sign",
    "verify",
    "verify_with",
]
