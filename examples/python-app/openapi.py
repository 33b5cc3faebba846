"""GET /openapi.json of the python-app: an OpenAPI 3.1 document built from the package's own
descriptor.json (its endpoints' schemas and examples), plus the health route and the error
responses, so the service's document and its descriptor cannot drift apart."""

ERROR_RESPONSES = {
    "400": "INVALID_JSON: the body is not valid JSON.",
    "413": "PAYLOAD_TOO_LARGE: the body is over 1 MiB; TEXT_TOO_LARGE: `text` is over 100 kB of UTF-8.",
    "415": "UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json.",
    "422": "INVALID_BODY: the body is not an object or has unknown fields; INVALID_TEXT: `text` is missing, not a string or blank.",
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def _operation(endpoint, examples):
    key = f"{endpoint['method']} {endpoint['path']}"
    payload_in = endpoint.get("input", {})
    payload_out = endpoint.get("output", {})
    content = {"schema": payload_in.get("schema", {})}
    named = [e for e in examples if e.get("endpoint") == key and "body" in e]
    if named:
        content["examples"] = {e["name"]: {"summary": e["name"], "value": e["body"]} for e in named}
    responses = {"200": {"description": "OK", "content": {payload_out.get("contentType", "application/json"): {"schema": payload_out.get("schema", {})}}}}
    for status, description in ERROR_RESPONSES.items():
        responses[status] = {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "operationId": endpoint["path"].strip("/").replace("/", "_") or "root",
        "summary": endpoint.get("summary", ""),
        "requestBody": {"required": True, "content": {payload_in.get("contentType", "application/json"): content}},
        "responses": responses,
    }


def build_openapi(descriptor):
    """The OpenAPI document of a descriptor's API (a dict, ready for json.dumps)."""
    api = descriptor["api"]
    paths = {api["health"]: {"get": {"operationId": "health", "summary": "Liveness: 200 when the service is up.", "responses": {"200": {"description": "Ready"}}}}}
    for endpoint in api.get("endpoints", []):
        paths.setdefault(endpoint["path"], {})[endpoint["method"].lower()] = _operation(endpoint, descriptor.get("examples", []))
    return {
        "openapi": "3.1.0",
        "info": {"title": descriptor["name"], "version": descriptor.get("version", "0.0.0"), "description": descriptor.get("description", "")},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA}},
    }
