"""`ape run bounty <command>`: the organizer's and participants' actions on any network.

    ape run bounty create  --account ORG --data prices/ --target LTC --reward "1 ether"
    ape run bounty list
    ape run bounty status   BOUNTY
    ape run bounty download BOUNTY DIR
    ape run bounty train    BOUNTY --hp '{"lstm_layers": 1, ...}' [--hp ...]
    ape run bounty commit   BOUNTY --account ME --hp '{...}'
    ape run bounty reveal   BOUNTY --account ME
    ape run bounty reveal-test BOUNTY --account ORG
    ape run bounty evaluate BOUNTY --out report.json [--workers 2 --backend ray --ray-address auto]
    ape run bounty post-scores BOUNTY --account ORG --report report.json
    ape run bounty finalize BOUNTY --account ANY
    ape run bounty withdraw BOUNTY --account ME
    ape run bounty verify   BOUNTY

Option parsing plus one call each (the logic is in `bounty_client`: roles, record, terms,
chain, verification).  Arguments and stages are checked before anything is sent; any
`BountyError` prints one line and exits 1.
"""

import json
import sys

# Silence TensorFlow/absl/Ray/pydantic start-up noise here and in every worker (see bounty_client.quiet).
from bounty_client.quiet import quiet  # noqa: E402

quiet()

import click
from ape.cli import ConnectedProviderCommand, account_option

# All cheap (no TensorFlow, Ray or Ape at import): `ape run bounty --help` stays fast.
from bounty_client import record, roles, terms
from bounty_client.chain import Bounty, list_bounties
from bounty_client.errors import BountyError
from bounty_client.evaluation.result import load_report
from bounty_client.storage import open_store
from bounty_client.vault import Vault
from bounty_client.verification import verify as run_verify
from bounty_client.data import read_prices_dir, synthetic_prices

store_option = click.option("--store", default=None, help="Content store URL: 'local:[path]' (default) or a kubo API.")
home_option = click.option("--home", default=None, help="Folder of saved secrets (default $BOUNTY_HOME).")
backend_option = click.option("--backend", type=click.Choice(["auto", "sequential", "processes", "ray"]),
                              default="auto")


def signed(command):
    """BOUNTY, --account, --store, --home."""
    return click.argument("bounty")(account_option()(store_option(home_option(command))))


def evaluation_options(command):
    """--workers, --backend, --ray-address, --store."""
    workers = click.option("--workers", type=int, default=1, show_default=True)
    return workers(backend_option(click.option("--ray-address", default=None)(store_option(command))))


class BountyCommands(click.Group):
    """The group catches the client's errors once: one line on stderr, exit status 1, no traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BountyError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=BountyCommands, short_help="Organizer and participant commands")
def cli():
    """ML Bounty role commands."""


# ------------------------------------------------------------------ organizer
@cli.command(cls=ConnectedProviderCommand, short_help="Open a bounty (stores data + spec, escrows the reward)")
@account_option()
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), help="Folder of SYMBOL-USD.csv.")
@click.option("--synthetic-rows", type=int, default=None, help="Use the synthetic generator with this many rows.")
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON spec template (name, target, seq_len, protocol, bounds, ...); data CIDs are filled in.")
@click.option("--name", default=None)
@click.option("--target", default=None)
@click.option("--seq-len", type=int, default=None)
@click.option("--future-period", type=int, default=None)
@click.option("--epochs", type=int, default=None)
@click.option("--min-accuracy", type=int, default=None, help="Basis points.")
@click.option("--reward", default="1 ether", show_default=True)
@click.option("--submission-period", type=int, default=86400, show_default=True, help="Seconds.")
@click.option("--reveal-period", type=int, default=86400, show_default=True, help="Seconds.")
@click.option("--evaluation-period", type=int, default=86400, show_default=True, help="Seconds.")
@click.option("--max-submissions", type=int, default=1000, show_default=True)
@click.option("--deposit", default="0", show_default=True, help="Commit deposit (ether).")
@click.option("--prize-shares", default="", help="Comma-separated basis points, e.g. 6000,3000,1000.")
@click.option("--factory", default=None, help="Factory address (default: configuration; else deploy one).")
@store_option
@home_option
def create(account, data_dir, synthetic_rows, spec_file, name, target, seq_len, future_period, epochs, min_accuracy,
           reward, submission_period, reveal_period, evaluation_period, max_submissions, deposit, prize_shares,
           factory, store, home):
    if bool(data_dir) == bool(synthetic_rows):
        raise click.UsageError("give exactly one price source: --data DIR or --synthetic-rows N")
    bounty_terms = terms.BountyTerms(reward=reward, submission_period=submission_period,
                                     reveal_period=reveal_period, evaluation_period=evaluation_period,
                                     max_submissions=max_submissions, commit_deposit=deposit,
                                     prize_shares=prize_shares)
    prices = read_prices_dir(data_dir) if data_dir else synthetic_prices(rows=synthetic_rows)
    options = terms.spec_options(spec_file, prices, name=name, target=target, seq_len=seq_len,
                                 future_period=future_period, epochs=epochs, min_accuracy_bps=min_accuracy)
    vault = Vault(home)
    organizer = roles.Organizer(account, open_store(store), vault=vault)
    opened = organizer.open(prices, bounty_terms, factory=factory, **options)
    click.echo(f"spec {opened.prepared.spec_cid}; hidden test set {opened.prepared.test_cid} "
               f"(secret saved in {vault!r})")
    click.echo(repr(opened.bounty.status()))
    click.echo(json.dumps({"bounty": opened.bounty.address, "factory": str(opened.factory.address),
                           "spec_cid": opened.prepared.spec_cid}))


@cli.command(name="reveal-test", cls=ConnectedProviderCommand, short_help="Reveal the hidden test set")
@signed
def reveal_test(bounty, account, store, home):
    b = Bounty.at(bounty)
    roles.Organizer(account, open_store(store), vault=Vault(home)).reveal_test(b)
    click.echo(f"revealed test set {b.revealed_test_data()[0]}")


@cli.command(cls=ConnectedProviderCommand, short_help="Re-train revealed submissions and write the report")
@click.argument("bounty")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Where to write the JSON report.")
@evaluation_options
def evaluate(bounty, out, workers, backend, ray_address, store):
    b = Bounty.at(bounty)
    result = roles.evaluate(b, open_store(store), workers=workers, backend=backend, ray_address=ray_address)
    result.to_json(out)
    click.echo(result.leaderboard.to_string())
    click.echo(f"report written to {out}; post it with: ape run bounty post-scores {b.address} --report {out}")


@cli.command(name="post-scores", cls=ConnectedProviderCommand, short_help="Post a report's scores on-chain")
@click.argument("bounty")
@account_option()
@click.option("--report", type=click.Path(exists=True, dir_okay=False), required=True)
@store_option
def post_scores(bounty, account, report, store):
    posted = roles.Organizer(account, open_store(store)).post_scores(Bounty.at(bounty), load_report(report))
    click.echo(f"posted scores in {len(posted.receipts)} transaction(s) with report {posted.report_cid}")


@cli.command(cls=ConnectedProviderCommand, short_help="Settle the bounty (organizer, or anyone once expired)")
@click.argument("bounty")
@account_option()
def finalize(bounty, account):
    b = Bounty.at(bounty)
    roles.Organizer(account, None).finalize(b)
    click.echo(repr(b.status()))


# ------------------------------------------------------------------ participants
@cli.command(cls=ConnectedProviderCommand, short_help="Download the public data (verified by CID)")
@click.argument("bounty")
@click.argument("directory", type=click.Path(file_okay=False))
@store_option
def download(bounty, directory, store):
    prices = record.download(Bounty.at(bounty), open_store(store), directory)
    click.echo(f"wrote {len(prices)} CSV files and spec.json to {directory}")


@cli.command(cls=ConnectedProviderCommand, short_help="Try hyperparameters locally (validation scores)")
@click.argument("bounty")
@click.option("--hp", "hps", multiple=True, required=True, help="JSON object/list, or a JSON file.")
@click.option("--epochs", type=int, default=None, help="Shorter than the protocol, for a quick search.")
@store_option
def train(bounty, hps, epochs, store):
    candidates = terms.read_candidates(hps)
    result = roles.search(Bounty.at(bounty), open_store(store), candidates, epochs=epochs, progress=True)
    click.echo(result.leaderboard.to_string())


@cli.command(cls=ConnectedProviderCommand, short_help="Commit sealed hyperparameters")
@signed
@click.option("--hp", required=True, help="JSON object, or a JSON file.")
def commit(bounty, account, store, home, hp):
    (values,) = terms.read_candidates([hp])
    vault = Vault(home)
    sid = roles.Participant(account, open_store(store), vault=vault).commit(Bounty.at(bounty), values)
    click.echo(f"committed submission #{sid}; salt and values saved in {vault!r}")


@cli.command(cls=ConnectedProviderCommand, short_help="Reveal every saved commitment of the account")
@signed
def reveal(bounty, account, store, home):
    ids = roles.Participant(account, open_store(store), vault=Vault(home)).reveal(Bounty.at(bounty))
    click.echo(f"revealed submission(s) {', '.join(f'#{i}' for i in ids)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Withdraw the account's credit")
@click.argument("bounty")
@account_option()
def withdraw(bounty, account):
    b = Bounty.at(bounty)
    amount = b.credits(account)
    roles.Participant(account, None).withdraw(b)
    click.echo(f"withdrew {amount / 1e18:g} ETH")


# ------------------------------------------------------------------ anyone
@cli.command(name="list", cls=ConnectedProviderCommand, short_help="Bounties created by the factory")
@click.option("--factory", default=None)
def list_(factory):
    click.echo(list_bounties(factory).to_string(index=False))


@cli.command(cls=ConnectedProviderCommand, short_help="Stage, deadlines, counts and ranking")
@click.argument("bounty")
def status(bounty):
    click.echo(repr(Bounty.at(bounty).status()))


@cli.command(cls=ConnectedProviderCommand, short_help="Re-compute every posted score and compare")
@click.argument("bounty")
@click.option("--tolerance-bps", type=int, default=None,
              help="Accepted |posted - recomputed| in bps (default: 0 if the report came from this CPU and "
                   "software, else the cross-machine tolerance).")
@evaluation_options
def verify(bounty, tolerance_bps, workers, backend, ray_address, store):
    report = run_verify(Bounty.at(bounty), open_store(store), tolerance_bps=tolerance_bps, workers=workers,
                        backend=backend, ray_address=ray_address)
    click.echo(repr(report))
    click.echo(json.dumps(report.to_dict(), default=str))
    if not report.ok:
        sys.exit(1)
