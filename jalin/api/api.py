"""The NinjaAPI instance: /api/v1/, OpenAPI 3.1 at /api/v1/openapi.json, Swagger UI at /api/v1/docs.

Add a resource: write ``jalin/api/routers/<name>.py`` with ``router = Router(tags=[...])``; every module
in that package is mounted (sorted by name), so adding a resource touches no shared file (docs/api.md).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from ninja import NinjaAPI, Swagger

from . import errors
from .auth import token_auth
from .parser import JsonParser
from .throttle import TokenRateThrottle

# Every operation may answer with these problems (RFC 9457); documented once, for all routes.
PROBLEM_STATUSES = {
    "400": "Malformed request (body not JSON, nested too deeply)",
    "401": "No valid token (missing, unknown, expired or revoked)",
    "403": "The token lacks a scope, or the account must set up two-factor login",
    "404": "Not found, or not yours: the same answer",
    "409": "Conflict: changed by someone else, or a stage guard refuses",
    "413": "Request too large",
    "415": "Unsupported media type",
    "422": "Invalid input; errors name each field",
    "429": "Rate limit reached; see Retry-After",
}

PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; title and detail in the caller's language.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}}}},
    },
    "additionalProperties": True,
}


class JalinNinjaAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                for status, description in PROBLEM_STATUSES.items():
                    operation["responses"].setdefault(status, {"description": description, "content": content})
        return schema


api = JalinNinjaAPI(
    title="Jalin API",
    version="1.0.0",
    description="Jalin's REST API. Authenticate with a personal access token (profile page): "
                "`Authorization: Bearer jalin_...`. Errors are RFC 9457 problem+json. See docs/api.md.",
    urls_namespace="api-v1",
    auth=token_auth,
    throttle=[TokenRateThrottle()],
    parser=JsonParser(),
    # Swagger UI's assets come from ninja's own static files (ninja is in INSTALLED_APPS): no CDN.
    # No online validator badge either: Jalin runs offline.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)


def _mount_routers() -> None:
    from . import routers

    for info in sorted(pkgutil.iter_modules(routers.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            api.add_router("", import_module(f"{routers.__name__}.{info.name}").router)


_mount_routers()
