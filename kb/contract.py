"""The one contract between the running app's JSON API and its client (the CLI while the app owns the store):
request models defined once, used by the server to parse and by the client to send; responses are the typed
records' own JSON (`Hit.to_json(full=True)`, `Answer.to_json()`, `DocInfo.to_json()`), read back with their
`from_json`, so a remote call returns the same Hit, Answer and DocInfo as a local one."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from kb.well_formed import MAX_QUESTION_CHARS, well_formed

SEARCH, ASK, DOCS, INGEST = "/api/search", "/api/ask", "/api/docs", "/api/ingest"


def _well_formed(value):
    return well_formed(value) if isinstance(value, str) else value


# every string of a request: lone surrogates (a command line's undecodable bytes) made U+FFFD (kb.well_formed)
# before validation, which would otherwise refuse the whole request
Text = Annotated[str, BeforeValidator(_well_formed)]
# a question or query: bounded as the library bounds it (kb.well_formed.question_text)
Question = Annotated[str, StringConstraints(max_length=MAX_QUESTION_CHARS), BeforeValidator(_well_formed)]


class FilterSpec(BaseModel):
    """Search restrictions as text (parsed by kb.filters)."""

    languages: list[Text] | None = None
    doc_types: list[Text] | None = None
    since: Text | None = None
    until: Text | None = None
    source: Text | None = None


class SearchRequest(BaseModel):
    query: Question
    k: int = Field(10, ge=1, le=1000)
    filters: FilterSpec = Field(default_factory=FilterSpec)
    mode: Text | None = None


class AskRequest(BaseModel):
    question: Question
    history: list[Question] = Field(default_factory=list, max_length=50)
    filters: FilterSpec = Field(default_factory=FilterSpec)
    language: Text | None = None  # the reply language when the question shows none (the interface's)


class IngestRequest(BaseModel):
    paths: list[Text]
    prune: bool = False
    force: bool = False
    origin: Text = "cli-via-app"
TOKEN_HEADER = "X-KB-Token"  # the data home owner's secret, sent with ingestion by path
