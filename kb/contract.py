"""The one contract between the running app's JSON API and its client (the CLI while the app owns the store):
request models defined once, used by the server to parse and by the client to send; responses are the typed
records' own JSON (`Hit.to_json(full=True)`, `Answer.to_json()`, `DocInfo.to_json()`), read back with their
`from_json`, so a remote call returns the same Hit, Answer and DocInfo as a local one."""

from __future__ import annotations

from pydantic import BaseModel, Field

SEARCH, ASK, DOCS, INGEST = "/api/search", "/api/ask", "/api/docs", "/api/ingest"


class FilterSpec(BaseModel):
    """Search restrictions as text (parsed by kb.filters)."""

    languages: list[str] | None = None
    doc_types: list[str] | None = None
    since: str | None = None
    until: str | None = None
    source: str | None = None


class SearchRequest(BaseModel):
    query: str
    k: int = Field(10, ge=1, le=1000)
    filters: FilterSpec = Field(default_factory=FilterSpec)
    mode: str | None = None


class AskRequest(BaseModel):
    question: str
    history: list[str] = Field(default_factory=list)
    filters: FilterSpec = Field(default_factory=FilterSpec)
    language: str | None = None  # the reply language when the question shows none (the interface's)


class IngestRequest(BaseModel):
    paths: list[str]
    prune: bool = False
    force: bool = False
    origin: str = "cli-via-app"
TOKEN_HEADER = "X-KB-Token"  # the data home owner's secret, sent with ingestion by path
