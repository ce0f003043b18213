"""The placement plan on 1, 3 and 8 GPUs of different sizes: one role per GPU while it fits,
the scheduler's ranking when it does not, and a model larger than every GPU reported."""

from __future__ import annotations

from alphaomega.provision import Target, Use, Wanted, estimated_size, make_plan, render_plan

GB = 10**9


def wanted(name: str, role: str, plugin: str = "x_pipeline", valve: str = "models") -> Wanted:
    return Wanted(name, role, [Use(plugin, valve)])


# What the pack's own plugins name by default (see test_inventory for where that comes from).
DEFAULTS = [
    wanted("qwen2.5-coder:7b", "code"),
    wanted("codellama:13b", "code"),
    wanted("llava:34b", "vision"),
    wanted("llama3.2-vision:11b", "vision"),
    wanted("llama3.1:8b", "general", "auto_pipeline", "general_model"),
    wanted("nomic-embed-text:latest", "embed", "memory_filter", "embed_model"),
]


def gpus(*sizes_gb: float, **down: bool) -> list[Target]:
    return [
        Target(f"gpu{i}", f"http://ollama-gpu{i}:11434", int(size * GB), up=not down.get(f"gpu{i}"))
        for i, size in enumerate(sizes_gb)
    ]


def where(plan) -> dict[str, str]:
    return {p.model: p.target for p in plan.placements}


def test_one_gpu_takes_every_model_and_says_which_take_turns_in_vram():
    plan = make_plan(DEFAULTS, gpus(24))
    assert set(where(plan).values()) == {"gpu0"}
    assert [p.model for p in plan.to_pull] == [w.name for w in DEFAULTS]
    # 47 GB of models on a 24 GB GPU: the ones loaded after the VRAM is full take turns.
    turns = [p for p in plan.placements if "takes turns in VRAM on gpu0" in p.note]
    assert turns and all("does not fit" not in p.note for p in plan.placements)
    assert plan.unplaced == []


def test_a_model_larger_than_every_gpu_is_reported_not_placed():
    plan = make_plan(DEFAULTS, gpus(16))
    [big] = plan.unplaced
    assert big.model == "llava:34b"
    assert "20.2 GB is larger than every GPU (the largest has 16.0 GB)" in big.note
    assert "choose a smaller model in x_pipeline.models" in big.note
    assert "llava:34b" not in [p.model for p in plan.to_pull]
    text = "\n".join(render_plan(plan))
    assert "NOT PLACED" in text and "larger than every GPU" in text


def test_three_gpus_keep_the_seed_layout_when_everything_fits():
    plan = make_plan(DEFAULTS, gpus(48, 24, 24))
    assert where(plan) == {
        "llava:34b": "gpu0",
        "llama3.2-vision:11b": "gpu0",
        "qwen2.5-coder:7b": "gpu1",
        "codellama:13b": "gpu1",
        "llama3.1:8b": "gpu1",
        "nomic-embed-text:latest": "gpu1",
    }
    assert all(not p.note for p in plan.placements)
    assert plan.role_targets == {
        "vision": "gpu0",
        "code": "gpu1",
        "general": "gpu1",
        "embed": "gpu1",
    }


def test_three_gpus_move_what_does_not_fit_and_say_why():
    plan = make_plan(DEFAULTS, gpus(24, 24, 16))
    placed = where(plan)
    assert placed["llava:34b"] == "gpu0"  # the biggest of its role keeps the role's GPU
    assert placed["llama3.2-vision:11b"] == "gpu2"  # the only GPU where it evicts nothing
    for model in ("qwen2.5-coder:7b", "codellama:13b", "llama3.1:8b", "nomic-embed-text:latest"):
        assert placed[model] == "gpu1"
    moved = next(p for p in plan.placements if p.model == "llama3.2-vision:11b")
    assert moved.note == "does not fit gpu0 (24.0 GB) beside llava:34b; placed on gpu2"


def test_models_already_on_an_instance_stay_and_take_their_room():
    targets = gpus(24, 24, 24)
    targets[2].models = {"llava:34b": 20_166_497_526}
    plan = make_plan(DEFAULTS, targets)
    llava = next(p for p in plan.placements if p.model == "llava:34b")
    assert (llava.target, llava.present) == ("gpu2", True)
    assert "llava:34b" not in [p.model for p in plan.to_pull]
    # gpu0 is free for the other vision model; gpu2 is full with llava.
    assert where(plan)["llama3.2-vision:11b"] == "gpu0"


def test_a_role_gpu_that_is_down_sends_its_models_elsewhere():
    plan = make_plan(DEFAULTS, gpus(48, 24, 24, gpu0=True))
    assert where(plan)["llava:34b"] in ("gpu1", "gpu2")
    llava = next(p for p in plan.placements if p.model == "llava:34b")
    assert llava.note.startswith("gpu0, its role's GPU, is down; placed on ")
    assert "gpu0" not in where(plan).values()


def test_eight_gpus_of_different_sizes_one_role_each():
    roles = DEFAULTS + [
        wanted("qwen2.5:7b", "prompt", "image_pipeline", "prompt_model"),
        wanted("qwen2.5vl:7b", "agent", "agent_pipeline", "agent_model"),
        wanted("qwen2.5-coder:32b", "factory", "factory_pipeline", "factory_models"),
        wanted("llama3.3:70b", "reasoning", "auto_pipeline", "reasoning_model"),
        wanted("deepseek-r1:671b", "reasoning", "auto_pipeline", "reasoning_model"),
    ]
    plan = make_plan(roles, gpus(80, 48, 12, 16, 24, 24, 8, 8))
    placed = where(plan)
    assert placed["llava:34b"] == placed["llama3.2-vision:11b"] == "gpu0"
    assert placed["qwen2.5:7b"] == "gpu2"  # image generation's GPU
    assert placed["qwen2.5vl:7b"] == "gpu3"  # agents
    assert placed["qwen2.5-coder:32b"] == "gpu4"  # factory
    # Reasoning and code share the second GPU while they fit beside the biggest of them.
    assert placed["llama3.3:70b"] == placed["llama3.1:8b"] == "gpu1"
    # The code models no longer fit there: the scheduler's ranking puts each on a GPU where it
    # evicts nothing, a GPU no role has first, and the plan says so.
    for model in ("codellama:13b", "qwen2.5-coder:7b"):
        moved = next(p for p in plan.placements if p.model == model)
        assert moved.note.startswith("does not fit gpu1 (48.0 GB) beside llama3.3:70b")
        assert moved.note.endswith("placed on gpu5")
    # No GPU is planned beyond its VRAM: every placement fits beside the others at once.
    vram = {t.name: t.vram for t in plan.targets}
    for target in vram:
        assert sum(p.size for p in plan.placements if p.target == target) <= vram[target]
    [huge] = plan.unplaced
    assert huge.model == "deepseek-r1:671b"
    assert "larger than every GPU (the largest has 80.0 GB)" in huge.note
    assert {"gpu5", "gpu6", "gpu7"}.isdisjoint(
        {p.target for p in plan.placements if not p.note}
    )  # only moved models land on GPUs without a role
    assert plan.role_targets["reasoning"] == "gpu1" and "gpu5" not in plan.role_targets.values()


def test_unknown_vram_keeps_the_layout_and_the_plan_asks_for_it():
    targets = gpus(0, 0, 0)
    plan = make_plan(DEFAULTS, targets)
    assert where(plan)["llava:34b"] == where(plan)["llama3.2-vision:11b"] == "gpu0"
    assert where(plan)["codellama:13b"] == "gpu1"
    assert "VRAM unknown (set vram= in the fleet)" in "\n".join(render_plan(plan))


def test_no_instance_up_places_nothing():
    plan = make_plan(DEFAULTS, gpus(24, gpu0=True))
    assert len(plan.unplaced) == len(DEFAULTS)
    assert all(p.note == "no Ollama instance is up to pull it onto" for p in plan.unplaced)


def test_sizes_come_from_the_library_or_the_parameter_count():
    assert estimated_size("llava:34b") == 20_166_497_526
    assert estimated_size("someone/phi3:14b") == int(14 * 0.6 * GB)
    assert estimated_size("smol:135m") == int(0.135 * 0.6 * GB)
    assert estimated_size("mystery:latest") == 0


def test_unused_models_are_listed_not_planned():
    unused = Wanted("llama3.2:3b", "infer", [Use("memory_filter", "infer_model")], "infer is off")
    plan = make_plan([*DEFAULTS, unused], gpus(24, 24))
    assert "llama3.2:3b" not in where(plan)
    assert any(
        "llama3.2:3b" in line and "not needed now: infer is off" in line
        for line in render_plan(plan)
    )


def test_an_openai_compatible_server_counts_for_its_pinned_models_and_takes_no_pulls():
    smol = Target("smol", "http://llama:8080", models={"smollm2:latest": 0}, pulls=False)
    items = [wanted("smollm2", "general"), wanted("llama3.1:8b", "general")]
    items[0].name = "smollm2:latest"
    plan = make_plan(items, [*gpus(24), smol])
    placed = {p.model: (p.target, p.present) for p in plan.placements}
    assert placed == {"smollm2:latest": ("smol", True), "llama3.1:8b": ("gpu0", False)}
    text = "\n".join(render_plan(plan))
    assert (
        "smol  http://llama:8080  OpenAI-compatible: serves its pinned models, pulls nothing"
        in (text)
    )
    assert make_plan([wanted("llama3.1:8b", "general")], [smol]).unplaced[0].note == (
        "no Ollama instance is up to pull it onto"
    )
