"""The spam filter: heuristics, the classifier's learning loop, storage and the evaluation."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from embed.spam import HOLD_THRESHOLD, SPAM_THRESHOLD, SpamInput, SpamModel, spam_check
from embed.spam.classifier import DEFAULT_MODEL_PATH
from embed.spam.dataset import dataset_dir, read_labelled_csv, shipped_training, train_on
from embed.spam.heuristics import heuristic_signals
from embed.spam.tokens import features, find_links, normalize

OBVIOUS_SPAM = "CHECK OUT MY CHANNEL http://x.example subscribe!!!"
READER = "I disagree with the second point; the data from 2019 says otherwise."
DATA = dataset_dir()


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
    assert reasons(SpamInput(text="see the page at https://a.example/page for details")) == []


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
    assert verdict.reasons[1:] == ("honeypot filled", "little but a link", "2 links")


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
    assert spam_check(SpamInput(text=novel), model).score < HOLD_THRESHOLD
    # Without a link the prior is low, so it takes a handful of decisions, not one.
    for _ in range(10):
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


def test_the_shipped_model_is_what_spam_build_default_makes() -> None:
    rebuilt = train_on(*shipped_training())
    assert rebuilt.to_bytes() == DEFAULT_MODEL_PATH.read_bytes()


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
    assert precision >= 0.97
    assert f1 >= 0.93


def test_spam_eval_names_a_missing_file(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such file"):
        call_command("spam_eval", "--train", str(tmp_path / "a.csv"), "--test", "b.csv")


# Held-out check of the calibration for real comment sections. Neither list is used for
# training; both were written before the current method and are not tuned against beyond the
# changes docs/spam.md lists. The few cases the default model still gets wrong are marked
# below as known failures (strict: the test fails if one of them starts passing, so the list
# stays honest).
BLOG_READERS = [
    "hello",
    "Great article, thanks for writing it up.",
    "First time here: is there an RSS feed for new comments?",
    "Thanks! Could you share the source code on GitHub? https://github.com/example/repo",
    "+1",
    "This.",
    "Nice post!",
    "I disagree with the second point; the data from 2019 says otherwise.",
    "Interesting read, but I think you're underestimating how much the housing market "
    "depends on interest rates. When rates went up last year, prices in my city barely "
    "moved, and that doesn't fit your model at all.",
    "Does anyone know if the library still works with Python 3.12? I tried it last week "
    "and got an import error.",
    "Wikipedia has a decent summary of the history if anyone wants more background: "
    "https://en.wikipedia.org/wiki/Printing_press",
    "You can do the same thing with `git rebase -i HEAD~3` and then squash the commits.",
    "**Correction:** the bridge opened in 1937, not 1939.",
    "Loved the photos of the harbour. Which camera did you use?",
    "Sorry, but this is just wrong. The council voted against the plan twice.",
    "My grandmother made this recipe every Sunday. Mine came out a bit dry though, maybe "
    "too long in the oven?",
    "Merci pour cet article, très intéressant !",
    "Muy buen artículo, gracias por compartir.",
    "Danke für den Beitrag, das hat mir sehr geholfen.",
    "Ottimo articolo, complimenti.",
    "Obrigado pela explicação, ficou bem claro.",
    "Спасибо, очень полезная статья.",
    "分かりやすい記事をありがとうございます。",
    "lol",
    "Same here, my train was 40 minutes late this morning too.",
    "Who else is reading this in 2024?",
    "I'm not convinced. Correlation isn't causation, and the sample size in that study was tiny.",
    'Typo in the third paragraph: "their" should be "there".',
    "Is there a transcript of the podcast somewhere? I'm hard of hearing and would love "
    "to follow along.",
    "Well said. Couldn't agree more.",
    "The link in the footnote is broken, it gives a 404.",
    "Here is the official documentation for that setting: "
    "https://docs.python.org/3/library/asyncio.html",
    "> the city should build more bike lanes\n\nYes! Especially on Main Street, where "
    "cars park on the old one.",
    "As a nurse I can tell you the night shifts are even worse than described here.",
    "Any update on the follow-up piece you promised about the election results?",
    "Thank you so much for this guide, I finally got my sourdough starter going after "
    "three failed attempts.",
    "We tried this in our classroom and the kids loved it. - Ms. Patel, 4th grade",
    "Can you recommend a good book on the topic for a beginner?",
    "I think the referee made the right call, watch the replay again at 2:14.",
    "Beautiful writing. It reminded me of my own father.",
    "The BBC covered the same story yesterday: https://www.bbc.co.uk/news",
    "meh, the first season was better",
    "Quick question: does the offer apply to students outside the EU?",
    "Subscribed to the newsletter, looking forward to the next issue!",
    "I've been a reader for ten years and this is one of your best columns.",
    "Why does the chart start at 40 instead of zero? It exaggerates the change.",
    "Check out the comments on the previous post, someone already explained this well.",
    "Happy new year everyone!",
]

BLOG_SPAM = [
    "Best SEO services for your website, rank #1 on Google fast! Visit http://seo-rank-boost.xyz",
    "Buy cheap viagra online, no prescription needed http://pharma-deals.top",
    "Nice post! Visit my website for cheap replica watches: www.replica-watches-sale.shop",
    "Earn $500 a day from home with this simple trick!!! http://easy-money-now.info",
    "Make money online fast, I made $3000 last week working from home, click here "
    "http://bit.ly/2xYz",
    "Invest in Bitcoin now and double your money in 7 days, contact WhatsApp +1 555 0199 "
    "for the best crypto trading platform",
    "Forex signals with 95% accuracy, join our Telegram group today and start earning: "
    "t.me/forexprofits",
    "Best online casino, 200% bonus and free spins on sign up! http://lucky-casino-win.club",
    "Hey guys check out my channel and subscribe please!! I post new videos every week",
    "Check out my new video on YouTube and please subscribe to my channel "
    "http://youtube.com/watch?v=abc123",
    "Hot singles in your area are waiting for you, chat now free http://hot-dates.online",
    "Sexy girls live webcam xxx click here www.adult-cams.site",
    "Call our toll free number 1-800-555-0199 for QuickBooks support, 24/7 customer "
    "service helpline",
    "Contact Microsoft support at +1 (888) 555-0123 to fix your computer errors now",
    "cheap shoes cheap bags cheap watches cheap jerseys best price buy now cheap shoes "
    "cheap bags http://cheap-store.biz",
    "Great article! I found great tips for weight loss pills at http://diet-pills.click, "
    "lose 20 pounds in 2 weeks",
    "Get free followers and likes on Instagram instantly, 100% real, visit "
    "http://free-followers.live",
    "I am a hacker who can recover your lost crypto and hack any account, email me at "
    "recoverypro@example.com",
    "payday loans no credit check instant approval apply now http://fast-loans.co",
    "Work from home and earn $85 per hour, no experience needed, just go to this site for "
    "more details www.homejob.online",
    "Watch free movies online in HD, no registration http://free-movies-hd.xyz",
    "Buy essay online, best essay writing service, cheap and fast! http://essay-writer.top",
    "FREE iPhone giveaway!!! Click the link to claim your prize http://prize-winner.click",
    "Looking for a reliable spell caster? Dr. Okoro brought my ex back in 48 hours, "
    "contact him on drokoro@example.com",
]

READERS_STILL_HELD = {
    # "Check out ..." opens most of the training data's channel promotions, and without a
    # link the sentence is all the model has.
    "Check out the comments on the previous post, someone already explained this well.",
}
SPAM_STILL_PUBLISHED = {
    # The blog corpus taught the model that readers link too; these two say little a
    # reader would not, and their hosts' words are new to it.
    "Hot singles in your area are waiting for you, chat now free http://hot-dates.online",
    "Great article! I found great tips for weight loss pills at http://diet-pills.click, "
    "lose 20 pounds in 2 weeks",
}


def _known_failure(text: str, known: set[str]) -> list[pytest.MarkDecorator]:
    return [pytest.mark.xfail(strict=True, reason="known limitation")] if text in known else []


@pytest.mark.parametrize(
    "text", [pytest.param(t, marks=_known_failure(t, READERS_STILL_HELD)) for t in BLOG_READERS]
)
def test_it_publishes_ordinary_blog_comments(text: str) -> None:
    assert spam_check(SpamInput(text=text)).score < HOLD_THRESHOLD


@pytest.mark.parametrize(
    "text", [pytest.param(t, marks=_known_failure(t, SPAM_STILL_PUBLISHED)) for t in BLOG_SPAM]
)
def test_it_holds_typical_blog_spam(text: str) -> None:
    assert spam_check(SpamInput(text=text)).score >= HOLD_THRESHOLD


def test_the_blog_corpora_are_big_enough_and_mostly_right() -> None:
    assert len(BLOG_READERS) >= 40
    assert len(BLOG_SPAM) >= 20
    assert READERS_STILL_HELD <= set(BLOG_READERS)
    assert SPAM_STILL_PUBLISHED <= set(BLOG_SPAM)


def test_it_flags_contact_details() -> None:
    assert "contact details" in reasons(SpamInput(text="Call 1-800-555-0199 for help"))
    assert "contact details" in reasons(SpamInput(text="write to me at someone@example.com"))
    assert reasons(SpamInput(text="It had 1,884,034,783 views in 2019")) == []


def test_it_reads_digits_written_for_letters() -> None:
    found = features("ch3ck my v1deos, free c4sino")
    assert {"word:check", "word:videos", "word:casino", "word:ch3ck"} <= found
    # Digits that are not standing for letters are left alone.
    assert not {"word:mpe", "word:hi", "word:nd"} & features("an mp3 in h264, 2nd take")


def test_it_describes_how_a_link_is_written() -> None:
    assert {"url:bare", "url:root"} <= features("just for test murdev.com")
    assert "url:referral" in features("Go here http://www.swagbucks.com/p/register?rb=13017194")
    assert "url:profile" in features("see https://audiojungle.net/user/someone/portfolio")
    cited = features("Here is the paper: https://journal.example.org/2019/05/results")
    assert not any(name.startswith("url:") for name in cited)
    # "www." survives the cutting of letter runs to two as part of the host, not in it.
    assert "host:swagbucks.com" in features("www.swagbucks.com/p/x")


def test_an_invitation_to_the_authors_channel_reaches_out_like_a_link() -> None:
    from embed.spam.tokens import reaches_out

    for text in ("Check me out, I rap", "please subscribe to me!", "new video on my channel"):
        assert reaches_out(text), text
    for text in ("I follow the news closely", "Great post, thanks", "Check out the docs"):
        assert not reaches_out(text), text


def test_it_undoes_spacing_and_bracket_tricks() -> None:
    assert "word:youtube" in features("y o u t u b e")
    assert "word:youtube" in features("my you[tube] channel")
    assert "domain:example.com" in features("visit example . com today")


def test_a_link_to_a_well_known_site_is_no_evidence() -> None:
    found = features("see https://en.wikipedia.org/wiki/Printing_press")
    assert "link:well-known" in found
    assert not any(name.startswith(("host:", "domain:")) or name == "link" for name in found)


def test_the_data_set_ships_with_the_project() -> None:
    # The evaluation tests must never skip for want of data, in CI least of all.
    assert len(sorted(DATA.glob("*.csv"))) == 3


YOUTUBE = ["Youtube01-Psy", "Youtube02-KatyPerry", "Youtube03-LMFAO"]


@pytest.fixture(scope="module")
def report() -> list[tuple[str, list[float]]]:
    """`spam_eval --report` as (test file, [readers published, precision, recall, F1]) rows,
    run once for the tests below (it trains eight models)."""
    out = io.StringIO()
    call_command("spam_eval", "--report", stdout=out)
    return [
        (cells[0], [float(value) for value in cells[2:]])
        for line in out.getvalue().splitlines()[2:]
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    ]


def test_spam_eval_report_covers_every_file_and_meets_the_precision_goals(report) -> None:
    assert [name for name, _ in report] == [*YOUTUBE, *YOUTUBE, "blog-links-b", "blog-links-a"]
    for name, (readers_published, precision, _, _) in report:
        if name.startswith("Youtube"):
            assert precision >= 0.97, name
        else:
            assert readers_published >= 0.98, name


# F1 of the shipped way of training (the first three rows), leaving each YouTube file out.
# The floors are this version's figures (docs/spam.md), so that a change that loses recall
# fails here; the goal of 0.95 on every file is not reached (docs/spam.md says why).
F1_FLOORS = {"Youtube01-Psy": 0.925, "Youtube02-KatyPerry": 0.87, "Youtube03-LMFAO": 0.89}


def test_spam_eval_keeps_this_versions_f1_on_every_youtube_file(report) -> None:
    for name, (_, _, _, f1) in report[:3]:
        assert f1 >= F1_FLOORS[name], (name, f1)


@pytest.mark.xfail(strict=True, reason="goal of issue 14 not reached; see docs/spam.md")
def test_spam_eval_reaches_f1_of_0_95_on_every_youtube_file(report) -> None:
    assert all(f1 >= 0.95 for _, (_, _, _, f1) in report[:3])


def test_the_blog_corpus_ships_with_the_project() -> None:
    from embed.spam.dataset import blog_dir

    comments = [c for path in sorted(blog_dir().glob("*.csv")) for c in read_labelled_csv(path)]
    readers = [c for c in comments if not c.is_spam]
    assert len(readers) >= 300
    assert all(find_links(normalize(c.text)) for c in readers)


def test_the_issues_example_is_published() -> None:
    verdict = spam_check(SpamInput(text="First *comment* with a link https://example.org/x"))
    assert verdict.score < HOLD_THRESHOLD


LINKS = (
    "https://example.org/x",
    "http://myblog.example.net/post/12",
    "https://www.youtube.com/watch?v=abc",
)


@pytest.mark.parametrize("link", LINKS)
def test_a_link_never_holds_a_comment_that_says_something(link: str) -> None:
    published = [
        text
        for text in BLOG_READERS
        if not find_links(normalize(text))
        and len(text.split()) >= 4
        and spam_check(SpamInput(text=text)).score < HOLD_THRESHOLD
    ]
    assert len(published) >= 30
    held = [t for t in published if spam_check(SpamInput(text=f"{t} {link}")).score >= 0.5]
    assert held == []


def test_a_comment_that_is_little_but_a_link_is_held() -> None:
    assert "little but a link" in reasons(SpamInput(text="Nice post! http://blog.example.net/x"))
    assert spam_check(SpamInput(text="https://spam.example/x")).score >= HOLD_THRESHOLD
    # Scripts written without spaces still say something.
    assert "little but a link" not in reasons(
        SpamInput(text="分かりやすい記事をありがとうございます。 https://example.org/x")
    )


def test_a_trusted_reader_passes_more_easily() -> None:
    text = "Check out the comments on the previous post, someone already explained this well."
    guest = spam_check(SpamInput(text=text))
    regular = spam_check(SpamInput(text=text, trust=1.0))
    assert guest.score >= HOLD_THRESHOLD
    assert regular.score < HOLD_THRESHOLD
    assert "trusted reader (1.00)" in regular.reasons
    assert reasons(SpamInput(text=text, trust=0.0)) == []
    # Trust lowers a score; it does not wave through a honeypot.
    assert spam_check(SpamInput(text=text, trust=1.0, honeypot="x")).score >= SPAM_THRESHOLD


def test_counts_with_thousands_separators_are_not_phone_numbers() -> None:
    assert reasons(SpamInput(text="2.124.821.694 views!")) == []
    assert "contact details" in reasons(SpamInput(text="Call +44 7700 900123 today"))


def test_training_keeps_ungrouped_data_out_of_the_calibration_folds() -> None:
    from embed.spam.training import platt, train

    samples = [("buy cheap pills now", True), ("thanks for the article", False)] * 6
    groups = ["a", "a", "b", "b"] * 3
    extra = [("great write-up, see the source", False), ("visit my site for deals", True)]
    model = train(samples + extra, groups=[*groups, None, None])
    assert model.score("buy cheap pills now") > model.score("thanks for the article")
    with pytest.raises(ValueError, match="one group per sample"):
        train(samples, groups=["a", "b"])
    # Held-out scores that separate perfectly saturate; the fit stops instead of dividing by 0.
    scale, offset = platt([(50.0, True), (-50.0, False)] * 3)
    assert scale == scale and offset == offset  # finite, not NaN
