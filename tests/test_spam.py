"""The spam filter: heuristics, the classifier's learning loop, storage and the evaluation."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from embed.spam import HOLD_THRESHOLD, SPAM_THRESHOLD, SpamInput, SpamModel, spam_check
from embed.spam.classifier import DEFAULT_MODEL_PATH, train
from embed.spam.dataset import read_labelled_csv, shared_data_dir
from embed.spam.heuristics import heuristic_signals
from embed.spam.tokens import features, find_links, normalize

OBVIOUS_SPAM = "CHECK OUT MY CHANNEL http://x.example subscribe!!!"
READER = "I disagree with the second point; the data from 2019 says otherwise."
DATA = shared_data_dir()
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="YouTube Spam Collection not present")


def reasons(item: SpamInput) -> list[str]:
    return [signal.reason for signal in heuristic_signals(item)]


def test_it_flags_a_filled_honeypot() -> None:
    assert "honeypot filled" in reasons(SpamInput(text="hello", honeypot="http://bot.example"))
    assert reasons(SpamInput(text="hello", honeypot="")) == []


def test_it_flags_a_submit_too_soon_after_load() -> None:
    assert "submitted 0.8 s after load" in reasons(SpamInput(text="hello", elapsed_ms=800))
    assert "submitted 2.5 s after load" in reasons(SpamInput(text="hello", elapsed_ms=2500))
    assert reasons(SpamInput(text="hello", elapsed_ms=45_000)) == []
    assert reasons(SpamInput(text="hello", elapsed_ms=None)) == []


def test_it_counts_links_in_markdown_html_and_bare_domains() -> None:
    text = "[deal](https://a.example/x) <a href='y'>http://b.example</a> and cheap.biz/now"
    assert "3 links" in reasons(SpamInput(text=text))
    assert reasons(SpamInput(text="see https://a.example/page")) == []


def test_it_trusts_the_link_count_it_is_given() -> None:
    assert "4 links" in reasons(SpamInput(text="no links in the text", link_count=4))


def test_it_flags_shouting_but_not_one_capitalised_word() -> None:
    assert "mostly capitals" in reasons(SpamInput(text="THIS IS THE BEST DEAL ON THE WHOLE WEB"))
    assert reasons(SpamInput(text="This is NOT what the article says at all.")) == []


def test_it_flags_repeated_characters_but_not_stretched_words() -> None:
    assert any("repeated" in r for r in reasons(SpamInput(text="free stuff $$$$$$$$$$")))
    assert reasons(SpamInput(text="sooooooooo good")) == []


def test_it_flags_repeated_text() -> None:
    assert "repeated text" in reasons(SpamInput(text="buy now " * 10))
    assert reasons(SpamInput(text=READER)) == []


def test_signals_come_strongest_first() -> None:
    verdict = spam_check(SpamInput(text="hi http://a.example http://b.example", honeypot="x"))
    assert verdict.reasons[0].startswith("spam score ")
    assert verdict.reasons[1:] == ("honeypot filled", "2 links")


def test_a_honeypot_alone_reaches_the_spam_threshold() -> None:
    verdict = spam_check(SpamInput(text=READER, honeypot="filled by a bot"))
    assert verdict.score >= SPAM_THRESHOLD


def test_it_holds_obvious_spam_and_publishes_a_reader() -> None:
    spam = spam_check(SpamInput(text=OBVIOUS_SPAM))
    reader = spam_check(SpamInput(text=READER))
    assert spam.score >= HOLD_THRESHOLD
    assert reader.score < HOLD_THRESHOLD
    assert spam.reasons[0] == f"spam score {spam.score:.2f}"


def test_it_explains_itself_with_signed_features() -> None:
    verdict = spam_check(SpamInput(text=OBVIOUS_SPAM))
    names = [name for name, _ in verdict.features]
    assert "word:subscribe" in names
    assert all(weight > 0 for _, weight in verdict.features[:3])
    assert len(verdict.features) <= 5


def test_it_learns_a_novel_spam_from_moderator_decisions() -> None:
    model = SpamModel.default()
    novel = "Replica watches and rolex deals at low prices today"
    before = model.score(novel)
    for _ in range(6):
        model.learn("Cheap replica watches, rolex deals, order today", is_spam=True)
    after = model.score(novel)
    assert after > before
    assert spam_check(SpamInput(text=novel), model).score >= HOLD_THRESHOLD


def test_learning_ham_lowers_the_score_and_forget_undoes_it() -> None:
    model = SpamModel.default()
    text = "Thanks for writing this, subscribed to the newsletter"
    before = model.logit(text)
    model.learn(text, is_spam=False)
    assert model.logit(text) < before
    model.forget(text, is_spam=False)
    assert model.logit(text) == pytest.approx(before)


def test_default_returns_a_private_copy() -> None:
    mine = SpamModel.default()
    mine.learn(READER, is_spam=True)
    assert SpamModel.default().to_bytes() != mine.to_bytes()
    assert spam_check(SpamInput(text=READER)).score < HOLD_THRESHOLD


def test_a_model_round_trips_through_bytes() -> None:
    model = SpamModel.default()
    model.learn("Win a free phone at http://prize.example", is_spam=True)
    copy = SpamModel.from_bytes(model.to_bytes())
    for text in (OBVIOUS_SPAM, READER, "Win a free phone"):
        assert copy.score(text) == model.score(text)
        assert copy.explain(text) == model.explain(text)
    assert copy.to_bytes() == model.to_bytes()


def test_it_rejects_bytes_of_an_unknown_format() -> None:
    import gzip

    with pytest.raises(ValueError, match="unsupported spam model format"):
        SpamModel.from_bytes(gzip.compress(b'{"version": 99}'))


def test_the_shipped_model_is_small() -> None:
    assert DEFAULT_MODEL_PATH.stat().st_size < 200_000


def test_normalize_reads_html_and_markdown_alike() -> None:
    assert normalize("it&#39;s <b>fine</b><br />ok\ufeff") == "it's  fine \nok"
    assert find_links(normalize("[here](https://a.example/x)")) == ["https://a.example/x"]
    assert {"host:a.example", "domain:a.example", "link"} <= features("go to http://a.example/x")


@needs_data
def test_the_shipped_model_is_what_spam_build_default_makes() -> None:
    comments = [c for path in sorted(DATA.glob("*.csv")) for c in read_labelled_csv(path)]
    rebuilt = train((c.text, c.is_spam) for c in comments)
    assert rebuilt.to_bytes() == DEFAULT_MODEL_PATH.read_bytes()


@needs_data
def test_spam_eval_reports_and_meets_the_targets_on_a_split() -> None:
    out = io.StringIO()
    files = sorted(DATA.glob("*.csv"))
    test_file = next(path for path in files if "KatyPerry" in path.name)
    train_files = [str(path) for path in files if path != test_file]
    call_command("spam_eval", "--train", *train_files, "--test", str(test_file), stdout=out)
    last = out.getvalue().rstrip("\n").splitlines()[-1]
    match = re.fullmatch(
        r"spam_eval: precision=(\d\.\d{3}) recall=(\d\.\d{3}) f1=(\d\.\d{3})", last
    )
    assert match, last
    precision, _, f1 = (float(value) for value in match.groups())
    assert precision >= 0.93
    assert f1 >= 0.92


def test_spam_eval_names_a_missing_file(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("spam_eval", "--train", str(tmp_path / "a.csv"), "--test", "b.csv")
