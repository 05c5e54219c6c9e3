"""Bounty and BountyExtension share one storage: their compiled layouts must be identical.

``Bounty.__default__`` runs every function of ``BountyExtension`` by DELEGATECALL, in the bounty's
own storage, so the two contracts must agree on the slot (and type) of every storage variable, and
on the transient slot of the non-reentrancy lock (a re-entry from one half into the other must find
the lock taken). ``bounty_state.vy`` promises it by construction (both ``initializes: state`` and
declare nothing of their own); this test holds the promise: it compiles both with the Vyper compiler
the project pins (its ``layout`` output, what ``vyper -f layout -p contracts`` prints) and compares
them, and shows that a storage variable added to one contract only would make it fail.

No chain: the compiler only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from vyper.compiler import compile_from_file_input
from vyper.compiler.input_bundle import FilesystemInputBundle

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
HALVES = ("Bounty.vy", "BountyExtension.vy")


def layout(contracts: Path, name: str) -> dict:
    """The compiler's ``layout`` output of ``contracts/name`` (search path: ``contracts``, as ape-vyper's)."""
    bundle = FilesystemInputBundle([contracts])
    source = bundle.load_file(contracts / name)
    return compile_from_file_input(source, input_bundle=bundle, output_formats=["layout"])["layout"]


def flat(section: dict, prefix: str = "") -> dict[str, dict]:
    """``{"state.name": {"type", "slot", "n_slots"}}``: a layout section with its modules' variables
    (nested under the module's alias) named by their path."""
    out: dict[str, dict] = {}
    for name, item in section.items():
        if "slot" in item:
            out[prefix + name] = item
        else:
            out.update(flat(item, f"{prefix}{name}."))
    return out


def differences(a: dict, b: dict, section: str) -> list[str]:
    """One line per variable whose slot, size or type differs between two layouts' ``section``, or
    that only one of them has."""
    left, right = flat(a.get(section, {})), flat(b.get(section, {}))
    lines = []
    for var in sorted(set(left) | set(right)):
        if left.get(var) != right.get(var):
            lines.append(f"{section}.{var}: {HALVES[0]} {left.get(var)}, {HALVES[1]} {right.get(var)}")
    return lines


@pytest.fixture(scope="module")
def layouts() -> dict[str, dict]:
    return {name: layout(CONTRACTS, name) for name in HALVES}


def test_storage_layout__bounty_and_extension__identical(layouts):
    bounty, extension = (layouts[n] for n in HALVES)
    assert bounty["storage_layout"], "no storage variables: the compiler output changed shape"
    assert differences(bounty, extension, "storage_layout") == []
    assert bounty["storage_layout"] == extension["storage_layout"]


def test_storage_layout__one_nonreentrancy_lock_for_both_halves(layouts):
    bounty, extension = (layouts[n] for n in HALVES)
    assert "$.nonreentrant_key" in bounty["transient_storage_layout"]
    assert differences(bounty, extension, "transient_storage_layout") == []


def test_storage_layout__is_the_state_module_s(layouts):
    """Every variable is ``bounty_state``'s, in its declaration order from slot 0 (neither half declares its own)."""
    declared = []
    for line in (CONTRACTS / "bounty_state.vy").read_text().splitlines():
        head = line.split("#", 1)[0]
        if head and not head[0].isspace() and ":" in head and not head.startswith(("def ", "@", "import", "from")):
            name, kind = (part.strip() for part in head.split(":", 1))
            if name.isidentifier() and not kind.startswith("constant("):
                declared.append(name)
    for name in HALVES:
        storage = flat(layouts[name]["storage_layout"])
        assert list(storage) == [f"state.{var}" for var in declared]
        assert min(v["slot"] for v in storage.values()) == 0


@pytest.mark.parametrize("where", ["before", "after"])
def test_storage_layout__a_variable_in_one_half_only__is_caught(tmp_path, layouts, where):
    """The check has teeth: the same comparison on a copy of contracts/ whose extension declares one more
    storage variable (before the shared module, shifting every slot, or after it) reports it."""
    copy = tmp_path / "contracts"
    shutil.copytree(CONTRACTS, copy)
    path = copy / "BountyExtension.vy"
    source = path.read_text()
    anchor = "initializes: state\n"
    assert anchor in source
    extra = "_extra: uint256\n"
    path.write_text(source.replace(anchor, extra + anchor if where == "before" else anchor + extra, 1))
    found = differences(layouts["Bounty.vy"], layout(copy, "BountyExtension.vy"), "storage_layout")
    assert any(line.startswith("storage_layout._extra:") for line in found)
    if where == "before":
        assert any(line.startswith("storage_layout.state._core:") for line in found)  # every shared slot moved
