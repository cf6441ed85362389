"""``python -m wirehouse.extract.dictionaries [--source DIR] [--out DIR]``: rebuild the lexicon
tables derived from the PETRARCH2 dictionaries (the converters below, in order)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from wirehouse.core.settings import PROJECT_ROOT, get_settings
from wirehouse.extract.dictionaries import actors, agents, discards, verbs

Converter = Callable[[Path, Path], tuple[list[Path], list[str]]]

# (what it converts, converter); add a converter by adding a line.
CONVERTERS: list[tuple[str, Converter]] = [
    ("Phoenix actors", actors.convert),
    ("CAMEO verb patterns", verbs.convert),
    ("Phoenix agents", agents.convert),
    ("Phoenix discards", discards.convert),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wirehouse.extract.dictionaries",
                                     description=__doc__)
    parser.add_argument("--source", type=Path,
                        default=PROJECT_ROOT.parent / "shared" / "reference" / "petrarch2",
                        help="folder of the PETRARCH2 dictionary files")
    parser.add_argument("--out", type=Path,
                        default=Path(get_settings().reference_dir) / "petrarch2",
                        help="folder of the derived tables")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        parser.error(f"no dictionary folder at {args.source}")
    for what, convert in CONVERTERS:
        written, problems = convert(args.source, args.out)
        print(f"{what}: wrote {', '.join(p.name for p in written)} in {args.out}")
        for problem in problems:
            print(f"  skipped {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
