"""The one error type for bad user input.

Readers raise `InputError` naming the file, the line (where there is one) and the
problem; trainers turn it into one line on stderr and exit status 2.
"""

from __future__ import annotations

import os


class InputError(ValueError):
    """Malformed user input: a file, a line in it, or a flag value.

    str() gives `path:line: problem` (or `path: problem` when there is no line), the
    form compilers and linters use, so editors can jump to it.
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
