"""The `kb` command: parses arguments, calls the library (or the running app that owns the store), prints.

Data goes to stdout, messages to stderr; `--json` for scripts. Exit codes: 0 ok, 1 some files failed or an
error, 2 usage or configuration error. A KBError becomes one line on stderr, here and only here."""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import textwrap
from pathlib import Path

import click

from kb.display import visible
from kb.errors import KBError
from kb.filters import parse_filters
from kb.settings import Settings
from kb.types import DOC_TYPES

EPILOG_INGEST = """\b
Examples:
  kb ingest corpus/
  kb ingest notes/seminar-3.md report.txt --json
"""
EPILOG_SEARCH = """\b
Examples:
  kb search "viešojo transporto bilietas"
  kb search "funkcinės zonos" --lang lv,en -k 5
  kb search "innovation camp" --type seminar_notes --since 2022-01-01 --json
"""
EPILOG_ASK = """\b
Examples:
  kb ask "Kiek kainavo studijų vizitas į Pomeraniją?"
  kb ask "Cik maksā autobuss no Liepājas uz Klaipēdu?" --json
  kb ask "o Latvijoje?" --after "Kiek savivaldybių dalyvavo seminare Klaipėdoje?"
"""
EPILOG_EVAL = """\b
Examples:
  kb eval                                   # the project's own set (corpus/eval), over the current store
  kb eval my_questions.jsonl --json
  kb eval ../shared/eval/retrieval          # FLORES en/lt/lv: built once into its own collection
  kb eval --mode dense
"""
PROJECT_EVAL = Path(__file__).resolve().parents[1] / "corpus" / "eval" / "planning_eval.jsonl"


def _fail(e: KBError) -> None:
    click.echo(f"error: {e}", err=True)
    sys.exit(e.exit_code)


def one_line_errors(f):
    """The one place a KBError becomes one error line and its exit code, never a traceback."""
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except KBError as e:
            _fail(e)
    return wrapper


def json_option(help_text: str):
    """The shared --json flag (sqlite-utils style): the command gets `as_json`."""
    return click.option("--json", "as_json", is_flag=True, help=help_text)


def _open(settings: Settings):
    from kb.knowledge_base import KnowledgeBase

    return KnowledgeBase.open(settings)


def here_or_via_app(settings: Settings, local, remote):
    """`local(kb)` on the store, or — when a running app holds the embedded store — `remote(app)` through its
    JSON API (ui.remote); both return the same typed records."""
    from kb.errors import StoreLockedError

    try:
        kb = _open(settings)
    except StoreLockedError as e:
        url = e.owner.get("url")
        if not url:
            raise
        from ui.api import read_token
        from ui.remote import RemoteApp

        click.echo(f"(the store is held by the running app at {url}; going through it)", err=True)
        return remote(RemoteApp(url, settings, token=read_token(settings)))
    with kb:
        return local(kb)


def _csv(ctx, param, value):
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _filters(languages=None, doc_types=None, since=None, until=None, source=None):
    """Options to SearchFilters (kb.filters); a bad value is a usage error naming the option."""
    from kb.errors import ConfigError

    try:
        return parse_filters(languages, doc_types, since, until, source)
    except ConfigError as e:
        raise click.UsageError(str(e)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.version_option(package_name="planning-kb")
def main(verbose: bool) -> None:
    """Multilingual knowledge base for the Klaipėda–Kurzeme Smart Planning material (lt, lv, en).

    Settings come from KB_* environment variables (every one is in docs/settings.md); KB_HOME is the data home."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "urllib3", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # damaged PDFs are reported per file instead


@main.command(epilog=EPILOG_INGEST)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option("Print the report as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("--prune", is_flag=True, help="Also remove stored documents whose files were deleted from the given "
                                            "folders.")
@one_line_errors
def ingest(paths: tuple[Path, ...], as_json: bool, quiet: bool, prune: bool) -> None:
    """Add or update documents (PDF, DOCX, HTML, Markdown, text); unchanged files are skipped, renamed or moved
    files keep their vectors, and only passages whose text changed are embedded again.

    While `kb serve` holds the store, the files go through the running app. Exit code 0 when all files were
    ingested, 1 when some failed (the rest are ingested)."""
    from ingest.library import Library

    def local(kb) -> dict:
        library = Library(kb)
        bar = None
        if not quiet and not as_json and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=0, unit="file", file=sys.stderr)

        def progress(done: int, total: int, path: str) -> None:
            if bar is not None:
                a = library.activity.snapshot()
                bar.total = total
                bar.set_postfix_str(f"{a['current'][:24]} · {library.ingestor.chunks_prepared} chunks, "
                                    f"{a['chunks_per_s']:.1f}/s")
                bar.update(1)

        report = library.add(list(paths), "cli", progress=progress)
        if prune:
            report.files += library.prune([p for p in paths if p.is_dir()]).files
        if bar is not None:
            bar.close()
        return report.to_json()

    data = here_or_via_app(Settings(), local, lambda app: app.ingest([str(p.resolve()) for p in paths], prune))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_report(data)
    sys.exit(1 if data["summary"]["failed"] else 0)


def _print_report(data: dict) -> None:
    for f in data["files"]:
        if f["status"] == "failed":
            click.echo(f"FAILED     {visible(f['path'])}: {f['error']}", err=True)
        else:
            detail = f"{f['chunks']} chunks, {f['language']}" if f["status"] not in ("unchanged", "deleted") else ""
            if f.get("moved_from"):
                detail += f" (moved from {visible(f['moved_from'])})"
            click.echo(f"{f['status']:<10} {visible(f['source'])}  {detail}".rstrip())
        for w in f.get("warnings") or []:
            click.echo(f"warning    {visible(f['source'] or f['path'])}: {w}", err=True)
    c = data["summary"]
    deleted = sum(1 for f in data["files"] if f["status"] == "deleted")
    click.echo(f"{c['added']} added, {c['updated']} updated, {c.get('moved', 0)} moved, {c['unchanged']} unchanged, "
               f"{c['failed']} failed" + (f", {deleted} deleted" if deleted else "") +
               f"; {c['chunks']} chunks ({c['embedded']} embedded, {c['reused']} from the cache) "
               f"in {c['seconds']:.1f}s", err=True)


@main.command(epilog=EPILOG_SEARCH)
@click.argument("query")
@click.option("-k", "top_k", type=click.IntRange(1, 1000), default=None, help="Number of results (default KB_TOP_K).")
@click.option("--lang", "languages", callback=_csv, help="Document languages, comma-separated (lt,lv,en).")
@click.option("--type", "doc_types", callback=_csv, help=f"Document types, comma-separated ({', '.join(DOC_TYPES)}).")
@click.option("--since", help="Documents dated on or after YYYY-MM-DD.")
@click.option("--until", help="Documents dated on or before YYYY-MM-DD.")
@click.option("--source", "source_glob", help="Source path glob, e.g. 'corpus/seminars/*'.")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "sparse"]), default=None,
              help="Retrieval mode (default KB_SEARCH_MODE).")
@json_option("Print {query, hits[]} as JSON.")
@one_line_errors
def search(query: str, top_k: int | None, languages, doc_types, since, until, source_glob, mode, as_json) -> None:
    """Find passages in any of the three languages."""
    from kb.search import SearchOptions

    filters = _filters(languages, doc_types, since, until, source_glob)
    settings = Settings()
    k = top_k or settings.top_k
    hits = here_or_via_app(settings, lambda kb: kb.search(query, k, filters, SearchOptions(mode=mode)),
                           lambda app: app.search(query, k, filters, mode))
    if as_json:
        click.echo(json.dumps({"query": query, "hits": [h.to_json() for h in hits]}, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo("No passages found.", err=True)
        return
    for h in hits:
        p = h.payload
        where = f"p. {p['page']}" if p.get("page") else ""
        meta = " · ".join(str(x) for x in (p.get("language"), p.get("doc_type"), p.get("date")) if x)
        click.echo(click.style(f"{h.rank:>2}. {h.score:.3f}  {visible(p.get('source'))} {where}", bold=True) +
                   f"  [{meta}]")
        click.echo(f"    {_heading(p)}")
        body = " ".join((p.get("text") or "").split())
        click.echo(textwrap.indent(textwrap.fill(body[:400] + ("…" if len(body) > 400 else ""), 100), "    "))
        click.echo()


def _heading(payload: dict) -> str:
    """Title, then the innermost section heading when it adds something."""
    title = visible(payload.get("title") or "")
    section = (payload.get("section") or "").split(" > ")[-1]
    return f"{title} › {section}" if section and section.lower() not in title.lower() else title


@main.command()
@json_option("Print the documents as JSON.")
@one_line_errors
def docs(as_json: bool) -> None:
    """List stored documents."""
    rows = here_or_via_app(Settings(), lambda kb: kb.docs(), lambda app: app.docs())
    if as_json:
        click.echo(json.dumps([d.to_json() for d in rows], ensure_ascii=False, indent=2))
        return
    for d in rows:
        click.echo(f"{visible(d.source):<60} {d.language:<3} {d.doc_type:<13} {d.date or '-':<10} {d.chunks:>4} "
                   f"chunks  {visible(d.title)}")
    click.echo(f"{len(rows)} documents", err=True)


@main.command()
@click.argument("source", required=False)
@click.option("--all", "everything", is_flag=True, help="Remove the whole collection (to rebuild it).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation with --all.")
@one_line_errors
def delete(source: str | None, everything: bool, yes: bool) -> None:
    """Remove a document by its SOURCE path (as shown by `kb docs`), or everything with --all."""
    if bool(source) == everything:
        raise click.UsageError("give either a SOURCE or --all")
    with _open(Settings()) as kb:
        if everything:
            if not yes:
                click.confirm(f"Remove every document from {kb.location}?", abort=True, err=True)
            kb.delete_all()
            click.echo("removed the collection", err=True)
            return
        n = kb.delete_source(source)
    if n == 0:
        click.echo(f"error: no document with source {source!r}; `kb docs` lists the sources", err=True)
        sys.exit(1)
    click.echo(f"removed {source} ({n} chunks)", err=True)


@main.command()
@json_option("Print the statistics as JSON.")
@one_line_errors
def stats(as_json: bool) -> None:
    """Counts of documents and chunks by language and type."""
    with _open(Settings()) as kb:
        st = kb.stats()
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=2))
        return
    click.echo(f"store:      {st['backend']} at {st['location']}")
    ident = st.get("identity") or {}
    click.echo(f"model:      {ident.get('embedding', '-')}")
    click.echo(f"documents:  {st['documents']}  {st['documents_by_language']}")
    click.echo(f"chunks:     {st['chunks']}  {st['chunks_by_language']}")
    click.echo(f"types:      {st['documents_by_type']}")


@main.command(epilog=EPILOG_ASK)
@click.argument("question")
@click.option("--lang", "languages", callback=_csv, help="Only evidence in these document languages (lt,lv,en).")
@click.option("--after", "history", multiple=True, help="A previous question of the conversation (repeatable).")
@json_option("Print {question, answer, abstained, grade, citations} as JSON.")
@one_line_errors
def ask(question: str, languages, history, as_json: bool) -> None:
    """Answer a question from cited passages (extractive, offline): confident, uncertain (the closest evidence,
    marked so) or not found."""
    filters = _filters(languages) if languages else None
    answer = here_or_via_app(Settings(), lambda kb: kb.ask(question, list(history), filters),
                             lambda app: app.ask(question, list(history), filters))
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    if answer.notice:
        click.echo(f"note: {answer.notice}", err=True)
    click.echo(answer.answer)
    click.echo()
    for c in answer.citations:
        where = f", p. {c.page_label or c.page}" if c.page else ""
        click.echo(f"[{c.n}] {visible(c.title)} ({visible(c.source)}{where}; {c.language}"
                   f"{', ' + c.date if c.date else ''})")
        click.echo(textwrap.indent(textwrap.fill("“" + " ".join(c.quote.split()) + "”", 96), "    "))
    for h in answer.leads:
        p = h.payload
        where = f", p. {p.get('page_label') or p.get('page')}" if p.get("page") else ""
        click.echo(f"- {visible(p.get('title'))} ({visible(p.get('source'))}{where}; {p.get('language')})")
        body = " ".join((p.get("text") or "").split())
        click.echo(textwrap.indent(textwrap.fill(body[:300] + ("…" if len(body) > 300 else ""), 96), "    "))


@main.command()
@click.option("--host", default=None, help="Address to bind (default KB_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default KB_PORT, 7860).")
@click.option("--watch", "watch_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Inbox folder to watch (default KB_WATCH_DIR): dropped files are ingested within seconds.")
@one_line_errors
def serve(host: str | None, port: int | None, watch_dir: Path | None) -> None:
    """Start the web app (Ask, Search, Library, About) with the named API endpoints /search and /ask.

    On the first start with an empty store it ingests the sample corpus (KB_CORPUS_DIR) in the background,
    with progress in the terminal and on the page; searches work on what is already in."""
    from ui.serve import serve as run

    settings = Settings()
    run(settings, host or settings.host, port or settings.port, watch_dir or settings.watch_dir,
        lambda line: click.echo(line, err=True))
    # the store is closed; leave now rather than wait for library threads stuck in native code (a second Ctrl+C
    # would otherwise end in "terminate called without an active exception")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


EPILOG_USERS = """\b
Examples:
  kb users add ruta --role editor      # asks for the password twice
  kb users add jonas                   # a reader: asks, searches and opens documents
  kb users list
  kb users remove jonas
"""


@main.group(epilog=EPILOG_USERS)
def users() -> None:
    """Accounts of the app: readers ask, search and open documents; editors also upload, delete and re-index.
    Passwords are stored only as Argon2 hashes in the data home (users.json)."""


@users.command("add", epilog=EPILOG_USERS)
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "editor"]), default="reader", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (scripts).")
@one_line_errors
def users_add(name: str, role: str, password_stdin: bool) -> None:
    """Add a user (or change a user's password and role)."""
    from kb.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    Accounts.from_settings(Settings()).add(name, password, role)
    click.echo(f"{name}: {role}", err=True)


@users.command("remove")
@click.argument("name")
@one_line_errors
def users_remove(name: str) -> None:
    """Remove a user."""
    from kb.accounts import Accounts

    if not Accounts.from_settings(Settings()).remove(name):
        click.echo(f"error: no user {name!r}; `kb users list` shows them", err=True)
        sys.exit(1)
    click.echo(f"removed {name}", err=True)


@users.command("list")
@json_option("Print the users as JSON.")
@one_line_errors
def users_list(as_json: bool) -> None:
    """List users and their roles."""
    from kb.accounts import Accounts

    rows = Accounts.from_settings(Settings()).list()
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role} for u in rows], indent=2))
        return
    for u in rows:
        click.echo(f"{u.name:<24} {u.role}")
    click.echo(f"{len(rows)} users", err=True)


EPILOG_FEEDBACK = """\b
Examples:
  kb feedback list
  kb feedback export > from_planners.jsonl && kb eval from_planners.jsonl
"""


@main.group(epilog=EPILOG_FEEDBACK)
def feedback() -> None:
    """What planners said about answers (👍/👎 and a comment in the Ask tab), kept in the data home."""


@feedback.command("list", epilog=EPILOG_FEEDBACK)
@json_option("Print the entries as JSON.")
@one_line_errors
def feedback_list(as_json: bool) -> None:
    """List feedback, newest first."""
    from kb.feedback import Feedback

    entries = Feedback(Settings().home).entries()
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    for e in entries:
        vote = "+" if e.get("helpful") else "-"
        cited = ", ".join(sorted({c["source"] for c in e.get("cited", [])})) or e.get("grade", "")
        click.echo(f"{e.get('time', '')[:16]} {vote} {e.get('question', '')}  [{cited}]"
                   + (f"  — {e['comment']}" if e.get("comment") else ""))
    helpful = sum(1 for e in entries if e.get("helpful"))
    click.echo(f"{len(entries)} entries, {helpful} helpful", err=True)


@feedback.command("export", epilog=EPILOG_FEEDBACK)
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@one_line_errors
def feedback_export(out: Path | None) -> None:
    """Helpful answers as `kb eval` questions (JSONL; relevant = the sources the answer cited; a helpful
    "not found" is an unanswerable question), to OUT or stdout."""
    from kb.feedback import Feedback

    fb = Feedback(Settings().home)
    text, n = fb.eval_jsonl(), len(fb.as_eval_questions())
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
    click.echo(f"{n} questions" + (f" written to {out}" if out else ""), err=True)


@main.command(name="eval", epilog=EPILOG_EVAL)
@click.argument("eval_file", required=False, type=click.Path(path_type=Path))
@click.option("--mode", type=click.Choice(["hybrid", "dense", "sparse"]), default=None, help="Retrieval mode.")
@click.option("-k", "top_k", type=click.IntRange(1, 100), default=10, help="Cut-off for recall and nDCG.")
@click.option("--abstain-below", type=float, default=None, help="Count a top score below this as 'not found'.")
@json_option("Print {metrics, questions} as JSON.")
@one_line_errors
def evaluate(eval_file: Path | None, mode, top_k: int, abstain_below, as_json: bool) -> None:
    """Retrieval quality on an evaluation set: recall@1/5/10, MRR, nDCG@10 overall, per question language
    and per (question, evidence) language pair, and abstention on unanswerable questions."""
    from ingest.evalsets import build_flores
    from kb.evaluation import EvalOptions, is_flores_dir, load_questions, run_eval
    from kb.search import SearchOptions

    settings = Settings()
    path = eval_file or PROJECT_EVAL
    if not path.exists():
        raise click.BadParameter(f"{path} does not exist", param_hint="EVAL_FILE")
    options, eo = SearchOptions(mode=mode), EvalOptions(k=top_k, abstain_below=abstain_below)
    if is_flores_dir(path):
        eval_settings, questions = build_flores(path, settings.home / "eval" / "flores", settings)
    else:
        eval_settings, questions = settings, load_questions(path)
    with _open(eval_settings) as kb:
        result = run_eval(kb, questions, options, eo)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    _print_metrics(result["metrics"], path)


def _print_metrics(m: dict, path: Path) -> None:
    def row(name: str, r: dict) -> str:
        if not r.get("n"):
            return f"{name:<12} {'-':>5}"
        return (f"{name:<12} {r['n']:>5} {r['recall@1']:>7.3f} {r['recall@5']:>7.3f} {r['recall@10']:>7.3f} "
                f"{r['mrr']:>7.3f} {r['ndcg@10']:>8.3f}")

    click.echo(f"evaluation set: {path}")
    click.echo(f"{'':<12} {'n':>5} {'R@1':>7} {'R@5':>7} {'R@10':>7} {'MRR':>7} {'nDCG@10':>8}")
    click.echo(row("overall", m["overall"]))
    for lang, r in m["by_language"].items():
        click.echo(row(f"  {lang}", r))
    click.echo("by question -> evidence language:")
    for pair, r in m["by_language_pair"].items():
        click.echo(row(f"  {pair}", r))
    a = m["abstention"]
    if a["unanswerable"]:
        acc = "-" if a["accuracy"] is None else f"{a['accuracy']:.3f} (threshold {a['threshold']})"
        click.echo(f"unanswerable questions: {a['unanswerable']}; abstention accuracy: {acc}")
    ts = m["top_score"]
    if ts.get("unanswerable"):
        click.echo(f"top score, answerable: {ts['answerable']}; unanswerable: {ts['unanswerable']}")


if __name__ == "__main__":  # pragma: no cover
    main()
