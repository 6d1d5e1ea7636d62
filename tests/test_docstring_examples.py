"""Every `Example:` in a public docstring of kerasdl runs.

Public objects follow Keras' docstring format: an `Example:` heading, then one or more
```python fenced blocks. The modules are found by walking the package, so examples added to
any module later are run too; each block runs in a fresh namespace holding `keras`, `np`,
`tf` and `kerasdl`, as a reader would paste it after those imports.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

import kerasdl

EXAMPLE_HEADING = re.compile(r"^Examples?:\s*$", re.MULTILINE)
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _public_modules():
    """kerasdl and its submodules, except private ones (a `_` in the dotted name)."""
    yield kerasdl
    for info in pkgutil.walk_packages(kerasdl.__path__, "kerasdl."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            yield importlib.import_module(info.name)


def _public_objects(module):
    """`module.__all__`, or the non-underscore classes and functions defined in `module`."""
    listed = getattr(module, "__all__", None)
    for name in listed if listed is not None else vars(module):
        obj = getattr(module, name, None)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)) or name.startswith("_"):
            continue
        if listed is not None or getattr(obj, "__module__", None) == module.__name__:
            yield obj


def _examples():
    """`(id, code)` for each python block under an `Example:` heading, each object once."""
    seen = set()
    for module in _public_modules():
        for obj in _public_objects(module):
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            doc = inspect.getdoc(obj) or ""
            heading = EXAMPLE_HEADING.search(doc)
            if heading is None:
                continue
            blocks = PYTHON_BLOCK.findall(doc, heading.end())
            for index, code in enumerate(blocks):
                name = f"{obj.__module__}.{obj.__qualname__}"
                yield (name if len(blocks) == 1 else f"{name}[{index}]"), textwrap.dedent(code)


EXAMPLES = dict(_examples())


def test_examples_are_found():
    assert len(EXAMPLES) >= 50, sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_docstring_example_runs(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    keras.utils.set_random_seed(0)
    namespace = {"keras": keras, "np": np, "tf": tf, "kerasdl": kerasdl}
    exec(compile(EXAMPLES[name], f"<Example of {name}>", "exec"), namespace)
