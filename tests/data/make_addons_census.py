"""Writes tests/data/addons_tfa_symbols.txt: tfa 0.23's public symbols, one per line as
`<submodule>.<name> <defining module>` (the top-level `register_all` as `.register_all`).

Run with the tfa reference environment (tensorflow-addons 0.23 on TensorFlow 2.15):
    /work/tfa-venv/bin/python tests/data/make_addons_census.py
The symbols are `dir()` of each of tfa's ten submodules, without private names and
submodules; `kerasdl.addons._census` must list exactly these (tests/test_addons_census.py).
"""

import pathlib
import types

import tensorflow_addons as tfa

MODULES = (
    "activations",
    "callbacks",
    "image",
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "rnn",
    "seq2seq",
    "text",
)


def public(module):
    for name in sorted(dir(module)):
        value = getattr(module, name)
        if not name.startswith("_") and not isinstance(value, types.ModuleType):
            yield name, getattr(value, "__module__", module.__name__)


def main():
    lines = [f"{tfa.__version__}"]
    for name, defined in public(tfa):
        lines.append(f".{name} {defined.removeprefix('tensorflow_addons.')}")
    for submodule in MODULES:
        for name, defined in public(getattr(tfa, submodule)):
            lines.append(f"{submodule}.{name} {defined.removeprefix('tensorflow_addons.')}")
    path = pathlib.Path(__file__).with_name("addons_tfa_symbols.txt")
    path.write_text("\n".join(lines) + "\n")
    print(f"{len(lines) - 1} symbols -> {path}")


if __name__ == "__main__":
    main()
