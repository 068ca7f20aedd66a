"""The package map holds: imports point one way, no cycles, light scenario loading."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("twin", "agents", "metrics")


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports at run time (imports under TYPE_CHECKING do
    not count; a deferred import inside a function does)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only or not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                parts = name.split(".")[: -node.level + (path.name == "__init__.py")]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                found.add(target)
    return found


def test_no_import_cycles() -> None:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    # Tarjan-free check: a cycle is a module reachable from itself (packages' __init__
    # files re-export their modules and are skipped as stepping stones, as Python does).
    inits = {name for name, path in known.items() if path.name == "__init__.py"}
    cycles = []
    for start in sorted(set(known) - inits):
        stack, seen = [(start, (start,))], set()
        while stack:
            module, trail = stack.pop()
            for target in graph[module]:
                if target == start:
                    cycles.append(" -> ".join((*trail, start)))
                elif target not in seen and target not in inits:
                    seen.add(target)
                    stack.append((target, (*trail, target)))
    assert cycles == []


def test_imports_point_one_way() -> None:
    known = modules()
    for name, path in known.items():
        targets = {t.partition(".")[0] for t in imports(name, path, known)}
        if name.startswith(("agents", "metrics")):
            assert "twin" not in targets, f"{name} imports twin"
        if name.startswith("metrics"):
            assert "agents" not in targets, f"{name} imports agents"


@pytest.mark.slow  # a few seconds: with the other whole-run checks
def test_every_module_imports_on_its_own() -> None:
    """Each module imported first, in a clean module table (one interpreter for speed);
    the explorer's modules need the app extra and are imported by its own tests."""
    names = [n for n in modules() if not n.startswith("twin.app") and not n.endswith("__main__")]
    code = (
        "import importlib, sys\n"
        f"names = {names!r}\n"
        "base = set(sys.modules)\n"
        "for name in names:\n"
        "    for loaded in [m for m in sys.modules if m not in base]:\n"
        "        if loaded.split('.')[0] in ('twin', 'agents', 'metrics'):\n"
        "            del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "print('ok', len(names))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"ok {len(names)}"


def test_loading_a_scenario_imports_neither_mesa_nor_matplotlib() -> None:
    code = (
        "import sys\n"
        "from twin.scenario import load_scenario\n"
        "load_scenario('scenarios/integrated_city_brain.yaml')\n"
        "print(sorted({'mesa', 'matplotlib', 'simpy', 'networkx'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
