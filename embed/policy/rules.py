"""Word rules. Words match whole words, ignoring case and accents. (Links are counted in the
rendered HTML: `embed.sanitize.link_count`.)"""

import re
import unicodedata
from functools import lru_cache


def fold(text: str) -> str:
    """Lower-case without accents: 'Café' -> 'cafe'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    cleaned = sorted({fold(word).strip() for word in words if word.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternatives = "|".join(re.escape(word) for word in cleaned)
    return re.compile(rf"(?<!\w)({alternatives})(?!\w)")


def words_found(text: str, words: tuple[str, ...]) -> list[str]:
    """The listed words or phrases that appear in `text` as whole words, in list order."""
    pattern = _pattern(words)
    if pattern is None:
        return []
    return sorted(set(pattern.findall(fold(text))))


def word_list_clean(raw: list[str] | str) -> list[str]:
    """Settings input (a list, or text with one entry per line or comma) to a tidy list."""
    items = raw.replace(",", "\n").splitlines() if isinstance(raw, str) else raw
    seen: dict[str, None] = {}
    for item in items:
        word = " ".join(str(item).split())
        if word and len(word) <= 100:
            seen.setdefault(word, None)
    return list(seen)
