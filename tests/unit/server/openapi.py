"""Checking an answer of the service against the service's own ``/openapi.json``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import jsonschema


def response_schema(
    openapi: dict[str, Any], path: str, status: int, media_type: str
) -> dict[str, Any]:
    """The schema of the answer to ``GET path`` with ``status`` and ``media_type``."""
    answers = openapi["paths"][path]["get"]["responses"]
    answer = answers.get(str(status))
    assert answer is not None, f"{path} does not document the status {status}"
    content = answer.get("content", {})
    assert media_type in content, f"{path} {status} does not document {media_type}"
    return dict(content[media_type]["schema"])


def validate(openapi: dict[str, Any], response: httpx.Response) -> None:
    """Fails unless ``response`` has a documented status, media type and a fitting body."""
    media_type = response.headers["content-type"].split(";")[0].strip()
    schema = response_schema(openapi, response.request.url.path, response.status_code, media_type)
    if media_type != "application/json":
        jsonschema.validate(response.text, schema)
        return
    # The answer's schema with the document's components beside it, so $refs resolve.
    whole = {**schema, "components": openapi.get("components", {})}
    jsonschema.validate(json.loads(response.text), whole)
