"""The workflow store: records, progress events, and what a restart finds."""

from alphaomega.factory._store import WorkflowStore


def test_a_workflow_from_start_to_finish(tmp_path):
    store = WorkflowStore(tmp_path / "w.sqlite")
    record = store.create("a CLI to track expenses")
    store.add_event(record.id, "intent", "Reading the request…", False)
    store.add_event(record.id, "intent", "Intent: command-line tool for expense (en)", True)
    store.finish(record.id, "done", result={"report": {"passed": True}})
    kept = store.get(record.id)
    assert kept.status == "done" and kept.result == {"report": {"passed": True}}
    assert [(e.stage, e.done) for e in kept.events] == [("intent", False), ("intent", True)]
    assert store.get("missing") is None


def test_reopening_marks_what_was_running_as_interrupted(tmp_path):
    store = WorkflowStore(tmp_path / "w.sqlite")
    running = store.create("an API that tracks books")
    finished = store.create("an API that tracks cars")
    store.finish(finished.id, "done", result={})
    store.close()
    reopened = WorkflowStore(tmp_path / "w.sqlite")
    assert reopened.mark_interrupted() == 1
    cut = reopened.get(running.id)
    assert cut.status == "interrupted" and "factory host stopped" in cut.error
    assert reopened.get(finished.id).status == "done"
    assert [r.id for r in reopened.list()] == [finished.id, running.id]
