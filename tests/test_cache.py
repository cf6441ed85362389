"""wirehouse.core.cache: derived data kept between runs, rebuilt when its sources change."""

from __future__ import annotations

from pathlib import Path

import pytest

from wirehouse.core import cache
from wirehouse.extract import countries
from wirehouse.ingest import language


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cache, "cache_dir", lambda: tmp_path / "derived")
    return tmp_path / "derived"


def test_a_value_is_built_once_per_key(folder: Path) -> None:
    builds: list[str] = []

    def build(value: str) -> dict[str, str]:
        builds.append(value)
        return {"value": value}

    assert cache.cached("thing", ["a"], lambda: build("one")) == {"value": "one"}
    assert cache.cached("thing", ["a"], lambda: build("two")) == {"value": "one"}
    assert builds == ["one"]
    # Another key (a changed source) builds again, and the value built before is dropped.
    assert cache.cached("thing", ["b"], lambda: build("three")) == {"value": "three"}
    assert builds == ["one", "three"]
    assert len(list(folder.glob("thing-*.pickle"))) == 1
    # A damaged file is built again, not an error.
    next(folder.glob("thing-*.pickle")).write_bytes(b"not a pickle")
    assert cache.cached("thing", ["b"], lambda: build("four")) == {"value": "four"}
    assert cache.cached("thing", ["b"], lambda: build("five")) == {"value": "four"}


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setattr(cache, "cache_dir", lambda: blocker / "derived")
    assert cache.cached("thing", ["a"], lambda: [1, 2]) == [1, 2]
    assert cache.cached("thing", ["a"], lambda: [3]) == [3]


def test_cached_identifier_and_places_equal_fresh_ones(folder: Path) -> None:
    language._identifier.cache_clear()
    countries._index.cache_clear()
    try:
        for _ in range(2):  # built and kept, then read back
            language._identifier.cache_clear()
            countries._index.cache_clear()
            assert countries._index() == countries._build_index()
            texts = ["The central bank raised interest rates on Tuesday.",
                     "Le gouvernement a annoncé une réforme des retraites.",
                     "Die Regierung hat am Dienstag neue Sanktionen beschlossen."]
            fresh = language._build_identifier()
            assert [language._identifier().classify(t) for t in texts] == \
                [fresh.classify(t) for t in texts]
        assert {p.name.split("-")[0] for p in folder.glob("*.pickle")} == {"langid", "places"}
    finally:
        language._identifier.cache_clear()
        countries._index.cache_clear()


def test_a_cache_file_someone_else_could_write_is_never_loaded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import pickle

    monkeypatch.setattr(cache, "cache_dir", lambda: tmp_path / "derived")
    assert cache.cached("thing", ["a"], lambda: "built") == "built"
    [path] = (tmp_path / "derived").glob("thing-*.pickle")
    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {marker}",))

    path.write_bytes(pickle.dumps(Planted()))
    path.chmod(0o666)  # what a file in a shared, group- or world-writable folder can be
    assert cache.cached("thing", ["a"], lambda: "rebuilt") == "rebuilt"
    assert not marker.exists()
    link = tmp_path / "derived" / "elsewhere.pickle"
    link.write_bytes(pickle.dumps(Planted()))
    path.unlink()
    path.symlink_to(link)  # a link planted in the folder is not followed
    assert cache.cached("thing", ["a"], lambda: "again") == "again"
    assert not marker.exists()
