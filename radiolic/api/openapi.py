"""GET /openapi.json: the document every API module contributes its paths to."""
import sys

from flask import current_app, jsonify

from ..access import public
from . import MODULES, bp

ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string"}, "message": {"type": "string"}, "fields": {"type": "object"}}}}}


def document() -> dict:
    paths: dict = {}
    for name in MODULES:
        module = sys.modules.get(f"radiolic.api.{name}")
        for path, ops in getattr(module, "OPENAPI", {}).items():
            paths.setdefault(path, {}).update(ops)
    return {
        "openapi": "3.0.3",
        "info": {"title": "radiolic API", "version": "1",
                 "description": f"{current_app.config['OFFICE_NAME']} radio licence workflow API"},
        "servers": [{"url": "/api/v1"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": {"Error": ERROR_SCHEMA}},
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())


OPENAPI = {"/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": {"description": "OpenAPI 3 document"}}}}}
