"""`moviola-cli taste`: learn from a finished edit of the same footage, report, reset."""
from __future__ import annotations

from engine.cli import main


def test_learn_report_and_reset(media, tmp_path, capsys):
    import opentimelineio as otio

    from engine.edit.from_analysis import proposals_job
    from engine.jobs import drive
    from engine.timeline.export import export_timeline

    clips = [media / "sources" / "tears_of_steel_0500.mp4", media / "sources" / "asl_book.mkv"]
    finished = drive(proposals_job(clips, duration_s=6, arc="rising", alternatives=1))[0]
    edit = tmp_path / "finished.xml"
    export_timeline(finished, edit, "premiere")  # as if the editor cut it in Premiere
    folder = tmp_path / "taste"
    assert main(["taste", "--taste", str(folder)]) == 0
    assert "untrained (0 examples" in capsys.readouterr().out
    assert main(["taste", "--taste", str(folder), "--learn", str(edit), *map(str, clips)]) == 0
    learned = capsys.readouterr().out
    assert "Learned from" in learned and "edit choices" in learned and "examples" in learned
    assert main(["taste", "--taste", str(folder)]) == 0
    assert "(0 examples" not in capsys.readouterr().out
    assert main(["taste", "--taste", str(folder), "--reset"]) == 0
    capsys.readouterr()
    assert main(["taste", "--taste", str(folder)]) == 0
    assert "untrained (0 examples" in capsys.readouterr().out
    assert isinstance(finished, otio.schema.Timeline)


def test_taste_evaluation_on_held_out_part(media, tmp_path, capsys):
    """Recall@K on the last part of a finished edit, against the untrained proposer."""
    from engine.edit.from_analysis import proposals_job
    from engine.jobs import drive
    from engine.timeline.export import export_timeline

    names = ("tears_of_steel_0500.mp4", "asl_book.mkv", "asl_again.mkv", "asl_please.mkv", "asl_yes.mkv")
    clips = [media / "sources" / n for n in names]
    finished = drive(proposals_job(clips, duration_s=10, arc="rising", alternatives=1))[0]
    edit = tmp_path / "finished.xml"
    export_timeline(finished, edit, "premiere")
    folder = tmp_path / "taste"
    assert main(["taste", "--taste", str(folder), "--evaluate", str(edit), *map(str, clips)]) == 0
    line = capsys.readouterr().out
    assert "held-out part:" in line and "untrained proposer recall@" in line
    assert not folder.exists()  # evaluating never changes the editor's model
    assert main(["taste", "--evaluate", str(edit)]) == 1
    assert "needs the footage" in capsys.readouterr().err
