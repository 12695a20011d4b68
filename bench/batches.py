"""The send pipeline's batch sizes during one load run, from the product's ``/metrics``."""

from __future__ import annotations

import re
import urllib.request

import attrs

_BUCKET = re.compile(r'^chat_send_batch_size_bucket\{le="([^"]+)"\} ([0-9.e+]+)$', re.M)
_SUM = re.compile(r"^chat_send_batch_size_sum ([0-9.e+]+)$", re.M)
_COUNT = re.compile(r"^chat_send_batch_size_count ([0-9.e+]+)$", re.M)


@attrs.frozen
class BatchSizes:
    """Cumulative histogram counts by upper bound, with the total and the count."""

    buckets: dict[str, float]
    total: float
    count: float

    def minus(self, before: BatchSizes) -> BatchSizes:
        return BatchSizes(
            {le: n - before.buckets.get(le, 0) for le, n in self.buckets.items()},
            self.total - before.total,
            self.count - before.count,
        )

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def describe(self) -> str:
        """``mean 7.9; <=1: 3%, <=2: 10%, ...`` (each bound's share of the batches)."""
        if not self.count:
            return "no batches"
        shares = []
        below = 0.0
        for le, cumulative in self.buckets.items():
            if cumulative > below:
                bound = "more" if le == "+Inf" else f"<={float(le):.0f}"
                shares.append(f"{bound}: {100 * (cumulative - below) / self.count:.0f}%")
            below = cumulative
        return f"{self.count:.0f} batches, mean {self.mean:.1f} sends; " + ", ".join(shares)


def scrape(url: str) -> BatchSizes:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    buckets = {le: float(n) for le, n in _BUCKET.findall(text)}
    total, count = _SUM.search(text), _COUNT.search(text)
    return BatchSizes(
        buckets, float(total.group(1)) if total else 0.0, float(count.group(1)) if count else 0.0
    )
