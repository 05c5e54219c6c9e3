"""The explorer's adapter: each client error gets its HTTP status and one line; URLs are parsed strictly;
importing the explorer loads no web framework, and only the adapter calls the client."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from bounty_client.explorer import reader


@pytest.mark.parametrize("raised, status", [
    ("ArgumentError", 400), ("MalformedCIDError", 400), ("NotABountyError", 404), ("ChainError", 404),
    ("CIDNotFoundError", 502), ("CorruptBlockError", 502), ("VerificationError", 502), ("ConnectionError", 503)])
def test_translated__each_client_error_gets_its_status_and_one_line(raised, status):
    from bounty_client import errors
    from bounty_client.storage import errors as storage_errors

    cls = getattr(errors, raised, None) or getattr(storage_errors, raised, None) or ConnectionError
    exc = cls("something\n  went   wrong")
    with pytest.raises(reader.ViewError) as caught:
        with reader._translated("thing"):
            raise exc
    assert caught.value.status == status and "\n" not in str(caught.value) and "went wrong" in str(caught.value)


def test_parse_cid_and_address__refuse_paths_and_junk():
    with pytest.raises(reader.BadRequest):
        reader.parse_cid("../../etc/passwd")
    with pytest.raises(reader.BadRequest):
        reader.parse_address("0xnope")
    assert reader.parse_cid("QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn") == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
    from eth_utils import to_checksum_address

    assert reader.parse_address("0x" + "ab" * 20) == to_checksum_address("0x" + "ab" * 20)


def test_import__the_package_and_the_explorer_load_no_web_framework():
    code = ("import sys, bounty_client, bounty_client.explorer, bounty_client.explorer.reader; "
            "heavy = [m for m in ('starlette', 'jinja2', 'uvicorn', 'matplotlib', 'tensorflow') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]


def test_only_the_reader__calls_the_client_and_it_imports_no_web_framework():
    """The app, site, jobs, plot and export read the record's views through the reader (and the views'
    dataclasses); the reader knows no web framework."""
    folder = Path(reader.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text())
        froms = [(n.level, n.module or "") for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        names = [m for _, m in froms] + [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        if path.name == "reader.py":
            assert not [m for m in names if m.split(".")[0] in ("starlette", "jinja2", "uvicorn")], path
            continue
        client = [m for lvl, m in froms if lvl >= 2 and m not in ("record", "record.views")]
        client += [m for m in names if m.startswith("bounty_client.") and not m.startswith("bounty_client.explorer")]
        assert client == [], (path.name, client)
