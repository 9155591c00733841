"""The layers' arrows point one way (docs/architecture.md); this test reads
every module's imports and fails on an arrow pointing the wrong way."""

import ast
from pathlib import Path

import schedsim

ROOT = Path(schedsim.__file__).parent
BASICS = {"errors", "fsutil", "yaml", "profile", "profiles", "__version__"}
ALLOWED = {
    "basics": BASICS,
    "trace": BASICS | {"trace"},
    "model": BASICS | {"trace", "model"},
    "scenario": BASICS | {"trace", "model", "scenario"},
    "real": BASICS | {"trace", "real", "_speedups"},
    "_speedups": BASICS | {"_speedups"},
    "compare": BASICS | {"trace", "compare"},
    "render": BASICS | {"trace", "render"},
    "calibrate": BASICS | {"trace", "model", "scenario", "real", "calibrate"},
}
TOP = {"api", "cli", "__main__", "gallery"}  # orchestration: may import any layer but cli


def layer_of(module: str) -> str:
    first = module.split(".")[0]
    return "basics" if first in BASICS or first == "" else first


def imported_schedsim_modules(path: Path) -> set[str]:
    rel = path.relative_to(ROOT).with_suffix("")
    package = list(rel.parts[:-1]) if rel.name != "__init__" else list(rel.parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name[len("schedsim."):] for a in node.names if a.name.startswith("schedsim.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if not node.module:  # from . import x
                    found |= {".".join(base + [a.name]) for a in node.names}
                    continue
                found.add(target)
            elif node.module and node.module.startswith("schedsim."):
                found.add(node.module[len("schedsim."):])
    return {m for m in found if m}


def test_imports_point_down_the_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        owner = rel.parts[0].removesuffix(".py")
        if owner in TOP or owner == "__init__":
            continue
        allowed = ALLOWED[layer_of(owner)]
        for module in imported_schedsim_modules(path):
            if module.split(".")[0] not in allowed and module != "":
                wrong.append(f"{rel} imports schedsim.{module}")
    assert wrong == []


def test_nothing_imports_the_cli():
    users = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
             if p.name not in ("cli.py", "__main__.py")
             and "cli" in {m.split(".")[0] for m in imported_schedsim_modules(p)}]
    assert users == []
