"""Tables as readable text: one line per row; with a header row, each cell is labelled by its column."""

from __future__ import annotations


def table_lines(rows: list[list[str]]) -> list[str]:
    """["Municipality | Participants", "Municipality: Palanga; Participants: 5", ...]."""
    rows = [[" ".join(c.split()) for c in r] for r in rows]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header = rows[0]
    labelled = len(rows) > 1 and all(header) and len(header) > 1
    lines = [" | ".join(header)]
    for r in rows[1:]:
        if labelled and len(r) == len(header):
            lines.append("; ".join(f"{h}: {c}" for h, c in zip(header, r) if c))
        else:
            lines.append(" | ".join(r))
    return lines
