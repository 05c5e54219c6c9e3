"""Silence third-party start-up noise at its source, in this process and in every worker.

What is silenced, and how (each is a known line that says nothing to a bounty's user):

* TensorFlow's native start-up lines (``WARNING: All log messages before
  absl::InitializeLog() ...``, ``oneDNN custom operations are on ...``, ``Could not
  find cuda drivers ...``, ``cpu_feature_guard``, ``cuInit``).  TensorFlow 2.17+ writes
  them through absl from C++ while ``import tensorflow`` runs, before any setting is
  read: ``TF_CPP_MIN_LOG_LEVEL`` and absl's flags do not reach them (tensorflow#100442).
  :func:`import_tensorflow` therefore imports TensorFlow once with file descriptor 2
  pointed at a temporary file, then writes back every captured line that is *not* one
  of these (a real error still shows).  ``TF_CPP_MIN_LOG_LEVEL=3`` covers the lines
  TensorFlow logs later.  ``TF_ENABLE_ONEDNN_OPTS`` is deliberately left alone: it
  changes which kernels run, hence float rounding (see :mod:`bounty_client.ml.model`).
* Python-level TensorFlow/absl logging: the ``tensorflow`` and ``absl`` loggers at ERROR.
* pydantic-settings' ``IncompleteFieldDefinitionWarning`` (raised while Ape builds its
  config models) and pydantic's "serializer warnings" (while Ape serializes contract types):
  warnings filters on their messages.
* Ray: usage statistics off and metrics collection off for runtimes started here
  (``RAY_USAGE_STATS_ENABLED=0``, ``RAY_enable_metrics_collection=0``), so no
  "Failed to establish connection to the metrics exporter agent" line.

Environment variables are only set where the user has not set them (``setdefault``).
Our own lines, progress bars and Ape's transaction lines are untouched.

:func:`quiet` is idempotent and cheap; call it first thing in an entry point (scripts,
benches, notebooks); evaluation worker processes and Ray tasks call it themselves.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from typing import Any

__all__ = ["NOISE_PATTERNS", "import_tensorflow", "in_notebook", "is_noise", "quiet"]

#: Environment defaults set by :func:`quiet` (never overriding a value the user set).
ENV_DEFAULTS: dict[str, str] = {
    "TF_CPP_MIN_LOG_LEVEL": "3",  # TensorFlow's C++ INFO/WARNING/ERROR after start-up
    "RAY_USAGE_STATS_ENABLED": "0",  # no usage-stats prompt or upload
    "RAY_enable_metrics_collection": "0",  # no metrics agent to connect to ("metrics exporter agent")
}

#: Lines written by native code at start-up that are noise (regular expressions, searched).
NOISE_PATTERNS: tuple[str, ...] = (
    r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
    r"oneDNN custom operations are on",
    r"Could not find cuda drivers on your machine",
    r"cpu_feature_guard\.cc",
    r"To enable the following instructions: .* in other operations, rebuild TensorFlow",
    r"failed call to cuInit",
    r"Unable to register cu(DNN|FFT|BLAS) factory",
    r"computation placer already registered",
    r"Failed to establish connection to the metrics exporter agent",
    r"IncompleteFieldDefinitionWarning",
)
_NOISE = re.compile("|".join(f"(?:{p})" for p in NOISE_PATTERNS))

_done = False


def is_noise(line: str) -> bool:
    """Whether ``line`` is one of the known start-up noise lines (:data:`NOISE_PATTERNS`)."""
    return bool(_NOISE.search(line))


def quiet() -> None:
    """Silence the noise listed in the module docstring for this process and its children.

    Sets the environment defaults (inherited by spawned workers and local Ray
    processes), installs the warnings filters and quiets the Python loggers.  Does not
    import TensorFlow (see :func:`import_tensorflow`).
    """
    global _done
    for key, value in ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if _done:
        return
    _done = True
    # pydantic-settings warns while Ape's config models resolve (its class lives in a module
    # we do not want to import just to name it; its message is stable).
    warnings.filterwarnings("ignore", message=r"Field .* has an incomplete definition")
    warnings.filterwarnings("ignore", category=UserWarning, module=r"pydantic_settings(\.|$)")
    # pydantic's "Pydantic serializer warnings: ... Expected `ABIList`" while Ape serializes a contract type.
    warnings.filterwarnings("ignore", message=r"Pydantic serializer warnings", category=UserWarning)
    # tqdm.auto's "IProgress not found" / experimental notice outside a notebook with widgets.
    warnings.filterwarnings("ignore", message=r".*(IProgress not found|TqdmExperimentalWarning)")
    # Ray 2.52's tip about GPU environment variables (we train on CPUs).
    warnings.filterwarnings("ignore", category=FutureWarning, message=r".*accelerator visible devices.*")
    import logging

    for name in ("tensorflow", "absl", "h5py"):
        logging.getLogger(name).setLevel(logging.ERROR)


def import_tensorflow() -> Any:
    """Import TensorFlow (and Keras) with its native start-up lines silenced; returns ``tensorflow``.

    Captures file descriptor 2 while the import runs and writes back every line that is
    not noise.  A no-op apart from the import when TensorFlow is already loaded.
    """
    quiet()
    if "tensorflow" in sys.modules:
        import tensorflow as tf

        return tf
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError):
        pass
    import tempfile

    try:
        saved = os.dup(2)
    except OSError:  # no fd 2 (an odd embedding): import without capturing
        import keras  # noqa: F401
        import tensorflow as tf

        return tf
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            import tensorflow as tf
            import keras  # noqa: F401  (Keras' own start-up output lands in the capture too)
        finally:
            try:
                sys.stderr.flush()
            except (AttributeError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [line for line in capture.read().decode("utf-8", "replace").splitlines(keepends=True)
                    if not is_noise(line)]
            if kept:
                os.write(2, "".join(kept).encode("utf-8", "replace"))
    tf.get_logger().setLevel("ERROR")
    return tf


def in_notebook() -> bool:
    """True inside a Jupyter kernel (progress bars and plots go to the notebook).

    Not merely "ipykernel was imported": a test run or a script can import it (nbclient does)
    without running in a kernel.  Never imports IPython itself.
    """
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
        return shell is not None and "IPKernelApp" in shell.config
    except Exception:  # an IPython without a usable shell
        return False
