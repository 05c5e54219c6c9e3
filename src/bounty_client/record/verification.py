"""Anyone can check the organizer's scores *and what they pay*: re-run the evaluation from chain + store.

``verify(bounty, store)`` needs nothing but public material:

1. the ``BountyCreated`` event and the spec; every field where they disagree
   (data CIDs, ``seq_len``, ``future_period``, ``min_accuracy``) is a problem, and
   nothing is re-run on a spec the chain contradicts;
2. the posted test set (sealed: checked against the commitment made at creation;
   future window: every row inside the window and, where the source answers, equal
   to the source's rows);
3. the seeds: the report's must be the ones derived from the randomness recorded
   on-chain (``bounty_client.protocol.seeds.evaluation_seeds``);
4. a re-training of every revealed submission under the spec's protocol, compared
   score by score with the ``ScoresPosted`` events;
5. **the payout**: from its own recomputed scores the verifier re-derives the
   qualified set, the ranking and every credit (:func:`bounty_client.protocol.settlement.settle`,
   the contract's rules) and compares them with the chain's (``ranking()``, the
   ``Credited`` events; before ``finalize``: what the posted scores would pay).

Scores may differ within a tolerance; what they pay may not differ at all: a shift
inside the tolerance that changes the winner, a prize or the qualified set fails.
The tolerance comes only from the verifier's knowledge: ``tolerance_bps`` if given,
else 0 when every report says it was produced on this machine's CPU and software,
else the cross-machine tolerance for the test part's size
(:func:`bounty_client.ml.model.score_tolerance_bps`).  No number the organizer wrote is
used.  Every difference is one line in :attr:`VerificationReport.problems`.  A check that could not be
made although the verdict rests on it (future-window rows this machine cannot compare with the price
source: the organizer's local market file is elsewhere, or the network is out of reach) is one line in
:attr:`VerificationReport.unverified`.  :attr:`VerificationReport.status` is ``"mismatch"`` when there
is a problem, else ``"unverified"`` when something went unchecked, else ``"ok"``;
:attr:`VerificationReport.ok` is True only for ``"ok"``.  A bounty settled without test data (abandoned:
the reward shared) has no score to re-compute; its payout is still checked against the contract's rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..chain import Bounty
from ..errors import ArgumentError, VerificationError
from ..storage.base import ContentStore
from .record import check_spec, evaluate_record, open_record

__all__ = ["verify", "check_future_rows", "VerificationReport", "VerificationError", "VerificationStatus",
           "VERDICT_EXIT_CODES"]

#: ``ape run bounty verify``'s exit status per :attr:`VerificationReport.status` (2 is a usage error).
VERDICT_EXIT_CODES = {"ok": 0, "mismatch": 1, "unverified": 3}


class VerificationStatus(StrEnum):
    """The verdict on one submission's score (the ``status`` column; its value is what the JSON says)."""

    #: posted and recomputed scores agree within the tolerance
    OK = "ok"
    #: they differ by more than the tolerance
    MISMATCH = "MISMATCH"
    #: revealed (so recomputed) but no score was posted
    NOT_SCORED = "not scored on-chain"
    #: a score was posted for an id that was never revealed
    NEVER_REVEALED = "scored but never revealed"

    def is_ok(self) -> bool:
        return self is VerificationStatus.OK


_TABLE_COLUMNS = ["submission_id", "submitter", "posted_bps", "recomputed_bps", "diff_bps", "status",
                  "posted_rank", "derived_rank"]


@dataclass
class VerificationReport:
    """Posted vs recomputed: per-submission scores, then the qualified set, ranking and credits.

    ``table``: DataFrame with one row per submission (:data:`_TABLE_COLUMNS`; ranks are
    1-based places in the top K, empty outside it).  ``posted``: what the chain pays (its
    ``Credited`` events once finalized; before that, what the posted scores would pay:
    ``settled`` False).  ``derived``: what the recomputed scores pay under the contract's
    rules.  ``problems``: one line per difference (any makes ``status`` ``"mismatch"``);
    ``unverified``: one line per check the verdict needs that could not be made here (the status is
    then ``"unverified"``, never ``"ok"``), with ``how_to_check`` saying how to make it; ``notes``:
    what else is worth knowing (rulings, the tolerance; they do not change the verdict).
    """

    bounty: str
    table: Any
    tolerance_bps: int
    problems: list[str] = field(default_factory=list)
    evaluation: Any = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)
    tolerance_source: str = ""
    posted: Any = None  # bounty_client.protocol.settlement.Settlement
    derived: Any = None  # bounty_client.protocol.settlement.Settlement
    settled: bool = False
    unverified: list[str] = field(default_factory=list)
    how_to_check: str = ""

    @property
    def status(self) -> str:
        """``"mismatch"`` (a problem), ``"unverified"`` (no problem, but a needed check was not made) or ``"ok"``."""
        return "mismatch" if self.problems else "unverified" if self.unverified else "ok"

    @property
    def ok(self) -> bool:
        """True only when every check was made and none found a difference."""
        return self.status == "ok"

    @property
    def exit_code(self) -> int:
        """The verify command's exit status: :data:`VERDICT_EXIT_CODES` of :attr:`status`."""
        return VERDICT_EXIT_CODES[self.status]

    @property
    def verdict(self) -> str:
        """One line: ``"verify: OK"``, ``"verify: MISMATCH (2 problems)"`` or ``"verify: UNVERIFIED: rows not
        compared with the source; ..."`` (with how to compare them)."""
        if self.status == "mismatch":
            return f"verify: MISMATCH ({len(self.problems)} problem(s))"
        if self.status == "unverified":
            return "verify: UNVERIFIED: " + "; ".join(self.unverified) + (f"; {self.how_to_check}" if self.how_to_check
                                                                          else "")
        return "verify: OK"

    def credits_table(self) -> Any:
        """DataFrame: one row per ``(account, reason)`` with the posted and derived wei."""
        import pandas as pd

        p = self.posted.by_reason() if self.posted is not None else {}
        d = self.derived.by_reason() if self.derived is not None else {}
        rows = [{"account": a, "reason": r.name, "posted_wei": p.get((a, r), 0), "derived_wei": d.get((a, r), 0),
                 "same": p.get((a, r), 0) == d.get((a, r), 0)}
                for a, r in sorted(set(p) | set(d), key=lambda k: (k[1], k[0]))]
        return pd.DataFrame(rows, columns=["account", "reason", "posted_wei", "derived_wei", "same"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "bounty": self.bounty,
            "status": self.status,
            "ok": self.ok,
            "tolerance_bps": self.tolerance_bps,
            "tolerance_source": self.tolerance_source,
            "problems": list(self.problems),
            "unverified": list(self.unverified),
            "how_to_check": self.how_to_check or None,
            "notes": list(self.notes),
            "submissions": self.table.to_dict(orient="records"),
            "payout": {
                "settled": self.settled,
                "posted": None if self.posted is None else self.posted.to_dict(),
                "derived": None if self.derived is None else self.derived.to_dict(),
            },
        }

    def _payout_lines(self) -> list[str]:
        if self.posted is None or self.derived is None:
            return []
        side = "chain (finalized)" if self.settled else "chain (as posted; not finalized)"
        p, d = self.posted, self.derived
        lines = [f"payout          {side:<34} recomputed",
                 f"  outcome       {p.outcome.name:<34} {d.outcome.name}",
                 f"  qualified     {str(list(p.qualified)):<34} {list(d.qualified)}",
                 f"  ranking       {str([i for i, _ in p.ranking]):<34} {[i for i, _ in d.ranking]}"]
        credits = self.credits_table()
        if len(credits):
            lines += ["  " + line for line in credits.to_string(index=False).splitlines()]
        return lines

    def _repr_html_(self) -> str:
        from html import escape

        head = f"<p>verify {self.bounty}: <b>{self.status.upper()}</b></p>"
        items = "".join(f"<li>{escape(p)}</li>" for p in self.problems + self.unverified)
        notes = "".join(f"<li><i>{escape(n)}</i></li>" for n in self.notes)
        body = f"<ul>{items}{notes}</ul>" if items or notes else ""
        return head + body + self.table._repr_html_() + self.credits_table()._repr_html_()

    def __repr__(self) -> str:
        source = f" ({self.tolerance_source})" if self.tolerance_source else ""
        lines = [f"VerificationReport({self.bounty}: {self.status.upper()}, "
                 f"tolerance {self.tolerance_bps} bps{source})"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  unverified: {u}" for u in self.unverified]
        if self.unverified and self.how_to_check:
            lines.append(f"  how to check: {self.how_to_check}")
        lines += [f"  note: {n}" for n in self.notes]
        shown = self.table.copy()  # within 120 columns: submitters shortened (the JSON and .table have them whole)
        shown["submitter"] = [a if len(str(a)) < 14 else f"{str(a)[:6]}…{str(a)[-4:]}" for a in shown["submitter"]]
        lines.append(shown.to_string(index=False))
        lines += self._payout_lines()
        return "\n".join(lines)


_SAME_MACHINE_KEYS = ("python", "tensorflow", "keras", "numpy", "machine", "processor", "cpu_count")


def _auto_tolerance(reports: list[Any], n_test: int) -> tuple[int, str]:
    """``(bps, why)``: 0 when every report was produced on this machine's CPU and software; else the
    cross-machine tolerance for ``n_test`` windows (``bounty_client.ml.model.score_tolerance_bps``).
    Only the verifier's own figures: a report can make it stricter (claim this machine), never looser."""
    from ..ml.evaluation.result import environment
    from ..ml.model import score_tolerance_bps

    here = environment()
    if reports and all(all(r.env.get(k) == here.get(k) for k in _SAME_MACHINE_KEYS) for r in reports):
        return 0, "same CPU and software as the report"
    return score_tolerance_bps(max(1, n_test)), f"cross-machine tolerance for {n_test} test windows"


def how_to_compare(spec: Any) -> str:
    """What to do so that the posted rows of a future-window bounty can be compared with their source."""
    source = spec.test.source
    if source.kind == "local":
        return ("the rows come from the organizer's offline market file: get a copy of it (market.json; once the "
                "window is posted it gives no edge) and run `ape run bounty verify BOUNTY --market-file FILE`, or "
                "run verify on the organizer's machine")
    return (f"run verify on a machine that reaches {source.kind} "
            f"({getattr(source, 'base_url', None) or 'its public API'}), after the window's end")


def check_future_rows(spec: Any, rows: Any, *, now: int, market: Any = None,
                      submission_deadline: "int | None" = None,
                      randomness: "bytes | str | None" = None) -> tuple[list[str], list[str]]:
    """``(problems, unchecked)`` for future-window test rows ``{symbol: price table}`` posted under ``spec``.

    Problems: a window that opens before ``submission_deadline`` (its prices were public while
    anyone could submit); a row outside ``[start - seq_len * interval, end]`` or off the grid
    (:func:`bounty_client.data.check_window_rows`); a row that differs from the source's
    (:func:`bounty_client.data.compare_with_source`).  Unchecked (one line each: the rows were *not*
    compared, which is never a pass): the source could not be asked or cannot confirm yet.  ``market``
    defaults to ``market_for(spec.test, create=False)``; ``randomness`` (the bounty's, once drawn) is mixed
    into a local market from the window's start (:func:`bounty_client.data.window_market`), as the
    organizer's post did."""
    from ..data import (DataError, NotYetAvailableError, check_window_rows, compare_with_source, market_for,
                       window_market, window_span)

    rule = spec.test
    problems: list[str] = []
    notes: list[str] = []
    start, end = rule.window
    if submission_deadline is not None and start < submission_deadline:
        problems.append(f"test window starts at {start}, before the submission deadline {submission_deadline}: "
                        "its prices were public while submissions were open")
    try:
        check_window_rows(rows, rule.window, spec.seq_len, rule.interval)
    except DataError as exc:
        problems.append(f"test rows: {exc}")
    try:
        if market is None:
            market = market_for(rule, create=False, randomness=randomness)
        elif randomness is not None:
            market = window_market(market, rule, randomness)
        found = compare_with_source(rows, market, now, span=window_span(rule.window, spec.seq_len, rule.interval))
    except NotYetAvailableError as exc:
        notes.append(f"rows not compared with the source yet: {exc}")
        return problems, notes
    except DataError as exc:
        notes.append(f"rows not compared with the source ({rule.source.kind}): {exc}")
        return problems, notes
    if not found.reachable:
        notes.append(f"rows not compared with the source: {rule.source.kind} not reachable ({found.problem})")
    elif not found.ok:
        problems.append(f"test rows differ from the source {rule.source.kind}: {found.difference}")
    return problems, notes


def _check_seeds(record: Any, reports: list[tuple[str, Any]], result: Any) -> tuple[list[str], list[str]]:
    """The seeds of every report and of the re-run must be those derived from the on-chain randomness."""
    try:
        from ..protocol.seeds import evaluation_seeds  # type: ignore[import-not-found]
    except ImportError:
        return [], ["seeds not checkable: this client has no bounty_client.protocol.seeds.evaluation_seeds"]
    randomness = record.randomness()
    if randomness is None:
        return ["seeds: the evaluation randomness was never drawn on-chain"], []
    protocol = record.spec.protocol
    rule = getattr(protocol, "seed_rule", None)  # the spec's seed rule, where the spec has one
    expected = [int(s) for s in evaluation_seeds(randomness, protocol.seeds,
                                                 *([rule] if rule else []))]
    problems = [f"report {cid}: seeds {list(r.seeds)}, but the on-chain randomness gives {expected}"
                for cid, r in reports if [int(s) for s in r.seeds] != expected]
    if result is not None and result.seeds and [int(s) for s in result.seeds] != expected:
        problems.append(f"re-run: seeds {list(result.seeds)}, but the on-chain randomness gives {expected}")
    return problems, []


def _payout(record: Any, posted_scores: dict[int, int], recomputed: dict[int, int]) -> tuple[Any, Any, bool, list[str]]:
    """``(posted, derived, settled, problems)``: the chain's settlement, the recomputed one, and
    the chain checked against its own rules once finalized."""
    from ..protocol.settlement import differences, settle
    from ..protocol.wire import Outcome

    bounty, creation = record.bounty, record.creation
    revealed = {s.id: s.submitter for s in record.revealed()}
    status = bounty.status()
    # The bond the disputes left (upheld challenges are paid from it at their ruling), the void and
    # the fail-safe: facts of the record, the same for both sides.
    terms = dict(organizer=creation.organizer, reward=creation.reward, bond=status.bond,
                 min_accuracy=creation.min_accuracy, prize_shares=creation.prize_shares,
                 commit_deposit=creation.commit_deposit, submission_count=bounty.submission_count(),
                 revealed=revealed, voided=status.test_data_voided, fail_safe=status.fail_safe)
    # An honest organizer scores every revealed submission: derive from all of them.
    derived = settle(scores={i: recomputed[i] for i in revealed if i in recomputed}, **terms)
    as_posted = settle(scores={i: s for i, s in posted_scores.items() if i in revealed}, **terms)
    settled = bounty.outcome() not in (Outcome.NONE, Outcome.CANCELLED)
    problems: list[str] = []
    if settled:
        posted = bounty.settlement()
        problems += [f"the chain breaks its own payout rules: {line}"
                     for line in differences(posted, as_posted, derived_name="rules applied to the posted scores")]
    else:
        posted = as_posted
    return posted, derived, settled, problems


def verify(
    bounty: "Bounty | str",
    store: ContentStore,
    *,
    tolerance_bps: "int | None" = None,
    workers: int = 1,
    backend: str = "auto",
    progress: bool = False,
    ray_address: "str | None" = None,
    market: Any = None,
) -> VerificationReport:
    """Re-compute every posted score of ``bounty`` from public material and compare the scores and
    what they pay (see the module docstring).

    ``tolerance_bps``: accepted ``|posted - recomputed|`` per score (0..10000; ``None`` = the
    verifier's own figure).  It never excuses a difference in the qualified set, the ranking or
    a credit.  ``market``: the price source of a future-window bounty's rows (default: the one the spec
    names; a ``LocalMarket`` of the organizer's market file for an offline bounty).  Raises
    :class:`VerificationError` when the test set does not open the commitment, or was never posted on
    a bounty that is not settled (nothing to verify yet); ``ArgumentError`` for a bad
    ``tolerance_bps``.  Every other difference is a problem line in the report, every check that
    could not be made an ``unverified`` line."""
    import pandas as pd

    if tolerance_bps is not None and (isinstance(tolerance_bps, bool) or not isinstance(tolerance_bps, int)
                                      or not 0 <= tolerance_bps <= 10_000):
        raise ArgumentError(f"tolerance_bps: must be an integer 0..10000 (or None: automatic), got {tolerance_bps!r}")
    record = open_record(bounty, store, strict=False)  # each difference is reported below, not raised
    bounty = record.bounty
    empty = pd.DataFrame([], columns=_TABLE_COLUMNS, dtype=object)
    wrong = check_spec(record.spec, record.creation)
    if wrong:
        return VerificationReport(
            bounty.address, empty, tolerance_bps or 0,
            [f"spec {record.creation.spec_cid} disagrees with the chain: {w}" for w in wrong],
            notes=["nothing was re-run: the spec the chain committed to is not the one published"])
    if record.test_data() is None:
        return _verify_without_test_data(record, empty)

    problems: list[str] = []
    notes: list[str] = []
    unverified: list[str] = []
    how = ""
    if getattr(record.spec.test, "is_future", False):
        found, unchecked = check_future_rows(record.spec, record.test_prices(), now=bounty.now(), market=market,
                                             submission_deadline=record.creation.submission_deadline,
                                             randomness=record.randomness())
        problems += found
        unverified += unchecked
        how = how_to_compare(record.spec) if unchecked else ""

    posted, report_cids = record.posted_scores()
    on_record = record.bounty.scores_on_record()  # rulings replace the scores they upheld
    for sid, score in sorted(on_record.items()):
        if posted.get(sid) != score:
            notes.append(f"submission #{sid}: posted {posted.get(sid)} bps, replaced by the arbiter's ruling {score}")
    dataset = record.dataset(with_test=True)
    result = evaluate_record(record, dataset=dataset, workers=workers, backend=backend, progress=progress,
                             ray_address=ray_address)
    recomputed = result.scores()
    submitters = {r.submission_id: r.submitter for r in result.results}

    reports: list[tuple[str, Any]] = []
    for cid in report_cids:
        try:
            from ..ml.evaluation import EvaluationResult

            reports.append((cid, EvaluationResult.from_report(json.loads(store.get(cid)))))
        except Exception as exc:  # noqa: BLE001 - a missing or garbled report is itself a finding
            problems.append(f"report {cid}: unreadable ({exc})")
            continue
        in_report = reports[-1][1].scores()
        wrong_ids = sorted(i for i, s in posted.items() if i in in_report and in_report[i] != s)
        # The report is the organizer's; the scores compared below are those on record. A posted score
        # its own report contradicts is evidence of a false score: a problem while it stands, a note
        # once a ruling replaced it.
        ruled = [i for i in wrong_ids if on_record.get(i) != posted.get(i)]
        standing = [i for i in wrong_ids if i not in ruled]
        if standing:
            problems.append(f"report {cid}: scores differ from the posted ones for ids {standing}")
        if ruled:
            notes.append(f"report {cid}: the organizer posted other scores than its report for ids {ruled}; "
                         "rulings replaced them")
    found, said = _check_seeds(record, reports, result)
    problems += found
    notes += said

    if tolerance_bps is None:
        tolerance_bps, tolerance_source = _auto_tolerance([r for _, r in reports], len(dataset.y_test))
    else:
        tolerance_source = "given by the verifier"

    posted = on_record
    posted_side, derived, settled, found = _payout(record, posted, recomputed)
    posted_rank = {i: n for n, (i, _) in enumerate(posted_side.ranking, 1)}
    derived_rank = {i: n for n, (i, _) in enumerate(derived.ranking, 1)}
    rows = []
    for sid in sorted(set(recomputed) | set(posted)):
        p, r = posted.get(sid), recomputed.get(sid)
        if p is None:
            status = VerificationStatus.NOT_SCORED
        elif r is None:
            status = VerificationStatus.NEVER_REVEALED
        else:
            status = VerificationStatus.OK if abs(p - r) <= tolerance_bps else VerificationStatus.MISMATCH
        if status is VerificationStatus.MISMATCH:
            problems.append(f"submission #{sid}: MISMATCH (posted {p}, recomputed {r}, tolerance {tolerance_bps} bps)")
        elif not status.is_ok():
            problems.append(f"submission #{sid}: {status} (posted {p}, recomputed {r})")
        rows.append({"submission_id": sid, "submitter": submitters.get(sid, ""), "posted_bps": p,
                     "recomputed_bps": r, "diff_bps": None if p is None or r is None else r - p, "status": status,
                     "posted_rank": posted_rank.get(sid), "derived_rank": derived_rank.get(sid)})

    from ..protocol.settlement import differences

    side = "chain" if settled else "chain (as posted)"
    paid = differences(posted_side, derived, posted_name=side, derived_name="recomputed")
    if paid and all(row["status"] is VerificationStatus.OK for row in rows):
        paid = [f"{line} (every score is within the {tolerance_bps} bps tolerance, but what it pays differs)"
                for line in paid]
    problems += [f"payout: {line}" for line in paid] + found
    table = pd.DataFrame(rows, columns=_TABLE_COLUMNS, dtype=object)  # object: ints stay ints, None stays None
    return VerificationReport(bounty.address, table, tolerance_bps, problems, result, notes, tolerance_source,
                              posted_side, derived, settled, unverified, how)


def _verify_without_test_data(record: Any, empty: Any) -> VerificationReport:
    """A bounty whose test data was never posted: once settled (abandoned: SHARED), there is no score to
    re-compute, but what it paid is checked against the contract's rules; before that, nothing to verify."""
    bounty = record.bounty
    if bounty.outcome().name in ("NONE", "CANCELLED"):
        raise VerificationError(f"bounty {bounty.address}: the test data was never posted and the bounty is not "
                                "settled; nothing to verify yet (after the evaluation deadline anyone may finalize, "
                                "then verify checks the payout)")
    posted_scores, _ = record.posted_scores()
    posted_side, derived, settled, problems = _payout(record, posted_scores, {})
    from ..protocol.settlement import differences

    problems += [f"payout: {line}" for line in differences(posted_side, derived, posted_name="chain",
                                                           derived_name="the contract's rules")]
    notes = [f"no test data was posted: no score to re-compute; the payout ({posted_side.outcome.name}: the "
             "reward shared by the revealed submissions, the bond burned) was checked against the contract's rules"]
    return VerificationReport(bounty.address, empty, 0, problems, None, notes, "", posted_side, derived, settled)
