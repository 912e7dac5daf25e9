"""`make bench-spam`: how long the spam model takes to score one comment.

Scores every comment of the YouTube Spam Collection (embed/spam/data/) with the shipped
default model, several rounds, and prints the per-comment time (median and p99 of rounds,
microseconds) with the load average. Timing lives here, never in a test: a busy CI machine
would make a timed test fail for no fault of the code.
"""

import statistics
import time

from bench.env import load_average


def main() -> int:
    from embed.spam import SpamInput, SpamModel, spam_check
    from embed.spam.dataset import dataset_dir, read_labelled_csv

    texts = [
        comment.text
        for path in sorted(dataset_dir().glob("*.csv"))
        for comment in read_labelled_csv(path)
    ]
    model = SpamModel.default()
    for text in texts[:50]:  # warm caches and lazy compiles out of the measurement
        spam_check(SpamInput(text=text), model)
    rounds = []
    for _ in range(7):
        start = time.perf_counter()
        for text in texts:
            spam_check(SpamInput(text=text), model)
        rounds.append((time.perf_counter() - start) / len(texts) * 1e6)
    rounds.sort()
    print(f"spam scoring: {len(texts)} comments x {len(rounds)} rounds, load {load_average()}")
    print(
        f"  per comment: median {statistics.median(rounds):.0f} us, worst round {rounds[-1]:.0f} us"
    )
    print(f"  target < 5000 us: {'met' if rounds[-1] < 5000 else 'not met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
