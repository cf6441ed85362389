"""wirehouse.core.cache: derived data kept between runs as data (never pickles), rebuilt when
its sources change."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from wirehouse.core import cache
from wirehouse.core.reference import folder as reference_folder
from wirehouse.extract import countries, ruler, ruler_words
from wirehouse.extract.dictionaries import actors_lookup
from wirehouse.ingest import language

TEXT = cache.json_codec(lambda value: value, lambda data: data)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(cache, "cache_dir", lambda: tmp_path / "derived")
    return tmp_path / "derived"


class _Touch:
    """Unpickling it creates ``marker``: what a planted pickle could run."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_value_is_built_once_per_key(folder: Path) -> None:
    builds: list[str] = []

    def build(value: str) -> dict[str, str]:
        builds.append(value)
        return {"value": value}

    assert cache.cached("thing", ["a"], lambda: build("one"), TEXT) == {"value": "one"}
    assert cache.cached("thing", ["a"], lambda: build("two"), TEXT) == {"value": "one"}
    assert builds == ["one"]
    # Another key (a changed source) builds again, and the value built before is dropped;
    # another name's file ("thing-else") is not.
    assert cache.cached("thing-else", ["a"], lambda: build("other"), TEXT) == {"value": "other"}
    assert cache.cached("thing", ["b"], lambda: build("three"), TEXT) == {"value": "three"}
    assert builds == ["one", "other", "three"]
    assert len(list(folder.glob("thing-*.npz"))) == 2
    # A damaged file is built again, not an error.
    [kept] = [p for p in folder.glob("thing-*.npz") if not p.name.startswith("thing-else")]
    kept.write_bytes(b"not an npz")
    assert cache.cached("thing", ["b"], lambda: build("four"), TEXT) == {"value": "four"}
    assert cache.cached("thing", ["b"], lambda: build("five"), TEXT) == {"value": "four"}


def test_a_cache_that_cannot_be_written_only_costs_time(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setattr(cache, "cache_dir", lambda: blocker / "derived")
    assert cache.cached("thing", ["a"], lambda: [1, 2], TEXT) == [1, 2]
    assert cache.cached("thing", ["a"], lambda: [3], TEXT) == [3]


def test_a_codec_with_object_arrays_is_refused(folder: Path) -> None:
    objects = cache.Codec(lambda v: (None, {"x": np.array([v], dtype=object)}),
                          lambda data, arrays: arrays["x"][0])
    with pytest.raises(TypeError, match="data only"):
        cache.cached("thing", ["a"], lambda: {"a": 1}, objects)
    assert not list(folder.glob("*")), "nothing half-written is left"


def _identifier_state(ident: object) -> list[object]:
    """Everything a LanguageIdentifier holds (it has __slots__ and no __eq__)."""
    state: list[object] = []
    for name in sorted(type(ident).__slots__):  # type: ignore[attr-defined]
        value = getattr(ident, name)
        parts = value if name == "_full_model" else (value,)
        for part in parts:
            if isinstance(part, np.ndarray):
                state.append((name, part.dtype.str, part.shape, part.tobytes()))
            else:
                state.append((name, type(part).__name__, part))
    return state


def test_every_cached_value_round_trips_exactly(folder: Path) -> None:
    patterns = str(Path(reference_folder()) / "name_patterns.jsonl")
    kept = [language._identifier, countries._index, actors_lookup._phoenix,
            ruler_words.name_words, ruler.ruler_patterns]
    try:
        for _ in range(2):  # built and kept, then read back
            for fn in kept:
                fn.cache_clear()  # type: ignore[attr-defined]
            assert _identifier_state(language._identifier()) == \
                _identifier_state(language._build_identifier())
            assert countries._index() == countries._build_index()
            assert actors_lookup._phoenix() == actors_lookup._build_phoenix()
            assert ruler_words.name_words() == ruler_words._build_name_words()
            assert ruler.ruler_patterns(patterns) == ruler._build_patterns(patterns)
        assert {p.name.rsplit("-", 1)[0] for p in folder.glob("*.npz")} == \
            {"langid", "places", "phoenix-actors", "name-words", "ruler-patterns"}
        assert not list(folder.glob("*.pickle"))
    finally:
        for fn in kept:
            fn.cache_clear()  # type: ignore[attr-defined]


def test_a_planted_file_in_the_cache_folder_cannot_run_code(folder: Path, tmp_path: Path) -> None:
    """The old format's files are removed unread; a file at the new name that holds a pickle
    (an object array in the .npz) is refused by numpy and the value built instead."""
    marker = tmp_path / "ran"
    assert cache.cached("thing", ["a"], lambda: "built", TEXT) == "built"
    [path] = folder.glob("thing-*.npz")
    old = folder / f"{path.stem}.pickle"
    old.write_bytes(pickle.dumps(_Touch(marker)))
    with path.open("wb") as out:  # our own file, mode 0644: only the format protects
        np.savez(out, allow_pickle=True, __json__=np.frombuffer(b'"planted"', np.uint8),
                 payload=np.array([_Touch(marker)], dtype=object))
    path.chmod(0o644)
    assert cache.cached("thing", ["a"], lambda: "rebuilt", TEXT) == "rebuilt"
    assert not marker.exists()
    assert not old.exists()
    assert cache.cached("thing", ["a"], lambda: "again", TEXT) == "rebuilt"
    # The payload is live: loaded as pickles may be, it runs.
    live = tmp_path / "live.npz"
    with live.open("wb") as out:
        np.savez(out, allow_pickle=True, payload=np.array([_Touch(marker)], dtype=object))
    with np.load(live, allow_pickle=True) as stored:
        stored["payload"]
    assert marker.exists()


def test_a_cache_file_someone_else_could_write_is_never_loaded(folder: Path,
                                                              tmp_path: Path) -> None:
    assert cache.cached("thing", ["a"], lambda: "built", TEXT) == "built"
    [path] = folder.glob("thing-*.npz")
    planted = tmp_path / "planted.npz"
    with planted.open("wb") as out:
        np.savez(out, __json__=np.frombuffer(b'"planted"', np.uint8))
    path.write_bytes(planted.read_bytes())
    path.chmod(0o666)  # what a file in a shared, group- or world-writable folder can be
    assert cache.cached("thing", ["a"], lambda: "rebuilt", TEXT) == "rebuilt"
    path.unlink()
    path.symlink_to(planted)  # a link planted in the folder is not followed
    assert cache.cached("thing", ["a"], lambda: "again", TEXT) == "again"
