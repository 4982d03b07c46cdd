"""/docs works offline with an Authorize button; every operation documents its models, examples and problem+json errors."""
from __future__ import annotations

import re

import httpx


def test_docs_are_served_from_the_package_with_no_outside_address(server):
    page = httpx.get(f"{server.url}/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(s.startswith("/docs/static/") for s in sources), sources
    assert "cdn" not in page.text and "https://" not in page.text
    for source in sources:
        served = httpx.get(server.url + source)
        assert served.status_code == 200 and len(served.content) > 100, source
    assert "SwaggerUIBundle" in httpx.get(f"{server.url}/docs/static/swagger-ui-bundle.js").text


def _example_of(document: dict, content: dict) -> object:
    if "example" in content or "examples" in content:
        return content.get("example") or content.get("examples")
    schema = content.get("schema", {})
    refs = [schema, schema.get("items") or {}, *schema.get("anyOf", [])]  # a model, a list of them, an optional one
    ref = next((r["$ref"] for r in refs if "$ref" in r), None)
    if ref:
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema.get("examples") or schema.get("example")


def test_every_operation_has_auth_models_examples_and_problem_errors(server):
    document = httpx.get(f"{server.url}/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"] == {
        **document["components"]["securitySchemes"]["bearer"], "type": "http", "scheme": "bearer"}
    text = str(document)
    assert "HTTPValidationError" not in text and "ValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            if path.startswith("/api/"):
                assert op["security"] == [{"bearer": []}], where
                assert "401" in op["responses"], where
            ok = [code for code in op["responses"] if code.startswith("2")]
            assert ok, where
            for code in ok:
                content = op["responses"][code].get("content")
                if content is None:  # 204: no body
                    assert code == "204", where
                    continue
                for media, body in content.items():
                    assert _example_of(document, body), (where, code, media)
            if "requestBody" in op:
                for media, body in op["requestBody"]["content"].items():
                    assert _example_of(document, body), (where, "request", media)
            for code, response in op["responses"].items():
                if code[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (where, code)
                    assert response["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
