"""The hard-pair benchmark set: 16 face pairs (64 maps) made from the test photographs.

Every pair is generated deterministically from tests/data (obama, obama2, biden, 32bit,
obama_partial_face) — nothing random, nothing downloaded:

    frontal     the three pairs the earlier benchmarks used (clean photographs)
    occlusion   a surgical mask, a sunglasses bar or a scarf drawn on the photograph in the
                face's own frame (from its landmarks) before detection; where MTCNN then finds
                no face near the clean one, the clean photograph's landmarks are used, as an
                examiner would place them by hand
    pose        in-plane rotations of the aligned crop (±30–40°), a horizontal squeeze and a
                yaw-like perspective warp of it, and the face cut by the photograph's border
    low-res     the photograph downscaled until the eyes are 24–32 px apart and back up
                (INTER_AREA down, bilinear up), then detected again
    impostors   different people in every category

`HELD_OUT` names the pairs kept out of every fit (stopping rule, agreement calibration) to
check them. `python benchmarks/hard_pairs.py --sheet docs/hard-pairs.png` writes the contact
sheet of the crops and prints the pairs with their crop hashes.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from _common import DATA

PHOTOS = {"obama": "obama.jpg", "obama2": "obama2.jpg", "biden": "biden.jpg", "32bit": "32bit.png",
          "partial": "obama_partial_face.jpg"}
HELD_OUT = ("impostor2", "scarf_genuine", "squeeze_impostor", "lowres_impostor")
CROP = 112
CENTRE = (CROP - 1) / 2


@dataclass(frozen=True)
class Side:
    """One face of a pair: the aligned (112, 112, 3) uint8 crop and how it was made."""

    crop: np.ndarray
    photo: str
    alteration: str  # "" = the photograph as it is
    landmarks: str  # "MTCNN" or "hand-placed (clean photograph's)"


@dataclass(frozen=True)
class HardPair:
    name: str
    category: str  # frontal, occlusion, pose, low-res
    genuine: bool
    gallery: Side
    probe: Side

    @property
    def crops(self) -> tuple[np.ndarray, np.ndarray]:
        return self.gallery.crop, self.probe.crop

    def describe(self) -> dict:
        def side(s: Side) -> dict:
            from fame_desktop.core.images import sha256_bytes

            return {"photo": s.photo, "alteration": s.alteration or "none", "landmarks": s.landmarks,
                    "crop_sha256": sha256_bytes(np.ascontiguousarray(s.crop).tobytes())}

        return {"name": self.name, "category": self.category, "genuine": self.genuine,
                "held_out": self.name in HELD_OUT, "gallery": side(self.gallery), "probe": side(self.probe)}


# --- drawing in the face's frame -----------------------------------------------------------------

def face_frame(landmarks: np.ndarray):
    """p(u, v) = eye centre + u·d·ex + v·h·ey: d the eye distance, h eyes → mouth centre, in pixels."""
    lm = np.asarray(landmarks, dtype=np.float64)
    eyes = (lm[0] + lm[1]) / 2
    d = float(np.linalg.norm(lm[1] - lm[0]))
    ex = (lm[1] - lm[0]) / d
    ey = np.array([-ex[1], ex[0]])
    h = float(np.dot((lm[3] + lm[4]) / 2 - eyes, ey))

    def at(points) -> np.ndarray:
        uv = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        return eyes + uv[:, :1] * d * ex + uv[:, 1:] * h * ey

    return at, d


def _paint(rgb: np.ndarray, polygon: np.ndarray, fill: np.ndarray) -> np.ndarray:
    """rgb with `fill` (H, W, 3) inside the polygon (anti-aliased edge)."""
    import cv2

    mask = np.zeros(rgb.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    a = (mask.astype(np.float32) / 255)[..., None]
    return np.round(rgb * (1 - a) + fill * a).astype(np.uint8)


def _flat(rgb: np.ndarray, colour) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.float32), rgb.shape).copy()


def surgical_mask(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A light-blue pleated mask from the nose bridge to below the chin, with ear loops."""
    import cv2

    at, d = face_frame(landmarks)
    outline = at([(-0.95, 0.55), (-0.5, 0.42), (0, 0.38), (0.5, 0.42), (0.95, 0.55), (1.0, 1.05), (0.62, 1.45),
                  (0, 1.62), (-0.62, 1.45), (-1.0, 1.05)])
    fill = _flat(rgb, (150, 195, 222))
    width = max(1, int(round(d / 40)))
    for v in (0.72, 0.95, 1.18):  # pleats
        a, b = at([(-0.95, v), (0.95, v)])
        cv2.line(fill, tuple(int(c) for c in a), tuple(int(c) for c in b), (105, 150, 185), width, cv2.LINE_AA)
    out = _paint(rgb, outline, fill)
    for u, v0, v1 in ((-0.98, 0.6, 1.0), (0.98, 0.6, 1.0)):  # ear loops
        pts = at([(u, v0), (u * 1.3, 0.45), (u * 1.35, 0.9), (u, v1)])
        cv2.polylines(out, [np.round(pts).astype(np.int32)], False, (235, 235, 240), width, cv2.LINE_AA)
    return out


def sunglasses(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A dark bar over both eyes (two lenses joined by the bridge), with a faint reflection."""
    at, _ = face_frame(landmarks)
    bar = at([(-0.95, -0.22), (0.95, -0.22), (0.92, 0.25), (0.55, 0.32), (0.1, 0.18), (-0.1, 0.18),
              (-0.55, 0.32), (-0.92, 0.25)])
    fill = _flat(rgb, (22, 22, 28))
    out = _paint(rgb, bar, fill)
    glint = at([(-0.75, -0.12), (-0.55, -0.14), (-0.62, -0.02), (-0.8, 0.0)])
    return _paint(out, glint, _flat(rgb, (70, 74, 84)))


def scarf(rgb: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    """A red striped scarf wrapped over the mouth and chin, up to just below the nose."""
    import cv2

    at, d = face_frame(landmarks)
    outline = at([(-1.45, 0.75), (-0.6, 0.8), (0, 0.78), (0.6, 0.8), (1.45, 0.75), (1.6, 2.3), (-1.6, 2.3)])
    fill = _flat(rgb, (165, 30, 38))
    step = max(4, int(round(d / 6)))
    h, w = rgb.shape[:2]
    for k in range(-h, w + h, step):  # diagonal stripes over the whole image; only the scarf keeps them
        cv2.line(fill, (k, 0), (k + h, h), (120, 15, 25), max(1, step // 3), cv2.LINE_AA)
    return _paint(rgb, outline, fill)


# --- changes of the aligned crop -------------------------------------------------------------------

def rotate(crop: np.ndarray, degrees: float) -> np.ndarray:
    """The crop turned in-plane about its centre (positive = counter-clockwise); corners black."""
    import cv2

    m = cv2.getRotationMatrix2D((CENTRE, CENTRE), degrees, 1.0)
    return cv2.warpAffine(crop, m, (CROP, CROP), flags=cv2.INTER_LINEAR, borderValue=0)


def squeeze(crop: np.ndarray, factor: float) -> np.ndarray:
    """The crop narrowed horizontally about its centre (a face seen from the side loses width)."""
    import cv2

    m = np.array([[factor, 0, CENTRE * (1 - factor)], [0, 1, 0]], np.float64)
    return cv2.warpAffine(crop, m, (CROP, CROP), flags=cv2.INTER_LINEAR, borderValue=0)


def yaw(crop: np.ndarray, strength: float) -> np.ndarray:
    """A perspective warp that foreshortens the right half, as a head turned away would."""
    import cv2

    s = CROP - 1
    src = np.float32([(0, 0), (s, 0), (s, s), (0, s)])
    dst = np.float32([(0, 0), (s * (1 - strength), s * strength / 2), (s * (1 - strength), s * (1 - strength / 2)),
                      (0, s)])
    return cv2.warpPerspective(crop, cv2.getPerspectiveTransform(src, dst), (CROP, CROP),
                               flags=cv2.INTER_LINEAR, borderValue=0)


def low_resolution(rgb: np.ndarray, landmarks: np.ndarray, eye_px: float) -> np.ndarray:
    """The photograph downscaled until the eyes are `eye_px` apart (INTER_AREA), then back (bilinear)."""
    import cv2

    _, d = face_frame(landmarks)
    h, w = rgb.shape[:2]
    s = eye_px / d
    small = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


# --- the set ---------------------------------------------------------------------------------------

class _Faces:
    """Detection of the clean photographs and of altered ones, with the hand-placed fallback."""

    def __init__(self):
        from fame_desktop.core.faces import FaceDetector
        from fame_desktop.core.images import load_image

        self.detector = FaceDetector()
        self.rgb = {k: load_image(DATA / f).rgb for k, f in PHOTOS.items()}
        self.landmarks = {k: self.detector.detect(rgb)[0].landmarks for k, rgb in self.rgb.items()}

    def side(self, photo: str, draw=None, alteration: str = "", crop_change=None) -> Side:
        """Draw on the photograph (draw(rgb, landmarks) → rgb), detect, align, change the crop."""
        from fame_desktop.core.faces import align_face

        clean = self.landmarks[photo]
        rgb, how = self.rgb[photo], "MTCNN"
        if draw is not None:
            rgb = draw(rgb, clean)
            found = self._near(self.detector.detect(rgb), clean)
            lm, how = (found, "MTCNN") if found is not None else (clean, "hand-placed (clean photograph's)")
        else:
            lm = clean
        crop = align_face(rgb, lm).crop
        if crop_change is not None:
            crop = crop_change(crop)
        crop = np.ascontiguousarray(crop, dtype=np.uint8)
        crop.flags.writeable = False
        return Side(crop=crop, photo=PHOTOS[photo], alteration=alteration, landmarks=how)

    @staticmethod
    def _near(faces, clean: np.ndarray):
        """Landmarks of the detected face whose eye centre is within half an eye distance of the clean one's."""
        eyes = clean[:2].mean(axis=0)
        d = np.linalg.norm(clean[1] - clean[0])
        for f in faces:
            if np.linalg.norm(f.landmarks[:2].mean(axis=0) - eyes) < d / 2:
                return f.landmarks
        return None


@lru_cache(maxsize=1)
def hard_pairs() -> tuple[HardPair, ...]:
    """The 16 pairs, gallery first (see the module doc)."""
    f = _Faces()
    s = f.side
    mask, glasses, wrap = "surgical mask", "sunglasses bar", "scarf over the lower face"

    def low(px):
        return (lambda rgb, lm: low_resolution(rgb, lm, px)), f"downscaled to {px} px between the eyes and back"

    def turn(deg):
        return (lambda c: rotate(c, deg)), f"crop rotated {deg:+d}°"

    pairs = [
        ("genuine", "frontal", True, s("obama"), s("obama2")),
        ("impostor", "frontal", False, s("obama"), s("biden")),
        ("impostor2", "frontal", False, s("obama2"), s("biden")),
        ("mask_genuine", "occlusion", True, s("obama", surgical_mask, mask), s("obama2", surgical_mask, mask)),
        ("mask_impostor", "occlusion", False, s("obama2", surgical_mask, mask), s("biden")),
        ("sunglasses_genuine", "occlusion", True, s("obama", sunglasses, glasses), s("obama2")),
        ("scarf_impostor", "occlusion", False, s("biden", scarf, wrap), s("obama")),
        ("scarf_genuine", "occlusion", True, s("32bit", scarf, wrap), s("obama", sunglasses, glasses)),
        ("rotate_genuine", "pose", True, s("obama", alteration=turn(35)[1], crop_change=turn(35)[0]), s("obama2")),
        ("rotate_impostor", "pose", False, s("biden", alteration=turn(-40)[1], crop_change=turn(-40)[0]),
         s("obama2", alteration=turn(30)[1], crop_change=turn(30)[0])),
        ("yaw_genuine", "pose", True,
         s("obama2", alteration="yaw-like perspective warp (right half foreshortened, 0.35)",
           crop_change=lambda c: yaw(c, 0.35)), s("obama")),
        ("squeeze_impostor", "pose", False,
         s("obama", alteration="crop squeezed horizontally to 0.6", crop_change=lambda c: squeeze(c, 0.6)),
         s("biden")),
        ("partial_genuine", "pose", True, s("partial", alteration="face cut by the photograph's border"),
         s("obama2")),
        ("lowres_genuine", "low-res", True, s("obama", *low(24)), s("obama2")),
        ("lowres_impostor", "low-res", False, s("biden", *low(28)), s("obama", *low(32))),
        ("lowres_genuine2", "low-res", True, s("32bit", *low(24)), s("obama", *low(24))),
    ]
    return tuple(HardPair(n, c, g, a, b) for n, c, g, a, b in pairs)


def by_name(names=None) -> list[HardPair]:
    """The pairs called `names` (all when None), in the set's order."""
    pairs = hard_pairs()
    if names is None:
        return list(pairs)
    known = {p.name: p for p in pairs}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown pair(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    return [known[n] for n in names]


def contact_sheet(pairs, scale: int = 2, columns: int = 4) -> np.ndarray:
    """(H, W, 3) uint8: each pair's two crops side by side, enlarged, with its name and labels."""
    import cv2

    cw = CROP * scale
    tile_w, tile_h, pad = 2 * cw + 6, cw + 44, 12
    rows = -(-len(pairs) // columns)
    sheet = np.full((rows * (tile_h + pad) + pad, columns * (tile_w + pad) + pad, 3), 255, np.uint8)
    for i, p in enumerate(pairs):
        y = pad + (i // columns) * (tile_h + pad)
        x = pad + (i % columns) * (tile_w + pad)
        for j, side in enumerate((p.gallery, p.probe)):
            big = cv2.resize(np.asarray(side.crop), (cw, cw), interpolation=cv2.INTER_NEAREST)
            sheet[y + 22:y + 22 + cw, x + j * (cw + 6):x + j * (cw + 6) + cw] = big
            tag = "hand" if side.landmarks.startswith("hand") else ""
            if tag:
                cv2.putText(sheet, "landmarks by hand", (x + j * (cw + 6) + 3, y + 22 + cw + 16),
                            cv2.FONT_HERSHEY_SIMPLEX, 0.42, (160, 40, 0), 1, cv2.LINE_AA)
        label = f"{i + 1}. {p.name}" + (" (held out)" if p.name in HELD_OUT else "")
        cv2.putText(sheet, label, (x, y + 15), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
    return sheet


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sheet", help="write the contact sheet PNG here")
    args = ap.parse_args(argv)
    pairs = hard_pairs()
    for i, p in enumerate(pairs, 1):
        d = p.describe()
        print(f"{i:2d}. {p.name} [{p.category}, {'genuine' if p.genuine else 'impostor'}"
              f"{', held out' if d['held_out'] else ''}]")
        for role in ("gallery", "probe"):
            s = d[role]
            print(f"    {role}: {s['photo']}, {s['alteration']}, landmarks {s['landmarks']}, "
                  f"crop {s['crop_sha256'][:12]}")
    if args.sheet:
        from PIL import Image

        Image.fromarray(contact_sheet(pairs)).save(args.sheet, optimize=True)  # lossless, a third of OpenCV's size
        print(f"contact sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
