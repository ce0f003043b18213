"""The safety filter's settings: one declaration of each switch for the valves and the policy."""

import pytest

from alphaomega.safety import PolicySwitches, SafetySettings
from alphaomega.safety.policy import SafetyPolicy, policy_from_sources

SWITCHES = [name for name, f in PolicySwitches.model_fields.items() if f.annotation is bool]


@pytest.mark.parametrize("name", SWITCHES)
def test_every_switch_of_the_valves_reaches_the_policy(name):
    flipped = not SafetySettings.model_fields[name].default

    policy = policy_from_sources(SafetySettings(**{name: flipped}))

    assert getattr(policy, name) is flipped


def test_the_valves_text_lists_and_choice_reach_the_policy():
    valves = SafetySettings(
        blocked_terms="zorg, project x,,", disabled_rules="injection", output_action="block"
    )

    policy = policy_from_sources(valves)

    assert policy.blocked_terms == ["zorg", "project x"]
    assert policy.disabled_rules == ["injection"]
    assert policy.output_action == "block"


def test_valves_and_policy_share_the_switches_in_order():
    switches = list(PolicySwitches.model_fields)
    valves = list(SafetySettings.model_fields)

    assert valves[:2] == ["pipelines", "priority"]  # first on the admin form
    assert valves[2 : 2 + len(switches)] == switches
    assert list(SafetyPolicy.model_fields)[: len(switches)] == switches
    for name in switches:  # one declaration: the same description on both
        assert (
            SafetyPolicy.model_fields[name].description
            == SafetySettings.model_fields[name].description
        ) or name in ("blocked_terms", "disabled_rules")


def test_what_only_the_filter_reads_stays_out_of_the_policy():
    valves = SafetySettings(check_tasks=True, policy_file="/nowhere.yaml", audit_enabled=False)

    policy = policy_from_sources(valves)

    assert policy == SafetyPolicy()
