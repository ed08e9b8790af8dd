"""JSON API: review."""
from . import bp  # noqa: F401

OPENAPI: dict = {}
