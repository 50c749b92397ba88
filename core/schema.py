"""The OpenAPI schema lists the errors every operation can answer, not only its success.

drf-spectacular documents the 200/201 of an operation; clients (and schemathesis' status-code check) also need
the refusals: 400 for bad input, 401 when not signed in or with an expired or revoked token (token
authentication comes first and names itself in ``WWW-Authenticate``), 403 when not allowed, 404 for an id that does not exist or lies outside the caller's scope (and a
page past the end of a list), 409 when a write meets a concurrent change (``core.exceptions.ConcurrentEdit``).
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

ERRORS = {
    "400": "Invalid input: the body or query names each field's problem.",
    "401": "Not signed in, or the API token has expired or was revoked.",
    "403": "Not allowed to do this (or a session call without its CSRF token).",
    "404": "No such object, or it lies outside what the caller may see.",
    "409": "Someone else changed the record since the caller read it; nothing was changed.",
}


class AutoSchema(SpectacularAutoSchema):
    def _error_codes(self) -> list[str]:
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        codes = ["400"]  # every operation validates its body or its query (filters, page size, ordering)
        if not public:
            codes += ["401", "403"]
        if "{" in self.path or self._is_list_view() or not public:
            codes.append("404")  # an id, a page past the end, or an object named in the query
        if writes and not public:
            codes.append("409")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = {
                    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": {}}}},
                    "description": ERRORS[code],
                }
        return responses
