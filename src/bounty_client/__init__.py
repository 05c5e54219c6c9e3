"""ML Bounty client."""
