"""The OpenAPI 3.1 document, built from the endpoints and msgspec's JSON schemas of the records,
and a self-contained HTML page that lists it (no scripts, fonts or styles from anywhere else).

Schemas describe the JSON view; crypto values (keys, signatures, digests) are Base58 strings there
and their self-describing byte strings in MessagePack.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

import msgspec

from jadechain import __version__ as _package_version
from jadechain.api import MSGPACK, Problem
from jadechain.crypto import Digest, PrivateKey, PublicKey, Signature
from jadechain.gateway.routing import Endpoint

REF = "#/components/schemas/{name}"
_CRYPTO_SCHEMAS: dict[type, str] = {
    Digest: "Digest: Base58 of (2-byte algorithm code || hash)",
    PublicKey: "Public key: Base58 of (2-byte algorithm code || 0x01 || key)",
    PrivateKey: "Private key: Base58 of (2-byte algorithm code || 0x02 || key)",
    Signature: "Signature: Base58 of (2-byte algorithm code || signature)",
}
_REASONS = {
    200: "OK",
    400: "Bad request",
    404: "Not found",
    413: "Body too large",
    415: "Unsupported Content-Type",
    503: "Ledger unavailable",
}


def _schema_hook(type_: type) -> dict[str, Any]:
    description = _CRYPTO_SCHEMAS.get(type_)
    if description is None:
        raise NotImplementedError(type_)
    return {"type": "string", "format": "base58", "description": description}


def type_name(type_: Any) -> str:
    """`LedgerInfo`, `list[EntryView]`: how a page names a record type."""
    args = getattr(type_, "__args__", None)
    if getattr(type_, "__origin__", None) is list and args:
        return f"list[{type_name(args[0])}]"
    return str(getattr(type_, "__name__", type_))


def _content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}, MSGPACK: {"schema": schema}}


def build(endpoints: Sequence[Endpoint], title: str = "jadechain gateway") -> dict[str, Any]:
    endpoints = [endpoint for endpoint in endpoints if endpoint.documented]
    record_types: list[Any] = [Problem]
    for endpoint in endpoints:
        for type_ in (endpoint.response, endpoint.body, endpoint.rejection):
            if type_ is not None and type_ not in record_types:
                record_types.append(type_)
    schemas, components = msgspec.json.schema_components(
        record_types, schema_hook=_schema_hook, ref_template=REF
    )
    schema_of = dict(zip((type_name(t) for t in record_types), schemas, strict=True))
    problem = schema_of["Problem"]
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "operationId": f"{endpoint.method.lower()}_{_operation_name(endpoint.path)}",
            "summary": endpoint.summary,
            "parameters": [
                {
                    "name": param.name,
                    "in": param.where,
                    "required": param.where == "path",
                    "description": param.description,
                    "schema": param.schema(),
                }
                for param in endpoint.params
            ],
        }
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": _content(schema_of[type_name(endpoint.body)]),
            }
        responses: dict[str, Any] = {}
        if endpoint.response is not None:
            ok = {"description": "OK", "content": _content(schema_of[type_name(endpoint.response)])}
        else:
            ok = {"description": "OK", "content": {endpoint.media_type or "text/plain": {}}}
        responses["200"] = ok
        for status in endpoint.errors:
            error_schema = problem
            if status == 400 and endpoint.rejection is not None:
                error_schema = {"oneOf": [schema_of[type_name(endpoint.rejection)], problem]}
            responses[str(status)] = {
                "description": _REASONS.get(status, "Error"),
                "content": _content(error_schema),
            }
        responses["500"] = {"description": "Internal error", "content": _content(problem)}
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation | {
            "responses": responses
        }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": _package_version,
            "description": "REST surface of a jadechain gateway. JSON by default; "
            f"send and accept {MSGPACK} for the canonical binary encoding. "
            "Errors are Problem bodies.",
        },
        "paths": paths,
        "components": {"schemas": components},
    }


def _operation_name(path: str) -> str:
    parts = [p.strip("{}") for p in path.split("/") if p and p not in ("api", "v1")]
    return "_".join(parts) or "root"


_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem;
  color: #1d2733; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
code, pre { font-family: ui-monospace, monospace; font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
th, td { border-bottom: 1px solid #d6dde5; padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }
.method { font-weight: bold; } .get { color: #17663a; } .post { color: #8a4b00; }
.route { border: 1px solid #d6dde5; border-radius: 6px; padding: 0.6rem 1rem; margin: 1rem 0; }
pre { background: #f4f6f8; padding: 0.6rem; overflow-x: auto; }
"""


def _schema_label(schema: dict[str, Any]) -> str:
    """`EntryView`, `list[EntryView]`, or the schema type for inline schemas."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return f"list[{_schema_label(schema['items'])}]"
    if "oneOf" in schema:
        return " | ".join(_schema_label(s) for s in schema["oneOf"])
    return str(schema.get("type", "object"))


def _response_label(response: dict[str, Any]) -> str:
    content = response.get("content", {})
    json_content = content.get("application/json")
    if json_content and "schema" in json_content:
        return _schema_label(json_content["schema"])
    return ", ".join(content) or "-"


def docs_page(document: dict[str, Any]) -> str:
    """One HTML page: every route with its parameters, body and answers; then every schema."""
    e = html.escape
    info = document["info"]
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(info['title'])} API</title><style>{_STYLE}</style></head><body>",
        f"<h1>{e(info['title'])} API <small>{e(info['version'])}</small></h1>",
        f"<p>{e(info['description'])} The machine-readable document is at "
        '<a href="/openapi.json"><code>/openapi.json</code></a>.</p>',
        "<h2>Routes</h2>",
    ]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            parts.append('<section class="route">')
            parts.append(
                f'<div><span class="method {e(method)}">{e(method.upper())}</span> '
                f"<code>{e(path)}</code> — {e(operation['summary'])}</div>"
            )
            if operation["parameters"]:
                parts.append("<table><tr><th>parameter</th><th>in</th><th>type</th>")
                parts.append("<th>description</th></tr>")
                for param in operation["parameters"]:
                    schema = json.dumps(param["schema"], sort_keys=True)
                    parts.append(
                        f"<tr><td><code>{e(param['name'])}</code></td><td>{e(param['in'])}</td>"
                        f"<td><code>{e(schema)}</code></td><td>{e(param['description'])}</td></tr>"
                    )
                parts.append("</table>")
            body = operation.get("requestBody")
            if body is not None:
                label = _schema_label(body["content"]["application/json"]["schema"])
                parts.append(f"<div>request body: <code>{e(label)}</code></div>")
            answers = ", ".join(
                f"{e(status)}: <code>{e(_response_label(response))}</code>"
                for status, response in operation["responses"].items()
            )
            parts.append(f"<div>responses: {answers}</div></section>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in sorted(document["components"]["schemas"].items()):
        text = json.dumps(schema, indent=2, sort_keys=True)
        parts.append(f'<h3 id="{e(name)}">{e(name)}</h3><pre>{e(text)}</pre>')
    parts.append("</body></html>")
    return "\n".join(parts)
