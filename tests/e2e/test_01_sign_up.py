"""The first person to open a new Open WebUI signs up as its admin, and finds the pack's models."""

from __future__ import annotations

import pytest
from e2e_pack import (
    ADMIN_EMAIL,
    ADMIN_NAME,
    ADMIN_PASSWORD,
    CODE_NAME,
    onboarding_pending,
    pack_models,
)
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_first_admin_signs_up_and_the_picker_lists_the_pack_models(
    fresh_ui, owui, pack, admin_session
):
    if onboarding_pending(owui):
        fresh_ui.sign_up_first_admin(ADMIN_NAME, ADMIN_EMAIL, ADMIN_PASSWORD)
    else:  # another test signed up first (run alone or reordered): sign in instead
        fresh_ui.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    admin_session.state = fresh_ui.page.context.storage_state()
    expect(fresh_ui.page.get_by_text(ADMIN_NAME).first).to_be_visible()

    offered = {
        m["name"] for m in pack.models() if (m.get("pipeline") or {}).get("type") != "filter"
    }
    assert CODE_NAME in offered, f"the pack lists {sorted(pack_models(pack).values())}"
    shown = fresh_ui.picker_names()
    assert offered <= set(shown), f"missing in the picker: {sorted(offered - set(shown))}"
    assert all(name.startswith("AlphaOmega · ") for name in offered)
