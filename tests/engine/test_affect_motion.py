"""The camera/subject split of optical flow, done for many frames at once."""
import numpy as np
import pytest

from engine.affect.motion import split_motion


def one_frame(flow: np.ndarray) -> tuple[float, float, float]:
    """The split written out for one frame: least squares, then a refit on the pixels it explains."""
    h, w = flow.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    design = np.stack([xs.ravel() / w - 0.5, ys.ravel() / h - 0.5, np.ones(h * w)], 1)
    uv = flow.reshape(-1, 2).astype(np.float64)
    model = design @ np.linalg.lstsq(design, uv, rcond=None)[0]
    residual = np.linalg.norm(uv - model, axis=1)
    keep = residual <= max(2 * np.median(residual), 1e-3)
    if keep.sum() >= 12:
        model = design @ np.linalg.lstsq(design[keep], uv[keep], rcond=None)[0]
        residual = np.linalg.norm(uv - model, axis=1)
    total = np.linalg.norm(uv, axis=1).mean()
    return total, np.linalg.norm(model, axis=1).mean(), residual.mean()


def flows(n: int = 40, h: int = 45, w: int = 80, seed: int = 0) -> np.ndarray:
    """Pans and zooms with a subject moving its own way over part of the frame, plus noise."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None] - 0.5
    out = np.zeros((n, h, w, 2), np.float32)
    for i in range(n):
        pan, zoom = rng.normal(0, 2, 2), rng.normal(0, 1)
        out[i, ..., 0] = pan[0] + zoom * xs
        out[i, ..., 1] = pan[1] + zoom * ys
        top, left = rng.integers(0, h // 2), rng.integers(0, w // 2)
        out[i, top:top + h // 3, left:left + w // 4] += rng.normal(0, 4, 2)
        out[i] += rng.normal(0, 0.05, (h, w, 2))
    out[0] = 0  # a still frame
    return out


def test_split_matches_the_per_frame_fit():
    fields = flows()
    got = split_motion(fields)
    want = np.array([one_frame(f) for f in fields])
    assert got.shape == (len(fields), 3)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    assert got[0].tolist() == [0.0, 0.0, 0.0]
    # the subject patch is not camera motion: the refit leaves it in the residual
    assert (got[1:, 2] > 0.1).all()


def test_split_of_a_pure_pan_is_all_camera():
    fields = np.zeros((3, 45, 80, 2), np.float32)
    fields[..., 0] = [[[1.5]], [[-3.0]], [[0.25]]]
    total, camera, subject = split_motion(fields).T
    assert total == pytest.approx([1.5, 3.0, 0.25], rel=1e-5)
    assert camera == pytest.approx(total, rel=1e-5)
    assert subject == pytest.approx([0, 0, 0], abs=1e-5)


def test_a_frame_with_too_few_background_pixels_keeps_the_first_fit():
    # 12 pixels, one moving: the 11 it leaves are too few to refit on.
    fields = np.zeros((2, 3, 4, 2), np.float32)
    fields[:, 1, 2, 0] = 5.0
    fields[1] += 0.5  # and the same under a pan
    got = split_motion(fields)
    assert got == pytest.approx(np.array([one_frame(f) for f in fields]), rel=1e-4, abs=1e-5)
    assert (got[:, 1] > 0.3).all()  # the first fit leans towards the moving pixel


def test_the_split_runs_its_products_on_one_blas_thread(monkeypatch):
    # OpenBLAS's extra threads finish these small products no sooner and then spin: twice the
    # CPU, taken from the decoder and the shot network beside it. Other callers keep theirs.
    from threadpoolctl import threadpool_info

    from engine.affect import motion

    def blas_threads():
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    seen, design = [], motion._affine_design
    monkeypatch.setattr(motion, "_affine_design", lambda h, w: seen.append(blas_threads()) or design(h, w))
    before = blas_threads()
    split_motion(np.zeros((4, 9, 16, 2), np.float32))
    assert seen == [{1}]
    assert blas_threads() == before
