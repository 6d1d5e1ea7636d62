"""The tfa census: every tfa 0.23 public symbol has a home, and the table cannot drift."""

import importlib
import pathlib

import kerasdl.addons
from kerasdl.addons import _census

DATA = pathlib.Path(__file__).parent / "data"
SUBMODULES = ("activations", "callbacks", "image", "layers", "losses", "metrics")
SUBMODULES += ("optimizers", "rnn", "seq2seq", "text")


def _tfa_symbols():
    lines = (DATA / "addons_tfa_symbols.txt").read_text().splitlines()
    assert lines[0] == "0.23.0"
    return dict(line.split() for line in lines[1:])


def test_census_lists_exactly_tfa_public_symbols():
    symbols = _tfa_symbols()
    assert len(symbols) == 182
    assert set(_census.CENSUS) == set(symbols)
    assert all(kind in _census.KINDS for kind, _, _ in _census.CENSUS.values())
    assert all(note for kind, _, note in _census.CENSUS.values() if kind == "none")


def test_provided_symbols_resolve_under_tfa_names_and_module_paths():
    symbols = _tfa_symbols()
    for symbol, (kind, _, _) in _census.CENSUS.items():
        if kind != "addons":
            continue
        module, name = symbol.split(".", 1)
        parent = kerasdl.addons if not module else getattr(kerasdl.addons, module)
        assert hasattr(parent, name), symbol
        if module:  # tfa's defining module, e.g. kerasdl.addons.image.transform_ops
            defining = importlib.import_module(f"kerasdl.addons.{symbols[symbol]}")
            assert getattr(defining, name) is getattr(parent, name), symbol


def test_every_exported_name_is_a_provided_census_entry():
    exported = {f".{name}" for name in kerasdl.addons.__all__ if name not in SUBMODULES}
    for module in SUBMODULES:
        exported |= {f"{module}.{name}" for name in getattr(kerasdl.addons, module).__all__}
    provided = {s for s, (kind, _, _) in _census.CENSUS.items() if kind == "addons"}
    assert exported == provided


def test_build_notes_table_is_the_census():
    notes = (pathlib.Path(__file__).parents[1] / "BUILD_NOTES.md").read_text()
    assert _census.rewrite(notes) == notes, (
        "regenerate with: python -m kerasdl.addons._census BUILD_NOTES.md"
    )
    counts = _census.counts()
    assert sum(counts.values()) == 182
    assert f"{counts['addons']} under `kerasdl.addons`" in notes
