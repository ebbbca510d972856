"""One target learned from the history, with honest cross-validated skill and explanations.

The model is LightGBM with settings for tens to hundreds of rows (shallow trees, a few rows
per leaf, shrinkage), next to a ridge regression as baseline and fallback; both are scored by
repeated k-fold cross-validation against the baseline every analytics table allows: predict
the median. A model that does not beat the median clearly has no skill and ranks nothing.
Predictions are explained by LightGBM's own ``pred_contrib`` (or the ridge terms when it is
the better model), which sum to the prediction.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np

from engine.atomic import atomic_write_text as write_text

from .features import FEATURE_NAMES, describe

#: Fewer matched videos than this is too little history to learn from.
MIN_ROWS = 15
# Skill: out-of-fold error this far under the median's, and predictions that order the videos.
SKILL_MAE_RATIO = 0.9
SKILL_SPEARMAN = 0.3
FOLDS = 5
REPEATS = 3
INTERVAL = 0.8  # the interval holds this share of the cross-validated errors
DRIVERS = 5
#: Small-data LightGBM: stumps to depth-2 trees, 3 videos per leaf, slow learning.
LGB_PARAMS = {
    "objective": "regression", "learning_rate": 0.05, "num_leaves": 4, "max_depth": 2,
    "min_data_in_leaf": 3, "min_data_in_bin": 1, "max_bin": 63, "lambda_l2": 1.0,
    "feature_fraction": 0.8, "feature_fraction_seed": 0, "feature_pre_filter": False,
    "verbose": -1, "num_threads": 1, "deterministic": True, "seed": 0,
}
LGB_ROUNDS = 150
LINEAR_MARGIN = 0.95
RIDGE_ALPHAS = tuple(np.logspace(-2, 3, 16))
MODEL_FILE, BOOSTER_FILE = "model.json", "lightgbm.txt"


def unit_of(target: str) -> str:
    """What one step of the target is called in explanations."""
    if target in ("average_percentage_viewed", "ctr") or "%" in target or "percent" in target.lower():
        return "points"
    if target in ("average_view_duration", "duration"):
        return "s"
    return ""


# -- the two learners, as plain functions so CV and the final fit share them ------------

def fit_lightgbm(X: np.ndarray, y: np.ndarray):
    import lightgbm as lgb

    data = lgb.Dataset(X, y, feature_name=list(FEATURE_NAMES), params={"min_data_in_bin": 1, "verbose": -1},
                       free_raw_data=False)
    return lgb.train(LGB_PARAMS, data, num_boost_round=LGB_ROUNDS)


@dataclass
class Linear:
    """Ridge on median-filled, standardised features: prediction = intercept + sum(coef * z)."""

    medians: list[float]
    means: list[float]
    scales: list[float]
    coef: list[float]
    intercept: float
    alpha: float

    def terms(self, X: np.ndarray) -> np.ndarray:
        X = np.where(np.isnan(X), np.asarray(self.medians), X)
        return (X - np.asarray(self.means)) / np.asarray(self.scales) * np.asarray(self.coef)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.intercept + self.terms(X).sum(axis=1)


def fit_linear(X: np.ndarray, y: np.ndarray) -> Linear:
    from sklearn.linear_model import RidgeCV

    medians = _medians(X)
    medians = np.where(np.isfinite(medians), medians, 0.0)
    Xf = np.where(np.isnan(X), medians, X)
    means, scales = Xf.mean(axis=0), Xf.std(axis=0)
    scales = np.where(scales > 1e-12, scales, 1.0)
    ridge = RidgeCV(alphas=RIDGE_ALPHAS).fit((Xf - means) / scales, y)
    return Linear(medians.tolist(), means.tolist(), scales.tolist(), ridge.coef_.tolist(),
                  float(ridge.intercept_), float(ridge.alpha_))


def _medians(X: np.ndarray) -> np.ndarray:
    """Per-feature medians; NaN for a feature no video has (no sound anywhere, no transcripts)."""
    out = np.full(X.shape[1], math.nan)
    for j in range(X.shape[1]):
        finite = X[:, j][np.isfinite(X[:, j])]
        if finite.size:
            out[j] = float(np.median(finite))
    return out


# -- cross-validation -------------------------------------------------------------------

@dataclass
class CrossValidation:
    """Out-of-fold results, averaged over repeats (``predicted`` is the first repeat's)."""

    spearman: float
    mae: float
    baseline_mae: float
    lightgbm_mae: float
    linear_mae: float
    lightgbm_spearman: float
    linear_spearman: float
    model: str  # the better learner: "lightgbm" or "linear"
    folds: int
    repeats: int
    actual: list[float] = field(default_factory=list)
    predicted: list[float] = field(default_factory=list)
    residuals: list[float] = field(default_factory=list)  # of the chosen learner, every repeat


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0
    rho = spearmanr(a, b).statistic
    return float(rho) if math.isfinite(rho) else 0.0


def cross_validate(X: np.ndarray, y: np.ndarray, folds: int = FOLDS, repeats: int = REPEATS,
                   seed: int = 0) -> CrossValidation:
    """Both learners and the median on the same repeated k-fold splits."""
    from sklearn.model_selection import KFold

    n = len(y)
    folds = max(2, min(folds, n))
    scores = {k: {"mae": [], "rho": [], "oof": []} for k in ("lightgbm", "linear", "median")}
    for r in range(repeats):
        oof = {k: np.zeros(n) for k in scores}
        for train, test in KFold(folds, shuffle=True, random_state=seed + r).split(X):
            oof["lightgbm"][test] = fit_lightgbm(X[train], y[train]).predict(X[test])
            oof["linear"][test] = fit_linear(X[train], y[train]).predict(X[test])
            oof["median"][test] = np.median(y[train])
        for k, pred in oof.items():
            scores[k]["mae"].append(float(np.mean(np.abs(pred - y))))
            scores[k]["rho"].append(_spearman(pred, y))
            scores[k]["oof"].append(pred)
    mae = {k: float(np.mean(v["mae"])) for k, v in scores.items()}
    rho = {k: float(np.mean(v["rho"])) for k, v in scores.items()}
    # LightGBM is the model; the ridge takes over only where it is clearly better (few rows,
    # effects that are straight lines), as a fallback rather than a coin toss between near-equals
    best = "linear" if mae["linear"] < LINEAR_MARGIN * mae["lightgbm"] else "lightgbm"
    residuals = np.concatenate([p - y for p in scores[best]["oof"]])
    return CrossValidation(rho[best], mae[best], mae["median"], mae["lightgbm"], mae["linear"],
                           rho["lightgbm"], rho["linear"], best, folds, repeats, y.tolist(),
                           scores[best]["oof"][0].tolist(), residuals.tolist())


# -- the model ----------------------------------------------------------------------------

@dataclass
class Contribution:
    feature: str
    value: float  # the video's feature value (NaN: not measured)
    contribution: float  # in target units; all of them plus the base sum to the prediction
    text: str

    def to_json(self) -> dict:
        return {"feature": self.feature, "value": None if not math.isfinite(self.value) else round(self.value, 4),
                "contribution": round(self.contribution, 4), "text": self.text}


@dataclass
class Prediction:
    name: str
    prediction: float
    interval: tuple[float, float]
    base: float
    contributions: list[Contribution]  # largest first
    skill: bool

    def to_json(self, top: int | None = None) -> dict:
        return {"file": self.name, "prediction": round(self.prediction, 4),
                "interval": [round(self.interval[0], 4), round(self.interval[1], 4)],
                "base": round(self.base, 4), "skill": self.skill,
                "contributions": [c.to_json() for c in self.contributions[:top]]}


class NoModel(ValueError):
    """A model folder without a usable model; the message names the folder."""


@dataclass
class AudienceModel:
    """A learned target: skill, the learner that won, and what drives it.

    Attributes:
        rows: Matched videos learned from.
        reason: Why there is no skill (empty when there is).
        history: Per learned video: name, file, actual, out-of-fold prediction, features.
    """

    target: str
    target_label: str
    rows: int
    skill: bool
    reason: str
    cv: CrossValidation | None
    kind: str | None
    medians: list[float]
    interval_halfwidth: float
    linear: Linear | None = None
    booster: object = None
    drivers: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return unit_of(self.target)

    # ---- predicting and explaining ----

    def contributions(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per-feature contributions (n, p), base (n,)); they sum to the predictions."""
        X = np.atleast_2d(np.asarray(X, float))
        if self.kind == "lightgbm":
            c = np.asarray(self.booster.predict(X, pred_contrib=True))
            return c[:, :-1], c[:, -1]
        terms = self.linear.terms(X)
        return terms, np.full(len(X), self.linear.intercept)

    def predict(self, features: dict[str, float], name: str = "") -> Prediction:
        if self.kind is None:
            raise NoModel(f"the model of {self.target_label!r} was not fitted ({self.reason})")
        x = np.array([[features.get(n, math.nan) for n in FEATURE_NAMES]], float)
        contrib, base = self.contributions(x)
        value = float(base[0] + contrib[0].sum())
        items = []
        for j in np.argsort(-np.abs(contrib[0])):
            c = float(contrib[0, j])
            if abs(c) < 1e-9:
                continue
            name_j = FEATURE_NAMES[j]
            v = float(x[0, j])
            words = (describe(name_j, v >= self.medians[j]) if math.isfinite(v)
                     else f"{describe(name_j, True).split(' ', 1)[-1]} not measured")
            items.append(Contribution(name_j, v, c, f"{words}: {c:+.1f}{(' ' + self.unit) if self.unit else ''}"))
        h = self.interval_halfwidth
        return Prediction(name, value, (value - h, value + h), float(base[0]), items, self.skill)

    def rank(self, predictions: list[Prediction]) -> list[Prediction] | None:
        """Best first; None when the model has no skill (it must not order cuts)."""
        if not self.skill:
            return None
        return sorted(predictions, key=lambda p: -p.prediction)

    # ---- summary ----

    def summary(self) -> dict:
        cv = self.cv
        return {"rows": self.rows, "target": self.target_label, "skill": self.skill, "reason": self.reason,
                "model": self.kind,
                "cv": None if cv is None else {
                    "spearman": round(cv.spearman, 4), "mae": round(cv.mae, 4),
                    "baseline_mae": round(cv.baseline_mae, 4), "lightgbm_mae": round(cv.lightgbm_mae, 4),
                    "linear_mae": round(cv.linear_mae, 4), "lightgbm_spearman": round(cv.lightgbm_spearman, 4),
                    "linear_spearman": round(cv.linear_spearman, 4), "folds": cv.folds, "repeats": cv.repeats},
                "drivers": self.drivers}

    def skill_line(self) -> str:
        cv = self.cv
        if cv is None:
            return f"{self.target_label}: {self.reason}"
        head = (f"{self.target_label}: cross-validated Spearman {cv.spearman:.2f}, mean error {cv.mae:.2f} "
                f"vs {cv.baseline_mae:.2f} predicting the median ({cv.model}, {self.rows} videos)")
        return head + ("" if self.skill else f" — no skill: {self.reason}")

    # ---- storage ----

    def save(self, folder: str | PathLike[str]) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        if self.booster is not None:
            write_text(folder / BOOSTER_FILE, self.booster.model_to_string())
        doc = {"format": 1, "target": self.target, "target_label": self.target_label, "rows": self.rows,
               "skill": self.skill, "reason": self.reason, "kind": self.kind, "features": list(FEATURE_NAMES),
               "medians": _clean(self.medians), "interval_halfwidth": _clean(self.interval_halfwidth),
               "interval": INTERVAL, "cv": None if self.cv is None else _clean(asdict(self.cv)),
               "linear": None if self.linear is None else asdict(self.linear),
               "drivers": self.drivers, "history": _clean(self.history)}
        write_text(folder / MODEL_FILE, json.dumps(doc, indent=1, allow_nan=False))
        return folder

    @classmethod
    def load(cls, folder: str | PathLike[str]) -> AudienceModel:
        folder = Path(folder)
        try:
            doc = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
            if doc.get("features") != list(FEATURE_NAMES):
                raise NoModel(f"{folder}: learned with other features; learn it again")
            booster = None
            if doc["kind"] == "lightgbm":
                import lightgbm as lgb

                booster = lgb.Booster(model_str=(folder / BOOSTER_FILE).read_text(encoding="utf-8"))
            cv = doc["cv"]
            return cls(doc["target"], doc["target_label"], int(doc["rows"]), bool(doc["skill"]), doc["reason"],
                       None if cv is None else CrossValidation(**_nan(cv)), doc["kind"], _nan(doc["medians"]),
                       _nan(doc["interval_halfwidth"]),
                       None if doc["linear"] is None else Linear(**doc["linear"]), booster,
                       doc["drivers"], _nan(doc["history"]))
        except FileNotFoundError:
            raise NoModel(f"{folder}: no audience model here (run `moviola-cli audience learn` first)") from None
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, NoModel):
                raise
            raise NoModel(f"{folder}: damaged audience model ({exc})") from None


def _clean(obj):
    """NaN -> None, so the JSON is strict."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _nan(obj):
    if obj is None:
        return math.nan
    if isinstance(obj, dict):
        return {k: (v if k in ("name", "file", "model") else _nan(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan(v) for v in obj]
    return obj


# -- learning -----------------------------------------------------------------------------

def learn(X: np.ndarray, y: np.ndarray, target: str, target_label: str | None = None,
          history: list[dict] | None = None, seed: int = 0) -> AudienceModel:
    """Cross-validate, decide on skill, fit the better learner on every row."""
    X, y = np.asarray(X, float).reshape(len(y), len(FEATURE_NAMES)), np.asarray(y, float)
    label = target_label or target
    medians = _medians(X)
    history = list(history or [])
    if len(y) < MIN_ROWS:
        return AudienceModel(target, label, len(y), False,
                             f"too little history: {len(y)} matched videos, at least {MIN_ROWS} are needed",
                             None, None, medians.tolist(), math.nan, history=history)
    if np.ptp(y) == 0:
        return AudienceModel(target, label, len(y), False, f"every video has the same {label}",
                             None, None, medians.tolist(), math.nan, history=history)
    cv = cross_validate(X, y, seed=seed)
    skill = cv.mae < SKILL_MAE_RATIO * cv.baseline_mae and cv.spearman >= SKILL_SPEARMAN
    reason = "" if skill else (
        f"cross-validated error {cv.mae:.2f} is not clearly below the {cv.baseline_mae:.2f} of always "
        f"predicting the median (Spearman {cv.spearman:.2f}); it will not rank cuts")
    halfwidth = float(np.quantile(np.abs(cv.residuals), INTERVAL))
    model = AudienceModel(target, label, len(y), skill, reason, cv, cv.model, medians.tolist(), halfwidth,
                          history=history)
    if cv.model == "lightgbm":
        model.booster = fit_lightgbm(X, y)
    else:
        model.linear = fit_linear(X, y)
    for i, h in enumerate(history):
        h["cv_prediction"] = cv.predicted[i]
    model.drivers = drivers(model, X)
    return model


def drivers(model: AudienceModel, X: np.ndarray, top: int = DRIVERS) -> list[dict]:
    """The features that move the target most across the history, and which way."""
    contrib, _ = model.contributions(X)
    strength = np.abs(contrib).mean(axis=0)
    total = float(strength.sum()) or 1.0
    out = []
    for j in np.argsort(-strength)[:top]:
        if strength[j] <= 0:
            break
        x = X[:, j]
        ok = np.isfinite(x)
        direction = 0.0
        if ok.sum() > 2 and np.std(x[ok]) > 0 and np.std(contrib[ok, j]) > 0:
            direction = float(np.corrcoef(x[ok], contrib[ok, j])[0, 1])
        up = direction >= 0
        name = FEATURE_NAMES[j]
        out.append({"feature": name, "words": describe(name, up), "raises": True,
                    "effect": round(float(strength[j]), 4), "share": round(float(strength[j]) / total, 4),
                    "text": f"{describe(name, up)} raises {model.target_label} "
                            f"(about {float(strength[j]):.1f}{(' ' + model.unit) if model.unit else ''} per video)"})
    return out
