"""Pure parts of the command-line support: times for people, --hp parsing, output checks, status lines."""

import json

import pytest

from bounty_client.chain import BountyStatus
from bounty_client.chain import relative_time
from bounty_client.cli.inputs import check_output, error_line, parse_duration
from bounty_client.errors import ArgumentError
from bounty_client.storage.errors import CIDNotFoundError
from bounty_client.cli.inputs import read_candidate, read_candidates
from bounty_client.protocol.wire import Outcome, Stage

HP = {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "relu", "loss": "binary_crossentropy"}


@pytest.mark.parametrize("delta,text", [(86_399, "in 23h59m"), (86_400, "in 1d0h"), (61, "in 1m01s"),
                                        (5, "in 5s"), (0, "now"), (-7_200, "2h00m ago")])
def test_relative_time__reads_as_people_say_it(delta, text):
    assert relative_time(1_000_000 + delta, 1_000_000) == text


def test_read_candidates__misspelled_file__says_no_such_file(tmp_path):
    with pytest.raises(ArgumentError, match="'hp.jsn': no such file"):
        read_candidates(["hp.jsn"])


def test_read_candidates__json_list_text_and_file__give_every_configuration(tmp_path):
    f = tmp_path / "hp.json"
    f.write_text(json.dumps([HP, {**HP, "lstm_units": 8}]))
    long_text = json.dumps([HP] * 40)  # longer than a file name may be
    assert len(read_candidates([str(f), long_text])) == 42


@pytest.mark.parametrize("value,message", [('[1, 2]', "must be a JSON object"), ('{"a": ', "not JSON")])
def test_read_candidates__not_objects__refused_naming_the_value(value, message):
    with pytest.raises(ArgumentError, match=message):
        read_candidates([value])


def test_read_candidate__list_of_several__refused_list_of_one_accepted():
    assert read_candidate(json.dumps([HP])) == HP
    with pytest.raises(ArgumentError, match="holds 2 configurations"):
        read_candidate(json.dumps([HP, HP]))


def test_check_output__missing_folder_or_a_folder__refused(tmp_path):
    with pytest.raises(ArgumentError, match="does not exist"):
        check_output(tmp_path / "missing" / "r.json")
    with pytest.raises(ArgumentError, match="is a folder"):
        check_output(tmp_path)
    assert check_output(tmp_path / "r.json") == tmp_path / "r.json"


def test_error_line__missing_content__says_how_to_get_it():
    line = error_line(CIDNotFoundError("CID Qm... is not in the store at /x"))
    assert "\n" not in line and "kubo" in line and "ape run bounty import" in line


def status(**kw):
    base = dict(address="0x" + "ab" * 20, stage=Stage.EVALUATION, outcome=Outcome.NONE, now=1_000_000,
                organizer="0x" + "cd" * 20, reward=10**18, balance=10**18, submission_deadline=1_000_000 - 7_200,
                reveal_deadline=1_000_000 - 60, evaluation_deadline=1_000_000 + 86_399, min_accuracy=6000,
                max_submissions=10, commit_deposit=0, prize_shares=(10_000,), submission_count=2,
                revealed_count=2, scored_count=2, test_revealed=True)
    return BountyStatus(**{**base, **kw})


def test_status__deadlines_relative_to_chain_time__and_scores_below_the_minimum_shown():
    text = repr(status(ranking=[], scores={0: 5200, 1: 5900}))
    # one time format: UTC, then relative to chain time
    assert "submissions closed 1970-01-12 11:46:40 UTC (2h00m ago)" in text
    assert "reveals closed 1970-01-12 13:45:40 UTC (1m00s ago)" in text
    assert "evaluation closes 1970-01-13 13:46:39 UTC (in 23h59m)" in text
    assert "below the minimum 6000 bps: #1 5900 bps, #0 5200 bps" in text


def test_explain_credits__has_a_phrase_for_every_credit_reason_the_contract_emits():
    """`finalize`/`withdraw`/`claim` say why each credit was made: a reason without a phrase
    would end the command in a KeyError after the transaction was sent."""
    from bounty_client.record.views import _WHY
    from bounty_client.protocol.wire import CreditReason

    assert set(_WHY) == set(CreditReason)


@pytest.mark.parametrize("text, seconds", [("90s", 90.0), ("30m", 1800.0), ("2h", 7200.0), ("1d", 86400.0), ("45", 45.0)])
def test_parse_duration__units(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "-5m", "nan", "inf", "soon"])
def test_parse_duration__not_a_positive_finite_duration__is_named(text):
    # "nan" would never time out a search; float() accepts it, so it is refused explicitly
    with pytest.raises(ArgumentError, match=f"duration {text!r}"):
        parse_duration(text)
