"""What wirehouse.core.cache saves each extracting process, side by side in one run.

    .venv/bin/python bench/derived_cache.py [--repeat 3]

For each derived value (the language identifier, the place index, the Phoenix actor tables,
the name words, the known-names ruler's patterns), in a fresh temporary cache folder: the cold
call (built, then written to the cache) and the warm call (read back from the cache file),
the median of the repeats, and their ratio. Timing figures go to bench/RESULTS.md by hand,
with this command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from wirehouse.core import cache
    from wirehouse.core.reference import folder
    from wirehouse.extract import countries, ruler, ruler_words
    from wirehouse.extract.dictionaries import actors_lookup
    from wirehouse.ingest import language

    patterns = str(Path(folder()) / "name_patterns.jsonl")
    # In dependency order: the name words and the patterns read the Phoenix tables.
    values: dict[str, tuple[Callable[[], object], Callable[[], None]]] = {
        "langid": (language._identifier, language._identifier.cache_clear),
        "places": (countries._index, countries._index.cache_clear),
        "phoenix-actors": (actors_lookup._phoenix, actors_lookup._phoenix.cache_clear),
        "name-words": (ruler_words.name_words, ruler_words.name_words.cache_clear),
        "ruler-patterns": (lambda: ruler.ruler_patterns(patterns),
                           ruler.ruler_patterns.cache_clear),
    }
    cold: dict[str, list[float]] = {name: [] for name in values}
    warm: dict[str, list[float]] = {name: [] for name in values}
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            cache.cache_dir = lambda tmp=tmp: Path(tmp)  # type: ignore[assignment]
            for _, clear in values.values():
                clear()
            for name, (call, _clear) in values.items():
                cold[name].append(_timed(call))
            for name, (call, clear) in values.items():
                clear()
                warm[name].append(_timed(call))
            for path in Path(tmp).iterdir():
                sizes[path.name.split("-" + path.name.rsplit("-", 1)[-1])[0]] = \
                    os.path.getsize(path)
    print(f"{'value':16} {'cold s':>8} {'warm s':>8} {'cold/warm':>9} {'file KB':>8}")
    for name in values:
        c, w = statistics.median(cold[name]), statistics.median(warm[name])
        print(f"{name:16} {c:8.3f} {w:8.3f} {c / w:9.1f} {sizes.get(name, 0) / 1024:8.0f}")
    total_c = sum(statistics.median(v) for v in cold.values())
    total_w = sum(statistics.median(v) for v in warm.values())
    print(f"{'all':16} {total_c:8.3f} {total_w:8.3f} {total_c / total_w:9.1f}")


if __name__ == "__main__":
    main()
