"""The package's floors (docs/architecture.md, "Layout"): every import points down or sideways
within one subpackage, and no import circle exists.

Floors: ground (``errors``, ``namespaces``, ``resources``, ``minelaw/__init__``) < ``store`` <
``reasoning`` < {``briefs``, ``intake``, ``sparql``} < ``cli`` < ``__main__``.  Each
module is parsed with :mod:`ast`; every import counts — at module level, inside functions,
under ``if TYPE_CHECKING:``, and ``importlib.import_module("minelaw....")`` /
``__import__("minelaw....")`` calls with a literal name.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from paths import ROOT

PACKAGE = ROOT / "src" / "minelaw"

#: the floor of each part of the package; the ground floor is the top-level modules
FLOORS = {
    "ground": 0,
    "store": 1,
    "reasoning": 2,
    "briefs": 3,
    "intake": 3,
    "sparql": 3,
    "cli": 4,
    "__main__": 5,  # `python -m minelaw`: runs the command line
}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, e.g. minelaw.store.cache
    target: str  # the imported module, e.g. minelaw.store.reason
    line: int
    where: str  # "module" | "function" | "TYPE_CHECKING" | "import_module"

    def __str__(self) -> str:
        path = PACKAGE.parent / (self.source.replace(".", "/"))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        return (
            f"{path.relative_to(ROOT)}:{self.line}: {self.source} imports {self.target} "
            f"({self.where})"
        )


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def part(module: str) -> str:
    """The part of the package a module belongs to: a subpackage, ``ground`` or ``__main__``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "ground"  # minelaw/__init__.py
    if parts[1] == "__main__":
        return "__main__"
    if (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "ground"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _resolve(module: str, is_package: bool, level: int, name: str | None) -> str:
    """The absolute name of ``from <level dots><name> import ...`` written in ``module``."""
    if level == 0:
        return name or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[: -(level - 1)]
    return ".".join(base + ([name] if name else []))


def imports_of(module: str, path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"

    def targets(node: ast.AST, where: str) -> Iterator[Import]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno, where)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, is_package, node.level, node.module)
            for alias in node.names:
                sub = f"{base}.{alias.name}"  # `from . import csvmap` imports a module
                yield Import(module, sub if sub in MODULES else base, node.lineno, where)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            arg = node.args[0]
            if name in ("import_module", "__import__") and isinstance(arg, ast.Constant):
                text = str(arg.value)
                if text.startswith("."):
                    level = len(text) - len(text.lstrip("."))
                    text = _resolve(module, is_package, level, text.lstrip(".") or None)
                yield Import(module, text, node.lineno, "import_module")

    def walk(node: ast.AST, where: str) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                inner = "function"
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                inner = "TYPE_CHECKING"
            yield from targets(child, where)
            yield from walk(child, inner)

    for imp in walk(tree, "module"):
        if imp.target == "minelaw" or imp.target.startswith("minelaw."):
            yield imp


ALL_IMPORTS = sorted(
    {imp for module, path in MODULES.items() for imp in imports_of(module, path)},
    key=lambda i: (i.source, i.line, i.target),
)


def test_every_part_of_the_package_has_a_floor() -> None:
    unknown = sorted({part(m) for m in MODULES} - set(FLOORS))
    assert not unknown, f"give these subpackages a floor in FLOORS (and docs): {unknown}"
    assert "kb" not in {part(m) for m in MODULES}, "kb/ is the data folder, not a subpackage"


def test_imports_point_down_the_floors() -> None:
    """(a) no import of a higher floor; (b) no import between subpackages of one floor."""
    wrong = []
    for imp in ALL_IMPORTS:
        src, dst = part(imp.source), part(imp.target)
        if src == dst:
            continue
        if FLOORS[dst] > FLOORS[src]:
            wrong.append(f"{imp}: {src} (floor {FLOORS[src]}) reaches up to {dst}")
        elif FLOORS[dst] == FLOORS[src]:
            wrong.append(f"{imp}: {src} and {dst} share floor {FLOORS[src]}")
    assert not wrong, "imports against the floors:\n" + "\n".join(wrong)


def test_no_import_cycles() -> None:
    """(c) no circle of imports between modules — counting lazy imports inside functions too."""
    edges: dict[str, list[Import]] = {m: [] for m in MODULES}
    for imp in ALL_IMPORTS:
        if imp.target in MODULES and imp.target != imp.source:
            edges[imp.source].append(imp)
    cycles: list[list[Import]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[Import] = []

    def visit(m: str) -> None:
        state[m] = 1
        for imp in edges[m]:
            if state.get(imp.target) == 1:
                start = next(i for i, e in enumerate(path) if e.source == imp.target)
                cycles.append([*path[start:], imp])
            elif imp.target not in state:
                path.append(imp)
                visit(imp.target)
                path.pop()
        state[m] = 2

    for m in sorted(MODULES):
        if m not in state:
            visit(m)
    circles = ["\n".join(f"  {imp}" for imp in cycle) for cycle in cycles]
    assert not circles, "import circles:\n" + "\n\n".join(circles)


@pytest.mark.parametrize(
    "package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py" and "." in m)
)
def test_subpackage_names_its_public_api(package: str) -> None:
    tree = ast.parse(MODULES[package].read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{package}/__init__.py has no docstring"
    exported = [
        n
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        for n in ast.literal_eval(node.value)
    ]
    assert exported, f"{package}/__init__.py has no __all__"
    # every exported name resolves (the packages load their submodules on first use)
    mod = importlib.import_module(package)
    missing = [n for n in exported if not hasattr(mod, n)]
    assert not missing, f"{package}.__all__ names what it does not provide: {missing}"
    shadowed = {f"{package}.{n}" for n in exported if f"{package}.{n}" in MODULES}
    assert not shadowed, f"{package}.__all__ hides submodules behind objects: {shadowed}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_has_a_docstring(module: str) -> None:
    assert ast.get_docstring(ast.parse(MODULES[module].read_text(encoding="utf-8"))), module
