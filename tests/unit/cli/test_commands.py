"""`ape run bounty` help: every command has a description paragraph and every option a help text
with its default; the allowed hyperparameter fields are listed where hyperparameters are given."""

import importlib.util

import click
import pytest

from e2e_support import ROOT, run_ape

# Ape's own options (network, provider settings, verbosity) carry Ape's help texts.
APE_OPTIONS = {"network", "provider_settings", "verbosity"}


def load_cli() -> click.Group:
    spec = importlib.util.spec_from_file_location("bounty_script", ROOT / "scripts" / "bounty.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


CLI = load_cli()


@pytest.mark.parametrize("name", sorted(CLI.commands))
def test_help__each_command__describes_itself_and_every_option_with_its_default(name):
    command = CLI.commands[name]
    assert command.help and len(command.help.split()) >= 8, f"{name}: no description paragraph"
    assert command.short_help, name
    for param in command.params:
        if not isinstance(param, click.Option) or param.name in APE_OPTIONS:
            continue
        assert param.help, f"{name} {param.opts}: no help text"
        shows_default = (param.show_default or param.is_flag or param.default is None or param.required
                         or "[default:" in param.help)
        assert shows_default, f"{name} {param.opts}: default {param.default!r} not shown"
        if param.default is None and not param.is_flag and not param.required and param.multiple is False:
            # an option without a value means "the usual": say what that is, or what the option does
            assert "[default:" in param.help or param.name in {"data_dir", "synthetic_rows", "spec_file",
                                                                "to", "seconds", "save_best"}, (name, param.opts)


def test_help__hyperparameter_options__list_the_allowed_fields():
    for name in ("train", "commit"):
        (hp,) = [p for p in CLI.commands[name].params if p.name in ("hp", "hps")]
        for field in ("lstm_layers", "lstm_units", "dense_layers", "activation", "loss", "dropout", "learning_rate"):
            assert field in hp.help, (name, field)
        assert "relu" in hp.help and "binary_crossentropy" in hp.help


def test_help__as_printed__has_the_description_and_defaults(home):
    out = run_ape(["run", "bounty", "create", "--help"], home)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Split off a hidden test set" in out.stdout
    assert "[default: 1 ether]" in out.stdout and "--deploy-factory" in out.stdout
    top = run_ape(["run", "bounty", "--help"], home)
    for name in ("export", "import", "advance", "cancel", "leaderboard", "claim"):
        assert f"  {name} " in top.stdout, name
