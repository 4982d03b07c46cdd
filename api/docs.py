"""/docs offline (Swagger UI's files from the swagger-ui-bundle package) and the OpenAPI document's common parts.

Every route under /api/ is documented with the bearer scheme (the Authorize button) and its errors as
problem+json: 401 for all, 404 where the path names an object, 413 and 422 where a body is sent, 429
where a rate limit applies. FastAPI's own HTTPValidationError is replaced: the API never answers it.
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

STATIC = "/docs/static"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem", "type": "object", "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Unprocessable Content"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "steps: at least one step is needed"},
        "errors": {"type": "array", "items": {}, "description": "Every problem, by its path (validation errors)"},
    },
}
WHY = {400: "The request cannot be read", 401: "No valid credential (missing, malformed, unknown, revoked or expired)",
       403: "Not allowed for this caller (a cookie-signed change without `X-Requested-With`, an agent key where a person decides)",
       404: "No such object in the caller's organisation", 409: "Conflicts with the object's state, or the same "
       "Idempotency-Key is still in flight", 413: "The request body is over the route's limit",
       415: "Wrong content type", 422: "The request is invalid (each problem named by its path)",
       429: "Over the organisation's rate; `Retry-After` says when to try again"}
# Operations (by operationId) that are rate limited.
RATE_LIMITED = ("chat_api_chat_post", "execute_playbook_api_playbooks__playbook_id__execute_post")


def install_docs(app: FastAPI) -> None:
    """Serve /docs from the packaged Swagger UI and document auth and errors in the OpenAPI schema."""
    app.mount(STATIC, StaticFiles(directory=swagger_ui_path), name="swagger-ui")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js", swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon-32x32.png",
            swagger_ui_parameters={"persistAuthorization": True},
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            app.openapi_schema = with_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _problem(status: int) -> dict[str, Any]:
    return {"description": WHY.get(status, "Error"),
            "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


def with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """The bearer scheme on every /api/ operation; errors as problem+json; no HTTPValidationError."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http", "scheme": "bearer",
        "description": "A session token (`playbooks token`), an agent key (`playbooks agent-key`), or the cron secret (execute only)"}
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            responses = op.setdefault("responses", {})
            codes = {422} if op.get("parameters") or "requestBody" in op else set()
            if path.startswith("/api/"):
                op["security"] = [{"bearer": []}]
                codes.add(401)
            if "{" in path or "requestBody" in op:
                codes.add(404)  # the object a path names, or one a body names (an order's product, execute's orgId)
            if method in ("post", "put", "patch"):
                codes |= {409, 413, 422}  # 409: the object's state, a name in use, or a key still in flight
            if path.startswith("/api/") and method in ("post", "put", "patch", "delete"):
                codes.add(403)  # a change signed only by the page's cookie without its header; a person's decision
            if "requestBody" in op and "application/json" not in op["requestBody"].get("content", {}):
                codes.add(415)
            if op.get("operationId") in RATE_LIMITED:
                codes.add(429)
            for code in sorted(codes):
                responses[str(code)] = _problem(code)
    return schema
