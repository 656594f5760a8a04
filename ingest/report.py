"""The ingestion report: one row per file (status, pages, chunks, language, warnings, error)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

STATUSES = ("added", "updated", "moved", "unchanged", "failed")
# "queued": a long file the app writes in the background (counted only when there is one)


@dataclass(slots=True)
class FileReport:
    path: str
    status: str
    source: str | None = None
    chunks: int = 0
    pages: int | None = None
    language: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    moved_from: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    embedded: int = 0  # passage vectors computed by the model
    reused: int = 0  # passage vectors taken from the embedding cache

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.status == "failed"]

    @property
    def exit_code(self) -> int:
        """0 when every file was ingested or unchanged, 1 when some failed (the rest were ingested)."""
        return 1 if self.failed else 0

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for f in self.files:
            out[f.status] = out.get(f.status, 0) + 1
        return out

    def chunks(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated", "moved"))

    def to_json(self) -> dict:
        return {"files": [f.to_json() for f in self.files], "summary": {**self.counts(), "chunks": self.chunks(),
                                                                          "seconds": round(self.seconds, 2),
                                                                          "embedded": self.embedded,
                                                                          "reused": self.reused}}
