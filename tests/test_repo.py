"""Repository hygiene: the README's Quickstart is what CI runs, and the code passes ruff."""

import re
import subprocess
import sys

from conftest import REPO


def quickstart_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```(?:bash|sh)\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def test_quickstart_is_two_commands_and_ci_runs_the_second_verbatim():
    commands = quickstart_commands()
    assert len(commands) == 2, commands
    assert "applications.image_classification" in commands[0]
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert commands[1].strip() in [line.strip() for line in ci_lines]


def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "kerasdl", "applications", "tests", "benchmarks"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
