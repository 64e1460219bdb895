"""English text for gpt2-tiny from Debian packages: GCIDE (`dict-gcide`) and fortune cookies (`fortunes`).

- GCIDE, The Collaborative International Dictionary of English (GPL-2+): the quoted citations
  (sentences from literature that illustrate a sense) and the numbered definitions, with the
  markup, etymologies, pronunciations and attributions stripped. Each entry is one document.
- fortunes (BSD): each fortune is one document; the files of quoted art, code and other languages
  are skipped, and so are attribution lines.

Both are read from where the Debian packages install them; `apt-get install dict-gcide fortunes`.
"""

import gzip
import os
import re

GCIDE = "/usr/share/dictd/gcide.dict.dz"
FORTUNES = "/usr/share/games/fortunes"
# Pictures, code, other languages, and files of mostly names and jargon.
FORTUNE_SKIP = {"art", "ascii-art", "perl", "translate-me", "zippy", "linux", "debian",
                "computers", "startrek", "knghtbrd", "ethnic", "drugs", "men-women"}


def _clean(text):
    text = re.sub(r"\{([^{}]*)\}", r"\1", text)      # {cross references}
    text = re.sub(r"\[[^\[\]]*\]", "", text)          # [etymologies, [Obs.], [1913 Webster]]
    text = re.sub(r"\s--\s?[A-Z][\w. ]*\.?\s*$", "", text)  # --Milton.
    text = text.replace("`", "'").replace("''", '"')
    text = re.sub(r"\s+", " ", text).strip()
    return text


def gcide_documents():
    """One document per GCIDE entry: its definitions and citations, one per line."""
    with gzip.open(GCIDE, "rt", encoding="utf-8", errors="replace") as f:
        raw = f.read()
    body = raw[raw.find("\n\n", raw.find("Begin file 1 of 26")):]
    docs = []
    for entry in re.split(r"\n(?=[A-Z][^\s\\]*(?: [^\s\\]+)* \\)", body):
        lines, paragraph = [], []
        # A paragraph ends at a blank line; its source tag ([1913 Webster], [WordNet 1.5], [PJC])
        # is a line of its own. Paragraphs taken from WordNet are dropped: WordNet's glosses are
        # trained on (and held out) separately.
        for line in entry.split("\n")[1:] + [""]:
            if line.strip():
                paragraph.append(line.strip())
                continue
            if paragraph and not any("WordNet" in p for p in paragraph):
                lines.append(" ".join(p for p in paragraph if not re.fullmatch(r"\[[^\]]*\]", p)))
            paragraph = []
        kept = []
        for text in lines:
            text = re.sub(r"^\d+\.\s*(\([^)]*\)\s*)?", "", text)
            if text.startswith(("Syn.", "Note:", "Syn:", "Page ", "Note ")):
                continue
            if "]" in text and "[" not in text.split("]")[0]:
                text = text.split("]", 1)[1]  # the tail of an etymology begun on the headword line
            text = _clean(text)
            if len(text.split()) >= 4 and re.search(r"[a-z]", text) and not re.search(r"[\\<>|=]", text):
                kept.append(text)
        if kept:
            docs.append("\n".join(kept))
    return docs


def fortune_documents():
    docs = []
    for name in sorted(os.listdir(FORTUNES)):
        path = os.path.join(FORTUNES, name)
        if "." in name or name in FORTUNE_SKIP or os.path.islink(path):
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for fortune in f.read().split("\n%\n"):
                lines = [ln.strip() for ln in fortune.split("\n")
                         if ln.strip() and not ln.strip().startswith(("--", "-- "))]
                text = re.sub(r"\s+", " ", " ".join(lines)).strip()
                if len(text.split()) >= 4 and text.isascii() and not re.search(r"[{}<>|\\]", text):
                    docs.append(text)
    return docs
