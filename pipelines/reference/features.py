"""Per-card features at each transaction's time, computed from that card's earlier transactions only.

One row per transaction: `card_id`, `event_timestamp` (UTC, Feast's convention) and FEATURE_COLUMNS. Windows hold
the card's events strictly before the transaction, so a later event never changes an earlier row (point-in-time
correct); the transaction's own attributes (amount, country, hour, channel) are known when it is scored. Spark runs
`compute_card_features` per card through `groupBy('card_id').applyInPandas`, so it sorts its input itself.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

# Feature name -> type, in Spark's DDL words (the features job builds its output schema from it).
FEATURE_TYPES = {
    'amount': 'double',
    'txn_count_1h': 'long',
    'txn_count_24h': 'long',
    'amount_sum_24h': 'double',
    'amount_mean_7d': 'double',
    'amount_zscore': 'double',
    'foreign_country': 'boolean',
    'night': 'boolean',
    'ecommerce': 'boolean',
}
FEATURE_COLUMNS = tuple(FEATURE_TYPES)
OUTPUT_COLUMNS = ('card_id', 'event_timestamp', *FEATURE_COLUMNS)
NIGHT_HOURS_UTC = 6  # hours 0-5; the event carries no time zone of the cardholder
_HOUR_MS, _DAY_MS = 3_600_000, 86_400_000
_OUTPUT_DTYPES = {
    'card_id': 'object',
    'event_timestamp': 'datetime64[ns, UTC]',
    **{name: {'double': 'float64', 'long': 'int64', 'boolean': 'bool'}[kind] for name, kind in FEATURE_TYPES.items()},
}


def compute_card_features(transactions: pd.DataFrame) -> pd.DataFrame:
    """Features of every transaction (columns card_id, event_time, amount, country, channel; transaction_id breaks ties)."""
    frame = transactions.assign(event_timestamp=pd.to_datetime(transactions['event_time'], utc=True))
    order = ['card_id', 'event_timestamp'] + (['transaction_id'] if 'transaction_id' in frame else [])
    frame = frame.sort_values(order, kind='mergesort').reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS)).astype(_OUTPUT_DTYPES)
    # Millisecond times (Avro's precision), offset per card so one searchsorted finds windows of every card at once.
    millis = frame['event_timestamp'].dt.tz_convert(None).to_numpy('datetime64[ms]').view('int64')
    card = pd.factorize(frame['card_id'])[0]
    first = np.searchsorted(card, card, side='left')  # index of each card's first event
    stride = int(millis.max() - millis.min()) + 1
    if card.max() * stride >= 2**62:
        raise ValueError(f'{card.max() + 1} cards over {stride} ms overflow the window index; compute fewer cards at once')
    keys = card * stride + (millis - millis.min())
    earlier = np.searchsorted(keys, keys, side='left')  # the card's events strictly before each one

    def window_start(length_ms: int) -> np.ndarray:
        return np.maximum(np.searchsorted(keys, keys - length_ms, side='left'), first)

    amounts = frame['amount'].to_numpy(dtype='float64')
    total = np.concatenate([[0.0], np.cumsum(amounts)])
    start_24h, start_7d = window_start(_DAY_MS), window_start(7 * _DAY_MS)
    count_7d = earlier - start_7d
    return pd.DataFrame({
        'card_id': frame['card_id'],
        'event_timestamp': frame['event_timestamp'],
        'amount': amounts,
        'txn_count_1h': (earlier - window_start(_HOUR_MS)).astype('int64'),
        'txn_count_24h': (earlier - start_24h).astype('int64'),
        'amount_sum_24h': total[earlier] - total[start_24h],
        # Without history the mean is the amount itself: neutral, and always a number for the model.
        'amount_mean_7d': np.divide(total[earlier] - total[start_7d], count_7d, out=amounts.copy(), where=count_7d > 0),
        'amount_zscore': _log_amount_zscore(amounts, first, earlier),
        'foreign_country': _foreign_country(card, millis, frame['country'].to_numpy()),
        'night': frame['event_timestamp'].dt.hour < NIGHT_HOURS_UTC,
        'ecommerce': frame['channel'] == 'ecommerce',
    }, columns=list(OUTPUT_COLUMNS)).astype(_OUTPUT_DTYPES)


def _log_amount_zscore(amounts: np.ndarray, first: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """z-score of log(1 + amount) against all the card's earlier ones (amounts are lognormal); 0 with fewer than two.

    The spread has a floor of 0.1 (about 10%): two near-equal past amounts must not make every new one extreme.
    """
    logs = np.log1p(amounts)
    sums = np.concatenate([[0.0], np.cumsum(logs)])
    squares = np.concatenate([[0.0], np.cumsum(logs**2)])
    count = earlier - first
    mean = (sums[earlier] - sums[first]) / np.maximum(count, 1)
    variance = (squares[earlier] - squares[first]) / np.maximum(count, 1) - mean**2
    return np.where(count >= 2, (logs - mean) / np.sqrt(np.clip(variance, 0.01, None)), 0.0)


def _foreign_country(card_array: np.ndarray, time_array: np.ndarray, country_array: np.ndarray) -> np.ndarray:
    """Whether each event's country differs from its card's most frequent one among strictly earlier events."""
    cards, times, countries = card_array.tolist(), time_array.tolist(), country_array.tolist()  # this loop is per row
    flags = np.zeros(len(times), dtype=bool)
    counts: Counter = Counter()
    usual, folded = None, 0
    for i, (card, time, country) in enumerate(zip(cards, times, countries)):
        if i == 0 or card != cards[i - 1]:
            counts, usual, folded = Counter(), None, i
        while times[folded] < time:  # fold in the card's earlier events
            seen = countries[folded]
            counts[seen] += 1
            if usual is None or counts[seen] > counts[usual]:  # ties keep the country that got there first
                usual = seen
            folded += 1
        flags[i] = usual is not None and country != usual
    return flags
