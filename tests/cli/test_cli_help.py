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
        ["payments", "reconcile"],
        ["payments", "simulate-next"],
    ],
)
def test_every_command_explains_itself(runner, command):
    result = runner.invoke(args=[*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    # the first line of the command's docstring is its summary
    assert len(result.output.splitlines()) > 3


def test_the_demo_switch_makes_the_next_simulated_refund_fail(runner, make_merchant, make_order):
    from portal.actors import Actor
    from portal.payments.services import request_refund

    result = runner.invoke(args=["payments", "simulate-next", "fail", "--code", "expired_or_canceled_card"])
    assert result.exit_code == 0 and "next call will fail" in result.output
    refund = request_refund(make_order(make_merchant("kodinkone"), "1001"), 1000, "manual", "", Actor.system("t"))
    assert (refund.status, refund.failure_code) == ("failed", "expired_or_canceled_card")
