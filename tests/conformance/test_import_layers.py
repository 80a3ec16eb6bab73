"""Imports in ``contractkit.conformance`` run one way: runner -> kinds -> checks -> target -> base.

A check that reaches back up (to the plugin, to a kind) or sideways (to another check) is how a
rule comes to depend on another rule's private judgement; a cycle hidden in a function-level
import is how it stays unnoticed. This test reads every module's imports, function-level ones
included, and fails naming each import that runs the wrong way and each cycle.

The check modules are found, not listed: a module that registers a rule (``*_CHECKS.register``)
is a check module. The runner, the kinds and the base are listed below; every other module is
the target layer (clients, requests, readers of answers, the ledger, the budget).
"""

from __future__ import annotations

import ast
from pathlib import Path

import contractkit.conformance
from contractkit.conformance.mcp.kind import CHECK_MODULES as MCP_MODULES
from contractkit.conformance.neuron.kind import CHECK_MODULES as NEURON_MODULES

PACKAGE = Path(contractkit.conformance.__file__).parent
RUNNER = {"command", "plugin", "progress", "preflight", "plan", "mcp.dry_run"}
KINDS = {"kinds", "neuron.kind", "mcp.kind"}
BASE = {"", "outcomes", "options", "redaction", "seeding", "selection", "registry", "target_kind"}
RANKS = {"runner": 4, "kinds": 3, "checks": 2, "target": 1, "base": 0}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__")
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def _registers_rules(tree: ast.Module) -> bool:
    for node in tree.body:
        for deco in getattr(node, "decorator_list", []):
            func = deco.func if isinstance(deco, ast.Call) else deco
            if (isinstance(func, ast.Attribute) and func.attr == "register" and isinstance(func.value, ast.Name)
                    and func.value.id.endswith("_CHECKS")):
                return True
    return False


def _layer(name: str, tree: ast.Module) -> str:
    if name in RUNNER:
        return "runner"
    if name in KINDS:
        return "kinds"
    if name in BASE:
        return "base"
    return "checks" if _registers_rules(tree) else "target"


def _imports(name: str, tree: ast.Module, known: set[str]) -> list[tuple[str, int]]:
    """(imported module of this package, line) for every import outside ``if TYPE_CHECKING:``."""
    found = []
    skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skip or not isinstance(node, ast.ImportFrom | ast.Import):
            continue
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        for module in modules:
            if not module.startswith("contractkit.conformance"):
                continue
            local = module.removeprefix("contractkit.conformance").lstrip(".")
            candidates = [f"{local}.{a.name}".lstrip(".") for a in node.names] + [local]
            target = next((c for c in candidates if c in known), None)
            if target is not None and target != name:
                found.append((target, node.lineno))
    return found


def _graph() -> tuple[dict[str, str], dict[str, list[tuple[str, int]]]]:
    trees = _modules()
    layers = {name: _layer(name, tree) for name, tree in trees.items()}
    return layers, {name: _imports(name, tree, set(trees)) for name, tree in trees.items()}


def _wrong_way(layers: dict[str, str], edges: dict[str, list[tuple[str, int]]]) -> list[str]:
    wrong = []
    for module, imports in edges.items():
        for imported, line in imports:
            mine, theirs = layers[module], layers[imported]
            if RANKS[theirs] > RANKS[mine]:
                wrong.append(f"{module}:{line} ({mine}) imports {imported} ({theirs}), a layer above it")
            elif mine == theirs == "checks":
                wrong.append(f"{module}:{line} imports {imported}: a check module imports another check module "
                             "(move what they share to the target layer)")
    return wrong


def _cycles(edges: dict[str, list[tuple[str, int]]]) -> list[str]:
    cycles: list[str] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for imported, _line in edges.get(module, []):
            if state.get(imported) == 1:
                cycles.append(" -> ".join([*path[path.index(imported):], imported]))
            elif imported not in state:
                visit(imported, [*path, imported])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return cycles


def test_every_import_runs_down_the_layers() -> None:
    layers, edges = _graph()
    wrong = _wrong_way(layers, edges)
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle() -> None:
    _, edges = _graph()
    cycles = _cycles(edges)
    assert not cycles, "\n".join(cycles)


def test_the_layers_are_what_the_suite_is_made_of() -> None:
    """The lists above name real modules, and the checks found are the ones the kinds register."""
    layers, _ = _graph()
    assert set(layers) >= RUNNER | KINDS | BASE
    checks = {name for name, layer in layers.items() if layer == "checks"}
    assert checks == {f"neuron.{m}" for m in NEURON_MODULES} | {f"mcp.{m}" for m in MCP_MODULES}
    assert not checks & (RUNNER | KINDS | BASE)


def test_the_wrong_imports_are_caught() -> None:
    """The variants: a new check importing another check (found by its registration, function-level
    import included), the ledger reaching up to the plugin, and a cycle between two target modules."""
    source = ("from contractkit.conformance.registry import NEURON_CHECKS\n"
              "@NEURON_CHECKS.register('X', 't', kind='observation', clause='c')\n"
              "def f(n):\n    from contractkit.conformance.neuron.sch import response_schema\n")
    tree = ast.parse(source)
    layers, edges = _graph()
    layers = {**layers, "neuron.extra": _layer("neuron.extra", tree)}
    edges = {**edges, "neuron.extra": _imports("neuron.extra", tree, set(layers))}
    assert layers["neuron.extra"] == "checks" and ("neuron.sch", 4) in edges["neuron.extra"]
    edges["ledger"] = [*edges["ledger"], ("plugin", 1)]
    wrong = _wrong_way(layers, edges)
    assert any("neuron.extra:4 imports neuron.sch" in w for w in wrong)
    assert any(w.startswith("ledger:1 (target) imports plugin (runner)") for w in wrong)
    edges["http"] = [*edges["http"], ("neuron.usage", 1)]  # usage reads answers through http
    assert any("http" in c.split(" -> ") and "neuron.usage" in c.split(" -> ") for c in _cycles(edges))
