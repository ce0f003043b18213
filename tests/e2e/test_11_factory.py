"""A person picks "AlphaOmega · Factory", asks for an app in one sentence, and gets the stages
as status lines, the file tree, the passing test count and a download of the project."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from e2e_factory import FACTORY_ID, FACTORY_NAME, FACTORY_TOKEN
from e2e_owui import LONG
from e2e_pack import require_model, update_valves
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

REQUEST = "a bookstore inventory API that tracks books and authors"


@pytest.fixture(scope="module")
def factory_host(pack, tmp_path_factory):
    from alphaomega.testing.factory_host import FactoryHostProcess

    with FactoryHostProcess(tmp_path_factory.mktemp("factory-host"), token=FACTORY_TOKEN) as host:
        # Templates only: the suite's simulator echoes prompts, it writes no code.
        update_valves(pack, FACTORY_ID, host_url=host.url, use_llm=False)
        yield host


def test_factory_builds_an_app_with_its_stages_tree_tests_and_download(ui, pack, factory_host):
    require_model(pack, FACTORY_NAME)
    ui.select_model(FACTORY_NAME)
    ui.shot("factory-model-picked")
    ui.start_recording()
    ui.send(REQUEST)

    reply = ui.last_reply()
    content = reply.locator("#response-content-container")
    expect(content).to_contain_text("Tests: 12 passed, 0 failed", timeout=LONG)
    text = ui.wait_reply_done(timeout=LONG)
    ui.shot("factory-answer")

    statuses = " | ".join(ui.recording()["statuses"])
    for stage in ("Intent: REST API for book, author", "Architecture: layered, 12 files",
                  "Tests: 12 passed"):  # fmt: skip
        assert stage in statuses or stage in reply.inner_text(), statuses
    assert "repository.py" in text and "test_book.py" in text  # the tree
    assert "def create_book" in text  # a key file
    link = reply.get_by_role("link", name=re.compile(r"\.zip$"))
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href and href.startswith(factory_host.url) and FACTORY_TOKEN not in href
    # What a click fetches, from the browser's own context (no token: the signed link).
    download = ui.page.request.get(href)
    assert download.status == 200
    names = zipfile.ZipFile(io.BytesIO(download.body())).namelist()
    assert any(name.endswith("app/repository.py") for name in names)
    ui.shot("factory-download-link")
