"""The import graph of ``lib/xinyong`` has no cycle and no upward arrow (docs/ARCHITECTURE.md).

Read from the source with ``ast`` (imports inside functions included), not from ``sys.modules``, so a
lazy import cannot hide an upward arrow.
"""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "lib" / "xinyong"

# lower number = lower layer; a module may import its own layer or a lower one
LAYERS = {
    "xinyong.errors": 0, "xinyong.demo": 0, "xinyong.util": 0, "xinyong.safe": 0, "xinyong.formula": 0, "xinyong.labels": 0,
    "xinyong.formula_words": 0,
    "xinyong.settings": 0,
    "xinyong.scheme": 1,
    "xinyong.scoring.plan": 2, "xinyong.scoring.registry": 2, "xinyong.scoring.kinds": 2,
    "xinyong.scoring.describe": 2, "xinyong.scoring.reach": 2,  # the kinds' words and interval arithmetic
    "xinyong.scoring.input_checks": 2,  # cross-input checks: what reads data applies them, through the plan
    "xinyong.intake": 3,
    "xinyong.scoring": 4,
    "xinyong.report": 5,
    "xinyong.batch": 6,
    "xinyong.cli": 9, "xinyong.cli_util": 9, "xinyong.__main__": 9,
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(mod: str) -> int:
    if mod == "xinyong":
        return 8  # the package facade re-exports load_scheme, score, …; modules only take __version__ from it
    if mod.endswith(".commands"):
        return 9  # a step's commands belong to the command line
    best = None
    for prefix, layer in LAYERS.items():
        if mod == prefix or mod.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, layer)
    assert best is not None, f"{mod} has no layer in docs/ARCHITECTURE.md"
    return best[1]


def imports_of(path: Path, mod: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pkg = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("xinyong"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("xinyong"):
                continue
            # "from . import x" / "from .pkg import mod" may name a submodule
            for a in node.names:
                sub = f"{target}.{a.name}"
                out.add(sub if (PKG.parent / Path(*sub.split("."))).with_suffix(".py").exists()
                        or (PKG.parent / Path(*sub.split("."))).is_dir() else target)
    return out


@functools.cache  # parsed once for the five tests; nothing mutates it
def graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p, module_name(p)) for p in sorted(PKG.rglob("*.py"))}


def test_every_module_has_a_layer():
    for mod in graph():
        layer_of(mod)


def test_no_upward_import():
    bad = []
    for mod, deps in graph().items():
        for dep in deps:
            if dep == "xinyong":
                continue  # __version__ (checked below: nothing else is taken from the facade)
            if layer_of(dep) > layer_of(mod):
                bad.append(f"{mod} (layer {layer_of(mod)}) imports {dep} (layer {layer_of(dep)})")
    assert not bad, "upward imports:\n" + "\n".join(sorted(bad))


def test_only_the_version_comes_from_the_facade():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        if path == PKG / "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module is None and node.level:
                target = module_name(path).split(".")
                target = target[: len(target) - node.level + (path.name == "__init__.py")]
                if target == ["xinyong"]:
                    bad += [f"{module_name(path)}: {a.name}" for a in node.names if a.name != "__version__"
                            and not (PKG / a.name).exists() and not (PKG / f"{a.name}.py").exists()]
    assert not bad, bad


def test_nothing_imports_the_command_line():
    # ``python -m xinyong`` (__main__) is the command line's other entry point, not a module below it
    bad = [f"{m} imports {d}" for m, deps in graph().items() for d in deps
           if (d == "xinyong.cli" or d.startswith("xinyong.cli.")) and m != "xinyong.__main__"]
    assert not bad, bad


def test_no_import_cycle():
    g = graph()
    mods = set(g)
    edges = {m: {d for d in deps if d in mods and d != m} for m, deps in g.items()}
    # a package's __init__ re-exporting its modules is not a cycle of behaviour; drop init -> own child
    for m in list(edges):
        edges[m] = {d for d in edges[m] if not d.startswith(m + ".")}
    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for d in sorted(edges[m]):
            if seen.get(d) == 1:
                cyc = stack[stack.index(d):] + [d]
                pytest.fail("import cycle: " + " → ".join(cyc))
            if d not in seen:
                visit(d)
        stack.pop()
        seen[m] = 2

    for m in sorted(edges):
        if m not in seen:
            visit(m)
