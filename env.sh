# `source ./env.sh` (from this folder, after `make setup` or `make demo`): puts the project's tools on PATH
# for this shell -- ape and python from .venv/bin, anvil from node_modules/.bin -- and quiets TensorFlow.
# `source .venv/bin/activate` alone does not bring anvil; `make shell` opens a shell with the same PATH.
_ml_bounty_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
if [ ! -x "$_ml_bounty_root/.venv/bin/ape" ] || [ ! -x "$_ml_bounty_root/node_modules/.bin/anvil" ]; then
    echo "env.sh: run 'make setup' first (no .venv/bin/ape or node_modules/.bin/anvil in $_ml_bounty_root)" >&2
else
    export PATH="$_ml_bounty_root/.venv/bin:$_ml_bounty_root/node_modules/.bin:$PATH"
    export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
fi
unset _ml_bounty_root
