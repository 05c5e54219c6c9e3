"""`ape run lifecycle`: the whole ML Bounty story on a local Anvil chain (or a fork).

Thin wrapper: options are parsed here, the work is `bounty_client.cli.lifecycle.run_lifecycle`.
The last line printed is one JSON object summarising the run.
"""

import json

# Silence TensorFlow/absl/Ray/pydantic start-up noise here and in every worker (see bounty_client.quiet).
from bounty_client.quiet import quiet  # noqa: E402

quiet()

import click
from ape.cli import ConnectedProviderCommand


@click.command(cls=ConnectedProviderCommand, short_help="Run the whole bounty lifecycle end to end")
@click.option("--participants", default=3, show_default=True,
              help="Participants (Anvil test accounts 1..N, N <= 5; 6 is the organizer's sock, 7..9 the jurors).")
@click.option("--trials", default=3, show_default=True, help="Configurations each participant tries locally.")
@click.option("--epochs", default=2, show_default=True, help="Epochs of the published training protocol.")
@click.option("--search-epochs", default=1, show_default=True, help="Epochs of each participant's local trials.")
@click.option("--seeds", default=2, show_default=True,
              help="k: evaluation seeds per submission (derived from on-chain randomness after the reveals).")
@click.option("--test-mode", type=click.Choice(["future", "sealed"]), default=None,
              help="future: test window after the reveal deadline from a local market (default); sealed: synthetic "
                   "prices from a secret seed, hidden rows committed at creation. --data/--coinpaprika: sealed replay.")
@click.option("--window-rows", default=200, show_default=True, help="Rows of the future test window.")
@click.option("--reward", default="10 ether", show_default=True, help="Escrowed reward (e.g. '10 ether').")
@click.option("--seed", default=7, show_default=True, help="Seed of the participants' search and of local runs (never of the data or the evaluation seeds).")
@click.option("--target", default="LTC", show_default=True, help="Coin whose direction is predicted.")
@click.option("--seq-len", default=10, show_default=True, help="Window length (rows).")
@click.option("--future-period", default=3, show_default=True, help="Steps ahead the label looks.")
@click.option("--min-accuracy", default=0, show_default=True,
              help="Minimum test score to win (bps of the metric; a constant predictor scores 5000).")
@click.option("--rows", default=1000, show_default=True, help="Public rows per coin (market history, synthetic or coinpaprika).")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), help="Folder of SYMBOL-USD.csv files: a sealed REPLAY (anyone with the same history knows the test part).")
@click.option("--coinpaprika", is_flag=True, help="Fetch historical prices from the coinpaprika API (a sealed REPLAY, like --data).")
@click.option("--store", default=None, help="Content store URL: 'local:[path]' (default) or a kubo API address.")
@click.option("--workers", default=2, show_default=True, help="Parallel evaluation workers.")
@click.option("--backend", type=click.Choice(["auto", "sequential", "processes", "ray"]), default="auto",
              show_default=True, help="Evaluation backend.")
@click.option("--ray-address", default=None, help="Ray cluster for --backend ray ('auto', 'ray://host:port').")
@click.option("--factory", default=None, help="BountyFactory address (default: configuration, else deploy one).")
@click.option("--home", default=None, help="Folder for saved secrets (default $BOUNTY_HOME or ~/.local/share/ml-bounty).")
@click.option("--no-jury", "jury", flag_value=False, default=True,
              help="No arbiter: the organizer's scores are trusted (checkable with verify, not challengeable).")
@click.option("--dishonest-organizer", is_flag=True,
              help="The organizer posts a false top score for a sock; a participant's verify catches it, challenges, "
                   "three jurors re-run and rule, and the true winner is paid from the organizer's bond.")
@click.option("--no-progress", is_flag=True, help="Plain output instead of progress bars.")
def cli(no_progress, **options):
    from bounty_client.errors import BountyError
    from bounty_client.cli.lifecycle import LifecycleConfig, run_lifecycle

    from ape.logging import logger

    # The story's own lines only (no "Confirmed 0x..." per transaction); and the JSON summary stays
    # the last line (Ape logs "Stopping 'anvil' process." at exit).
    logger.set_level("WARNING")
    try:
        summary = run_lifecycle(LifecycleConfig(progress=not no_progress, **options), say=click.echo)
    except BountyError as exc:  # one line, exit status 1, no traceback
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(summary))
