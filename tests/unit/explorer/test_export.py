"""The static export (the same pages as files, added to the store by CID) and the `ape run bounty explorer` command."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from e2e_support import ROOT, cli_env, free_port, run_ape

from bounty_client.explorer import reader
from bounty_client.explorer.export import export_site
from bounty_client.explorer.site import Explorer
from bounty_client.storage.directory import build_directory

ROW = re.compile(r'data-id="(\d+)" data-rank="(\d+)" data-score="(\d+)" data-posted="(\d+)" data-dispute="(\w*)"')


def test_export__writes_every_page_with_relative_links_and_adds_the_folder_by_cid(world, client, tmp_path):
    explorer = Explorer(world["store"], world["factory"])
    done = export_site(tmp_path / "site", explorer=explorer)
    root = tmp_path / "site"
    scored = root / "bounty" / world["disputed"]
    assert (root / "index.html").is_file() and (scored / "index.html").is_file() and (scored / "scores.svg").is_file()
    assert len(list((scored / "submission").glob("*.html"))) == 6
    assert 'id="disputes-table"' in (scored / "index.html").read_text()
    assert (root / "address" / f"{world['organizer']}.html").is_file() and (root / "static" / "explorer.js").is_file()
    assert done.pages == 1 + 4 + 6 + 6 + 3 + len(list((root / "address").glob("*.html")))
    index = (root / "index.html").read_text()
    assert f'href="bounty/{world["disputed"]}/index.html"' in index and 'href="static/explorer.css"' in index
    page = (scored / "index.html").read_text()
    assert 'href="../../static/explorer.css"' in page and "static snapshot" in page
    assert "data-status-url" not in page and "ape run bounty verify" in page  # no server behind it
    assert ROW.findall(page) == ROW.findall(client.get(f"/bounty/{world['disputed']}").text)  # the same rows
    for f in re.findall(r'href="(file/[^"]+)"', page):
        assert (scored / f).is_file()
    assert done.cid == build_directory(root).cid and world["store"].has(done.cid)


def test_export__refuses_a_folder_that_is_not_empty_and_a_bounty_of_another_factory(world, tmp_path):
    explorer = Explorer(world["store"], world["factory"])
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(reader.BadRequest, match="not an empty folder"):
        export_site(tmp_path / "busy", explorer=explorer)
    with pytest.raises(reader.BadRequest, match="not a bounty of the factory"):
        export_site(tmp_path / "other", explorer=explorer, bounties=[world["factory"]])
    one = export_site(tmp_path / "one", explorer=explorer, bounties=[world["trusted"].lower()], add=False)
    assert one.bounties == [world["trusted"]] and one.cid is None


def test_command__exports_and_prints_the_cid(world, tmp_path):
    from ape import chain

    out = run_ape(["run", "bounty", "explorer", "--export", str(tmp_path / "site"), "--store", f"local:{world['store'].root}",
                   "--factory", world["factory"], "--network", chain.provider.uri], world["home"])
    assert out.returncode == 0, out.stderr[-3000:]
    cid = build_directory(tmp_path / "site").cid
    assert f"site CID {cid}" in out.stdout and "exported" in out.stdout
    again = run_ape(["run", "bounty", "explorer", "--export", str(tmp_path / "site"), "--network", chain.provider.uri],
                    world["home"])
    assert again.returncode == 1 and "not an empty folder" in again.stderr and "Traceback" not in again.stderr


def test_command__serves_the_pages_until_stopped(world):
    from ape import chain

    port = free_port()
    ape = [str(Path(sys.executable).parent / "ape"), "run", "bounty", "explorer", "--port", str(port), "--store",
           f"local:{world['store'].root}", "--factory", world["factory"], "--network", chain.provider.uri]
    proc = subprocess.Popen(ape, cwd=ROOT, env=cli_env(world["home"]), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                    body = r.read().decode()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(proc.communicate(timeout=10)[1][-3000:]) from None
                time.sleep(0.5)
        assert world["disputed"] in body and "LTC direction" in body
    finally:
        proc.terminate()
        proc.wait(30)
