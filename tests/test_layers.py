"""The house in wings stands: every import in ``src/bounty_client`` points down, and none goes round in a circle.

An AST walk over the package (the standard library's ``ast``; nothing imported, nothing installed)
reads every ``import`` and ``from ... import`` statement, at module level, inside functions and
under ``if TYPE_CHECKING:`` alike, and resolves it to the package's modules.  Arrows point down::

    cli -> roles | explorer -> record -> ml | chain -> protocol -> data -> storage -> errors, quiet, paths

(``explorer``, the web app over ``record.views``, sits beside ``roles``: the command line may start it, and
it imports neither ``roles`` nor ``cli``; ``contracts``, the shipped contract types, belongs to the chain wing; ``ml`` and ``chain`` sit side by
side and never import each other; a module may import its own wing freely, cycles aside).  The tests
fail when a lower wing imports a higher one, when ``protocol``, ``data``, ``storage`` or ``ml`` import
Ape (``ape``, ``ape_*``, ``eth_ape``) or the chain wing, when ``ml`` imports ``record``, ``roles`` or
``cli``, or when any import cycle appears between modules.  A module's import of its own parent
packages is not an edge: Python runs a package's ``__init__`` before any of its modules anyway.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "bounty_client"

#: Wing of each top-level name under ``bounty_client`` and its rank (imports go to a lower rank).
WINGS = {"errors": "base", "quiet": "base", "paths": "base", "storage": "storage", "data": "data",
         "protocol": "protocol", "ml": "ml", "chain": "chain", "contracts": "chain", "record": "record",
         "roles": "roles", "explorer": "explorer", "cli": "cli"}
RANKS = {"base": 0, "storage": 1, "data": 2, "protocol": 3, "ml": 4, "chain": 4, "record": 5, "roles": 6,
         "explorer": 6, "cli": 7}
#: Wings that must not touch Ape (nor the chain wing): pure Python and TensorFlow at most.
APE_FREE = ("base", "storage", "data", "protocol", "ml")
APE = ("ape", "eth_ape")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph(root: Path = PACKAGE) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """``(edges, external)`` of the package at ``root``: module -> the package's modules it imports, and
    module -> the top-level names of other distributions it imports."""
    modules = {_module_name(p, root): p for p in root.rglob("*.py")}
    package = root.name

    def resolve(name: str) -> "str | None":
        while name:
            if name in modules:
                return name
            name = name.rpartition(".")[0]
        return None

    edges: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        found: set[str] = set()
        outside: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".") if is_package else module.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    head = ".".join(base + ([node.module] if node.module else []))
                else:
                    head = node.module or ""
                # `from pkg import name`: pkg itself, and pkg.name when that is a module
                targets = [head] + [f"{head}.{a.name}" for a in node.names if f"{head}.{a.name}" in modules]
            else:
                continue
            for target in targets:
                if target == package or target.startswith(package + "."):
                    hit = resolve(target)
                    if hit is not None:
                        found.add(hit)
                else:
                    outside.add(target.split(".")[0])
        # a module always runs its own packages' __init__ first: not an edge of this module's making
        edges[module] = {t for t in found if t != module and not module.startswith(t + ".")}
        external[module] = outside
    return edges, external


def wing(module: str) -> "str | None":
    """The wing of a module of the package (``None`` for the package's own ``__init__``)."""
    parts = module.split(".")
    return WINGS.get(parts[1]) if len(parts) > 1 else None


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    """``"a -> b"`` for each import from a wing into a wing of the same or a higher rank."""
    wrong = []
    for module, targets in sorted(edges.items()):
        here = wing(module)
        for target in sorted(targets):
            there = wing(target)
            if here is None or there == here:
                continue
            if there is None or here not in RANKS or there not in RANKS or RANKS[there] >= RANKS[here]:
                wrong.append(f"{module} ({here}) -> {target} ({there})")
    return wrong


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected set of two or more modules (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_walk__sees_every_wing(graph):
    edges, _ = graph
    assert {wing(m) for m in edges} - {None} == set(RANKS)
    assert all(wing(m) is not None for m in edges if m != "bounty_client"), "a module outside every wing"


def test_no_import_cycle__between_any_two_modules(graph):
    edges, _ = graph
    assert cycles(edges) == []


def test_arrows_point_down__no_wing_imports_its_own_rank_or_a_higher_one(graph):
    edges, _ = graph
    assert upward_imports(edges) == []


def test_protocol_data_storage_ml__never_import_ape_or_the_chain_wing(graph):
    edges, external = graph
    ape = [f"{m} -> {name}" for m, names in sorted(external.items()) if wing(m) in APE_FREE
           for name in sorted(names) if name in APE or name.startswith("ape_")]
    chain = [f"{m} -> {t}" for m, targets in sorted(edges.items()) if wing(m) in APE_FREE
             for t in sorted(targets) if wing(t) == "chain"]
    assert ape == [] and chain == []


def test_ml__never_imports_record_roles_or_cli(graph):
    edges, _ = graph
    assert [f"{m} -> {t}" for m, targets in sorted(edges.items()) if wing(m) == "ml"
            for t in sorted(targets) if wing(t) in ("record", "roles", "cli")] == []


def test_explorer__reads_through_record_and_never_imports_roles_or_cli(graph):
    """The web app renders record.views; what a role does or a command prints is none of its business."""
    edges, _ = graph
    assert [f"{m} -> {t}" for m, targets in sorted(edges.items()) if wing(m) == "explorer"
            for t in sorted(targets) if wing(t) in ("roles", "cli")] == []
    assert any(t == "bounty_client.record.views" for m, targets in edges.items() if wing(m) == "explorer"
               for t in targets)


def test_the_checks__fail_on_a_planted_upward_import_and_a_cycle(tmp_path):
    """The walk itself: a tiny package with a protocol module importing roles (function-local) and a
    cycle through a TYPE_CHECKING import is caught by both checks."""
    root = tmp_path / "bounty_client"
    for folder in ("protocol", "roles"):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
    (root / "__init__.py").write_text("")
    (root / "protocol" / "spec.py").write_text("def f():\n    from ..roles import organizer\n")
    (root / "roles" / "organizer.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..protocol import spec\n")
    edges, _ = import_graph(root)
    assert upward_imports(edges) == [
        "bounty_client.protocol.spec (protocol) -> bounty_client.roles (roles)",
        "bounty_client.protocol.spec (protocol) -> bounty_client.roles.organizer (roles)",
    ]
    assert cycles(edges) == [["bounty_client.protocol.spec", "bounty_client.roles.organizer"]]
