"""Scoring many persons at once without changing a single result.

`name_bounds` gives, for every pair of name signatures (a person's name variants), an upper
bound of `matching.name_score`, computed in C (`rapidfuzz.process.cdist` on the distinct tokens)
and numpy: `_align` pairs every token of the shorter name with one token of the other, so the
best partner of each token bounds its pair score, and the bound follows the same formula (half
the mean, half the worst, the one-token factor and the cost of each missing token, read from
matching). A pair of
persons whose bound cannot reach the threshold — even with the most the birth date and the
nationality add — and who share no document is never scored; every other pair gets the exact
`matching.score`. The prefilter only skips work: the matches are the ones scoring every pair
would give.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import process
from rapidfuzz.fuzz import ratio

from persons.matching import (
    INITIAL_SCORE,
    MAX_BONUS,
    MISSING_TOKEN_COST,
    ONE_TOKEN_FACTOR,
    SKELETON_FACTOR,
    Variant,
)

# float32 and the rounding of the name score: a margin so the bound is never below the truth.
MARGIN = 1.0
_CELLS = 4_000_000  # numpy cells per slice (about 16 MB): memory stays bounded


def skip_below(limit: int) -> float:
    """A pair whose name bound is below this (and which shares no document) cannot match."""
    return limit - MAX_BONUS - MARGIN


def _token_matrix(tokens: list[str]) -> np.ndarray:
    """`matching._token_score` of every pair of these distinct tokens, with one last row and
    column of -1 (the padding of shorter names)."""
    scores = process.cdist(tokens, tokens, scorer=ratio, dtype=np.float32)
    single = np.array([len(t) == 1 for t in tokens])
    first = np.array([ord(t[0]) for t in tokens])
    initials = np.where(first[:, None] == first[None, :], INITIAL_SCORE, 0.0).astype(np.float32)
    scores = np.where(single[:, None] | single[None, :], initials, scores)
    np.fill_diagonal(scores, 100.0)
    return np.pad(scores, ((0, 1), (0, 1)), constant_values=-1.0)


def _rows(rows: list[tuple[str, ...]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(r) for r in rows)
    out = np.full((len(rows), width), -1, dtype=np.int64)
    for n, row in enumerate(rows):
        out[n, : len(row)] = [index[t] for t in row]
    return out, np.array([len(r) for r in rows], dtype=np.float32)


def _left_bounds(m: np.ndarray, a: np.ndarray, la: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(mean + min) / 2 of each token of `a`'s best partner in `b`: `_align` with `a` as the
    shorter name can do no better."""
    out = np.empty((len(a), len(b)), dtype=np.float32)
    step = max(1, _CELLS // max(1, len(b) * a.shape[1] * b.shape[1]))
    for start in range(0, len(a), step):
        part = a[start : start + step]
        best = m[part[:, None, :, None], b[None, :, None, :]].max(axis=3)
        valid = (part >= 0)[:, None, :]
        total = np.where(valid, best, 0).sum(axis=2)
        low = np.where(valid, best, np.inf).min(axis=2)
        out[start : start + step] = (total / la[start : start + step, None] + low) / 2
    return out


def _align_bounds(m, a, la, b, lb) -> np.ndarray:
    value = np.where(
        la[:, None] <= lb[None, :], _left_bounds(m, a, la, b), _left_bounds(m, b, lb, a).T
    )
    short = np.minimum(la[:, None], lb[None, :])
    long = np.maximum(la[:, None], lb[None, :])
    value = np.where((short == 1) & (long > 1), value * ONE_TOKEN_FACTOR, value)
    return np.maximum(0.0, value - MISSING_TOKEN_COST * (long - short))


def name_bounds(left: list[tuple[Variant, ...]], right: list[tuple[Variant, ...]]) -> np.ndarray:
    """An upper bound of `matching.name_score` for every (left, right) pair of signatures."""
    out = np.zeros((len(left), len(right)), dtype=np.float32)
    li = [n for n, sig in enumerate(left) if sig]
    ri = [n for n, sig in enumerate(right) if sig]
    if not li or not ri:
        return out
    lvars = [(n, v) for n in li for v in left[n]]
    rvars = [(n, v) for n in ri for v in right[n]]
    tokens = sorted(
        {t for _, v in lvars + rvars for t in v.tokens}
        | {t for _, v in lvars + rvars for t in v.skeletons}
    )
    index = {t: n for n, t in enumerate(tokens)}
    m = _token_matrix(tokens)
    lt, llt = _rows([v.tokens for _, v in lvars], index)
    rt, lrt = _rows([v.tokens for _, v in rvars], index)
    bound = _align_bounds(m, lt, llt, rt, lrt)
    lp = np.array([v.phonetic for _, v in lvars])
    rp = np.array([v.phonetic for _, v in rvars])
    if lp.any() or rp.any():
        ls, lls = _rows([v.skeletons for _, v in lvars], index)
        rs, lrs = _rows([v.skeletons for _, v in rvars], index)
        skel = SKELETON_FACTOR * _align_bounds(m, ls, lls, rs, lrs)
        bound = np.where(lp[:, None] | rp[None, :], np.maximum(bound, skel), bound)
    # The best over each signature's variants (variants are listed signature by signature).
    lstarts = np.flatnonzero(np.r_[True, np.diff([n for n, _ in lvars]) != 0])
    rstarts = np.flatnonzero(np.r_[True, np.diff([n for n, _ in rvars]) != 0])
    bound = np.maximum.reduceat(np.maximum.reduceat(bound, lstarts, axis=0), rstarts, axis=1)
    out[np.ix_(li, ri)] = bound
    return out
