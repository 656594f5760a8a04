"""Amounts, dates, durations and percentages as real Lithuanian, Latvian and English documents write them, and
what kind of answer a question asks for — anchored on its interrogative, in all three languages."""

import pytest

from kb.quantities import (
    anchor_match,
    answer_kind,
    gives_kind,
    has_amount,
    has_date,
    has_duration,
    has_percent,
    mentions_years,
    name_keys,
    number_values,
)


@pytest.mark.parametrize("text", ["363 237,51 Eur", "363 237, 51 Eur", "308 751,88 EUR", "1,2 mln. eurų",
                                  "1,4 milj. eiro", "EUR 7,800", "€14,200", "45 000 eurų", "15 tūkst. eurų",
                                  "EUR 45 000", "The visit cost EUR 14,200 in total.", "kainavo 3 000 eurų"])
def test_amounts_in_real_formats(text):
    assert has_amount(text)


@pytest.mark.parametrize("text", ["EuroVelo 10 maršrutas", "Europos Sąjunga", "12 dalyvių", "2023 m."])
def test_not_amounts(text):
    assert not has_amount(text)


@pytest.mark.parametrize("text", ["2022 m. gegužės 31 d.", "2023. gada 1. martā", "2020.06.01–2022.05.31",
                                  "31 May 2022", "Q2 2023", "2023 m. II ketvirtis", "līdz 2024. gada 30. jūnijam",
                                  "31.05.2022"])
def test_dates_in_real_formats(text):
    assert has_date(text)


@pytest.mark.parametrize("text", ["nuo 9.00 iki 17.30 val.", "Brauciens ilgst 2 stundas un 10 minūtes",
                                  "Seminārs ilga trīs stundas.", "bent vieneri metai", "more than an hour"])
def test_durations(text):
    assert has_duration(text)


def test_a_year_is_not_a_duration():
    assert not has_duration("2023. gada 1. martā")


@pytest.mark.parametrize("text", ["12,5 proc.", "12,5 %", "12.5%", "apie penktadalis gyventojų",
                                  "about a fifth of residents"])
def test_percentages_and_shares(text):
    assert has_percent(text)


def test_number_values_read_both_decimal_conventions():
    assert 7800 in number_values("EUR 7,800") and 7.8 in number_values("EUR 7,800")
    assert number_values("363 237,51 Eur") == {363237.51}
    assert 1_200_000 in number_values("1,2 mln. eurų")


@pytest.mark.parametrize("question, kind", [
    ("Kiek kainavo studijų vizitas į Pomeraniją?", "money"),
    ("Cik maksā biļete no Liepājas uz Klaipēdu?", "money"),
    ("What was the rough price tag for the counters?", "money"),
    ("Koks preliminarus Mėlynosios ekonomikos veiksmų plano 2023–2027 m. biudžetas?", "money"),
    ("Kāds bija Saldus inovāciju nometnes rīkošanas budžets?", "money"),
    ("Cik stundas ilga brauciens?", "duration"),  # hours, not money
    ("Cik liels ir projekta kopējais budžets?", "money"),  # "how big" of a budget: an amount, not a count
    ("How big is the total budget of the project?", "money"),
    ("Koks didelis projekto biudžetas?", "money"),
    ("Cik liels ir dalībnieku skaits?", "count"),
    ("Kiek ilgai truks bandymas?", "duration"),
    ("How long does the coach take?", "duration"),
    ("How long is the cycle route?", "count"),  # a length
    ("Koks viso maršruto ilgis?", "count"),
    ("Kada vyko konferencija?", "date"),
    ("Kad notika konference?", "date"),
    ("Vienas lapas apskatos: kad sākās izmēģinājums?", "date"),
    ("Iki kokios datos turi būti parengta ataskaita?", "date"),
    ("What share of the budget came from the ERDF?", "percent"),
    ("Kokią projekto biudžeto dalį sudarė įnašas?", "percent"),
    ("Kiek dalyvių buvo?", "count"),
    ("Cik dalībnieku ieradās?", "count"),
    ("How many people took part?", "count"),
    ("At what time did it start?", "time"),
    # a description, not an amount: "cost"/"budget"/"funded" inside the question is not the interrogative
    ("What does the estimated trial-year cost of the call-bus include?", None),
    ("How is the Turku joint public transport authority funded and run?", None),
    ("Kaip Klaipėdos miestas naudoja bilietų žymėjimo duomenis?", None),
    ("Over what stretch should a single EuroVelo 10 sign design be used?", None),
    ("Ko reikia, kad planai būtų rodomi užsienio geoportale?", None),  # Lithuanian "kad" = "that"
    ("Who chaired the meeting?", None),
])
def test_answer_kind(question, kind):
    assert answer_kind(question) == kind


def test_gives_kind():
    assert gives_kind("money", "Visos išlaidos sudarė 14 200 eurų.")
    assert not gives_kind("money", "Vizitas vyko 2022 m. birželį.")
    assert gives_kind(None, "anything")


def test_years_and_ranges():
    assert mentions_years({"2025"}, "Plāns 2021.–2027. gadam")
    assert mentions_years({"2024"}, "no date here", "2024-03-01")
    assert not mentions_years({"2019"}, "2021–2023")


def test_names_meet_across_spellings_and_numbers_across_languages():
    assert {"klai", "liep"} <= name_keys("Kiek kainuoja bilietas tarp Klaipėdos ir Liepojos?")
    assert anchor_match("Cik maksā biļete no Liepājas uz Klaipēdu?", "Bilietas iš Liepojos į Klaipėdą.") == (2, 2)
    assert anchor_match("Was the grant EUR 7,800?", "Skirta 7 800 eurų.") == (1, 1)
    assert name_keys("Renginys Anykščių kultūros centre") & name_keys("Ko teica Anīkšču kultūras centrā?")
