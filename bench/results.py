"""Shared by the benchmarks: the Reuters sample they measure on, and their RESULTS.md sections."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
REUTERS = (Path(__file__).resolve().parents[2] / "shared" / "corpora" / "reuters21578"
           / "reuters21578.jsonl.gz")


def write_sample(n: int, out: Path) -> Path:
    """The first n Reuters articles with text, as the JSONL a user would hand the ETL."""
    path = out / f"reuters-{n}.jsonl"
    kept = 0
    with gzip.open(REUTERS, "rt", encoding="utf-8") as src, path.open("w") as dst:
        for line in src:
            if kept == n:
                break
            if json.loads(line).get("text", "").strip():
                dst.write(line)
                kept += 1
    return path


def update_section(title: str, body: str) -> None:
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: block + "\n", text).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + block
    RESULTS.write_text(text, encoding="utf-8")
