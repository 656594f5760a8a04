"""The settings table (setting, environment variable, default, description) by group, generated from the settings
class so that the documentation cannot drift from it (`python -m kb.settings_doc > docs/settings.md`; a test
compares the two)."""

from __future__ import annotations

from kb.settings import (
    AnswerSettings,
    IngestSettings,
    LlmSettings,
    ModelSettings,
    SearchSettings,
    ServeSettings,
    Settings,
    StoreSettings,
)

GROUPS = (("Model and data", ModelSettings), ("Ingestion", IngestSettings), ("Store", StoreSettings),
          ("Search", SearchSettings), ("Answers", AnswerSettings), ("LLM answers (optional)", LlmSettings),
          ("The app", ServeSettings))
COMPUTED_DEFAULTS = {"home": "`$XDG_DATA_HOME/planning-kb` (`~/.local/share/planning-kb`)",
                     "languages": '`["lt","lv","en"]`', "source_root": "the current folder",
                     "embed_threads": "the CPU cores the process may use, at most 4"}


def _default(name: str, field) -> str:
    if name in COMPUTED_DEFAULTS:
        return COMPUTED_DEFAULTS[name]
    if field.default_factory is not None:
        return "computed"
    return "unset" if field.default is None else f"`{field.default}`"


def markdown() -> str:
    """The whole settings page."""
    lines = ["# Settings", "",
             "Every setting is an environment variable with the `KB_` prefix (or a field of `kb.Settings`). "
             "Generated from `kb/settings.py` by `python -m kb.settings_doc`.", ""]
    for title, group in GROUPS:
        lines += [f"## {title}", "", group.__doc__.strip(), "",
                  "| setting | environment variable | default | description |", "|---|---|---|---|"]
        for name, field in group.model_fields.items():
            lines.append(f"| `{name}` | `KB_{name.upper()}` | {_default(name, field)} | {field.description} |")
        lines.append("")
    assert sum(len(g.model_fields) for _, g in GROUPS) == len(Settings.model_fields)
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
