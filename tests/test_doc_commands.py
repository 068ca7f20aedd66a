"""Every ``twin`` command shown in the README and docs/*.md runs as written.

The commands run in document order in a scratch folder per group of documents (with
``scenarios/`` linked in; the groups run in parallel), through a ``twin`` on the PATH
that is this checkout, so later commands find what earlier ones wrote (``twin report
results/base`` after ``twin run ... --out results/base``). Excluded, with the test that
covers each: ``twin explore`` serves until stopped (tests/test_explorer.py starts it on
a free port), and commands with placeholders in capitals (``FILE``, ``DB``, ``HOST``)
are templates, not commands.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_compare_plots import assert_readable, compared
from twin.sweep import ResultsDB

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = ("", "bash", "sh", "console")
PLACEHOLDER = re.compile(r"\b(FILE|DB|HOST|DIR|METRIC|PARAM|NAME)\b")


def documented_commands() -> list[tuple[str, str]]:
    """(document, command) for each ``twin`` command in a bash block, in order."""
    found = []
    for path in DOCUMENTS:
        fences = re.findall(r"^```(\w*)\n(.*?)^```", path.read_text(), re.S | re.M)
        for block in (body for language, body in fences if language in SHELL):
            text = re.sub(r"\\\n\s*", " ", block)  # join continued lines
            for line in text.splitlines():
                command = line.split("&&")[-1].split("  #")[0].strip()
                served = command.startswith("twin explore")
                if command.startswith("twin ") and not served and not PLACEHOLDER.search(command):
                    found.append((path.name, command))
    return found


def test_the_docs_show_commands_to_run() -> None:
    commands = [command for _, command in documented_commands()]
    assert any(c.startswith("twin run ") for c in commands)
    assert any(c.startswith("twin sweep ") for c in commands)
    assert any(c.startswith("twin report ") for c in commands)


#: Documents whose commands share a scratch folder (later ones read what earlier ones
#: wrote: sweeps.md reads the README's policy sweep); the groups run in parallel.
GROUPS = {
    "readme-and-sweeps": ("README.md", "sweeps.md"),
    "planner-question": ("planner_question.md",),
    "districts-and-security": ("districts.md", "security.md"),
}


def test_every_document_is_in_a_group() -> None:
    grouped = {name for names in GROUPS.values() for name in names}
    assert {document for document, _ in documented_commands()} <= grouped


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_every_documented_command_runs(
    tmp_path: Path, group: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim = tmp_path / "bin" / "twin"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m twin.cli "$@"\n')
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    (work / "scenarios").symlink_to(ROOT / "scenarios")
    env = {
        **os.environ,
        "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
    }
    failures = []
    for document, command in documented_commands():
        if document not in GROUPS[group]:
            continue
        done = subprocess.run(
            ["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            failures.append(f"{document}: {command}\n{done.stderr[-800:]}")
    assert not failures, "\n\n".join(failures)
    if group != "readme-and-sweeps":
        return
    # what the README says of the policy sweep: every run finished, radar ranks first on
    # stranded crossings (it strands the fewest and identifies nobody)
    with ResultsDB(work / "results" / "policy_sweep.sqlite") as db:
        runs = db.runs("policy_sweep")
    assert len(runs) == 120 and {run.status for run in runs} == {"ok"}
    with (work / "results" / "crossings" / "ranking.csv").open() as handle:
        first = next(csv.DictReader(handle))
    assert first["policy"].endswith("services.crossing_assist=radar")
    # and its trade-off plots are readable: no label on another, every policy's marker seen
    drawn = compared(work / "results" / "policy_sweep.sqlite", tmp_path / "cmp", monkeypatch)
    assert len(drawn) == 2
    for figure, _ in drawn:
        assert_readable(figure, 24)
