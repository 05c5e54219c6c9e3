"""One line for each mistake, in the words of the command line: function names become commands, a missing
secret names the home in use, an unreachable network says what to do, durations read as people write them,
and a typo names the closest command."""

import click
import pytest
from click.testing import CliRunner

from bounty_client.cli.inputs import DURATION, error_line, network_error_line
from bounty_client.errors import ChainError, StageError, VaultError

from test_commands import CLI


@pytest.mark.parametrize("message, command", [
    ("cannot evaluate: the test set is not revealed yet (reveal_test first)", "(reveal-test first)"),
    ("randomness not drawn yet (draw_randomness first; test data ...)", "(draw-randomness first;"),
    ("0x12 is a sealed bounty: reveal its test set with reveal_test", "with reveal-test"),
    ("call post_test_data() after the window", "call post-test-data after"),
])
def test_error_line__names_commands_not_python_functions(message, command):
    line = error_line(StageError(message))
    assert command in line and "_test" not in line and "_randomness" not in line


def test_error_line__field_names_stay_as_they_are():
    assert error_line(ChainError("evaluation_period: too short")) == "evaluation_period: too short"


def test_error_line__missing_secret__names_the_home_in_use(monkeypatch, tmp_path):
    monkeypatch.setenv("BOUNTY_HOME", str(tmp_path / "other"))
    line = error_line(VaultError("no saved secret at /x/vault/test/1.json"))
    assert f"BOUNTY_HOME is {tmp_path / 'other'}" in line and "--home" in line and "\n" not in line


@pytest.mark.parametrize("message, hint", [
    ("No (supported) node found on 'http://127.0.0.1:9999'.", "is the node running?"),
    ("Missing URI for network 'sepolia' on 'ethereum'.", "give the node's URL instead"),
])
def test_network_error_line__says_what_failed_and_what_to_do(message, hint):
    line = network_error_line(RuntimeError(message), "http://127.0.0.1:9999")
    assert line.startswith("cannot use --network http://127.0.0.1:9999: ") and hint in line and "\n" not in line


@pytest.mark.parametrize("text, seconds", [("30m", 1800), ("2h", 7200), ("1d", 86400), ("90", 90), ("1.5h", 5400)])
def test_duration_type__reads_units(text, seconds):
    assert DURATION.convert(text, None, None) == seconds


def test_duration_type__bad_value__is_a_usage_error_naming_it():
    with pytest.raises(click.BadParameter, match="duration 'soon'"):
        DURATION.convert("soon", None, None)


def test_every_period_option__takes_durations():
    periods = [(name, p) for name, c in CLI.commands.items() for p in c.params
               if p.name and p.name != "future_period"  # steps ahead, not a time
               and (p.name.endswith("_period") or p.name in ("timeout", "seconds"))]
    assert periods and all(p.type is DURATION for _, p in periods), [(n, p.name) for n, p in periods
                                                                     if p.type is not DURATION]


def test_unknown_command__names_the_closest_of_ours():
    out = CliRunner().invoke(CLI, ["comit"])
    assert out.exit_code == 2 and "did you mean commit?" in out.output
    assert "compile" not in out.output


def test_future_mode_commands__exist_with_their_options():
    assert {"draw-randomness", "post-test-data", "collect"} <= set(CLI.commands)
    create = {p.name: p for p in CLI.commands["create"].params}
    assert create["test_mode"].type.choices == ["future", "sealed"]
    assert "5500" in create["min_accuracy"].help and "constant guess" in create["min_accuracy"].help


@pytest.mark.parametrize("name", ["status", "leaderboard", "list", "create", "evaluate", "post-scores", "finalize",
                                  "verify", "collect", "withdraw", "claim", "commit", "reveal", "train", "search",
                                  "draw-randomness", "post-test-data", "download", "export", "import", "cancel"])
def test_commands_that_end_with_a_result__take_json(name):
    assert "as_json" in {p.name for p in CLI.commands[name].params}


def test_error_line__seconds_left__in_the_one_time_format():
    line = error_line(StageError("reveal needs REVEAL, which opens at 2026-12-08 19:44:19 UTC (in 86399 s)"))
    assert line.endswith("opens at 2026-12-08 19:44:19 UTC (in 23h59m)")
