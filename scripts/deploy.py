"""`ape run deploy`: declare the Bounty blueprint, deploy a BountyFactory and print its address.

    ape run deploy                                   # local Anvil, first test account
    ape run deploy --network ethereum:sepolia:node --account ORG

The factory deploys the Bounty implementation from the blueprint in its
constructor; every bounty is then an EIP-1167 clone made by `BountyFactory.create`.
The logic is `bounty_client.chain.deploy_factory`; this command only picks the account.
"""

import click
from ape.cli import ConnectedProviderCommand


@click.command(cls=ConnectedProviderCommand)
@click.option("--account", "alias", default=None, help="Account alias or TEST::n (default on a local network: TEST::0).")
def cli(network, alias):
    """Deploy a BountyFactory (two transactions) and print its address."""
    from ape import accounts

    from bounty_client.chain import deploy_factory

    if alias is None:
        if not network.is_local:
            raise click.UsageError("--account is required on a live network")
        account = accounts.test_accounts[0]
    elif alias.startswith("TEST::"):
        account = accounts.test_accounts[int(alias.removeprefix("TEST::"))]
    else:
        account = accounts.load(alias)
    factory = deploy_factory(account)
    click.echo(f"BountyFactory: {factory.address}")
    click.echo(f"Bounty implementation: {factory.implementation()}")
