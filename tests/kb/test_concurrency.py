"""Searches keep answering while a batch of 120 files is ingested in the same process (the app's situation)."""

import threading
import time

from conftest import write
from ingest.library import Library

TOPICS = ["autobusų linija", "keltas per marias", "dviračių takas", "geoportalo sluoksnis", "mokyklų tinklas",
          "saulės elektrinės", "jūrinio vėjo uostas", "bibliotekų kortelė"]


def test_searches_answer_during_a_large_ingest(kb, tmp_path):
    for i in range(120):
        topic = TOPICS[i % len(TOPICS)]
        write(tmp_path / "batch" / f"doc{i:03}.md",
              f"---\nlanguage: lt\n---\n# Dokumentas {i}\n\n" + " ".join(
                  f"Pastraipa {j}: {topic} Klaipėdos regione, sprendimas numeris {i}-{j}." for j in range(30)))
    lib = Library(kb, batch_chunks=16)
    write(tmp_path / "seed" / "seed.md", "Pradinis dokumentas apie autobusų liniją Klaipėda–Liepoja.\n")
    lib.add([tmp_path / "seed"], "test")
    done = threading.Event()
    errors, latencies, counts = [], [], []

    def ingest():
        try:
            report = lib.add([tmp_path / "batch"], "test")
            assert report.counts()["added"] == 120, report.counts()
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            done.set()

    def searcher(n):
        while not done.is_set():
            t = time.perf_counter()
            try:
                hits = lib.kb.search(TOPICS[n % len(TOPICS)], 5)
                lib.kb.docs()
                counts.append(len(hits))
            except Exception as e:  # noqa: BLE001
                errors.append(e)
            latencies.append(time.perf_counter() - t)

    threads = [threading.Thread(target=ingest)] + [threading.Thread(target=searcher, args=(n,)) for n in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=300)
    assert not errors, errors[:3]
    assert len(latencies) > 20 and all(c >= 1 for c in counts)
    assert len(lib.kb.docs()) == 121
