"""``remember``/``recall`` as Open WebUI's native function calling offers and calls them."""

from alphaomega.testing.owu_flow import user_record
from tests.tools.conftest import load_tools, spec_named

ALICE = user_record("alice")
BOB = user_record("bob")


def test_specs_come_from_signature_and_docstring(functions_bundle, run_in_open_webui, tmp_path):
    out = run_in_open_webui(
        {"file": str(functions_bundle / "memory_tool.py"), "user": ALICE, "calls": []}
    )
    remember = spec_named(out["specs"], "remember")
    assert remember["description"].startswith("Store a fact about the person")
    assert remember["parameters"]["required"] == ["fact"]
    assert remember["parameters"]["properties"]["fact"]["type"] == "string"
    assert "short sentence" in remember["parameters"]["properties"]["fact"]["description"]
    recall = spec_named(out["specs"], "recall")
    assert set(recall["parameters"]["properties"]) == {"query"}  # __user__ is not the model's
    assert {s["name"] for s in out["specs"]} == {"remember", "recall"}


def test_without_its_store_the_tool_answers_readably_in_open_webui(
    functions_bundle, run_in_open_webui, tmp_path
):
    """Open WebUI's own Python has no mem0: the model reads why, nothing raises."""
    calls = [{"name": "recall", "args": {"query": "daughter"}, "user": ALICE}]
    valves = {"data_dir": str(tmp_path)}
    file = str(functions_bundle / "memory_tool.py")
    out = run_in_open_webui({"file": file, "user": ALICE, "valves": valves, "calls": calls})
    (answer,) = out["results"]
    assert answer.startswith("memory is not available") or "mem0" in answer, answer


async def test_a_fact_is_recalled_for_its_person_only(functions_bundle, tmp_path, pack):
    """Called as Open WebUI calls a tool: the model's arguments, ``__user__`` added."""
    tools = load_tools(functions_bundle / "memory_tool.py")
    tools.valves = tools.Valves(data_dir=str(tmp_path), embedder="local", budget_ms=60_000)
    try:
        before = await tools.recall(query="daughter's name", __user__=ALICE)
        stored = await tools.remember(fact="My daughter is called Ada.", __user__=ALICE)
        alice = await tools.recall(query="daughter's name", __user__=ALICE)
        bob = await tools.recall(query="daughter's name", __user__=BOB)
        listed = await tools.recall(query="", __user__=ALICE)
        nobody = await tools.remember(fact="I like tea.", __user__={})
    finally:
        await tools.core.close()
    assert before == "No memory of this person matches."
    assert stored == "Remembered."
    assert "Ada" in alice
    assert bob == "No memory of this person matches."
    assert "Ada" in listed
    assert "cannot tell who you are" in nobody
