"""Measured asymmetry (issue 21): millimetres per side from one frontal photo.

The face mesh *locates*, the image *measures* (docs/measurement.md): MediaPipe's
face mesh (478 points with the iris) finds the eyes, the irises, the brows and the
mouth; each brow height is then read in the photo's own pixels, in a narrow strip
perpendicular to the eye line through the mesh's brow point, as the sub-pixel
position of the brow's lower edge (the strongest bright-to-dark step going up)
inside a window around the mesh's estimate. The mesh alone does not follow a brow
that moves (a whole-face shape model smooths it away: /work/shared/notes).

Scale: the iris's visible diameter, taken as ``IRIS_MM`` (a population average).
Sides: the patient's own. In an un-mirrored frontal photo the patient's right is
on the image's left; the mirror test (tests/planning/test_face_measure.py) proves
that mirroring the photo swaps the sides and the sign of every difference.

Pure functions on an RGB ``numpy`` array (height × width × 3, uint8); no Django.
The model is loaded once per process, lazily, under a lock (its graph is not
safe to run from two threads at once, so inference holds the lock too).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from .measurements import IRIS_MM, MEASURES

# Bump when the way a value is computed changes: stored rows say which method made them.
METHOD_VERSION = "brow-edge/1"
MODEL_NAME = "MediaPipe Face Mesh (legacy solution, refine_landmarks, 478 points)"

# The pose gate, in degrees and pixels. Roll below MAX_ROLL_DEG is corrected by
# measuring perpendicular to the eye line; yaw cannot be corrected (one side of the
# face is foreshortened), so the gate is tight. An iris narrower than MIN_IRIS_PX
# makes one pixel worth more than 2 mm: too far (or too small a photo) to measure.
MAX_YAW_DEG = 12.0
MAX_ROLL_DEG = 8.0
MIN_IRIS_PX = 6.0

# Mesh indices, by the side of the image they sit on in an un-mirrored photo. The
# patient's R is the image's left: "R" below means the image's left-hand side.
IRIS = {"R": (468, 469, 470, 471, 472), "L": (473, 474, 475, 476, 477)}  # centre, 4 rim points
EYE_LIDS = {"R": (159, 145), "L": (386, 374)}  # upper and lower lid at the pupil
EYE_CORNERS = {"R": (33, 133), "L": (263, 362)}  # outer, inner
# Brow points: (upper contour, lower contour) from the mesh, per measure.
BROW_POINTS = {
    "brow_medial": {"R": (107, 55), "L": (336, 285)},
    "brow_peak": {"R": (105, 52), "L": (334, 282)},
    "brow_tail": {"R": (70, 46), "L": (300, 276)},
}
MOUTH_CORNERS = {"R": 61, "L": 291}
LIP_MIDLINE = (13, 14)  # inner upper and lower lip at the midline
FACE_EDGES = (234, 454)  # the face's outline at the cheeks, image left and right
NOSE_TIP = 1

# The image search, in iris diameters (D) so it scales with the photo.
STRIP_HALF_WIDTH_D = 0.25  # the strip averages this far either side along the eye line
SMOOTH_D = 0.09  # Gaussian smoothing of the profile
SEARCH_BELOW_D = 0.5  # window below the mesh's lower brow point
SEARCH_ABOVE_D = 0.75  # and above it (a brow raised further than this is not followed)
ABOVE_LID_D = 0.25  # the edge is never searched closer than this to the upper lid
MIN_EDGE_CONTRAST = 0.06  # the step's depth as a fraction of the skin's brightness
STEP_PX = 0.25  # sampling step along the strip


@dataclass(frozen=True)
class Pose:
    yaw_deg: float
    roll_deg: float
    iris_px: float


@dataclass(frozen=True)
class FaceMeasurement:
    """One photo's result. ``values`` are millimetres by measure key and side; a
    measure that could not be read on both sides is absent and said in ``notes``."""

    usable: bool
    reason: str = ""
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    landmarks: list[list[float]] = field(default_factory=list)
    # Where each brow value was read (image pixels), for the tests and the demo.
    points: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    iris_px: float | None = None
    mm_per_px: float | None = None
    yaw_deg: float | None = None
    roll_deg: float | None = None
    model_name: str = MODEL_NAME
    model_version: str = ""
    method_version: str = METHOD_VERSION

    def difference(self, key: str) -> float | None:
        """R minus L, in mm (positive: the patient's R is higher or wider)."""
        side = self.values.get(key)
        return None if side is None else round(side["R"] - side["L"], 2)


# --- the model ------------------------------------------------------------------------

_lock = threading.Lock()
_model = None
_model_loads = 0


def model_version() -> str:
    import mediapipe

    return mediapipe.__version__


def model_loads() -> int:
    """How many times this process built the model (the bench checks it stays 1)."""
    return _model_loads


def _face_mesh():
    global _model, _model_loads
    if _model is None:
        from mediapipe.python.solutions import face_mesh

        _model = face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True, max_num_faces=1)
        _model_loads += 1
    return _model


def locate(rgb: np.ndarray) -> np.ndarray | None:
    """The 478 mesh points in pixels (x, y, z with z in x's scale), or None."""
    rgb = np.ascontiguousarray(rgb[:, :, :3], dtype=np.uint8)
    with _lock:
        found = _face_mesh().process(rgb)
    if not found.multi_face_landmarks:
        return None
    height, width = rgb.shape[:2]
    points = found.multi_face_landmarks[0].landmark
    return np.array([[p.x * width, p.y * height, p.z * width] for p in points], dtype=float)


# --- pose -----------------------------------------------------------------------------


def pose_of(mesh: np.ndarray) -> Pose:
    """Roll from the line through the pupils; yaw from the nose tip's place between
    the face's edges (0 when centred, ±90° at the edge), checked against the mesh's
    depth; iris diameter as the mean horizontal diameter of both irises."""
    right, left = mesh[IRIS["R"][0], :2], mesh[IRIS["L"][0], :2]
    dx, dy = left - right
    roll = math.degrees(math.atan2(dy, dx))
    axis = (left - right) / math.hypot(dx, dy)
    edge_r, edge_l, nose = (float(np.dot(mesh[i, :2], axis)) for i in (*FACE_EDGES, NOSE_TIP))
    # nose position between the edges, -1..1 (0 centred), read as the sine of the yaw
    offset = (2 * nose - edge_r - edge_l) / max(edge_l - edge_r, 1e-6)
    yaw_nose = math.degrees(math.asin(max(-1.0, min(1.0, offset))))
    depth = mesh[FACE_EDGES[1], 2] - mesh[FACE_EDGES[0], 2]
    yaw_depth = math.degrees(math.atan2(depth, edge_l - edge_r))
    yaw = yaw_nose if abs(yaw_nose) >= abs(yaw_depth) else yaw_depth
    iris = [math.dist(mesh[IRIS[side][1], :2], mesh[IRIS[side][3], :2]) for side in ("R", "L")]
    return Pose(yaw_deg=yaw, roll_deg=roll, iris_px=float(np.mean(iris)))


def _outside(mesh: np.ndarray, shape: tuple[int, ...]) -> bool:
    height, width = shape[:2]
    xs, ys = mesh[:, 0], mesh[:, 1]
    margin = 1.0
    return bool(
        (xs < -margin).any()
        | (ys < -margin).any()
        | (xs > width + margin).any()
        | (ys > height + margin).any()
    )


def refusal_for(mesh: np.ndarray | None, shape: tuple[int, ...]) -> tuple[str | None, Pose | None]:
    if mesh is None:
        return "No face was found in the photo.", None
    pose = pose_of(mesh)
    if _outside(mesh, shape):
        return "The face is not entirely in the photo: frame the whole face.", pose
    if abs(pose.yaw_deg) > MAX_YAW_DEG:
        return (
            f"The face is turned {abs(pose.yaw_deg):.0f}° to one side: take it "
            f"straight on (at most {MAX_YAW_DEG:.0f}°).",
            pose,
        )
    if abs(pose.roll_deg) > MAX_ROLL_DEG:
        return (
            f"The head is tilted {abs(pose.roll_deg):.0f}°: level the eyes "
            f"(at most {MAX_ROLL_DEG:.0f}°).",
            pose,
        )
    if pose.iris_px < MIN_IRIS_PX:
        return (
            f"The face is too far or the photo too small: the iris spans "
            f"{pose.iris_px:.1f} pixels, at least {MIN_IRIS_PX:.0f} are needed.",
            pose,
        )
    return None, pose


def pose_refusal(rgb: np.ndarray) -> str | None:
    """Why this photo cannot be measured (one sentence), or None when it can."""
    return refusal_for(locate(rgb), rgb.shape)[0]


# --- measuring ------------------------------------------------------------------------


def _gray(rgb: np.ndarray) -> np.ndarray:
    return rgb[:, :, :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)


@dataclass(frozen=True)
class _Frame:
    """The eye-line frame: ``along`` from the patient's R pupil to the L one, ``up``
    perpendicular to it (towards the forehead). Heights are read along ``up``."""

    along: np.ndarray
    up: np.ndarray

    @classmethod
    def of(cls, mesh: np.ndarray) -> _Frame:
        axis = mesh[IRIS["L"][0], :2] - mesh[IRIS["R"][0], :2]
        along = axis / np.linalg.norm(axis)
        return cls(along=along, up=np.array([along[1], -along[0]]))

    def height(self, point: np.ndarray, origin: np.ndarray) -> float:
        return float(np.dot(point[:2] - origin[:2], self.up))

    def offset(self, point: np.ndarray, origin: np.ndarray) -> float:
        return float(np.dot(point[:2] - origin[:2], self.along))


def _profile(gray: np.ndarray, origin, frame: _Frame, along_at: float, ts, half: float):
    """Mean intensity along ``up`` at heights ``ts`` over a strip ``±half`` px wide."""
    offsets = np.linspace(-half, half, max(3, int(round(2 * half)) + 1))
    rows = []
    for off in offsets:
        base = origin[:2] + frame.along * (along_at + off)
        pts = base[None, :] + frame.up[None, :] * ts[:, None]
        rows.append(ndimage.map_coordinates(gray, [pts[:, 1], pts[:, 0]], order=1, mode="nearest"))
    return np.mean(rows, axis=0)


@dataclass(frozen=True)
class _Edge:
    height_px: float | None
    contrast: float
    why: str = ""


def _brow_edge(gray, mesh, frame: _Frame, side: str, key: str, iris_px: float) -> _Edge:
    pupil = mesh[IRIS[side][0]]
    upper, lower = (mesh[i] for i in BROW_POINTS[key][side])
    along_at = (frame.offset(upper, pupil) + frame.offset(lower, pupil)) / 2
    expected = frame.height(lower, pupil)
    lid = frame.height(mesh[EYE_LIDS[side][0]], pupil)
    low = max(expected - SEARCH_BELOW_D * iris_px, lid + ABOVE_LID_D * iris_px)
    high = expected + SEARCH_ABOVE_D * iris_px
    pad = 4 * SMOOTH_D * iris_px + 2
    ts = np.arange(low - pad, high + pad, STEP_PX)
    profile = _profile(gray, pupil, frame, along_at, ts, STRIP_HALF_WIDTH_D * iris_px)
    sigma = max(SMOOTH_D * iris_px / STEP_PX, 1.0)
    slope = ndimage.gaussian_filter1d(profile, sigma, order=1)  # d(intensity)/d(up)
    inside = np.flatnonzero((ts >= low) & (ts <= high))
    if inside.size < 3:
        return _Edge(None, 0.0, "the brow lies too close to the eye to be read")
    smooth = ndimage.gaussian_filter1d(profile, sigma)
    reach = max(int(round(0.3 * iris_px / STEP_PX)), 2)
    # Candidates: every bright-to-dark step going up (a local minimum of the slope)
    # inside the window, deep enough to be an edge. The brow is the first dark band
    # above the eye: the lowest candidate wins, so hair above a light brow is not
    # taken for it (the darkest band sometimes was: /work/shared/notes).
    found: list[tuple[int, float]] = []
    for i in inside[1:-1]:
        if slope[i] <= slope[i - 1] and slope[i] < slope[i + 1] and slope[i] < 0:
            below = float(np.max(smooth[max(i - reach, 0) : i + 1]))
            above = float(np.min(smooth[i : i + reach + 1]))
            contrast = (below - above) / max(below, 1.0)
            if contrast >= MIN_EDGE_CONTRAST:
                found.append((i, contrast))
    if not found:
        return _Edge(None, 0.0, "the brow's edge was not found near where the face mesh puts it")
    best, contrast = found[0]
    # sub-pixel: the vertex of the parabola through the slope's minimum and neighbours
    a, b, c = slope[best - 1], slope[best], slope[best + 1]
    denom = a - 2 * b + c
    shift = 0.5 * (a - c) / denom if denom > 0 else 0.0
    height = ts[best] + shift * STEP_PX
    return _Edge(float(height), contrast)


def measure_face(rgb: np.ndarray) -> FaceMeasurement:
    """Measure one photo: the pose gate first, then each measure on each side."""
    mesh = locate(rgb)
    return measure_located(rgb, mesh)


def measure_located(rgb: np.ndarray, mesh: np.ndarray | None) -> FaceMeasurement:
    version = model_version()
    reason, pose = refusal_for(mesh, rgb.shape)
    landmarks = [] if mesh is None else np.round(mesh[:, :2], 1).tolist()
    common = {"landmarks": landmarks, "model_version": version}
    if pose is not None:
        common.update(
            iris_px=round(pose.iris_px, 2),
            yaw_deg=round(pose.yaw_deg, 1),
            roll_deg=round(pose.roll_deg, 1),
        )
    if reason is not None:
        return FaceMeasurement(usable=False, reason=reason, **common)
    mm_per_px = IRIS_MM / pose.iris_px
    frame = _Frame.of(mesh)
    gray = _gray(rgb)
    values: dict[str, dict[str, float]] = {}
    notes: dict[str, str] = {}
    points: dict[str, dict[str, tuple[float, float]]] = {}
    for key in BROW_POINTS:
        sides, where = {}, {}
        for side in ("R", "L"):
            edge = _brow_edge(gray, mesh, frame, side, key, pose.iris_px)
            if edge.height_px is None:
                notes[key] = f"Patient's {side}: {edge.why}."
                break
            sides[side] = round(edge.height_px * mm_per_px, 2)
            pupil = mesh[IRIS[side][0]]
            upper, lower = (mesh[i] for i in BROW_POINTS[key][side])
            along_at = (frame.offset(upper, pupil) + frame.offset(lower, pupil)) / 2
            spot = pupil[:2] + frame.along * along_at + frame.up * edge.height_px
            where[side] = (round(float(spot[0]), 2), round(float(spot[1]), 2))
        if len(sides) == 2:
            values[key], points[key] = sides, where
    for side in ("R", "L"):
        top, bottom = (mesh[i] for i in EYE_LIDS[side])
        values.setdefault("aperture", {})[side] = round(frame.height(top, bottom) * mm_per_px, 2)
        midline = (mesh[LIP_MIDLINE[0]] + mesh[LIP_MIDLINE[1]]) / 2
        values.setdefault("mouth_corner", {})[side] = round(
            frame.height(mesh[MOUTH_CORNERS[side]], midline) * mm_per_px, 2
        )
    ordered = {m.key: values[m.key] for m in MEASURES if m.key in values}
    if not any(key in ordered for key in BROW_POINTS):
        return FaceMeasurement(
            usable=False,
            reason="The brows could not be read in the photo (too faint or hidden).",
            notes=notes,
            **common,
        )
    return FaceMeasurement(
        usable=True,
        values=ordered,
        notes=notes,
        points=points,
        mm_per_px=round(mm_per_px, 4),
        **common,
    )
