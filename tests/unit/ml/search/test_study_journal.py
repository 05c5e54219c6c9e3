"""A torn Optuna journal (a crash while a record was being appended) is cut before the tear, the tail is
kept beside it, and every later resume loads: no bare JSONDecodeError, nothing stored lost."""

import json

from bounty_client.ml.search.study import open_study

SETTINGS = {"folds": 2, "seeds": 1}


def _trials(study):
    return [t.number for t in study.get_trials(deepcopy=False)]


def _run(study, n):
    for _ in range(n):
        trial = study.ask()
        study.tell(trial, float(trial.number))


def test_open_study__journal_torn_by_a_crash__resumes_with_the_trials_before_it_and_keeps_the_tail(tmp_path, capsys):
    journal = tmp_path / "studies" / "s.log"
    _run(open_study("s", journal, SETTINGS), 2)
    whole = journal.read_bytes()
    torn = b'{"op_code":5,"worker_id":"x","trial_id":2,"state":1,"val'  # a record cut mid-write
    journal.write_bytes(whole + torn)

    study = open_study("s", journal, SETTINGS)  # the first resume
    assert _trials(study) == [0, 1]
    _run(study, 1)
    # ... and every later resume loads (on the base, Optuna appended onto the torn line and the next
    # load died with a JSONDecodeError naming no file)
    for _ in range(2):
        again = open_study("s", journal, SETTINGS)
        assert _trials(again)[:3] == [0, 1, 2]
        _run(again, 1)
        assert all(json.loads(line) for line in journal.read_bytes().splitlines())
    assert journal.read_bytes().startswith(whole) and torn not in journal.read_bytes()
    assert (tmp_path / "studies" / "s.log.torn-1").read_bytes() == torn  # nothing stored is lost
    assert "torn record" in capsys.readouterr().err  # said once, in one line naming the file


def test_repair_journal__a_record_written_onto_a_torn_line__is_cut_there_and_kept_aside(tmp_path):
    from bounty_client.ml.search.study import repair_journal

    journal = tmp_path / "s.log"
    _run(open_study("s", journal, SETTINGS), 1)
    whole = journal.read_bytes()
    broken = b'{"op_code":5,"tri' + b'{"op_code":6,"worker_id":"y"}\n' + b'{"op_code":6,"worker_id":"z"}\n'
    journal.write_bytes(whole + broken)
    assert repair_journal(journal) == tmp_path / "s.log.torn-1"
    assert journal.read_bytes() == whole and (tmp_path / "s.log.torn-1").read_bytes() == broken
    assert repair_journal(journal) is None  # whole now: nothing moved, no second side file
    assert not (tmp_path / "s.log.torn-2").exists()
    assert _trials(open_study("s", journal, SETTINGS)) == [0]


def test_open_study__a_journal_that_is_not_json_at_all__moved_aside_and_a_new_study_starts(tmp_path):
    from bounty_client.ml.search.study import repair_journal

    journal = tmp_path / "s.log"
    journal.write_bytes(b"\xff\xfe not a journal\n")
    study = open_study("s", journal, SETTINGS)
    assert _trials(study) == [] and (tmp_path / "s.log.torn-1").read_bytes() == b"\xff\xfe not a journal\n"
    assert repair_journal(tmp_path / "absent.log") is None
