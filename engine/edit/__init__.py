"""Cut proposals: edits that follow an emotional arc, at a pace, on the beat, to the editor's taste.

``inputs`` holds what the proposer reads (:class:`AnalysedShot`, built from a shot list
by :func:`from_shot_list`); ``arcs``, ``pacing`` and ``beats`` the targets; ``trim``
where a range reads best inside a shot; ``solver`` the beam search; ``proposals``
the entry point :func:`propose`; ``output`` the OTIO timeline; ``preference`` the
LightGBM ranker that learns the editor's taste.
"""
from engine.edit.arcs import ARCS, Arc, get_arc
from engine.edit.beats import Music, music_beats
from engine.edit.inputs import AnalysedShot, from_shot_list
from engine.edit.output import proposal_timeline
from engine.edit.pacing import Pacing
from engine.edit.preference import PreferenceModel, TasteReport, candidate_features
from engine.edit.proposals import Cut, Proposal, arc_error, propose
from engine.edit.solver import Weights

__all__ = [
    "ARCS",
    "AnalysedShot",
    "Arc",
    "Cut",
    "Music",
    "Pacing",
    "PreferenceModel",
    "Proposal",
    "TasteReport",
    "Weights",
    "arc_error",
    "candidate_features",
    "from_shot_list",
    "get_arc",
    "music_beats",
    "propose",
    "proposal_timeline",
]
