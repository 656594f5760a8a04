"""The README stays true: its settings table matches the settings class, its commands exist."""

import re
from pathlib import Path

from click.testing import CliRunner

from kb.settings import Settings
from ui.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_settings_page_is_generated_from_the_settings_class():
    """docs/settings.md is `python -m kb.settings_doc` output: every setting, its KB_ variable, default and
    description, by group."""
    from kb.settings_doc import markdown

    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8") == markdown(), \
        "docs/settings.md is out of date: run `python -m kb.settings_doc > docs/settings.md`"
    for name in Settings.model_fields:
        assert f"| `{name}` | `KB_{name.upper()}` |" in markdown()


def test_readme_has_the_install_and_test_commands_ci_runs():
    assert "<!-- install -->\n```sh\npython3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/kb serve\n```" \
        in README
    test_block = r"<!-- test -->\n```sh\n\.venv/bin/pip install -e '\.\[dev\]' .*&& \.venv/bin/python -m pytest\n```"
    assert re.search(test_block, README)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "readme_block install" in ci and "readme_block test" in ci


def test_commands_named_in_the_readme_exist():
    for cmd in sorted(set(re.findall(r"\bkb (\w+)", README)) - {"COMMAND"}):
        if cmd in ("is",):
            continue
        r = CliRunner().invoke(main, [cmd, "--help"])
        assert r.exit_code == 0, f"`kb {cmd}` is in the README but not in the CLI"


def test_documents_the_readme_links_to_exist():
    links = re.findall(r"\]\(((?:docs|evalsets)/[^)#]+)\)", README)
    assert "docs/guide-lt.md" in links and "docs/guide-lv.md" in links
    for link in links:
        assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"
    for guide in ("guide-en.md", "guide-lt.md", "guide-lv.md"):  # each guide links to the other two
        text = (ROOT / "docs" / guide).read_text(encoding="utf-8")
        assert all(f"({other})" in text for other in {"guide-en.md", "guide-lt.md", "guide-lv.md"} - {guide})
