"""The face diagram: our own front-view drawing and its treatable muscle regions.

Coordinates are in the SVG's viewBox (WIDTH × HEIGHT); points store x and y as
fractions of it (0..1), so any size of drawing shows them in the same place.
The patient faces the viewer: the patient's right side is on the viewer's left.
Each region's id is the muscle code and side, e.g. ``CORR-L``.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 400, 520


@dataclass(frozen=True)
class Region:
    muscle: str
    side: str  # L / R / C
    shape: str  # "ellipse", "rect" or "path"
    geometry: tuple  # ellipse: cx, cy, rx, ry; rect: x, y, w, h; path: points

    @property
    def id(self) -> str:
        return f"{self.muscle}-{self.side}"

    @property
    def centre(self) -> tuple[float, float]:
        g = self.geometry
        if self.shape == "ellipse":
            return g[0], g[1]
        if self.shape == "rect":
            return g[0] + g[2] / 2, g[1] + g[3] / 2
        xs, ys = [p[0] for p in g], [p[1] for p in g]
        return sum(xs) / len(xs), sum(ys) / len(ys)

    @property
    def label_size(self) -> int:
        """The font size of its code: every region is labelled (issue 17, finding 7);
        a small one (corrugator, procerus, nasalis...) in smaller type, so that it
        does not cover its neighbours. Labels never catch a tap (pointer-events)."""
        large = self.shape == "path" or (self.shape == "ellipse" and min(self.geometry[2:]) >= 10)
        return 8 if large else 5

    @property
    def path(self) -> str:
        return "M" + " L".join(f"{x},{y}" for x, y in self.geometry) + " Z"


def _mirror(region: Region) -> Region:
    """The same region on the patient's left (the viewer's right)."""
    g = region.geometry
    if region.shape == "ellipse":
        geometry = (WIDTH - g[0], g[1], g[2], g[3])
    else:
        geometry = tuple((WIDTH - x, y) for x, y in g)
    return Region(region.muscle, "L", region.shape, geometry)


# The patient's right side (viewer's left), largest first so smaller regions lie on top.
_RIGHT = [
    # Frontalis in two parts per side (issue 21): the medial part (FRONT) and the
    # lateral part (FRONTL), which lifts the brow's peak and tail, split on the
    # mid-pupillary line (x = 148, the iris's centre); they share that edge.
    Region(
        "FRONTL",
        "R",
        "path",
        ((84, 132), (104, 92), (140, 72), (148, 71), (148, 137), (96, 150)),
    ),
    Region("FRONT", "R", "path", ((148, 71), (184, 66), (184, 138), (150, 136), (148, 137))),
    Region("PLAT", "R", "path", ((146, 452), (198, 462), (198, 516), (136, 516))),
    Region("MASS", "R", "ellipse", (92, 322, 23, 42)),
    Region("ZYG", "R", "ellipse", (134, 272, 18, 30)),
    Region("OOC", "R", "ellipse", (103, 204, 17, 30)),
    Region("RIS", "R", "ellipse", (134, 340, 17, 10)),
    Region("OOR", "R", "ellipse", (181, 343, 19, 15)),
    Region("DAO", "R", "ellipse", (160, 386, 12, 19)),
    Region("CORR", "R", "ellipse", (165, 157, 24, 9)),
    Region("NAS", "R", "ellipse", (187, 232, 8, 16)),
    Region("LLSAN", "R", "ellipse", (174, 270, 8, 14)),
    Region("DLI", "R", "ellipse", (184, 383, 9, 12)),
    Region("DSUP", "R", "ellipse", (183, 176, 7, 7)),
]
_MIDLINE = [
    # The central frontalis site of the BOTOX Cosmetic forehead pattern (REFERENCE.md).
    Region("FRONT", "C", "rect", (184, 64, 32, 74)),
    Region("PROC", "C", "rect", (191, 146, 18, 42)),
    Region("MENT", "C", "ellipse", (200, 415, 20, 14)),
    Region("DSN", "C", "ellipse", (200, 300, 7, 6)),
]
REGIONS: list[Region] = [r for right in _RIGHT for r in (right, _mirror(right))] + _MIDLINE
REGIONS_BY_ID = {r.id: r for r in REGIONS}


@dataclass(frozen=True)
class Landmark:
    """A mark on the drawing that catches no tap: the brow's peak and tail per side
    (issue 21: where the article's brow "spikes"), keyed as planning.measurements
    keys the photo measures that read them (``brow_peak``, ``brow_tail``)."""

    key: str  # brow_peak / brow_tail
    label: str  # the small word beside the mark
    side: str  # R / L, the patient's own
    x: float
    y: float

    @property
    def label_at(self) -> tuple[float, float, str]:
        """Where its word stands (x, y, text-anchor): above the peak; beside the tail,
        away from the face's middle."""
        if self.key == "brow_peak":
            return self.x, round(self.y - 4.5, 1), "middle"
        if self.x < WIDTH / 2:
            return self.x - 4, self.y + 2, "end"
        return self.x + 4, self.y + 2, "start"


def _brow_point(t: float) -> tuple[float, float]:
    """A point of the patient's right brow (the drawing's cubic Bézier
    M106,166 C128,148 166,146 188,158 in planning/_face_static.html) at ``t``."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = (106, 166), (128, 148), (166, 146), (188, 158)
    u = 1 - t
    x = u**3 * x0 + 3 * u**2 * t * x1 + 3 * u * t**2 * x2 + t**3 * x3
    y = u**3 * y0 + 3 * u**2 * t * y1 + 3 * u * t**2 * y2 + t**3 * y3
    return round(x, 1), round(y, 1)


def _brow_landmarks() -> list[Landmark]:
    # The peak: the brow's highest point (t = 0.5 of its curve, above the iris); the tail:
    # its lateral end. The patient's left mirrors the right.
    right = [Landmark("brow_peak", "peak", "R", *_brow_point(0.5))]
    right.append(Landmark("brow_tail", "tail", "R", *_brow_point(0.0)))
    return [m for r in right for m in (r, Landmark(r.key, r.label, "L", WIDTH - r.x, r.y))]


BROW_LANDMARKS: list[Landmark] = _brow_landmarks()


def _contains(region: Region, x: float, y: float) -> bool:
    g = region.geometry
    if region.shape == "ellipse":
        cx, cy, rx, ry = g
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    if region.shape == "rect":
        return g[0] <= x <= g[0] + g[2] and g[1] <= y <= g[1] + g[3]
    inside = False  # a polygon: count the edges a ray to the right crosses
    for (x1, y1), (x2, y2) in zip(g, g[1:] + g[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def regions_at(x, y) -> list[Region]:
    """The muscle regions under a point given as fractions of the diagram."""
    at_x, at_y = float(x) * WIDTH, float(y) * HEIGHT
    return [r for r in REGIONS if _contains(r, at_x, at_y)]


SIDE_WORDS = {"R": "patient's R", "L": "patient's L", "C": "midline"}


def position_refusal(*, muscle: str, side: str, x, y) -> str | None:
    """Why a point of ``muscle`` on ``side`` may not stand at (x, y): it lies in the
    region of another muscle or side (a point between regions is the injector's
    call). The one rule for the plan, the chart and the touch-up (issue 17): where
    a point is drawn is where it is recorded."""
    if x is None or y is None:
        return None
    hits = regions_at(x, y)
    if not hits or any(r.muscle == muscle and r.side == side for r in hits):
        return None
    where = " / ".join(f"{r.muscle} ({SIDE_WORDS[r.side]})" for r in hits)
    return (
        f"the point is drawn on {where}, not on {muscle} ({SIDE_WORDS.get(side, side)}): "
        "tap where you inject, or choose the muscle and side it is drawn on."
    )


def svg_x(value) -> str:
    """A point's x (a fraction of the diagram's width) in the SVG's units."""
    return f"{float(value) * WIDTH:.1f}"


def svg_y(value) -> str:
    """A point's y (a fraction of the diagram's height) in the SVG's units."""
    return f"{float(value) * HEIGHT:.1f}"


def default_position(muscle: str, side: str) -> tuple[float, float]:
    """The centre of a muscle's region as fractions (where a point added from the
    table or a suggestion lands until it is moved)."""
    region = REGIONS_BY_ID.get(f"{muscle}-{side}")
    if region is None:
        return 0.5, 0.5
    x, y = region.centre
    return round(x / WIDTH, 4), round(y / HEIGHT, 4)


STATIC_SVG = "img/face_front.svg"  # under static/: the empty diagram as a file


def render_svg() -> str:
    """The diagram without points, as served from ``static/img/face_front.svg``
    (kept equal to the template by tests/planning/test_plan_page.py)."""
    from django.template.loader import render_to_string

    return render_to_string("planning/_face_diagram.html", {"points": []}).strip() + "\n"
