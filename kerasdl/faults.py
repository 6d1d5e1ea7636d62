"""Fault injection for the recovery tests: SIGKILL this process at a named point.

Set `KERASDL_KILL_AT` to a point name (e.g. `backup:2`, `batch:1:3`, `export`) and the
process kills itself with SIGKILL — the real signal, no cleanup, no atexit — when it
reaches that point. Unset (always, outside tests), `kill_point` is a no-op. Points:

- `batch:E:S`   after training step S (0-based) of epoch E (0-based) ends
- `backup:E`    while writing the backup after epoch E, between weights and rename
- `epoch:E`     after the backup of epoch E is in place
- `evaluate`    after training, before evaluation
- `export`      inside the export, after the SavedModel is written, before the rename
- `metrics`     after the export, before metrics.json
"""

from __future__ import annotations

import os
import signal

ENV = "KERASDL_KILL_AT"


def kill_point(name: str) -> None:
    """SIGKILLs this process when `KERASDL_KILL_AT` equals `name`."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
