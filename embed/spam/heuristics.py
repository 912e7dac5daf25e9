"""Rule-of-thumb signals that need no training.

Each signal adds log-odds to the classifier's logit. Weights are set by hand: the training data
has no honeypot or timing, and the text signals are kept mild because readers shout and
stretch words too ("sooooo good!!!!").
"""

import re
from dataclasses import dataclass

from embed.spam.contract import SpamInput
from embed.spam.tokens import URL_WORD, contact_details, find_links, normalize, words_of

HONEYPOT_WEIGHT = 12.0
"""Only a bot fills a field nobody can see; enough to pass SPAM_THRESHOLD on its own."""

MIN_HUMAN_MS = 3000
"""Reading a page and typing a comment takes longer than this."""
INSTANT_MS = 1000
FAST_WEIGHT = 2.5
INSTANT_WEIGHT = 5.0

LINKS_FREE = 1
"""Links allowed before any penalty; a single link is left to the classifier's URL features."""
LINK_WEIGHT = 1.0
LINK_WEIGHT_MAX = 5.0

BARE_LINK_WORDS = 4
BARE_LINK_LETTERS = 15
"""A comment with a link and fewer words and letters than these of its own says little but
the link ("Nice post! <link>"). Letters count too, for scripts written without spaces."""
BARE_LINK_WEIGHT = 3.0
"""A link drop: the one case where a link counts for much. Readers who cite a source say
something about it; a link is otherwise left to the classifier, whose link features are
weak since it learnt from blog comments that cite links (docs/spam.md)."""

TRUST_WEIGHT = 4.0
"""Log-odds taken off at full trust (`SpamInput.trust` = 1): a reader whose comments the site
has published before passes words the model finds promotional, yet a spam score far past
the spam line (links, contact details, the honeypot) still holds them."""

CONTACT_WEIGHT = 3.0
"""Phone numbers, e-mail addresses and messenger handles in a comment: the calling card of
fake support lines and "investment" scams, and rare from readers, who have the thread to talk
in. The training data has almost none, so the classifier cannot learn it."""

SHOUT_MIN_LETTERS = 16
SHOUT_RATIO = 0.7
SHOUT_WEIGHT = 0.6

REPEAT_RUN = 8
"""A character repeated this many times in a row (letters excepted: "sooooo" is human)."""
REPEAT_CHAR_WEIGHT = 0.4

REPEAT_MIN_WORDS = 12
REPEAT_DISTINCT_RATIO = 0.35
REPEAT_TEXT_WEIGHT = 1.0

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Signal:
    weight: float
    """Log-odds added to the classifier's logit."""
    reason: str


def heuristic_signals(item: SpamInput) -> list[Signal]:
    """Every signal that fires for the comment, strongest first."""
    plain = normalize(item.text)
    links = item.link_count if item.link_count is not None else len(find_links(plain))
    candidates = [
        _honeypot(item.honeypot),
        _timing(item.elapsed_ms),
        _links(links),
        _bare_link(plain, links),
        _contact(plain),
        _shouting(plain),
        _repeated_characters(plain),
        _repeated_text(plain),
        _trusted(item.trust),
    ]
    fired = [signal for signal in candidates if signal is not None]
    return sorted(fired, key=lambda signal: -signal.weight)


def _honeypot(value: str) -> Signal | None:
    return Signal(HONEYPOT_WEIGHT, "honeypot filled") if value.strip() else None


def _timing(elapsed_ms: int | None) -> Signal | None:
    if elapsed_ms is None or elapsed_ms >= MIN_HUMAN_MS:
        return None
    weight = INSTANT_WEIGHT if elapsed_ms < INSTANT_MS else FAST_WEIGHT
    return Signal(weight, f"submitted {max(elapsed_ms, 0) / 1000:.1f} s after load")


def _links(count: int) -> Signal | None:
    if count <= LINKS_FREE:
        return None
    weight = min(LINK_WEIGHT * (count - LINKS_FREE), LINK_WEIGHT_MAX)
    return Signal(weight, f"{count} links")


def _bare_link(plain: str, links: int) -> Signal | None:
    if not links:
        return None
    own = [word for word in words_of(plain) if word != URL_WORD]
    letters = sum(char.isalpha() for word in own for char in word)
    if len(own) >= BARE_LINK_WORDS or letters >= BARE_LINK_LETTERS:
        return None
    return Signal(BARE_LINK_WEIGHT, "little but a link")


def _trusted(trust: float) -> Signal | None:
    if trust <= 0:
        return None
    return Signal(-TRUST_WEIGHT * min(trust, 1.0), f"trusted reader ({min(trust, 1.0):.2f})")


def _contact(plain: str) -> Signal | None:
    return Signal(CONTACT_WEIGHT, "contact details") if contact_details(plain) else None


def _shouting(plain: str) -> Signal | None:
    letters = [char for char in plain if char.isalpha()]
    if len(letters) < SHOUT_MIN_LETTERS:
        return None
    upper = sum(1 for char in letters if char.isupper())
    if upper / len(letters) < SHOUT_RATIO:
        return None
    return Signal(SHOUT_WEIGHT, "mostly capitals")


def _repeated_characters(plain: str) -> Signal | None:
    run, previous = 0, ""
    for char in plain:
        run = run + 1 if char == previous else 1
        previous = char
        if run >= REPEAT_RUN and not char.isalpha() and not char.isspace():
            return Signal(REPEAT_CHAR_WEIGHT, f"{char!r} repeated {REPEAT_RUN}+ times")
    return None


def _repeated_text(plain: str) -> Signal | None:
    words = _WORD.findall(plain.lower())
    if len(words) < REPEAT_MIN_WORDS:
        return None
    if len(set(words)) / len(words) > REPEAT_DISTINCT_RATIO:
        return None
    return Signal(REPEAT_TEXT_WEIGHT, "repeated text")
