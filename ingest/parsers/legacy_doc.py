"""Legacy Word .doc: converted with a Debian tool where one is installed (antiword, else LibreOffice),
otherwise refused with a hint."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ingest.document import ParsedDocument
from kb.errors import IngestError

HINT = ("legacy Word .doc needs a converter: install antiword (`apt-get install antiword`) or LibreOffice, "
        "or save the file as .docx")


def parse_doc(data: bytes, path: str) -> ParsedDocument:
    """Parse a .doc by conversion."""
    with tempfile.TemporaryDirectory(prefix="kb-doc-") as tmp:
        src = Path(tmp) / "in.doc"
        src.write_bytes(data)
        if shutil.which("antiword"):
            from ingest.parsers.text import parse_text

            run = subprocess.run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(src)], capture_output=True,
                                 timeout=120)
            if run.returncode != 0:
                detail = run.stderr.decode(errors="replace").strip()[:200]
                raise IngestError(path, f"antiword could not read this .doc ({detail})")
            return parse_text(run.stdout, path)
        office = shutil.which("soffice") or shutil.which("libreoffice")
        if office:
            from ingest.parsers.docx import parse_docx

            run = subprocess.run([office, "--headless", "--convert-to", "docx", "--outdir", tmp, str(src)],
                                 capture_output=True, timeout=300)
            out = Path(tmp) / "in.docx"
            if run.returncode != 0 or not out.is_file():
                raise IngestError(path, "LibreOffice could not convert this .doc to .docx")
            return parse_docx(out.read_bytes(), path)
    raise IngestError(path, HINT)
