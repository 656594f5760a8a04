"""The fixed phrases the library says to people, in Lithuanian, Latvian and English (the interface's own
labels are in ui/i18n.py). An answer is worded in the question's language."""

from __future__ import annotations

LANGUAGES = ("lt", "lv", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "not_found": {
        "lt": "Žinių bazėje atsakymo neradau. Artimiausios ištraukos:",
        "lv": "Zināšanu bāzē atbildi neatradu. Tuvākie fragmenti:",
        "en": "I did not find an answer in the knowledge base. The nearest passages:",
    },
    "uncertain": {
        "lt": "Tikro atsakymo neradau. Artimiausia rasta ištrauka (gali būti netiksli):",
        "lv": "Drošu atbildi neatradu. Tuvākais atrastais fragments (var būt neprecīzs):",
        "en": "I found no definite answer. The closest evidence I found (it may not answer the question):",
    },
    "no_passages": {
        "lt": "Žinių bazėje nėra dokumentų, atitinkančių šią užklausą.",
        "lv": "Zināšanu bāzē nav dokumentu, kas atbilst šim vaicājumam.",
        "en": "The knowledge base has no documents that match this question.",
    },
    "no_question": {
        "lt": "Klausime nėra žodžių, pagal kuriuos būtų galima ieškoti. Užduokite klausimą žodžiais.",
        "lv": "Jautājumā nav vārdu, pēc kuriem meklēt. Lūdzu, uzdodiet jautājumu vārdiem.",
        "en": "The question has no words to search for. Please ask it in words.",
    },
    "llm_error": {
        "lt": "Kalbos modelis nepasiekiamas ({cause}); rodomas ištraukų atsakymas.",
        "lv": "Valodas modelis nav pieejams ({cause}); rādīta fragmentu atbilde.",
        "en": "The language model is unavailable ({cause}); showing the extractive answer.",
    },
    "llm_unsupported": {
        "lt": "Kalbos modelio atsakymas nepasitvirtino šaltiniuose; rodomas ištraukų atsakymas.",
        "lv": "Valodas modeļa atbilde netika apstiprināta avotos; rādīta fragmentu atbilde.",
        "en": "The language model's answer was not supported by the passages; showing the extractive answer.",
    },
}


def message(key: str, language: str, **values) -> str:
    """The phrase `key` in `language` (English for a language we do not speak), with `values` filled in."""
    table = MESSAGES[key]
    return table.get(language, table["en"]).format(**values)
