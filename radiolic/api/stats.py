"""JSON API: stats."""
from . import bp  # noqa: F401

OPENAPI: dict = {}
