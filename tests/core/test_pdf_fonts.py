"""The fonts' subsets written from the glyphs kept for the process are ReportLab's, byte for byte."""

from __future__ import annotations

import random

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from assessments.pdf import FONT_FILES
from core.pdf_fonts import SubsetFace, subset_font


@pytest.fixture(scope="module")
def faces():
    path = next((str(p) for p in FONT_FILES if p.exists()), None)
    assert path, "fonts-wqy-microhei missing: run make sysdeps"
    return TTFont("reference", path, subfontIndex=0).face, subset_font("kept", path).face


def _composite(face, code: int) -> bool:
    glyph = face.charToGlyph[code]
    start = face.get_table_pos("glyf")[0] + face.glyphPos[glyph]
    return face.glyphPos[glyph + 1] > face.glyphPos[glyph] and face._ttf_data[start] >= 0x80


def test_a_subset_is_the_bytes_reportlab_writes(faces):
    reference, kept = faces
    assert isinstance(kept, SubsetFace)
    codes = sorted(reference.charToGlyph)
    composite = [c for c in codes if _composite(reference, c)][:2000]
    simple = [c for c in codes if not _composite(reference, c)][:2000]
    assert composite and simple
    chance = random.Random(22)
    subsets = [
        [32, 65, 0x4E00],
        list(range(32, 288)),
        [0x10FFF0, 0xE000, 32],  # characters the font lacks: glyph 0
        chance.sample(composite, 256),
        chance.sample(simple, 200) + chance.sample(composite, 56),
        *(chance.sample(codes, 256) for _ in range(10)),
    ]
    for subset in subsets:
        assert kept.makeSubset(subset) == reference.makeSubset(subset)
        assert kept.makeSubset(subset) == reference.makeSubset(subset)  # again, from the kept glyphs
