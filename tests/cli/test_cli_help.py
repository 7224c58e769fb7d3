import pytest


@pytest.mark.parametrize(
    "command",
    [
        ["seed-demo"],
        ["merchants", "create"],
        ["merchants", "create-api-key"],
        ["users", "create"],
        ["import-orders"],
        ["jobs", "notify-late"],
        ["jobs", "scheduler"],
        ["jobs", "worker"],
        ["mail", "retry"],
    ],
)
def test_every_command_explains_itself(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    # the first line of the command's docstring is its summary
    assert len(result.output.splitlines()) > 3
