"""TrueType fonts for ReportLab, subset at the cost of the glyphs a document uses (#22).

ReportLab embeds a TrueType font as subsets of up to 256 characters, one ``TTFontFile.makeSubset`` per subset and
document. That reads every glyph's header through the file parser's ``seek``/``read_short`` and copies the font's
whole ``glyf`` table (3.5 MB for WenQuanYi Micro Hei) each time: about 2 ms a subset, a tenth of a duty record's PDF.
``SubsetFace.makeSubset`` writes the same bytes (``tests/core/test_pdf_fonts.py`` compares them with ReportLab's
for subsets of plain, composite and missing glyphs) from what it keeps of the font for the process: each glyph's
bytes and the glyphs it is composed of, read once, and the tables every subset copies.
"""

from __future__ import annotations

from struct import pack, pack_into, unpack

from reportlab.pdfbase.ttfonts import (
    GF_ARG_1_AND_2_ARE_WORDS,
    GF_MORE_COMPONENTS,
    GF_WE_HAVE_A_SCALE,
    GF_WE_HAVE_A_TWO_BY_TWO,
    GF_WE_HAVE_AN_X_AND_Y_SCALE,
    TTFont,
    TTFontFace,
    TTFontMaker,
    _set_ushort,
)

_COPIED = ("name", "OS/2", "cvt ", "fpgm", "prep")  # the tables ReportLab copies into every subset as they are


def _component_steps(flags: int) -> int:
    """The bytes after a component's glyph index up to the next component's flags (the arguments and the scale)."""
    step = 4 if flags & GF_ARG_1_AND_2_ARE_WORDS else 2
    if flags & GF_WE_HAVE_A_SCALE:
        step += 2
    elif flags & GF_WE_HAVE_AN_X_AND_Y_SCALE:
        step += 4
    elif flags & GF_WE_HAVE_A_TWO_BY_TWO:
        step += 8
    return step


class SubsetFace(TTFontFace):
    """A ``TTFontFace`` whose ``makeSubset`` reads each glyph once per process (the font file never changes)."""

    def _kept(self):
        kept = self.__dict__.get("_subset_kept")
        if kept is None:
            constant = {}
            for tag in _COPIED:
                if tag in self.table:  # cvt, fpgm and prep are optional (ReportLab skips what is missing)
                    constant[tag] = self.get_table(tag)
            constant["post"] = b"\x00\x03\x00\x00" + self.get_table("post")[4:16] + b"\x00" * 16
            for tag in ("hhea", "maxp", "head"):
                constant[tag] = self.get_table(tag)
            kept = self._subset_kept = (constant, {})
        return kept

    def _read_glyph(self, index: int) -> tuple[bytes, tuple[int, ...], tuple[int, ...]]:
        """The glyph's bytes, the glyphs a composite glyph is made of (in ReportLab's order) and where their
        indexes are in the bytes."""
        start = self.get_table_pos("glyf")[0]
        data = self._ttf_data[start + self.glyphPos[index] : start + self.glyphPos[index + 1]]
        parts, places = [], []
        if data and unpack(">h", data[:2])[0] < 0:
            at, flags = 10, GF_MORE_COMPONENTS
            while flags & GF_MORE_COMPONENTS:
                flags, part = unpack(">HH", data[at : at + 4])
                parts.append(part)
                places.append(at + 2)
                at += 4 + _component_steps(flags)
        return data, tuple(parts), tuple(places)

    def makeSubset(self, subset):  # noqa: N802: ReportLab's name
        """The TrueType file of ``subset`` (character codes), byte for byte ``TTFontFile.makeSubset``'s."""
        constant, glyphs = self._kept()
        glyph_map, glyph_set, to_glyph = [0], {0: 0}, {}
        char_to_glyph = self.charToGlyph
        for code in subset:
            original = char_to_glyph.get(code, 0)
            if original not in glyph_set:
                glyph_set[original] = len(glyph_map)
                glyph_map.append(original)
            to_glyph[code] = glyph_set[original]
        read = []
        n = 0
        while n < len(glyph_map):  # the glyphs composite glyphs are made of, appended as ReportLab finds them
            original = glyph_map[n]
            glyph = glyphs.get(original)
            if glyph is None:
                glyph = glyphs[original] = self._read_glyph(original)
            read.append(glyph)
            for part in glyph[1]:
                if part not in glyph_set:
                    glyph_set[part] = len(glyph_map)
                    glyph_map.append(part)
            n += 1
        output = TTFontMaker()
        for tag in _COPIED:
            if tag in constant:
                output.add(tag, constant[tag])
        output.add("post", constant["post"])
        hmtx, full_pairs = self._hmtx(glyph_map)
        output.add("hmtx", hmtx)
        output.add("hhea", _set_ushort(constant["hhea"], 34, full_pairs))
        output.add("maxp", _set_ushort(constant["maxp"], 4, len(glyph_map)))
        cmap = [0, 1, 1, 0, 0, 12, 6, 10 + len(subset) * 2, 0, 0, len(subset), *map(to_glyph.__getitem__, subset)]
        output.add("cmap", pack(f">{len(cmap)}H", *cmap))
        glyf, offsets = _glyf(read, glyph_set)
        output.add("glyf", glyf)
        if (offsets[-1] + 1) >> 1 > 0xFFFF:
            loca, format_ = pack(f">{len(offsets)}L", *offsets), 1
        else:
            loca, format_ = pack(f">{len(offsets)}H", *(o >> 1 for o in offsets)), 0
        output.add("loca", loca)
        output.add("head", _set_ushort(constant["head"], 50, format_))
        return output.makeStream()

    def _hmtx(self, glyph_map: list[int]) -> tuple[bytes, int]:
        """ReportLab's ``hmtx``: full pairs up to the last change of advance width, then the left bearings."""
        hmetrics = self.hmetrics
        hmtx = []
        for original in glyph_map:
            aw, lsb = hmetrics[original]
            hmtx += (int(aw), int(lsb))
        n = len(hmtx) - 2
        while n and hmtx[n] == hmtx[n - 2]:
            n -= 2
        n += 2
        hmtx = hmtx[:n] + hmtx[n + 1 :: 2]
        return pack(f">{len(hmtx)}H", *hmtx), n >> 1


def _glyf(read, glyph_set: dict[int, int]) -> tuple[bytes, list[int]]:
    """The subset's glyphs, each padded to 4 bytes, composite glyphs' parts renumbered as in the subset."""
    chunks, offsets, pos = [], [], 0
    for data, parts, places in read:
        offsets.append(pos)
        if parts and len(data) > 2:
            data = bytearray(data)
            for part, at in zip(parts, places, strict=True):
                pack_into(">H", data, at, glyph_set[part])
        chunks.append(data)
        pos += len(data)
        if pos % 4:
            chunks.append(b"\0" * (4 - pos % 4))
            pos += 4 - pos % 4
    offsets.append(pos)
    return b"".join(chunks), offsets


def subset_font(name: str, path: str, subfont: int = 0) -> TTFont:
    """A ReportLab ``TTFont`` whose subsets are written by ``SubsetFace``."""
    font = TTFont(name, path, subfontIndex=subfont)
    font.face.__class__ = SubsetFace  # the parsed face as it is, with the faster subsetter
    return font
