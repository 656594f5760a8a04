"""Sentences as evidence: headings apart from the sentence after them, readable statements without Markdown, the
spans whose vectors are stored with each chunk."""

from kb.sentences import contextual, evidence_spans, readable, sentence_context, sentence_spans


def _sents(text):
    return [text[a:b] for a, b in sentence_spans(text, 0, len(text))]


def test_a_heading_line_is_never_glued_to_the_next_sentence():
    text = "How the guide was made\nThe guide is the main product of the project and was written together."
    assert _sents(text) == ["How the guide was made",
                            "The guide is the main product of the project and was written together."]


def test_a_wrapped_line_inside_a_paragraph_is_not_a_heading():
    text = ("The project was led by the Klaipėda Region Development Council and the planners of the\n"
            "Kurzeme region with many partners in the two regions.")
    assert len(_sents(text)) == 1


def test_abbreviations_and_clock_times_stay_whole():
    assert len(_sents("Seminārs sākās plkst. 10.00 Rēzeknē. Pēc tam bija diskusija.")) == 2
    assert len(_sents("Kalbėjo dr. Jonaitis, pvz. apie GIS. Kitas sakinys.")) == 2


def test_readable_statements():
    assert readable("**14 200 eurų** skirta") == "14 200 eurų skirta"
    assert readable("| Kryptis | Žmonių per dieną |") == "Kryptis; Žmonių per dieną"
    assert readable("- *Neringa* and `Saldus` [map](http://example.org)") == "Neringa and Saldus map"
    assert readable("|---|:---:|") == ""
    assert readable("snake_case_name and 2*3*4") == "snake_case_name and 2*3*4"


def test_evidence_spans_skip_labels_and_rules():
    text = "Seminārs notika Rīgā 2023. gadā.\n|---|---|\nOK."
    assert [text[a:b] for a, b in evidence_spans(text)] == ["Seminārs notika Rīgā 2023. gadā."]


def test_sentence_context():
    assert sentence_context("Studijų vizitas", "Ataskaita > Išlaidos") == "Studijų vizitas › Išlaidos"
    assert sentence_context("Išlaidos", "Išlaidos") == "Išlaidos"
    assert contextual("It cost EUR 3,000.", "Nida camp") == "Nida camp: It cost EUR 3,000."


def test_a_table_rows_unit_is_read_from_its_header():
    from kb.quantities import gives_kind, gives_kind_under
    from kb.sentences import header_and_rows, table_header

    md = "Budžets\n\n| | Summa, EUR |\n|---|---|\n| Kopējais projekta budžets | 498 760 |\n| ERAF (85 %) | 423 946 |\n"
    row = md.index("| Kopējais")
    assert table_header(md, row) == "Summa, EUR" and table_header(md, md.index("Budžets")) is None
    assert not gives_kind("money", "Kopējais projekta budžets; 498 760")  # no currency in the row itself
    assert gives_kind_under("money", "Summa, EUR", "Kopējais projekta budžets; 498 760")
    assert not gives_kind_under("money", "Dalībnieki", "Kopējais skaits; 42")  # the header must name the unit
    stored = "| Summa, EUR\nKopējais projekta budžets | 498 760\nt. sk. ERAF (85 %) | 423 946"  # as parsers store it
    header, rows = header_and_rows(stored)
    assert header == "Summa, EUR" and "498 760" in rows and gives_kind_under("money", header, rows)
    assert header_and_rows("One sentence without a table.") is None
