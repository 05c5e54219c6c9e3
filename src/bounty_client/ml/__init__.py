"""The ml wing: training and scoring LSTM submissions, and searching hyperparameters; never touches the chain.

:mod:`.model` (the Keras model, deterministic training and the scoring rule), :mod:`.budget` (the
worst-case evaluation time a bounty's window must fit), :mod:`.evaluation` (score many submissions:
in this process, a process pool or Ray, behind one :class:`~.evaluation.EvaluationBackend`) and
:mod:`.search` (a participant's Optuna search).  Nothing here imports Ape, :mod:`bounty_client.chain`,
:mod:`bounty_client.record`, :mod:`bounty_client.roles` or :mod:`bounty_client.cli`
(``tests/test_layers.py`` keeps it so).  This face imports nothing: TensorFlow, Optuna and Ray load
with the submodule that needs them.
"""
