"""The Phoenix actor dictionaries: the converter's reading of the format, the derived tables
committed under seeds/reference/petrarch2, and the dated lookup over them."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import PROJECT_ROOT

from wirehouse.core.settings import Settings
from wirehouse.extract.dictionaries.actors import (
    CodeSpan,
    DictionaryError,
    convert,
    parse_actor_file,
    parse_date,
)
from wirehouse.extract.dictionaries.actors_lookup import code_on, lookup_actor, split_code

PETRARCH = PROJECT_ROOT.parent / "shared" / "reference" / "petrarch2"
TABLES = Path(Settings.from_env({}).reference_dir) / "petrarch2"

# Written here in the dictionaries' format (not copied from them): every construct the
# converter has to read.
SAMPLE = """\
# a comment line
RURITANIA_  [RUR]   # a country with its synonyms
+RURITANIAN_
+STRELSAU_
RUDOLF_ELPHBERG_
+KING_RUDOLF
\t[RURELI 650101-741231]
\t[RURGOV >19750101]
\t[RURELI]
FLAVIA_
+PRINCESS_FLAVIA_
\t[RURGOV <740101]
BLACK_ELPHBERG_ [RURREB 100101-091231]
MICHAEL_
+DUKE_OF_STRELSAU
\t[---]
ZENDA_LEAGUE_\t[IGORUR]
\tRUPERT_HENTZAU_\t[RURMIL 20000101-20041231] [RUROPP]
"""


def _records(problems: list[str] | None = None) -> list:  # type: ignore[type-arg]
    return list(parse_actor_file(SAMPLE.splitlines(), "sample", problems))


def test_records_names_and_codes() -> None:
    problems: list[str] = []
    recs = {r.names[0]: r for r in _records(problems)}
    assert recs["RURITANIA"].names == ["RURITANIA", "RURITANIAN", "STRELSAU"]
    assert recs["RURITANIA"].codes == [CodeSpan("RUR")]
    assert recs["RURITANIA"].actor_id == "sample:2"
    rudolf = recs["RUDOLF ELPHBERG"]
    assert rudolf.names == ["RUDOLF ELPHBERG", "KING RUDOLF"]
    assert rudolf.codes == [
        CodeSpan("RURELI", date(1965, 1, 1), date(1974, 12, 31)),
        CodeSpan("RURGOV", date(1975, 1, 1), None),
        CodeSpan("RURELI"),
    ]
    assert recs["FLAVIA"].codes == [CodeSpan("RURGOV", None, date(1974, 1, 1))]
    assert recs["MICHAEL"].codes == [CodeSpan(None)]  # the null code
    assert recs["ZENDA LEAGUE"].codes == [CodeSpan("IGORUR")]
    # An indented line with a name is a primary name, with its codes on the same line.
    assert recs["RUPERT HENTZAU"].codes == [
        CodeSpan("RURMIL", date(2000, 1, 1), date(2004, 12, 31)), CodeSpan("RUROPP")]
    # A range that ends before it starts is reported and skipped, not guessed at.
    assert recs["BLACK ELPHBERG"].codes == []
    assert problems == ["sample:13: restriction '100101-091231' ends before it starts"]


def test_a_primary_name_without_codes_shares_the_next_records() -> None:
    text = "UNITED_LEAGUE_ [IGOULG]\nU.L._\nLEAGUE_CHIEF\n+CHIEF_OF_THE_LEAGUE\n\t[IGOULG]\n"
    recs = list(parse_actor_file(text.splitlines(), "t"))
    assert [r.names for r in recs] == [["UNITED LEAGUE"],
                                       ["U.L.", "LEAGUE CHIEF", "CHIEF OF THE LEAGUE"]]
    assert recs[1].codes == [CodeSpan("IGOULG")]


def test_unreadable_lines_raise_without_a_problem_list() -> None:
    with pytest.raises(DictionaryError, match="t:2: date '2004017'"):
        list(parse_actor_file(["SOMEONE_", "\t[RURGOV 2004017-20050101]"], "t"))


def test_dates() -> None:
    assert parse_date("300101") == date(2030, 1, 1)
    assert parse_date("310101") == date(1931, 1, 1)
    assert parse_date("20170120") == date(2017, 1, 20)
    with pytest.raises(ValueError):
        parse_date("1920030320")


def test_code_on_the_day() -> None:
    spans = [CodeSpan("RURELI", date(1965, 1, 1), date(1974, 12, 31)),
             CodeSpan("RURGOV", date(1975, 1, 1), None), CodeSpan("RURELI")]
    assert code_on(spans, date(1970, 6, 1)) == spans[0]
    assert code_on(spans, date(1990, 6, 1)) == spans[1]
    assert code_on(spans, date(1950, 6, 1)) == spans[2]  # the default
    assert code_on(spans[:2], date(1950, 6, 1)) is None
    assert code_on(spans[:2], None) == spans[1]  # no date: the office held since last


def test_split_code() -> None:
    assert split_code("USAGOVMIL") == ("USA", "GOV")
    assert split_code("IGOUNO") == (None, "IGO")
    assert split_code("AFG") == ("AFG", None)
    assert split_code("TMPGOV") == ("TLS", "GOV")  # CAMEO's East Timor
    assert split_code(None) == (None, None)


@pytest.mark.skipif(not PETRARCH.is_dir(), reason="shared PETRARCH2 dictionaries not available")
def test_committed_tables_are_the_converters_output(tmp_path: Path) -> None:
    written, problems = convert(PETRARCH, tmp_path)
    assert {p.name for p in written} == {"actor_names.csv", "actor_codes.csv", "LICENSE"}
    for path in written:
        assert path.read_bytes() == (TABLES / path.name).read_bytes(), (
            f"{path.name} differs: run python -m wirehouse.extract.dictionaries")
    assert len(problems) < 20  # a handful of malformed dates in the source, reported


@pytest.mark.skipif(not PETRARCH.is_dir(), reason="shared PETRARCH2 dictionaries not available")
def test_module_runs_every_converter(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wirehouse.extract.dictionaries", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True)
    assert "Phoenix actors: wrote actor_names.csv" in done.stdout
    assert (tmp_path / "LICENSE").read_text().startswith("The MIT License")


def test_dated_office_holders() -> None:
    # A chancellor is DEUGOV only during her term; before it the dictionary says DEUELI.
    assert lookup_actor("Merkel", date(2004, 6, 1)).code == "DEUELI"  # type: ignore[union-attr]
    now = lookup_actor("Angela Merkel", date(2010, 6, 1))
    assert now is not None and now.code == "DEUGOV" and now.country == "DEU"
    assert now.kind in ("person", "office")
    obama = lookup_actor("Obama", date(2012, 6, 1))
    assert obama is not None and (obama.code, obama.country, obama.role) == ("USAGOV", "USA", "GOV")


def test_igos_have_a_code_and_no_country() -> None:
    for name, code in (("UN", "IGOUNO"), ("United Nations", "IGOUNO"), ("NATO", "IGOWSTNAT"),
                       ("European Union", "IGOEUREEC")):
        found = lookup_actor(name, date(2017, 3, 1))
        assert found is not None and found.code == code and found.country is None, name
        assert found.role == "IGO"


def test_short_acronyms_only_in_capitals() -> None:
    assert lookup_actor("un", date(2017, 3, 1)) is None
    assert lookup_actor("Us", date(2017, 3, 1)) is None
    assert lookup_actor("US", date(2017, 3, 1)).country == "USA"  # type: ignore[union-attr]


def test_the_project_lexicon_comes_first() -> None:
    # Phoenix (dates ending ~2015) still has her as Home Secretary in 2017.
    may = lookup_actor("Theresa May", date(2017, 3, 1))
    assert may is not None and may.source == "lexicon" and may.code == "GBRGOV"


def test_places_are_marked() -> None:
    kabul = lookup_actor("Kabul", date(2017, 3, 1))
    assert kabul is not None and kabul.kind == "place" and kabul.country == "AFG"
