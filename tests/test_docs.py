"""The README stays true: its settings table matches the settings class, its commands exist."""

import re
from pathlib import Path

from click.testing import CliRunner

from kb.settings import Settings
from ui.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _table_rows() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in README.splitlines():
        m = re.match(r"\| `(\w+)` \| `(KB_\w+)` \| (.*?) \| (.*) \|$", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(4))
    return rows


def test_settings_table_lists_every_setting_with_its_variable_and_description():
    rows = _table_rows()
    assert set(rows) == set(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        env, description = rows[name]
        assert env == f"KB_{name.upper()}"
        assert description == field.description, f"README description of {name} is out of date"


def test_settings_table_defaults_match():
    for line in README.splitlines():
        m = re.match(r"\| `(\w+)` \| `KB_\w+` \| `([^`]*)` \|", line)
        if m and m.group(1) in Settings.model_fields:
            field = Settings.model_fields[m.group(1)]
            if field.default_factory is None:
                assert m.group(2) == str(field.default), m.group(1)


def test_readme_has_the_install_and_test_commands_ci_runs():
    assert re.search(r"<!-- install -->\n```sh\npython3 -m venv .venv && .venv/bin/pip install -e '.\[dev\]'", README)
    assert "<!-- test -->\n```sh\n.venv/bin/python -m pytest\n```" in README


def test_commands_named_in_the_readme_exist():
    for cmd in sorted(set(re.findall(r"\bkb (\w+)", README)) - {"COMMAND"}):
        if cmd in ("is",):
            continue
        r = CliRunner().invoke(main, [cmd, "--help"])
        assert r.exit_code == 0, f"`kb {cmd}` is in the README but not in the CLI"
