"""The client of the running app that owns the embedded store (`kb serve` records its URL in the store's lock):
the CLI's search, ask, docs and ingest go through the app's JSON API instead of failing, so one process writes.
Requests and responses follow kb.contract; the results are the same typed records a local call returns."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from kb import contract
from kb.errors import KBError
from kb.filters import filters_to_dict
from kb.settings import Settings
from kb.types import Answer, DocInfo, Hit, SearchFilters
from kb.well_formed import question_text


class RemoteApp:
    def __init__(self, url: str, settings: Settings, timeout: float = 3600, token: str | None = None):
        self.url = url.rstrip("/")
        self.settings = settings
        self.timeout = timeout
        self.token = token

    def _request(self, path: str, body=None):
        data = None if body is None else body.model_dump_json().encode()
        req = urllib.request.Request(self.url + path, data=data, headers={"Content-Type": "application/json"})
        if self.settings.app_password:
            auth = base64.b64encode(f"{self.settings.app_user}:{self.settings.app_password}".encode()).decode()
            req.add_header("Authorization", f"Basic {auth}")
        if self.token:
            req.add_header(contract.TOKEN_HEADER, self.token)
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

    def search(self, query: str, k: int, filters: SearchFilters | None = None, mode: str | None = None) -> list[Hit]:
        body = contract.SearchRequest(query=question_text(query), k=k, mode=mode,
                                      filters=contract.FilterSpec(**filters_to_dict(filters)))
        return [Hit.from_json(h) for h in self._request(contract.SEARCH, body)["hits"]]

    def ask(self, question: str, history: list[str], filters: SearchFilters | None = None) -> Answer:
        body = contract.AskRequest(question=question_text(question), history=[question_text(h) for h in history],
                                   filters=contract.FilterSpec(**filters_to_dict(filters)))
        return Answer.from_json(self._request(contract.ASK, body))

    def docs(self) -> list[DocInfo]:
        return [DocInfo.from_json(d) for d in self._request(contract.DOCS)]

    def ingest(self, paths: list[str], prune: bool = False) -> dict:
        return self._request(contract.INGEST, contract.IngestRequest(paths=paths, prune=prune))
