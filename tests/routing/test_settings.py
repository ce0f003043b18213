"""The routing filter's settings: the valves name where each command goes."""

from alphaomega.routing._settings import RoutingSettings


def test_the_valves_targets_are_the_routes():
    valves = RoutingSettings(code_model_id="c", vision_model_id="v", fallback_model_id="f")

    targets = valves.targets()

    assert (targets.code, targets.vision, targets.fallback) == ("c", "v", "f")
    assert targets.for_intent("computer_use", "what's on my screen") == "alphaomega_screen.screen"
    assert targets.for_intent("computer_use", "click Submit") == "alphaomega_agent.agent-s"


def test_without_the_computer_use_models_the_fallback_answers():
    targets = RoutingSettings(screen_model_id="", agent_model_id="").targets()
    assert targets.for_intent("computer_use", "click Submit") is None


def test_factory_is_routed_to_its_model_and_an_empty_id_falls_back():
    assert RoutingSettings().targets().for_intent("factory") == "alphaomega_factory.factory"
    assert RoutingSettings(factory_model_id="").targets().for_intent("factory") is None
