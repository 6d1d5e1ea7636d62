"""The one error type for bad user input, and `tfds_errors` for TFDS loading.

Readers raise `InputError` naming the file, the line (where there is one) and the
problem; trainers turn it into one line on stderr and exit status 2.
"""

from __future__ import annotations

import contextlib
import os


class InputError(ValueError):
    """Malformed user input: a file, a line in it, or a flag value.

    str() gives `path:line: problem` (or `path: problem` when there is no line), the
    form compilers and linters use, so editors can jump to it.

    Example:

    ```python
    error = kerasdl.data.InputError("train.tsv", "expected 2 columns, got 3", line=7)
    str(error)  # "train.tsv:7: expected 2 columns, got 3"
    ```
    """

    def __init__(self, path: str | os.PathLike | None, problem: str, line: int | None = None):
        self.path = None if path is None else os.fspath(path)
        self.line = line
        self.problem = problem
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.problem}"


@contextlib.contextmanager
def tfds_errors(source: str):
    """Whatever TFDS raises inside the block (an unknown name or split, no network, a full
    disk: many types) becomes one `InputError` naming `source` (`tfds:NAME/SPLIT`).

    Example:

    ```python
    from kerasdl.data.errors import InputError, tfds_errors

    try:
        with tfds_errors("tfds:no_such_dataset/train"):
            raise KeyError("no_such_dataset")  # what a TFDS builder might raise
    except InputError as error:
        print(error)  # tfds:no_such_dataset/train: cannot load (KeyError: 'no_such_dataset')
    ```
    """
    try:
        yield
    except InputError:
        raise
    except Exception as error:  # TFDS raises many types
        first_line = str(error).strip().split("\n")[0][:300]
        raise InputError(source, f"cannot load ({type(error).__name__}: {first_line})") from None
