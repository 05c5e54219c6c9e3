"""What a person (or the future web explorer) reads about a bounty: the leaderboard and who was credited
what, and why.

Read-only views over :class:`~bounty_client.chain.Bounty` and the content store, returned as
DataFrames and lines of text::

    leaderboard(bounty, store)                   # scores on record, qualification, prizes, disputes; baseline
    explain_credits(bounty, receipt)             # who was credited what, and why
    disputes(bounty)                             # every challenge and its ruling
    bounty_list(factory, store)                  # every bounty of a factory: name, stage, outcome, leader
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..protocol.wire import BPS, CreditReason, Stage
from ..storage.base import ContentStore

if TYPE_CHECKING:  # pragma: no cover
    from ..chain import Bounty

__all__ = ["bounty_list", "credited", "disputes", "explain_credits", "leaderboard"]


def credited(bounty: "Bounty", receipts: Any = None) -> list[tuple[str, int, CreditReason]]:
    """``(account, amount in wei, reason)`` of every ``Credited`` event of ``bounty`` (or of ``receipts``,
    one transaction receipt or a list of them)."""
    return [(c.account, c.amount, c.reason) for c in bounty.credited(receipts)]


# One phrase per ``Credited.reason`` (every member of wire.CreditReason; a test checks none is missing).
_WHY = {CreditReason.PRIZE: "prize", CreditReason.REFUND: "refund of the reward (organizer)",
        CreditReason.DEPOSIT: "commit deposit back, with the prize", CreditReason.SHARE: "abandonment share",
        CreditReason.BOND: "bond back (organizer)",
        CreditReason.FORFEIT: "deposits of commitments never revealed or scored below the minimum (organizer)",
        CreditReason.CHALLENGE_BOND: "challenge bond (and fee) back",
        CreditReason.CHALLENGE_REWARD: "challenger's reward, from the organizer's bond",
        CreditReason.CHALLENGE_LOST: "bond of a rejected challenge (organizer)"}


def explain_credits(bounty: "Bounty", receipt: Any = None, account: "str | None" = None,
                    pending: "int | None" = None) -> list[str]:
    """One line per credit, ``"0xabc.. gets 0.9 ETH: prize"``: from the ``Credited`` events of
    ``receipt`` (one receipt or a list of them), else from every ``Credited`` event of ``bounty``
    (of ``account`` only, if given).  ``pending`` (wei: the account's credit now) keeps only the credits
    it is made of: the latest ones summing to it, since a withdrawal takes the whole credit and credits
    only add up (the ones already withdrawn are left out)."""
    rows = credited(bounty, receipt)
    if account is not None:
        rows = [r for r in rows if r[0].lower() == str(account).lower()]
    if pending is not None:
        kept, total = [], 0
        for row in reversed(rows):
            if total >= pending:
                break
            kept.append(row)
            total += row[1]
        rows = list(reversed(kept)) if total == pending else rows[len(rows) - len(kept):]
    return [f"{who} gets {amount / 1e18:g} ETH: {_WHY[why]}" for who, amount, why in rows]


def leaderboard(bounty: "Bounty", store: ContentStore) -> Any:
    """Scores on record as a DataFrame, best first, indexed by ``rank`` (1 = best): ``submission_id``,
    ``submitter``, ``score_bps`` (posted, or the arbiter's ruling where a challenge was upheld),
    ``qualifies`` (score >= ``min_accuracy``), ``prize_eth`` (credited once finalized, else what the
    current ranking would pay), ``dispute`` (``"open"``, ``"upheld (posted N)"``, ``"rejected"`` or
    empty).  When the posted report is in ``store`` and a score is posted, a last row, not ranked (its
    rank, ``qualifies`` and ``prize_eth`` are ``"-"``; ``submission_id`` is ``"baseline"``), gives the
    score of always predicting the test part's majority class, for comparison.  No score: an empty
    frame.  Before the challenge deadline every score is provisional (``status()`` says until when)."""
    import pandas as pd

    from ..ml.evaluation.result import EvaluationResult

    st = bounty.status()
    scores = dict(st.scores)
    _, reports = bounty.posted_scores()
    notes: dict[int, str] = {}
    for d in st.disputes:
        if d.kind.name == "SCORE":
            notes[d.key] = ("open" if d.open else f"upheld (posted {d.posted})" if d.upheld else "rejected")
    submitters = {s.id: s.submitter for s in bounty.revealed_submissions()}
    prizes: dict[int, float] = {}
    if st.stage is Stage.FINALIZED:
        paid: dict[str, int] = {}
        for who, amount, why in credited(bounty):
            if why is CreditReason.PRIZE:
                paid[who.lower()] = paid.get(who.lower(), 0) + amount
        for i, _ in st.ranking:  # a winner's credit per ranked id (one prize per id)
            who = submitters.get(i, "").lower()
            if who in paid:
                prizes[i] = paid.pop(who) / 1e18
    else:
        shares = list(st.prize_shares) or [BPS]
        for (i, _), share in zip(st.ranking, shares):
            prizes[i] = st.reward * share // BPS / 1e18
    rows = [{"submission_id": i, "submitter": submitters.get(i, "?"), "score_bps": s,
             "qualifies": s >= st.min_accuracy, "prize_eth": prizes.get(i, 0.0), "dispute": notes.get(i, "")}
            for i, s in scores.items()]
    rows.sort(key=lambda r: (-r["score_bps"], r["submission_id"]))
    baseline = None
    if reports and store.has(reports[-1]):
        try:
            baseline = EvaluationResult.from_report(json.loads(store.get(reports[-1]))).baseline_bps
        except Exception:  # noqa: BLE001 - an unreadable report only loses the baseline row
            baseline = None
    ranks: list[Any] = list(range(1, len(rows) + 1))
    if baseline is not None and rows:
        rows.append({"submission_id": "baseline", "submitter": "(always the majority class)",
                     "score_bps": int(baseline), "qualifies": "-", "prize_eth": "-", "dispute": ""})
        ranks.append("-")
    frame = pd.DataFrame(rows, columns=["submission_id", "submitter", "score_bps", "qualifies", "prize_eth",
                                        "dispute"])
    frame.index = pd.Index(ranks, name="rank")
    return frame


def _next_deadline(st: Any) -> tuple[str, "int | None"]:
    """``(what closes, when)`` for the current stage of a status snapshot (``None``: no deadline left)."""
    by_stage = {Stage.SUBMISSION: ("commits close", st.submission_deadline),
                Stage.REVEAL: ("reveals close", st.reveal_deadline),
                Stage.EVALUATION: ("evaluation closes", st.evaluation_deadline),
                Stage.CHALLENGE: ("challenges close", st.challenge_deadline),
                Stage.ARBITRATION: ("rulings close", st.resolution_deadline)}
    return by_stage.get(st.stage, ("finalize now" if st.stage is Stage.EXPIRED else "", None))


def bounty_list(factory: Any = None, store: "ContentStore | None" = None) -> Any:
    """Every bounty of ``factory`` (as :func:`bounty_client.chain.list_bounties` finds it) as a DataFrame, oldest
    first: ``bounty``, ``name`` (from its spec when ``store`` holds it, else empty), ``stage`` (with the
    outcome once settled: ``FINALIZED PRIZES``), ``reward`` (ETH), ``commits``, ``leader`` (``"#2 5389 bps"``:
    the first place of the ranking), ``stage ends`` (the current stage's deadline relative to chain time:
    ``"in 23h59m"``; ``"finalize now"`` once expired), ``next_deadline`` (what that deadline closes), and
    for programs ``organizer``, ``outcome``, ``spec_cid``, ``deadline`` (unix seconds),
    ``leader_id`` and ``leader_bps``.  Raises ``ChainError`` when no factory is known."""
    import pandas as pd

    from ..chain import Bounty, list_bounties, relative_time

    found = list_bounties(factory)
    columns = ["bounty", "name", "stage", "reward", "commits", "leader", "stage ends", "next_deadline",
               "organizer", "outcome", "spec_cid", "deadline", "leader_id", "leader_bps"]
    rows = []
    for row in found.to_dict(orient="records") if len(found) else []:
        b = Bounty.at(row["bounty"])
        st = b.status()
        name = ""
        if store is not None and store.has(row["spec_cid"]):
            try:
                name = str(json.loads(store.get(row["spec_cid"])).get("name", ""))
            except (ValueError, AttributeError):
                name = ""
        what, when = _next_deadline(st)
        leader = st.ranking[0] if st.ranking else None
        rows.append({"bounty": st.address, "name": name,
                     "stage": st.stage.name + (f" {st.outcome.name}" if st.stage is Stage.FINALIZED else ""),
                     "reward": st.reward / 1e18, "commits": st.submission_count,
                     "leader": f"#{leader[0]} {leader[1]} bps" if leader else "",
                     "stage ends": relative_time(when, st.now) if when else what,
                     "next_deadline": what if when else "",
                     "organizer": st.organizer, "outcome": st.outcome.name, "spec_cid": row["spec_cid"],
                     "deadline": when, "leader_id": leader[0] if leader else None,
                     "leader_bps": leader[1] if leader else None})
    return pd.DataFrame(rows, columns=columns)


def disputes(bounty: "Bounty") -> Any:
    """Every challenge of ``bounty`` as a DataFrame, in the order opened: ``key`` (submission id, or
    ``"test data"``), ``challenger``, ``posted_bps``, ``claimed_bps``, ``bond_eth``, ``fee_eth``,
    ``state`` (open / upheld / rejected), ``ruling`` and the transaction hashes."""
    import pandas as pd

    rows = []
    for d in bounty.disputes():
        data = d.kind.name == "TEST_DATA"
        rows.append({"key": "test data" if data else d.key, "challenger": d.challenger,
                     "posted_bps": None if data else d.posted, "claimed_bps": None if data else d.claimed,
                     "bond_eth": d.bond / 1e18, "fee_eth": d.fee / 1e18,
                     "state": "open" if d.open else "upheld" if d.upheld else "rejected",
                     "ruling": d.ruling, "tx": d.tx, "ruled_tx": d.ruled_tx})
    return pd.DataFrame(rows, columns=["key", "challenger", "posted_bps", "claimed_bps", "bond_eth", "fee_eth",
                                       "state", "ruling", "tx", "ruled_tx"])

