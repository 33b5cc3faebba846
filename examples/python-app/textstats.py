"""The python-app's "model": plain statistics of an English (or other Latin-script) text.

Counts words and sentences, the mean word length, the Flesch reading ease (English formula,
syllables estimated by vowel groups), the most frequent words that are not stop words, and guesses
the language from which stop words it uses. Standard library only; deterministic.
"""
import re
from collections import Counter

WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")

STOP_WORDS = {
    "en": "the and of to a in is it that for was on with as are this be at by not you i he she they we have from or but",
    "fr": "le la les de des du un une et est en que qui dans pour pas sur au avec ce il elle nous vous je ne",
    "de": "der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es ich wir sie",
    "es": "el la los las de del y que en un una es por con no para se al lo su como pero muy",
    "it": "il la le di che e un una per non con sono del della gli anche come ma più questo",
    "nl": "de het een en van is dat niet op te zijn met voor ik je hij ze wij maar ook",
    "pt": "o a os as de do da e que em um uma para com não no na por se mais mas",
}
STOP_SETS = {language: set(words.split()) for language, words in STOP_WORDS.items()}
ALL_STOP_WORDS = set().union(*STOP_SETS.values())


def count_syllables(word):
    """Syllables of an English word, estimated from its vowel groups (at least 1)."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|[^laeiouytd]ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def guess_language(words):
    """The language whose stop words cover the most of `words`, or "unknown" when none does."""
    counts = {language: sum(1 for w in words if w in stops) for language, stops in STOP_SETS.items()}
    best = max(sorted(counts), key=lambda language: counts[language])
    return best if counts[best] > 0 else "unknown"


def analyse(text, top=5):
    """Statistics of `text`.

    >>> analyse("The cat sat on the mat. The dog barked!")["sentences"]
    2
    """
    words = WORD.findall(text)
    lower = [w.lower() for w in words]
    sentences = sum(1 for part in SENTENCE_END.split(text) if WORD.search(part))
    syllables = sum(count_syllables(w) for w in words)
    readability = None
    if words and sentences:
        readability = round(206.835 - 1.015 * len(words) / sentences - 84.6 * syllables / len(words), 1)
    frequent = Counter(w for w in lower if w not in ALL_STOP_WORDS and len(w) > 1 and not w.isdigit())
    ranked = sorted(frequent.items(), key=lambda item: (-item[1], item[0]))[:top]
    return {
        "language_guess": guess_language(lower),
        "characters": len(text),
        "words": len(words),
        "sentences": sentences,
        "syllables": syllables,
        "avg_word_length": round(sum(len(w) for w in words) / len(words), 2) if words else 0,
        "readability": readability,
        "top_words": [{"word": word, "count": count} for word, count in ranked],
    }
