"""Make the fallback fonts that packages/render commits: a CJK subset and an emoji subset.

glassbox renders PNGs with resvg, which draws only glyphs of the fonts it is handed. DejaVu Sans
(npm `dejavu-fonts-ttf`) covers Latin, Greek and Cyrillic but no Chinese and no emoji, and the Debian
fonts that have them are megabytes, absent from a fresh machine, and too large for an edge bundle.
This script cuts them down to what Chinese text and common emoji need, reproducibly (no timestamps
change, same input -> same bytes):

- packages/render/fonts/DroidSansFallback-GB2312L1.ttf: Droid Sans Fallback (Debian
  `fonts-droid-fallback`, Apache-2.0) reduced to the 3755 level-1 characters of GB 2312 (the most
  frequently used hanzi, taken from Python's gb2312 codec: rows 16-55), CJK symbols and punctuation
  (U+3000-303F) and halfwidth/fullwidth forms (U+FF00-FFEF).
- packages/render/fonts/DejaVuSans-Edge.ttf: DejaVu Sans (npm `dejavu-fonts-ttf`, Bitstream Vera
  license + public domain) reduced to Latin, Greek, Cyrillic, punctuation, currency, arrows, math
  and box drawing, for edge bundles (144 KB instead of 757 KB). Deno and Node use the full font.
- packages/render/fonts/Symbola-Emoji.ttf: Symbola (Debian `fonts-symbola`, "free for any use") reduced
  to emoticons, miscellaneous symbols, dingbats and supplemental symbols (monochrome outlines, which
  resvg draws; colour bitmap emoji fonts it does not).

Run with Debian's python3 and python3-fonttools:
    apt-get install fonts-droid-fallback fonts-symbola python3-fonttools
    /usr/bin/python3 scripts/subset_cjk_font.py
"""

import hashlib
import os
import sys

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "packages", "render", "fonts")
DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
SYMBOLA = "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"
DEJAVU = os.path.join(ROOT, "node_modules", "dejavu-fonts-ttf", "ttf", "DejaVuSans.ttf")


def gb2312_level1():
    """The 3755 level-1 hanzi of GB 2312 (rows 16-55), in code order."""
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(ord(bytes([hi, lo]).decode("gb2312")))
            except UnicodeDecodeError:
                pass  # row 55 ends at 0xF9: the last cells are unassigned
    return chars


def make_subset(source, codepoints, target, layout_features=()):
    options = subset.Options()
    options.hinting = False
    # Horizontal text only: no vertical forms or alternates; DejaVu keeps kerning, which resvg applies.
    options.layout_features = list(layout_features)
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]  # keep copyright, family and version names
    options.notdef_outline = True
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.save(target, reorderTables=True)
    with open(target, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"{os.path.relpath(target, ROOT)}: {os.path.getsize(target)} bytes, sha256 {digest}")


def main():
    for path in (DROID, SYMBOLA):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: apt-get install fonts-droid-fallback fonts-symbola")
    if not os.path.exists(DEJAVU):
        sys.exit(f"missing {DEJAVU}: run npm install at the repository root")
    os.makedirs(OUT, exist_ok=True)
    hanzi = gb2312_level1()
    if len(hanzi) != 3755:
        sys.exit(f"expected 3755 level-1 GB 2312 characters, found {len(hanzi)}")
    cjk = hanzi + list(range(0x3000, 0x3040)) + list(range(0xFF00, 0xFFF0))
    make_subset(DROID, cjk, os.path.join(OUT, "DroidSansFallback-GB2312L1.ttf"))
    emoji = (
        list(range(0x2600, 0x27C0))  # miscellaneous symbols, dingbats
        + list(range(0x1F600, 0x1F650))  # emoticons
        + list(range(0x1F900, 0x1FA00))  # supplemental symbols and pictographs
        + [0x1F44D, 0x1F44E, 0x1F44F, 0x1F525, 0x1F389, 0x1F4A1, 0x1F4AF, 0x1F440, 0x1F680, 0x1F30D]
        + list(range(0x1F493, 0x1F4A0))  # hearts
    )
    make_subset(SYMBOLA, emoji, os.path.join(OUT, "Symbola-Emoji.ttf"))
    latin = (
        list(range(0x20, 0x250))  # ASCII, Latin-1, Latin Extended-A and -B
        + list(range(0x370, 0x500))  # Greek, Cyrillic
        + list(range(0x2000, 0x2070))  # general punctuation
        + list(range(0x20A0, 0x20D0))  # currency
        + list(range(0x2100, 0x2300))  # letterlike, number forms, arrows, math operators
        + list(range(0x2400, 0x2440))  # control pictures (the open box that marks spaces)
        + list(range(0x2500, 0x2600))  # box drawing, blocks, geometric shapes
        + [0xFFFD]
    )
    make_subset(DEJAVU, latin, os.path.join(OUT, "DejaVuSans-Edge.ttf"), layout_features=["kern"])


if __name__ == "__main__":
    main()
