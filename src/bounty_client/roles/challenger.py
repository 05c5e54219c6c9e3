"""The watcher: anyone who re-runs the evaluation and challenges what differs, before the window closes.

Scores are provisional until a bounty's challenge deadline; what keeps them honest is one party
online during the window that re-computes them and disputes a difference beyond the bounty's score
tolerance (the arbiter then rules, :mod:`bounty_client.roles.juror`).  :class:`Challenger` is that
party::

    watcher = Challenger(account, store)
    found = watcher.check(bounty)             # re-train every revealed submission once, compare
    sent = watcher.challenge(bounty)          # dispute each difference beyond the tolerance
    watcher.watch(bounty, say=print)          # both, as score batches land, until the window closes

The evaluation is the same one ``verify`` runs (:func:`bounty_client.record.evaluate_record`),
computed once per bounty and test set, then compared with every batch as it lands.  In future-window
mode the posted window rows are compared with the public source too, and a difference there is
challenged as test data.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..chain import Bounty, Stage, format_utc, relative_time
from ..errors import ArgumentError, ChainError, StageError
from ..protocol.wire import TEST_DATA_KEY
from ..record import evaluate_record, open_record
from ..storage.base import ContentStore

__all__ = ["Challenger", "Difference", "SentChallenge"]


@dataclass(frozen=True)
class Difference:
    """A score on record that the re-run does not confirm: ``on_record`` and ``recomputed`` in bps
    (``key`` = submission id), or the test data (``key`` = TEST_DATA_KEY, the scores 0)."""

    key: int
    on_record: int
    recomputed: int
    why: str

    @property
    def is_test_data(self) -> bool:
        return self.key == TEST_DATA_KEY

    def describe(self) -> str:
        if self.is_test_data:
            return f"test data: {self.why}"
        return f"#{self.key}: on record {self.on_record} bps, recomputed {self.recomputed} bps ({self.why})"


@dataclass(frozen=True)
class SentChallenge:
    """A challenge this client sent: what it disputes and the receipt."""

    difference: Difference
    receipt: Any = field(repr=False)


class Challenger:
    """Re-runs a bounty's evaluation and challenges the differences (an Ape ``account`` pays the bonds)."""

    def __init__(self, account: Any, store: ContentStore, *, workers: int = 1, backend: str = "auto"):
        self.account = account
        self.store = store
        self.workers = workers
        self.backend = backend
        self._results: dict[tuple[str, str], Any] = {}

    def __repr__(self) -> str:
        return f"Challenger({getattr(self.account, 'address', self.account)}, store={self.store!r})"

    # -------------------------------------------------------- checking
    def recompute(self, bounty: Bounty, *, progress: bool = False) -> dict[int, int]:
        """Every revealed submission's score re-computed from the public record, once per bounty and test
        set (cached).  Raises :class:`StageError` before the test data is posted or the randomness drawn."""
        record = open_record(bounty, self.store)
        test = record.require_test_data("re-run the evaluation")
        key = (bounty.address, test.cid)
        if key not in self._results:
            self._results[key] = evaluate_record(record, workers=self.workers, backend=self.backend,
                                                 progress=progress)
        return dict(self._results[key].scores())

    def check(self, bounty: Bounty, *, progress: bool = False) -> list[Difference]:
        """The scores on record (posted, rulings applied) the re-run does not confirm: differences beyond
        the bounty's ``score_tolerance`` (a ruling within it would reject the challenge), plus, in
        future-window mode, posted rows that differ from the public source.  Scores under an open
        dispute are left out (one dispute per id at a time)."""
        from ..record.verification import check_future_rows

        found: list[Difference] = []
        record = open_record(bounty, self.store)
        if record.spec.test.is_future and record.test_data() is not None:
            problems, _ = check_future_rows(record.spec, record.test_prices(), now=bounty.now(),
                                            randomness=record.randomness())
            if problems:
                found.append(Difference(TEST_DATA_KEY, 0, 0, "; ".join(problems)))
        recomputed = self.recompute(bounty, progress=progress)
        tolerance = record.creation.score_tolerance
        disputed = {d.key for d in bounty.disputes() if d.open}
        for sid, score in sorted(bounty.scores_on_record().items()):
            if sid in disputed or sid not in recomputed:
                continue
            if abs(recomputed[sid] - score) > tolerance:
                found.append(Difference(sid, score, recomputed[sid], f"beyond the {tolerance} bps tolerance"))
        return found

    # -------------------------------------------------------- challenging
    def challenge(self, bounty: Bounty, ids: "list[int] | None" = None, *,
                  differences: "list[Difference] | None" = None) -> list[SentChallenge]:
        """Challenge each difference :meth:`check` finds (only those of ``ids``, if given), claiming the
        recomputed score; the test data first when its rows differ (an upheld ruling voids every score).
        Each costs the bounty's challenge bond plus the arbiter's fee, back with a reward when upheld.
        Raises :class:`ChainError` when the bounty has no arbiter, :class:`StageError` outside the
        window, :class:`ArgumentError` when there is nothing to challenge (nothing sent)."""
        bounty.require_challengeable("challenge")
        found = self.check(bounty) if differences is None else differences
        if ids is not None:
            found = [d for d in found if d.key in set(ids)]
        if not found:
            which = "" if ids is None else f" among {sorted(ids)}"
            raise ArgumentError(f"nothing to challenge{which}: every score on record of {bounty.address} is within "
                                f"{bounty.creation().score_tolerance} bps of the re-run")
        sent = []
        for d in sorted(found, key=lambda d: not d.is_test_data):
            if d.is_test_data:
                receipt = bounty.challenge_test_data(sender=self.account)
            else:
                receipt = bounty.challenge(d.key, d.recomputed, sender=self.account)
            sent.append(SentChallenge(d, receipt))
        return sent

    def watch(self, bounty: Bounty, *, say: Callable[[str], None] = print, poll: float = 15.0,
              until: "int | None" = None, once: bool = False) -> list[SentChallenge]:
        """Watch ``bounty`` until its challenge window closes (chain time; or ``until``): whenever new
        scores land, compare them with the re-run and challenge each difference, saying what it did.
        ``once``: one pass, then return.  Returns every challenge sent."""
        if bounty.arbiter() is None:
            raise ChainError(f"nothing to watch for: bounty {bounty.address} has no arbiter, its scores cannot be "
                             "challenged (ape run bounty verify checks them)")
        deadline = bounty.challenge_deadline() if until is None else int(until)
        seen_batches = -1
        sent: list[SentChallenge] = []
        while True:
            now = bounty.now()
            stage = bounty.stage_at(now)
            if now >= deadline or stage.is_closed():
                say(f"watch: the challenge window of {bounty.address} closed {relative_time(deadline, now)}; "
                    f"{len(sent)} challenge(s) sent")
                return sent
            batches = len(bounty.score_batches())
            if bounty.test_revealed() and bounty.randomness_drawn() and batches != seen_batches:
                seen_batches = batches
                found = self.check(bounty)
                on_record = bounty.scores_on_record()
                say(f"watch: {len(on_record)} score(s) on record, {len(found)} beyond the tolerance")
                if found:
                    for s in self.challenge(bounty, differences=found):
                        say(f"watch: challenged {s.difference.describe()}")
                        sent.append(s)
            elif stage in (Stage.SUBMISSION, Stage.REVEAL):
                say(f"watch: waiting for the evaluation (stage {stage.name}, test data from "
                    f"{format_utc(bounty.deadlines()[1])})")
            if once:
                return sent
            time.sleep(poll)
