"""Talking to the running app that owns the embedded store (`kb serve` records its URL in the store's lock):
the CLI's search, ask, docs and ingest go through the app's JSON API instead of failing, so one process writes."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from kb.errors import KBError
from kb.settings import Settings


class RemoteApp:
    def __init__(self, url: str, settings: Settings, timeout: float = 3600):
        self.url = url.rstrip("/")
        self.settings = settings
        self.timeout = timeout

    def _request(self, path: str, body: dict | None = None):
        req = urllib.request.Request(self.url + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        if self.settings.app_password:
            token = base64.b64encode(f"{self.settings.app_user}:{self.settings.app_password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            detail = e.read().decode("utf-8", "replace")[:300]
            hint = " (set KB_APP_PASSWORD to the app's password)" if e.code == 401 else ""
            raise KBError(f"the running app at {self.url} refused the request: HTTP {e.code} {detail}{hint}") from None
        except (urllib.error.URLError, OSError) as e:
            raise KBError(f"the app that holds the store should answer at {self.url} but does not ({e}); "
                          "stop it or wait until it has started") from None

    def search(self, query: str, k: int, filters: dict) -> dict:
        params = {"q": query, "k": k, **{key: (",".join(v) if isinstance(v, list) else str(v))
                                          for key, v in filters.items() if v}}
        return self._request("/api/search?" + urllib.parse.urlencode(params))

    def ask(self, question: str, history: list[str], languages: list[str] | None = None) -> dict:
        return self._request("/api/ask", {"question": question, "history": history, "languages": languages})

    def docs(self) -> list[dict]:
        return self._request("/api/docs")

    def ingest(self, paths: list[str], prune: bool = False) -> dict:
        return self._request("/api/ingest", {"paths": paths, "prune": prune})
