"""Fleet configuration: the compact ``ALPHAOMEGA_FLEET`` form, the file form, options, defaults."""

import json

import pytest

from alphaomega.errors import ConfigError
from alphaomega.fleet._config import (
    ENV_FLEET,
    ENV_FLEET_FILE,
    ENV_FLEET_OPTIONS,
    FleetSettings,
    fleet_from_env,
    load_fleet_file,
    parse_fleet,
    parse_size,
)


def test_default_is_one_local_ollama():
    config = fleet_from_env({})
    [only] = config.instances
    assert (only.url, only.kind, only.gpu, only.slots) == (
        "http://127.0.0.1:11434",
        "ollama",
        "gpu0",
        1,
    )
    assert config.settings == FleetSettings()


def test_the_old_comma_form_still_works():
    config = parse_fleet("http://a:11434/, openai+http://b:8080")
    first, second = config.instances
    assert (first.url, first.kind, first.gpu) == ("http://a:11434", "ollama", "gpu0")
    assert (second.url, second.kind, second.gpu) == ("http://b:8080", "openai", "gpu1")


def test_labels_slots_pinned_models_and_vram():
    config = parse_fleet(
        "gpu0=http://h:11434;slots=4;models=qwen2.5-coder:7b|llava:34b;vram=24GB,"
        " big=openai+http://h:8080;slots=2, http://h:11435;kind=openai;gpu=spare;vram=16GiB"
    )
    a, b, c = config.instances
    assert (a.gpu, a.url, a.slots, a.models, a.vram) == (
        "gpu0",
        "http://h:11434",
        4,
        ["qwen2.5-coder:7b", "llava:34b"],
        24 * 10**9,
    )
    assert (b.gpu, b.kind, b.url, b.slots, b.vram) == ("big", "openai", "http://h:8080", 2, 0)
    assert (c.gpu, c.kind, c.vram) == ("spare", "openai", 16 * 2**30)
    assert [i.name for i in config.instances] == ["gpu0", "big", "spare"]


def test_a_url_with_an_equals_sign_is_not_a_label():
    [instance] = parse_fleet("http://h:11434/?a=b").instances
    assert instance.url == "http://h:11434/?a=b"
    assert instance.gpu == "gpu0"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("", "names no instance"),
        (" , ,", "names no instance"),
        ("grpc+http://h:1", "unknown kind"),
        ("h:11434", "not an http"),
        ("http://h:1;colour=blue", "unknown option"),
        ("http://h:1;slots=0", "slots"),
        ("http://h:1;slots=many", "slots"),
        ("http://h:1;vram=lots", "not a size"),
        ("a=http://h:1, a=http://h:2", "share a label"),
    ],
)
def test_bad_specs_say_what_is_wrong(spec, says):
    with pytest.raises(ConfigError, match=says):
        parse_fleet(spec)


def test_options_tune_the_settings_and_reject_unknown_keys():
    config = fleet_from_env(
        {ENV_FLEET: "http://h:1", ENV_FLEET_OPTIONS: "refresh_s=0.5; breaker_failures=2"}
    )
    assert config.settings.refresh_s == 0.5
    assert config.settings.breaker_failures == 2
    with pytest.raises(ConfigError, match="unknown option"):
        fleet_from_env({ENV_FLEET: "http://h:1", ENV_FLEET_OPTIONS: "speed=11"})
    with pytest.raises(ConfigError, match="refresh_s"):
        fleet_from_env({ENV_FLEET: "http://h:1", ENV_FLEET_OPTIONS: "refresh_s=-1"})


def test_yaml_file_with_settings_wins_over_the_compact_form(tmp_path):
    path = tmp_path / "fleet.yaml"
    path.write_text(
        "instances:\n"
        "  - url: http://gpu-a:11434\n"
        "    slots: 4\n"
        "    vram: 24GB\n"
        "    models: [llava:34b]\n"
        "  - {url: 'http://gpu-b:8000', kind: openai, gpu: vllm}\n"
        "settings:\n"
        "  deadline_s: 30\n"
    )
    config = fleet_from_env(
        {ENV_FLEET_FILE: str(path), ENV_FLEET: "http://ignored:1", ENV_FLEET_OPTIONS: "refresh_s=2"}
    )
    a, b = config.instances
    assert (a.gpu, a.slots, a.vram, a.models) == ("gpu0", 4, 24 * 10**9, ["llava:34b"])
    assert (b.gpu, b.kind) == ("vllm", "openai")
    assert (config.settings.deadline_s, config.settings.refresh_s) == (30, 2)


def test_json_file_may_be_a_bare_list(tmp_path):
    path = tmp_path / "fleet.json"
    path.write_text(json.dumps([{"url": "http://a:1"}, {"url": "http://b:2", "slots": 3}]))
    config = load_fleet_file(path)
    assert [(i.gpu, i.slots) for i in config.instances] == [("gpu0", 1), ("gpu1", 3)]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read"),
        ("instances: [", "not valid"),
        ("settings: {}\n", "lists no instances"),
        ("instances:\n  - url: ftp://x\n", "not an http"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path, content, says):
    path = tmp_path / "fleet.yaml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=says):
        load_fleet_file(path)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("24GB", 24 * 10**9),
        ("24 GiB", 24 * 2**30),
        ("512MB", 512 * 10**6),
        ("1.5g", 15 * 10**8),
        ("1000", 1000),
        (7, 7),
    ],
)
def test_sizes(text, size):
    assert parse_size(text) == size
