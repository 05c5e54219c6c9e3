"""``python -m bounty_client.contracts [ROOT]``: regenerate the shipped contract types."""

import sys

from . import export

if __name__ == "__main__":
    for path in export(sys.argv[1] if len(sys.argv) > 1 else "."):
        print(f"wrote {path}")
