"""`ape run bounty <command>`: the organizer's and participants' actions on any network.

    ape run bounty --help             # every command, each with its own --help
    ape run bounty create --account ORG --synthetic-rows 2000 --deploy-factory --network ...
    ape run bounty search BOUNTY --account ME --trials 30 --timeout 30m --commit --network ...

The commands (option parsing plus one call each) are the click group `bounty_client.cli.cli`;
the logic is in the package (roles, record, chain, protocol, ml; options are read by bounty_client.cli.inputs).
"""

from bounty_client.cli import cli  # noqa: F401  (the group `ape run` looks for)
