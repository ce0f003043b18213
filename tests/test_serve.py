import os
import stat

import pytest

from alphaomega import serve
from alphaomega.errors import ConfigError


def test_key_is_generated_once_kept_private_and_reused(tmp_path):
    key = serve.api_key(tmp_path, environ={})
    assert key.startswith("ao-") and len(key) > 30
    assert key != serve.WELL_KNOWN_DEFAULT_KEY
    mode = stat.S_IMODE(os.stat(tmp_path / serve.KEY_FILE).st_mode)
    assert mode == 0o600
    assert serve.api_key(tmp_path, environ={}) == key


def test_env_key_wins_and_the_published_default_is_refused(tmp_path):
    assert serve.api_key(tmp_path, environ={"PIPELINES_API_KEY": "mine"}) == "mine"
    with pytest.raises(ConfigError):
        serve.api_key(tmp_path, environ={"PIPELINES_API_KEY": "0p3n-w3bu!"})


def test_sync_copies_plugins_keeps_valves_and_removes_what_the_pack_dropped(tmp_path):
    root = tmp_path / "pack"
    (root / "pipelines").mkdir(parents=True)
    (root / "filters").mkdir()
    (root / "pipelines" / "a_pipeline.py").write_text("# v1")
    (root / "filters" / "b_filter.py").write_text("# b")
    target = tmp_path / "data" / "pipelines"
    assert serve.sync_plugins(root, target) == ["a_pipeline.py", "b_filter.py"]

    (target / "a_pipeline").mkdir()
    (target / "a_pipeline" / "valves.json").write_text('{"system_prompt": "kept"}')
    (target / "uploaded_by_hand.py").write_text("# theirs")
    (root / "pipelines" / "a_pipeline.py").write_text("# v2")
    (root / "filters" / "b_filter.py").unlink()

    assert serve.sync_plugins(root, target) == ["a_pipeline.py"]
    assert (target / "a_pipeline.py").read_text() == "# v2"
    assert (target / "a_pipeline" / "valves.json").read_text() == '{"system_prompt": "kept"}'
    assert not (target / "b_filter.py").exists()
    assert (target / "uploaded_by_hand.py").exists()


def test_the_server_package_is_found():
    assert (serve.server_dir() / "main.py").is_file()


def test_banner_tells_how_to_connect_open_webui(tmp_path):
    settings = serve.ServeSettings(tmp_path, "0.0.0.0", 9099, "k", tmp_path)
    text = serve.banner(settings)
    assert "http://127.0.0.1:9099" in text and "k" in text
    assert "Admin Settings → Connections → OpenAI API" in text
