import hashlib

from kb.analysis import document_terms, fold, query_terms, stem, tokens
from kb.latvian_stemmer import stem_latvian
from kb.sparse import SparseEncoder, term_id


def test_lithuanian_case_forms_share_a_stem():
    assert stem("savivaldybių", "lt") == stem("savivaldybėse", "lt") == "savivaldyb"


def test_latvian_case_forms_share_a_stem():
    forms = ["reģions", "reģiona", "reģionā", "reģioniem", "reģionu"]
    assert len({stem_latvian(f) for f in forms}) == 1
    assert stem_latvian("pašvaldību") == stem_latvian("pašvaldības")


def test_short_latvian_words_keep_three_letters():
    assert stem_latvian("upe") == "upe"


def test_names_meet_across_languages_after_folding():
    lt = document_terms("Klaipėdos regionas", "lt")
    lv = document_terms("Klaipēdas reģions", "lv")
    assert lt[0] == lv[0] == "klaiped"
    assert fold("Šilutė") == "Silute"


def test_stopwords_and_one_letter_words_are_dropped_numbers_kept():
    assert tokens("The plan and the 2030 strategy ir KRSS") == ["plan", "2030", "strategy", "krss"]
    assert tokens("un vai ir ar a") == []


def test_query_terms_are_stemmed_for_every_language():
    terms = query_terms("Klaipeda", ["lt", "en"])
    assert "klaiped" in terms  # the Lithuanian stemmer's form meets Lithuanian documents


def test_term_ids_are_stable_blake2b():
    expected = int.from_bytes(hashlib.blake2b(b"klaiped", digest_size=4).digest(), "little")
    assert term_id("klaiped") == expected
    assert 0 <= term_id("x") < 2**32


def test_bm25_document_weights_saturate_and_normalise_length():
    enc = SparseEncoder()
    once = enc.encode_document("transportas", "lt")
    thrice = enc.encode_document("transportas transportas transportas", "lt")
    assert len(once.indices) == 1 and thrice.values[0] > once.values[0]
    assert thrice.values[0] < 3 * once.values[0]  # saturation
    long_doc = enc.encode_document("transportas " + " ".join(f"žodis{i}" for i in range(200)), "lt")
    tid = term_id("transport")
    assert long_doc.values[long_doc.indices.index(tid)] < once.values[0]  # length normalisation


def test_query_vector_has_unit_weights_and_sorted_unique_ids():
    v = SparseEncoder().encode_query("viešasis transportas transportas", ["lt", "lv", "en"])
    assert v.indices == sorted(set(v.indices))
    assert set(v.values) == {1.0}
    assert SparseEncoder().encode_query("ir ar", ["lt"]).indices == []
