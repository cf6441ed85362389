"""The few calls of Superset's REST API the recipe and its test make (JWT login + CSRF)."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
import uuid
from typing import Any


class SupersetApiError(RuntimeError):
    """Superset answered a call with an error status."""


class SupersetApi:
    """A logged-in session: a bearer token and the CSRF token with its session cookie, which
    Superset asks for on every call that changes something."""

    def __init__(self, url: str, username: str, password: str) -> None:
        self.url = url.rstrip("/")
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self._headers: dict[str, str] = {}
        login = self.call("POST", "/api/v1/security/login",
                          {"username": username, "password": password, "provider": "db"})
        self._headers["Authorization"] = f"Bearer {login['access_token']}"
        csrf = self.call("GET", "/api/v1/security/csrf_token/")
        self._headers.update({"X-CSRFToken": csrf["result"], "Referer": self.url})

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = dict(self._headers)
        if data is not None:
            headers["Content-Type"] = "application/json"
        return self._send(urllib.request.Request(self.url + path, data, headers, method=method))

    def _send(self, request: urllib.request.Request) -> Any:
        try:
            with self._opener.open(request, timeout=300) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:1000]
            raise SupersetApiError(
                f"{request.get_method()} {request.full_url}: {exc.code} {detail}") from exc
        return json.loads(raw) if raw else None

    def test_connection(self, uri: str) -> None:
        """Superset's own connection test (Settings -> Database connections -> Test)."""
        self.call("POST", "/api/v1/database/test_connection/",
                  {"database_name": "wirehouse", "sqlalchemy_uri": uri})

    def register_database(self, name: str, uri: str, database_uuid: str) -> int:
        """Create the database connection, or point the existing one (same uuid) at ``uri``."""
        found = self.call("GET", "/api/v1/database/?q=(page_size:100)")["result"]
        for db in found:
            if db.get("uuid") == database_uuid or db["database_name"] == name:
                self.call("PUT", f"/api/v1/database/{db['id']}",
                          {"database_name": name, "sqlalchemy_uri": uri})
                return int(db["id"])
        created = self.call("POST", "/api/v1/database/",
                            {"database_name": name, "sqlalchemy_uri": uri,
                             "expose_in_sqllab": True, "uuid": database_uuid})
        return int(created["id"])

    def import_dashboard(self, bundle: bytes) -> None:
        """POST /api/v1/dashboard/import/ (multipart), replacing what an earlier import made."""
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="overwrite"\r\n\r\ntrue\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="formData"; '
            'filename="wirehouse-dashboard.zip"\r\nContent-Type: application/zip\r\n\r\n',
        ]
        body = "".join(parts).encode() + bundle + f"\r\n--{boundary}--\r\n".encode()
        headers = {**self._headers,
                   "Content-Type": f"multipart/form-data; boundary={boundary}"}
        self._send(urllib.request.Request(self.url + "/api/v1/dashboard/import/", body,
                                          headers, method="POST"))

    def has_dashboard(self, slug: str) -> bool:
        found = self.call("GET", "/api/v1/dashboard/?q=(filters:!((col:slug,opr:eq,value:"
                                 f"'{slug}')))")
        return bool(found["count"])

    def dashboard_charts(self, slug: str) -> list[dict[str, Any]]:
        return list(self.call("GET", f"/api/v1/dashboard/{slug}/charts")["result"])

    def chart_data(self, chart_id: int) -> dict[str, Any]:
        """The chart's saved query, run now (force: no cached result)."""
        result = self.call("GET", f"/api/v1/chart/{chart_id}/data/?force=true")["result"]
        return dict(result[0])
