"""Evaluation: sequential and parallel scoring, failures isolated, leaderboard, report, plot.

The dataset is built by the real ``bounty_client.data`` pipeline from its seeded
synthetic prices; the models are tiny real Keras models (4-8 units, 1-2 epochs).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from bounty_client.ml import model as model_module
from bounty_client.ml.evaluation import (
    EvaluationResult,
    Submission,
    SubmissionResult,
    evaluate,
    load_report,
    register_backend,
    score_submission,
    threads_per_worker,
)
from bounty_client.protocol.hyperparams import HyperparameterBounds, Hyperparameters
from bounty_client.protocol.spec import BountySpec, DataFile, TrainingProtocol

from client_helpers import make_cid

CRASH_ID = 99


def crashing_worker(payload):
    """A worker whose process dies (as on a segfault or the OOM killer) on submission 99."""
    if payload["submission_id"] == CRASH_ID:
        os._exit(3)
    return score_submission(payload)


@pytest.fixture(scope="module")
def eval_spec() -> BountySpec:
    return BountySpec(
        name="eval-test",
        data_files=[DataFile("BTC-USD", make_cid(b"btc")), DataFile("LTC-USD", make_cid(b"ltc"))],
        target="LTC",
        seq_len=4,
        future_period=2,
        protocol=TrainingProtocol(epochs=2, batch_size=32, seed=5),
        bounds=HyperparameterBounds(lstm_units=(2, 16), lstm_layers=(1, 2)),
        min_accuracy_bps=5000,
    )


@pytest.fixture(scope="module")
def dataset(eval_spec):
    from bounty_client.data import synthetic_prices

    prices = synthetic_prices(coins=("BTC", "LTC"), rows=260, seed=3)
    public, hidden = eval_spec.split_hidden(prices)
    return eval_spec.build_dataset(public, hidden)


def _submissions():
    return [
        Submission(1, "0xAlice", Hyperparameters(1, 4, 0, "relu", "sparse_categorical_crossentropy", learning_rate=0.01)),
        Submission(2, "0xBob", Hyperparameters(2, 6, 1, "tanh", "binary_crossentropy", learning_rate=0.01)),
        Submission(3, "0xCarol", {"lstm_layers": 1, "lstm_units": 8, "dense_layers": 1, "activation": "elu",
                                  "loss": "hinge", "dropout": 0.0, "learning_rate": 0.005}),
        Submission(4, "0xMallory", {"lstm_layers": 1, "lstm_units": 512, "dense_layers": 0, "activation": "relu",
                                    "loss": "hinge"}),  # inside the chain limits, outside this spec's bounds
        Submission(5, "0xDave", {"lstm_layers": 1, "lstm_units": 4, "dense_layers": 0, "activation": "relu",
                                 "loss": "hinge"}, status="committed"),  # never revealed
    ]


@pytest.fixture(scope="module")
def sequential(dataset, eval_spec):
    return evaluate(_submissions(), dataset, eval_spec, backend="sequential", progress=False, test_cid=make_cid(b"t"))


@pytest.mark.slow
def test_evaluate__sequential__scores_valid_and_zeroes_invalid(sequential):
    by_id = {r.submission_id: r for r in sequential.results}
    for sid in (1, 2, 3):
        assert by_id[sid].status == "scored"
        assert 0 <= by_id[sid].score_bps <= 10_000
        assert by_id[sid].epochs_run == 2 and len(by_id[sid].history["val_accuracy"]) == 2
    assert (by_id[4].status, by_id[4].score_bps) == ("invalid", 0)
    assert by_id[4].reason == "lstm_units: 512 is out of range [2, 16]"
    assert (by_id[5].status, by_id[5].score_bps) == ("skipped", 0)
    assert "only revealed submissions are scored" in by_id[5].reason
    assert sequential.scores() == {r.submission_id: r.score_bps for r in sequential.results}


@pytest.mark.slow
def test_evaluate__training_error__scores_zero_and_others_continue(dataset, eval_spec, monkeypatch):
    real = model_module.train_and_score

    def flaky(hp, data, protocol, **kwargs):
        if hp.activation == "tanh":
            raise FloatingPointError("loss became NaN")
        return real(hp, data, protocol, **kwargs)

    monkeypatch.setattr(model_module, "train_and_score", flaky)
    subs = _submissions()[:2]
    result = evaluate(subs, dataset, eval_spec.protocol, spec=eval_spec, backend="sequential", progress=False)
    assert result[2].status == "failed" and result[2].score_bps == 0
    assert result[2].reason == "training failed: FloatingPointError: loss became NaN"
    assert result[1].status == "scored"


@pytest.mark.slow
def test_evaluate__processes__equal_sequential_and_survive_a_crashed_worker(dataset, eval_spec, sequential):
    subs = _submissions() + [Submission(CRASH_ID, "0xCrash", Hyperparameters(1, 4, 0, "relu", "hinge"))]
    parallel = evaluate(subs, dataset, eval_spec, workers=2, backend="processes", progress=False, worker=crashing_worker)
    assert parallel.run["backend"] == "processes" and parallel.run["workers"] == 2
    crashed = parallel[CRASH_ID]
    assert (crashed.status, crashed.score_bps) == ("crashed", 0)
    assert "worker process died" in crashed.reason
    for r in sequential.results:  # bit-identical scores and learning curves
        p = parallel[r.submission_id]
        assert (p.status, p.score_bps, p.reason) == (r.status, r.score_bps, r.reason)
        assert p.history == r.history


def _fake(sid, score, status="scored", submitter="0x0"):
    return SubmissionResult(sid, submitter, {"lstm_layers": 1, "lstm_units": 4}, status, score_bps=score,
                            val_accuracy=0.5 if status == "scored" else None)


def test_leaderboard__best_first__ties_to_lower_id(eval_spec):
    result = EvaluationResult(
        results=[_fake(7, 6100), _fake(2, 5900), _fake(5, 6100), _fake(1, 0, "invalid"), _fake(3, 7000)],
        protocol=eval_spec.protocol,
    )
    board = result.leaderboard
    assert board["submission_id"].tolist() == [3, 5, 7, 2, 1]
    assert board.index.tolist() == [1, 2, 3, 4, 5] and board.index.name == "rank"
    assert list(board.columns) == [
        "submission_id", "submitter", "lstm_layers", "lstm_units", "dense_layers", "activation", "loss",
        "dropout", "learning_rate", "score_bps", "score_se_bps", "noise_bps", "seed_scores", "val_accuracy",
        "train_seconds", "status", "reason", "note",
    ]
    assert result.best().submission_id == 3
    assert list(result.scores()) == [1, 2, 3, 5, 7]
    assert "best=#3 7000 bps" in repr(result)


@pytest.mark.slow
def test_report__json_round_trip(sequential, tmp_path):
    path = tmp_path / "report.json"
    text = sequential.to_json(path)
    assert path.read_text() == text
    report = json.loads(text)
    assert report["format"] == "ml-bounty-evaluation"
    assert report["spec"]["name"] == "eval-test" and report["protocol"]["seed"] == 5
    assert report["data"]["test_cid"] == make_cid(b"t")
    assert report["data"]["cids"] == {"BTC-USD": make_cid(b"btc"), "LTC-USD": make_cid(b"ltc")}
    assert len(report["data"]["dataset"]["digest"]) == 64
    n_test = report["data"]["dataset"]["splits"]["test"]["windows"]
    assert report["score_tolerance_bps"] == max(50, -(-30_000 // n_test))
    assert {"tensorflow", "keras", "numpy", "platform"} <= set(report["environment"])
    assert report["environment"]["tensorflow"].startswith("2.")
    subs = {s["id"]: s for s in report["submissions"]}
    assert subs[4]["val_accuracy"] is None and subs[1]["history"]["loss"]
    again = load_report(path)
    assert again.report() == sequential.report()
    assert again.scores() == sequential.scores()
    assert load_report(text.encode()).to_json() == text
    with pytest.raises(ValueError, match="format: not an evaluation report"):
        EvaluationResult.from_report({"format": "other"})


@pytest.mark.slow
def test_plot__bars_and_curves(sequential, tmp_path):
    fig = sequential.plot()
    bars, curves = fig.axes
    assert len(bars.patches) == 5
    assert len(curves.lines) == 3  # the three scored submissions have learning curves
    fig.savefig(tmp_path / "eval.png")
    assert (tmp_path / "eval.png").stat().st_size > 1000


def test_progress__plain_line_per_submission_when_not_a_tty(dataset, eval_spec, capsys):
    """Also when ipykernel was imported without a kernel running (nbclient, an earlier test in the
    same worker process): that is not a notebook."""
    import ipykernel  # noqa: F401

    subs = [_submissions()[3], _submissions()[4]]  # invalid and skipped: no training needed
    evaluate(subs, dataset, eval_spec, backend="sequential", progress=True)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[1/2] submission #4 invalid 0 bps")
    assert lines[1].startswith("[2/2] submission #5 skipped 0 bps")


def test_evaluate__backend_losing_a_result__marks_it_crashed(dataset, eval_spec):
    def lossy(tasks, data, *, workers, worker, on_result):
        pass  # reports nothing

    register_backend("lossy-test", lossy)
    result = evaluate(_submissions()[:1], dataset, eval_spec, backend="lossy-test", progress=False)
    assert result[1].status == "crashed" and "returned no result" in result[1].reason


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"workers": 0}, ValueError, r"workers: must be an integer >= 1, got 0"),
        ({"backend": "gpu-farm"}, ValueError, r"backend: unknown backend 'gpu-farm'"),
        ({"protocol": None}, ValueError, r"protocol: give a TrainingProtocol or a BountySpec"),
        ({"protocol": {"epochs": 1}}, TypeError, r"protocol: must be a TrainingProtocol"),
    ],
)
def test_evaluate__bad_arguments__raise(dataset, eval_spec, kwargs, error, message):
    args = {"protocol": eval_spec, **kwargs}
    with pytest.raises(error, match=message):
        evaluate(_submissions()[:1], dataset, args.pop("protocol"), progress=False, **args)


def test_evaluate__bad_submissions_or_data__raise_before_training(dataset, eval_spec):
    dup = [_submissions()[0], _submissions()[0]]
    with pytest.raises(ValueError, match=r"submissions\[1\]\.id: duplicate submission id 1"):
        evaluate(dup, dataset, eval_spec, progress=False)
    with pytest.raises(ValueError, match=r"submissions\[0\]\.submitter: is required"):
        evaluate([{"id": 1, "hyperparameters": {}}], dataset, eval_spec, progress=False)
    with pytest.raises(ValueError, match=r"dataset\.x_test: no test windows"):
        no_test = {k: getattr(dataset, k) for k in ("x_train", "y_train", "x_val", "y_val")}
        no_test.update(x_test=dataset.x_test[:0], y_test=dataset.y_test[:0])
        evaluate(_submissions()[:1], no_test, eval_spec, progress=False)


def test_score_submission__payload_errors_are_results_not_exceptions(eval_spec):
    base = {"submission_id": 8, "bounds": None, "protocol": eval_spec.protocol.to_dict(), "seed": 1}
    r = score_submission(dict(base, hyperparameters={"lstm_layers": 1}))
    assert (r["status"], r["score_bps"], r["reason"]) == ("invalid", 0, "lstm_units: is required")
    r = score_submission(dict(base, hyperparameters="lstm"))
    assert r["status"] == "invalid" and "must be a mapping" in r["reason"]
    hp = Hyperparameters(1, 4, 0, "relu", "hinge").to_dict()
    r = score_submission(dict(base, hyperparameters=hp, protocol={"epochs": 0}))
    assert r["status"] == "failed" and r["reason"] == "protocol: epochs: must be >= 1, got 0"
    r = score_submission(dict(base, hyperparameters=hp, dataset=None))
    assert r["status"] == "failed" and "this worker was not initialized with one" in r["reason"]
    assert set(r) >= {"submission_id", "status", "reason", "score_bps", "history"}


@pytest.mark.slow
def test_score_submission__dataset_by_npz_reference(arrays, tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, **arrays)
    hp = Hyperparameters(1, 4, 0, "relu", "sparse_categorical_crossentropy", learning_rate=0.01)
    payload = {"submission_id": 1, "hyperparameters": hp.to_dict(), "bounds": None,
               "protocol": TrainingProtocol(epochs=1, batch_size=32).to_dict(), "seed": 2}
    by_ref = score_submission(dict(payload, dataset=str(path)))
    by_value = score_submission(dict(payload, dataset=arrays))
    assert by_ref["status"] == "scored"
    assert (by_ref["score_bps"], by_ref["history"]) == (by_value["score_bps"], by_value["history"])


def test_threads_per_worker__share_the_cores():
    assert threads_per_worker(1, cores=8) == 8
    assert threads_per_worker(2, cores=8) == 4
    assert threads_per_worker(3, cores=2) == 1
