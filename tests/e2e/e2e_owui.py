"""Driving Open WebUI 0.12.4's pages as a person does (selectors read off its page and build).

Every step waits for the text a person would look for, with an explicit timeout, and saves a
screenshot; a step whose text never shows fails the test.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

log = logging.getLogger("e2e")

SHORT = 15_000  # ms: a page element after a click
LONG = 90_000  # ms: a model's whole answer (cold loads, a real model on the CPU)

# Collects, in the page, every text the last assistant message and its status line show while
# an answer streams: the test reads it back to see tokens arrive and a status come and go.
RECORDER_JS = """
() => {
  const rec = {texts: [], statuses: []};
  const push = (list, value) => { if (list[list.length - 1] !== value) list.push(value); };
  const sample = () => {
    const items = document.querySelectorAll('#messages-container [role=listitem]');
    const last = items[items.length - 1];
    if (!last) return;
    const content = last.querySelector('#response-content-container');
    const status = last.querySelector('button[aria-label="Toggle status history"]');
    if (content) { const t = content.innerText.trim(); if (t) push(rec.texts, t); }
    push(rec.statuses, status ? status.innerText.trim() : '');
  };
  if (window.__e2eObserver) window.__e2eObserver.disconnect();
  window.__e2eObserver = new MutationObserver(sample);
  window.__e2eObserver.observe(document.body,
                               {subtree: true, childList: true, characterData: true});
  window.__e2eRecording = rec;
}
"""


class OpenWebUI:
    """One browser tab on Open WebUI, with screenshots named after the test and step."""

    def __init__(self, page: Page, base_url: str, shots_dir: Path, test_name: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.shots_dir = shots_dir
        self.test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self._step = 0

    # -- screenshots ---------------------------------------------------------------------------

    def shot(self, label: str) -> Path:
        self._step += 1
        name = f"{self.test_name}-{self._step:02d}-{re.sub(r'[^a-z0-9]+', '-', label.lower())}.png"
        path = self.shots_dir / name
        self.page.screenshot(path=str(path), full_page=False)
        log.info("screenshot %s", path)
        return path

    # -- sign-up and sign-in -------------------------------------------------------------------

    def sign_up_first_admin(self, name: str, email: str, password: str) -> None:
        """The onboarding page of a new Open WebUI, then its sign-up form."""
        page = self.page
        page.goto(self.base_url + "/", wait_until="domcontentloaded")
        get_started = page.get_by_role("button", name="Get started")
        expect(get_started).to_be_visible(timeout=SHORT * 2)
        self.shot("onboarding")
        get_started.click()
        expect(page.get_by_text("Get started with Open WebUI")).to_be_visible(timeout=SHORT)
        page.get_by_placeholder("Enter Your Full Name").fill(name)
        page.get_by_placeholder("Enter Your Email").fill(email)
        page.get_by_placeholder("Enter Your Password").fill(password)
        self.shot("sign-up-form")
        page.get_by_role("button", name="Create Admin Account").click()
        expect(self.page.locator("#chat-input")).to_be_visible(timeout=SHORT * 2)
        # A new account is shown the release notes once; closing them is remembered server-side.
        self.dismiss_changelog(wait_ms=SHORT)
        expect(page.get_by_text(name).first).to_be_visible(timeout=SHORT)
        self.shot("signed-in")

    def sign_in(self, email: str, password: str) -> None:
        page = self.page
        page.goto(self.base_url + "/auth", wait_until="domcontentloaded")
        page.get_by_placeholder("Enter Your Email").fill(email)
        page.get_by_placeholder("Enter Your Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        self.wait_chat_ready()

    def dismiss_changelog(self, wait_ms: int = 2_500) -> None:
        """The "What's New" dialog shows once per user and version."""
        button = self.page.get_by_role("button", name="Okay, Let's Go!")
        try:
            button.wait_for(state="visible", timeout=wait_ms)
        except Exception:  # noqa: BLE001 - not shown: nothing to dismiss
            return
        button.click()
        expect(button).to_be_hidden(timeout=SHORT)

    def wait_chat_ready(self) -> None:
        expect(self.page.locator("#chat-input")).to_be_visible(timeout=SHORT * 2)
        self.dismiss_changelog()

    # -- chats ---------------------------------------------------------------------------------

    def new_chat(self) -> None:
        self.page.goto(self.base_url + "/", wait_until="domcontentloaded")
        self.wait_chat_ready()

    def open_model_picker(self) -> Locator:
        self.page.locator("#model-selector-model-button").first.click()
        listbox = self.page.locator("#model-selector-list")
        expect(listbox).to_be_visible(timeout=SHORT)
        return listbox

    def close_model_picker(self) -> None:
        self.page.keyboard.press("Escape")
        expect(self.page.locator("#model-selector-list")).to_be_hidden(timeout=SHORT)

    def picker_names(self) -> list[str]:
        """Display names of every model in the picker (opened and closed again)."""
        listbox = self.open_model_picker()
        options = listbox.locator("[role=option]")
        expect(options.first).to_be_visible(timeout=SHORT)
        labels = [option.get_attribute("aria-label") or "" for option in options.all()]
        names = [label.removeprefix("Select ").removesuffix(" model") for label in labels]
        self.shot("model-picker")
        self.close_model_picker()
        return names

    def select_model(self, display_name: str) -> None:
        listbox = self.open_model_picker()
        self.page.locator("#model-search-input").fill(display_name)
        option = listbox.get_by_role("option", name=f"Select {display_name} model", exact=True)
        expect(option).to_be_visible(timeout=SHORT)
        option.click()
        expect(self.page.locator("#model-selector-model-button").first).to_contain_text(
            display_name, timeout=SHORT
        )

    def attach(self, path: Path) -> None:
        """What choosing a file in the "+" menu does: the chat's hidden multi-file input."""
        self.page.locator("input[type=file]:not(#camera-input)").first.set_input_files(str(path))
        expect(self.page.get_by_role("button", name="Show image preview")).to_be_visible(
            timeout=SHORT
        )

    def start_recording(self) -> None:
        self.page.evaluate(RECORDER_JS)

    def recording(self) -> dict[str, list[str]]:
        return self.page.evaluate("() => window.__e2eRecording || {texts: [], statuses: []}")

    def send(self, text: str) -> None:
        box = self.page.locator("#chat-input")
        box.click()
        self.page.keyboard.insert_text(text)
        expect(box).to_contain_text(text[:40], timeout=SHORT)
        self.page.locator("#send-message-button").click()

    def last_reply(self) -> Locator:
        return self.page.locator("#messages-container [role=listitem]").last

    def wait_reply_done(self, timeout: int = LONG) -> str:
        """The last assistant message once its action buttons show (the answer is complete)."""
        reply = self.last_reply()
        expect(reply.get_by_role("button", name="Regenerate")).to_be_visible(timeout=timeout)
        return reply.locator("#response-content-container").inner_text().strip()

    def ask(
        self, text: str, expect_text: str | re.Pattern[str] | None = None, timeout: int = LONG
    ) -> str:
        """Send ``text``; wait for the reply to contain ``expect_text`` and to finish."""
        self.start_recording()
        self.send(text)
        if expect_text is not None:
            expect(self.last_reply().locator("#response-content-container")).to_contain_text(
                expect_text, timeout=timeout
            )
        return self.wait_reply_done(timeout)

    # -- Admin Settings → Pipelines --------------------------------------------------------------

    def open_admin_pipelines(self, server_url: str, pipeline_label: re.Pattern[str]) -> Locator:
        """The Pipelines tab of the admin settings, the pack's server and ``pipeline`` chosen.

        Returns the Valves section."""
        page = self.page
        page.goto(self.base_url + "/admin/settings", wait_until="domcontentloaded")
        tab = page.locator("[role=tab][aria-controls=tab-admin-pipelines]")
        expect(tab).to_be_visible(timeout=SHORT * 2)
        self.dismiss_changelog()
        tab.click()
        urls = page.locator("select#pipelines-url")
        expect(urls).to_be_visible(timeout=SHORT)
        valves = page.locator("#tab-admin-pipelines section").filter(
            has=page.get_by_role("heading", name="Valves")
        )
        # On opening, the page loads the first server's pipelines and then selects the first
        # one: a choice made while that load runs is undone when it lands. So: let it land,
        # and choose the server again only when it is another one (that reloads the list).
        expect(valves).to_be_visible(timeout=SHORT)
        if urls.locator("option:checked").inner_text().strip() != server_url:
            urls.select_option(label=server_url)
            expect(valves).to_be_visible(timeout=SHORT)
        pipelines = page.locator("select#pipeline")
        expect(pipelines).to_be_visible(timeout=SHORT)
        labels = [o.inner_text().strip() for o in pipelines.locator("option").all()]
        chosen = next((label for label in labels if pipeline_label.search(label)), None)
        assert chosen, f"no pipeline matching {pipeline_label.pattern} among {labels}"
        pipelines.select_option(label=chosen)
        expect(pipelines.locator("option:checked")).to_have_text(chosen, timeout=SHORT)
        expect(valves).to_be_visible(timeout=SHORT)
        return valves

    def valve_input(self, valves: Locator, label: str) -> Locator:
        field = valves.get_by_placeholder(label, exact=True)
        expect(field).to_be_visible(timeout=SHORT)
        return field

    def save_valves(self) -> None:
        """Save, and see Open WebUI confirm it. The page marks every text valve ``required``, so
        a valve left empty stops the save in the browser: name those in the failure."""
        tab = self.page.locator("#tab-admin-pipelines")
        tab.get_by_role("button", name="Save").click()
        confirmed = self.page.get_by_text(re.compile("Valves updated", re.IGNORECASE)).first
        refused = tab.locator("input:invalid, textarea:invalid")
        expect(confirmed.or_(refused.first)).to_be_visible(timeout=SHORT)
        if refused.count():
            empty = [field.get_attribute("placeholder") for field in refused.all()]
            raise AssertionError(
                f"the admin page will not save: valves {empty} are empty and the page requires "
                "them (a text valve whose value is an empty string renders as a required input)"
            )
