"""Raw protocol helpers shared by the sandbox tests."""

from __future__ import annotations

from typing import Any

import httpx


class JN:
    """Raw jesusnumber calls with one key."""

    def __init__(self, http: httpx.Client, key: str) -> None:
        self.http, self.key = http, key

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"/api/v1{path}", params=params, headers={"X-API-Key": self.key})

    def post(self, path: str, **body: Any) -> httpx.Response:
        return self.http.post(f"/api/v1{path}", json=body, headers={"X-API-Key": self.key})

    def rent(self, product_id: int = 12) -> dict[str, Any]:
        response = self.post("/orders", product_id=product_id)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


class SN:
    """Raw sanalnumara calls with one key."""

    def __init__(self, http: httpx.Client, key: str) -> None:
        self.http, self.key = http, key

    def get(self, path: str) -> httpx.Response:
        return self.http.get(f"/api/{self.key}{path}")

    def rent(self, service_id: str = "18") -> dict[str, Any]:
        response = self.get(f"/getNumber/{service_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["success"] is True, body
        return body
