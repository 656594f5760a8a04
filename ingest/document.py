"""What a parser produces: normalised text per page, sections with offsets, and metadata."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Section:
    """A heading's span within one page's text: [start, end) with the heading path ("Guide > 2. Mobility")."""

    page_index: int
    start: int
    end: int
    path: str | None


@dataclass(slots=True)
class Page:
    """Text of one page (paged formats) or of the whole document (page number None)."""

    text: str
    number: int | None = None
    label: str | None = None


@dataclass(slots=True)
class ParsedDocument:
    """A parsed file. Chunk offsets refer to `pages[i].text`; `sections` cover the text to be chunked.
    `metadata` is what the author wrote for us (front matter); `properties` what the file says of itself
    (PDF info, DOCX core properties, HTML title and lang)."""

    pages: list[Page]
    sections: list[Section]
    metadata: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    properties: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)
