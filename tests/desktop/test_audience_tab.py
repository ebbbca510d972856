"""The Audience tab on a real history: the table with an unmatched row, the skill and its plot,
predictions of the project's timelines with their reasons, thumbnails, and the proposals ranked.

The history is the planted one of tests/engine/test_audience_cli.py, smaller (18 edits of four
real clips) plus one row whose file is missing; learning, predictions and thumbnails run in the
tab's worker process, as in the app.
"""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from desktop.audience.tab import AudienceTab
from desktop.project_model import ProjectModel
from engine.timeline import model as tl_model
from tests.engine.test_audience_cli import edit_lengths, make_edit, make_sources, write_history

SLOW = 900_000  # ms: the worker analyses four clips on a loaded machine


@pytest.fixture(scope="session")
def history(media, tmp_path_factory):
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is needed to make the small sources")
    folder = tmp_path_factory.mktemp("audience-tab")
    sources = make_sources(media, folder / "sources", asl=("asl_book.mkv", "asl_yes.mkv"))
    table = write_history(folder, sources, count=18)
    with table.open("a", encoding="utf-8") as f:  # a published video whose file is not on this disk
        f.write("vid999,Lost launch video,,0:01:10,\"5,000\",0:00:30,44.0,\"9,000\",3.1,fine,edits/lost.otio\n")
    return table, sources


def test_audience_tab_learns_predicts_and_picks_thumbnails(qapp, qtbot, history, tmp_path):
    table, sources = history
    tab = AudienceTab(model_dir=tmp_path / "model")
    qtbot.addWidget(tab)
    tab.resize(1600, 1000)
    tab.show()
    assert "No model yet" in tab.skill.text()

    tab.csv.setText(str(table))
    with qtbot.waitSignal(tab.learned, timeout=SLOW) as learned:
        tab.learn()
    summary = learned.args[0]
    assert summary["matched"] == 18 and len(summary["table"]) == 19
    # every row of the export is listed; the one without its file is marked and says why
    assert tab.table.rowCount() == 19
    (bad,) = tab.unmatched_rows()
    assert "edits/lost.otio" in tab.table.item(bad, 2).text() and "not found" in tab.table.item(bad, 2).text()
    assert "Subscriber mood" in tab.status.text()
    # the skill, honestly: the cross-validated figures and a verdict, and one dot per video
    assert "Cross-validated on 18 videos" in tab.skill.text()
    assert ("has skill" in tab.skill.text()) == summary["skill"]
    assert tab.plot.points == 18

    # the project's cuts, predicted with their reasons (and ranked only if there is skill)
    rng = np.random.default_rng(3)
    project = ProjectModel()
    cuts = [make_edit(sources, edit_lengths(k, length, rng), name, rng)
            for k, length, name in ((5, 12.0, "Busy hook"), (0, 26.0, "Slow burn"))]
    for t in cuts:
        tl_model.meta(t)["kind"] = "proposal"
        project.project.timelines.append(t)
    tab.set_project_model(project)
    scores = []
    tab.scores_ready.connect(lambda s, target: scores.append((s, target)))
    with qtbot.waitSignal(tab.predicted, timeout=SLOW) as predicted:
        tab.predict_project()
    results = predicted.args[0]
    assert {r["file"] for r in results} == {"Busy hook", "Slow burn"}
    assert tab.predictions.topLevelItemCount() == 2
    first = tab.predictions.topLevelItem(0)
    assert first.childCount() > 0 and ": " in first.child(0).text(0)  # "faster cutting ...: +4.0 points"
    if summary["skill"]:
        assert first.text(3) == "1" and scores and set(scores[0][0]) == {"Busy hook", "Slow burn"}
        # the Proposals panel ranks its alternatives by the prediction
        from desktop.proposals_panel import ProposalsPanel

        panel = ProposalsPanel(None, lambda: [])
        qtbot.addWidget(panel)
        panel.set_model(project)
        panel.set_audience_scores(*scores[0])
        best = max(scores[0][0], key=scores[0][0].get)
        assert panel.timelines[0].name == best
        assert f"predicted {summary['target']}" in panel.list.item(0).text()
    else:
        assert first.text(3) == "not ranked" and not scores

    # thumbnails of a clip: a strip of icons, exported as PNGs
    clip = next(p for p, _, _ in sources if p.name.startswith("caminandes"))
    tab.set_clip(clip)
    with qtbot.waitSignal(tab.thumbnails_ready, timeout=SLOW):
        tab.find_thumbnails()
    assert tab.strip.count() == 5 and not tab.strip.item(0).icon().isNull()
    out = tmp_path / "thumbs"
    tab.export_thumbnails(out)
    qtbot.waitUntil(lambda: "Exported 5 PNGs" in tab.status.text(), timeout=SLOW)
    assert len(list(out.glob("*.png"))) == 5
    tab.shutdown()
