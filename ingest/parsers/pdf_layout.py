"""What a PDF page's layout says beyond its text: runs of text with position, size and weight (from pypdf's own
extraction pass), ruled tables (pdfplumber's table finder) turned into labelled rows, and heading lines.

The page text is the concatenation of pypdf's runs, exactly what `extract_text` returns; a table's runs are
replaced by its rows, where the table stood, so its words are not also left in the running text."""

from __future__ import annotations

import math
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

from ingest.normalize import count_unmappable, normalize_extracted
from ingest.parsers.pdf_glyphs import GlyphRepair
from ingest.tables import table_lines

# pages with ruling lines analysed for tables, per document (a few milliseconds each; the rest are reported)
TABLE_PAGE_BUDGET = 300
_PATH_OPS = {b"re", b"m", b"l", b"c", b"v", b"y", b"h", b"n", b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_PAINT = {b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"}
_MAX_RULES = 3000  # a page drawing more lines and rectangles is a drawing (a map), not looked at for tables
_BOLD = re.compile(r"bold|black|heavy|demi|semibold", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]")
_FEW_LETTERS = 40  # a running header or a page number, not a paragraph
HEADING_SCALE = 1.15  # a heading's font is at least this much larger than body text (or bold where body is not)


@dataclass(slots=True)
class Run:
    """A piece of text pypdf drew in one go: position of its start (PDF user space), font size and weight."""

    text: str
    x: float
    y: float
    size: float
    bold: bool
    in_form: bool = False  # drawn inside a form XObject: x and y are in the form's space, not the page's


@dataclass(slots=True)
class PageTable:
    """A ruled table found on a page: its box in PDF user space and its rows of cell boxes."""

    bbox: tuple[float, float, float, float]  # x0, y0 (bottom), x1, y1 (top)
    rows: list[list[tuple[float, float, float, float] | None]]
    columns: tuple[float, ...] = ()


@dataclass(slots=True)
class Line:
    """One line of a page's text with the smallest font size on it and whether all of it is bold."""

    text: str
    size: float
    bold: bool


@dataclass(slots=True)
class LaidOutPage:
    """A page's text (tables as rows) and its lines' styles; `dropped`: unmappable glyphs left out of table cells."""

    text: str
    lines: list[Line] = field(default_factory=list)
    dropped: int = 0


def _mult(m: list[float], n: list[float]) -> list[float]:
    return [m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
            m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]]


def _is_bold(font) -> bool:
    if font is None:
        return False
    try:
        if _BOLD.search(str(font.get("/BaseFont", ""))):
            return True
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else None
        return bool(descriptor is not None and float(descriptor.get("/FontWeight", 0) or 0) >= 600)
    except Exception:  # noqa: BLE001 - odd font dictionaries: not bold
        return False


class _Paths:
    """The axis-aligned lines and rectangles the page's own content paints (not those inside form XObjects),
    collected from the operators pypdf's text pass reports, with the transformation matrix it tracks."""

    def __init__(self) -> None:
        self.rules: list[dict] = []
        self.depth = 0  # inside a form XObject: pypdf reports its operators in the form's own coordinates
        self._path: list[tuple[str, tuple[float, float], tuple[float, float]]] = []
        self._cur = self._start = (0.0, 0.0)

    def before(self, op: bytes, operands, cm, tm) -> None:
        if op == b"Do":
            self.depth += 1
        if self.depth or op not in _PATH_OPS:
            return
        try:
            nums = [float(v) for v in operands]
        except (TypeError, ValueError):
            return

        def at(x: float, y: float) -> tuple[float, float]:
            return x * cm[0] + y * cm[2] + cm[4], x * cm[1] + y * cm[3] + cm[5]

        if op == b"re" and len(nums) == 4:
            x, y, w, h = nums
            self._path.append(("rect", at(x, y), at(x + w, y + h)))
        elif op == b"m" and len(nums) == 2:
            self._cur = self._start = at(*nums)
        elif op == b"l" and len(nums) == 2:
            nxt = at(*nums)
            self._path.append(("line", self._cur, nxt))
            self._cur = nxt
        elif op in (b"c", b"v", b"y") and len(nums) >= 2:
            self._cur = at(nums[-2], nums[-1])
        elif op == b"h":
            self._path.append(("line", self._cur, self._start))
            self._cur = self._start
        elif op in _PAINT or op == b"n":
            if op != b"n" and len(self.rules) <= _MAX_RULES:
                self.rules.extend(r for kind, a, b in self._path if (r := _rule(kind, a, b)) is not None)
            self._path = []

    def after(self, op: bytes, operands, cm, tm) -> None:
        if op == b"Do":
            self.depth = max(0, self.depth - 1)


def page_runs(page, repair: GlyphRepair) -> tuple[str, list[Run], str, list[dict]]:
    """(text as pypdf extracts it, its runs with glyphs recovered by name where the font allows, the runs' text
    as pypdf gave it: equal to the first where the runs cover the page's text, the page's rules). One pass."""
    runs: list[Run] = []
    plain: list[str] = []
    bold: dict[int, tuple[object, bool]] = {}
    paths = _Paths()

    def visit(text, cm, tm, font, size):
        if not text:
            return
        m = _mult(tm, cm)
        key = id(font)
        if key not in bold:
            bold[key] = (font, _is_bold(font))
        scale = math.hypot(m[2], m[3])
        plain.append(text)
        runs.append(Run(repair.repair(text, font), m[4], m[5], abs(float(size or 0)) * scale, bold[key][1],
                        paths.depth > 0))

    with _skip_textless_forms():
        text = page.extract_text(visitor_text=visit, visitor_operand_before=paths.before,
                                 visitor_operand_after=paths.after) or ""
    return text, runs, "".join(plain), paths.rules


@contextmanager
def _skip_textless_forms():
    """Given a visitor, pypdf parses every form XObject, even a figure without one text operator, which it
    skips otherwise: a vector map can take seconds. A text visitor sees nothing in such a form, so pypdf's own
    check is kept on (pypdf 7.1; where the function is not there, nothing is changed)."""
    from pypdf import _text_extraction as te

    original = getattr(te, "_get_content_stream_for_text", None)
    if original is None:
        yield
        return

    def text_only(obj, pdf, content_key, *, has_visitor):
        return original(obj, pdf, content_key, has_visitor=False)

    te._get_content_stream_for_text = text_only
    try:
        yield
    finally:
        te._get_content_stream_for_text = original


class TableFinder:
    """Ruled tables: the page's straight lines and rectangles (read from its content stream) handed to
    pdfplumber's table finder as explicit lines, so pdfplumber never has to lay out the page's characters.
    Pages without rules are not looked at; past a budget of pages per document, none are."""

    def __init__(self, budget: int | None = None):
        self.budget = TABLE_PAGE_BUDGET if budget is None else budget
        self.looked_at = 0
        self.skipped: list[int] = []  # 1-based pages with rules beyond the budget
        self.failed: list[int] = []
        self.missing = False  # pdfplumber is not installed
        self._last: tuple[int, PageTable, list[str]] | None = None  # (page index, table, header) for continuation

    def find(self, index: int, rules: list[dict]) -> list[PageTable]:
        """Tables on page `index` (0-based) from its rules; [] where it has too few or is past the budget."""
        if self.missing or not 4 <= len(rules) <= _MAX_RULES:
            return []
        if self.looked_at >= self.budget:
            self.skipped.append(index + 1)
            return []
        self.looked_at += 1
        try:
            return _tables(rules)
        except ImportError:
            self.missing = True
            return []
        except Exception:  # noqa: BLE001 - a page whose drawing cannot be read keeps its text as running text
            self.failed.append(index + 1)
            return []

    def header_for(self, index: int, table: PageTable, first_row: list[str], may_continue: bool) -> list[str] | None:
        """The header row of the table this one continues (same columns, at the top of this page, the last
        thing on the page before), unless it repeats that header itself."""
        last = self._last
        if not (last and may_continue and last[0] == index - 1 and _same_columns(last[1].columns, table.columns)):
            return None
        header = last[2]
        return None if [c.casefold() for c in first_row] == [c.casefold() for c in header] else header

    def remember(self, index: int, table: PageTable, header: list[str], ends_page: bool) -> None:
        self._last = (index, table, header) if ends_page else None


def _same_columns(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= 3 for x, y in zip(a, b))


def _rule(kind: str, a: tuple[float, float], b: tuple[float, float]) -> dict | None:
    x0, x1 = sorted((a[0], b[0]))
    top, bottom = sorted((-a[1], -b[1]))
    if kind == "line" and x1 - x0 > 0.5 and bottom - top > 0.5:
        return None  # a slanted line: not a rule
    return {"object_type": kind, "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
            "y0": -bottom, "y1": -top, "width": x1 - x0, "height": bottom - top}


def _tables(rules: list[dict]) -> list[PageTable]:
    """pdfplumber's table finder over the page's rules, given as explicit lines."""
    from pdfplumber.table import TableFinder as PlumberFinder

    vertical = [r for r in rules if r["object_type"] == "rect" or r["width"] <= 0.5]
    horizontal = [r for r in rules if r["object_type"] == "rect" or r["height"] <= 0.5]
    if len(vertical) < 2 or len(horizontal) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit",
                "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal}
    tables = []
    for t in PlumberFinder(None, settings).tables:  # with explicit lines only, the finder never reads the page
        rows = [[_to_user(c) if c is not None else None for c in r.cells] for r in t.rows]
        if len(rows) < 2 or max(len(r) for r in rows) < 2:
            continue  # a framed paragraph, not a table
        bbox = _to_user(t.bbox)
        columns = tuple(sorted({round(c[0]) for r in rows for c in r if c} | {round(bbox[2])}))
        tables.append(PageTable(bbox, rows, columns))
    return sorted(tables, key=lambda t: -t.bbox[3])


def _to_user(box) -> tuple[float, float, float, float]:
    """A (x0, top, x1, bottom) box with top = -y back in PDF user space: (x0, y0, x1, y1)."""
    x0, top, x1, bottom = (float(v) for v in box)
    return x0, -bottom, x1, -top


def _inside(box, x: float, y: float, slack: float = 1.0) -> bool:
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


def _probe(run: Run) -> tuple[float, float]:
    """A point just inside the run's first glyph: its start, a third of the font size above the baseline."""
    return run.x + min(1.0, run.size * 0.1), run.y + run.size * 0.3


def lay_out(runs: list[Run], tables: list[PageTable], index: int, finder: TableFinder | None) -> LaidOutPage:
    """The page's text from its runs, each table's runs replaced by its rows; with the style of every line."""
    owner: list[int | None] = []
    for r in runs:
        if not r.text.strip() or not tables or r.in_form:
            owner.append(None)
            continue
        px, py = _probe(r)
        owner.append(next((k for k, t in enumerate(tables) if _inside(t.bbox, px, py)), None))
    # a whitespace run (a line break) between two runs of one table belongs to that table
    after: list[int | None] = [None] * len(runs)
    nxt = None
    for k in range(len(runs) - 1, -1, -1):
        after[k] = nxt
        if runs[k].text.strip():
            nxt = owner[k]
    last = None
    for k, r in enumerate(runs):
        if r.text.strip():
            last = owner[k]
        else:
            owner[k] = last if last is not None and after[k] == last else None
    # a table continues the one on the page before only where that one ended its page and nothing but a running
    # header stands above this one: a few letters, no heading (a larger or bold font than the table's)
    letters = [len(_LETTERS.findall(r.text)) if o is None else 0 for r, o in zip(runs, owner)]
    first_run = {k: owner.index(k) for k in range(len(tables)) if k in owner}
    last_run = {k: len(owner) - 1 - owner[::-1].index(k) for k in first_run}
    blocks: dict[int, str] = {}
    dropped = 0
    for k, t in enumerate(tables):
        cells = [r for r, o in zip(runs, owner) if o == k]
        above = runs[:first_run[k]] if k in first_run else []
        may_continue = k == 0 and sum(letters[:len(above)]) < _FEW_LETTERS and not _heading_above(above, cells)
        below = sum(letters[last_run[k] + 1:]) if k in last_run else 0
        blocks[k], lost = _table_text(t, cells, index, may_continue, below < _FEW_LETTERS, finder)
        dropped += lost
    pieces: list[tuple[str, float, bool]] = []
    emitted: set[int] = set()
    for r, o in zip(runs, owner):
        if o is None:
            pieces.append((r.text, r.size, r.bold))
        elif o not in emitted:
            emitted.add(o)
            if blocks[o]:
                pieces.append(("\n\n" + blocks[o] + "\n\n", 0.0, False))
    text = "".join(p[0] for p in pieces)
    return LaidOutPage(text, _lines(pieces), dropped)


def _heading_above(above: list[Run], cells: list[Run]) -> bool:
    """Whether text above a table is in a larger or bolder font than the table's own text: a heading."""
    sizes = sorted(r.size for r in cells if r.text.strip())
    if not sizes:
        return False
    size, bold = sizes[len(sizes) // 2], all(r.bold for r in cells if r.text.strip())
    return any(r.size >= size * 1.1 or (r.bold and not bold) for r in above if _LETTERS.search(r.text))


def _table_text(table: PageTable, runs: list[Run], index: int, may_continue: bool, ends_page: bool,
                finder: TableFinder | None) -> tuple[str, int]:
    """The table as labelled rows (ingest.tables.table_lines), its cells filled from the runs inside them; a cell
    that pdfplumber leaves empty under a taller cell (a row span) takes that cell's text. With the number of
    unmappable glyphs left out of the cells."""
    texts: dict[tuple[int, int], list[str]] = {}
    last_y: dict[tuple[int, int], float] = {}
    loose: list[str] = []
    where = None
    for r in runs:
        if not r.text.strip():  # a line break between runs: its position says nothing
            if where is not None:
                texts[where].append(" ")
            continue
        px, py = _probe(r)
        where = next(((i, j) for i, row in enumerate(table.rows) for j, c in enumerate(row)
                      if c is not None and _inside(c, px, py, 0.5)), None)
        if where is None:
            loose.append(r.text)
            continue
        parts = texts.setdefault(where, [])
        if parts and last_y[where] - r.y > r.size * 0.5:
            parts.append(" ")  # the next line of a cell, with no line break in the runs
        parts.append(r.text)
        last_y[where] = r.y
    rows: list[list[str]] = []
    dropped = 0
    for i, row in enumerate(table.rows):
        cells = []
        for j, c in enumerate(row):
            if c is None:
                above = _spanning(table, i, j)
                cells.append(rows[above[0]][j] if above is not None and j < len(rows[above[0]]) else "")
            else:
                raw = "".join(texts.get((i, j), []))
                dropped += count_unmappable(raw)
                cells.append(" ".join(normalize_extracted(raw).split()))
        rows.append(cells)
    rows = [r for r in rows if any(r)]
    if not rows:
        return "", dropped
    if finder is not None:
        header = finder.header_for(index, table, rows[0], may_continue)
        if header is not None and len(header) == len(rows[0]):
            rows = [header] + rows
        finder.remember(index, table, rows[0], ends_page)
    lines = table_lines(rows)
    if loose:
        lines.append(" ".join(" ".join(loose).split()))
    return "\n\n".join(lines), dropped  # one row, one sentence: the answer can cite the row it needs


def _spanning(table: PageTable, i: int, j: int) -> tuple[int, int] | None:
    """The cell above (i, j) whose box reaches down into row i: a cell spanning rows."""
    row_top = max((c[3] for c in table.rows[i] if c is not None), default=None)
    if row_top is None:
        return None
    for k in range(i - 1, -1, -1):
        c = table.rows[k][j] if j < len(table.rows[k]) else None
        if c is not None:
            return (k, j) if c[1] < row_top - 1 else None
    return None


def _lines(pieces: list[tuple[str, float, bool]]) -> list[Line]:
    lines: list[Line] = []
    text: list[str] = []
    sizes: list[float] = []
    bolds: list[bool] = []
    for piece, size, bold in pieces:
        for n, part in enumerate(piece.split("\n")):
            if n:
                lines.append(Line("".join(text), min(sizes) if sizes else 0.0, bool(bolds) and all(bolds)))
                text, sizes, bolds = [], [], []
            text.append(part)
            if part.strip():
                sizes.append(size)
                bolds.append(bold)
    lines.append(Line("".join(text), min(sizes) if sizes else 0.0, bool(bolds) and all(bolds)))
    return lines


def body_style(pages: list[LaidOutPage]) -> tuple[float, bool]:
    """The document's body text: its most common font size (by characters) and whether it is mostly bold."""
    sizes: Counter = Counter()
    bold: Counter = Counter()
    for p in pages:
        for line in p.lines:
            n = len(line.text.strip())
            if n and line.size > 0:
                sizes[round(line.size, 1)] += n
                bold[line.bold] += n
    if not sizes:
        return 0.0, False
    return sizes.most_common(1)[0][0], bold[True] > bold[False]


def headings(page: LaidOutPage, body_size: float, body_bold: bool) -> list[tuple[float, str]]:
    """(depth, text) of the page's headings: a block of at most four consecutive lines in one style that is
    clearly larger than body text, or all bold at body size where body text is not bold, and reads like a
    heading (starts with a capital, does not end like a clause). A larger font is a higher level."""
    if body_size <= 0:
        return []
    blocks: list[tuple[float | None, list[str]]] = []  # (heading depth or None, lines)
    for line in page.lines:
        stripped = " ".join(line.text.split())
        if not stripped:
            blocks.append((None, []))
            continue
        depth = _font_depth(line, body_size, body_bold)
        if depth is not None and blocks and blocks[-1][0] == depth and blocks[-1][1]:
            blocks[-1][1].append(stripped)
        else:
            blocks.append((depth, [stripped]))
    found = [(depth, " ".join(lines)) for depth, lines in blocks
             if depth is not None and len(lines) <= 4 and _reads_like_heading(" ".join(lines), depth, body_size)]
    nonempty = sum(len(lines) for _, lines in blocks)
    in_headings = sum(len(lines) for depth, lines in blocks if depth is not None)
    if in_headings == nonempty or (nonempty >= 8 and in_headings * 10 > nonempty * 6):
        return []  # a page all or mostly in "headings" (a cover, a slide): its fonts say nothing about structure
    return found


def _font_depth(line: Line, body_size: float, body_bold: bool) -> float | None:
    """The heading level a line's font suggests (smaller is higher), or None for body text."""
    if line.size >= body_size * HEADING_SCALE:
        return round(1000 - line.size * 10, 1)
    if line.bold and not body_bold and abs(line.size - body_size) < 0.6:
        return round(1000 - body_size * 10 + 1, 1)
    return None


def _reads_like_heading(text: str, depth: float, body_size: float) -> bool:
    first = re.search(r"[^\W\d_]", text)
    if not 2 <= len(text) <= 200 or not first or not first.group(0).isupper() or text[-1] in ",;:":
        return False  # a heading starts with a capital (after any number) and does not end like a clause
    bold_only = depth > 1000 - body_size * 10
    return not bold_only or (len(text) <= 100 and text[-1] not in ".!?")
