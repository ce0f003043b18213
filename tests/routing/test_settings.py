"""The routing filter's settings: the valves name where each command goes."""

from alphaomega.routing._settings import RoutingSettings


def test_the_valves_targets_are_the_routes():
    valves = RoutingSettings(code_model_id="c", vision_model_id="v", fallback_model_id="f")

    targets = valves.targets()

    assert (targets.code, targets.vision, targets.fallback) == ("c", "v", "f")
    assert targets.for_intent("computer_use") is None  # not installed: the fallback answers
