"""JSON API: ratings."""
from . import bp  # noqa: F401

OPENAPI: dict = {}
