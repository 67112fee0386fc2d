"""Theme quality against human labels, and speed: k-means groups against NMF factors (and static embeddings).

    python benchmarks/theme_quality.py [--realdata ../shared/realdata] [--rows 10000] [--seeds 0,1,2]

The human labels are the products consumers filed their complaints under in the CFPB sample
(``cfpb_complaints_sample_2015_2020.csv``: 1,532 narratives, 13 products). Each method's themes are found in the
redacted narratives, as workbook 02 finds them, and compared with the products by adjusted mutual information
(scikit-learn's ``adjusted_mutual_info_score``): 0 is chance, 1 the same grouping. Printed for the number of themes
each method chooses itself and for 6, over a few seeds, with the seconds each took. For reference, the ceiling of
what the words say about the product: a classifier trained on the labels (logistic regression on the same TF-IDF,
5-fold cross-validated predictions) scored the same way.

Static embeddings (``wordllama``'s 256-dimension token vectors, shipped in its wheel) are compared when the
package can be imported (it is not a dependency of cxmethods): each narrative is the mean of its tokens' vectors,
grouped by k-means on unit vectors, the number of groups chosen by silhouette as ``themes`` does. The weights and
tokenizer are read from the package's own files, with the network blocked, to show they need none.

Then the time of ``themes`` on ``--rows`` comments (narratives drawn with replacement, cut to 600 characters,
about a survey comment's length), choosing the number of themes and with 6, for both methods.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def _embedder():
    """wordllama's token vectors and tokenizer from its installed files, with sockets blocked; None without it."""
    import importlib.util
    import socket

    spec = importlib.util.find_spec("wordllama")
    if spec is None or spec.origin is None:
        return None
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    def refuse(*args, **kwargs):
        raise OSError("network blocked by theme_quality.py: the embeddings must load offline")

    connect, create = socket.socket.connect, socket.create_connection
    socket.socket.connect, socket.create_connection = refuse, refuse  # type: ignore[method-assign,assignment]
    try:
        folder = Path(spec.origin).parent
        vectors = load_file(str(folder / "weights" / "l2_supercat_256.safetensors"))["embedding.weight"]
        tokenizer = Tokenizer.from_file(str(folder / "tokenizers" / "l2_supercat_tokenizer_config.json"))
    finally:
        socket.socket.connect, socket.create_connection = connect, create  # type: ignore[method-assign]
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return vectors.astype(np.float32), tokenizer


def _embed(texts: list[str], vectors, tokenizer) -> np.ndarray:
    from sklearn.preprocessing import normalize

    from cxmethods.methods.text import _NOISE

    ids = [np.asarray(e.ids, dtype=np.int64) for e in tokenizer.encode_batch([_NOISE.sub(" ", t) for t in texts])]
    return normalize(np.vstack([vectors[i].mean(axis=0) if len(i) else np.zeros(vectors.shape[1]) for i in ids]))


def _embedding_themes(e: np.ndarray, k: int | None, seed: int) -> np.ndarray:
    from sklearn.metrics import silhouette_score

    from cxmethods.methods.text import _clusters

    if k is None:
        scores = {j: silhouette_score(e, _clusters(e, j, seed, starts=3), metric="cosine") for j in range(2, 11)}
        k = max(scores, key=lambda j: (round(scores[j], 9), -j))
    return _clusters(e, k, seed)


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import adjusted_mutual_info_score
    from sklearn.model_selection import cross_val_predict

    from cxmethods.methods.text import _redacted, _term_matrix, themes

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--realdata", type=Path, default=ROOT.parent / "shared" / "realdata")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    data = pd.read_csv(
        args.realdata / "cfpb_complaints_sample_2015_2020.csv", usecols=["Consumer complaint narrative", "Product"]
    ).dropna()
    texts = _redacted(data["Consumer complaint narrative"])
    products = data["Product"].to_numpy()
    x = _term_matrix(texts.tolist())[0]
    ceiling = cross_val_predict(LogisticRegression(C=10, max_iter=3000), x, products, cv=5)
    print(f"CFPB: {len(texts):,} narratives, {len(set(products))} products")
    print(f"ceiling (supervised, 5-fold logistic regression on TF-IDF): AMI {adjusted_mutual_info_score(products, ceiling):.3f}")
    rows = []
    for method in ("clusters", "nmf"):
        for k in (None, 6):
            for seed in seeds:
                start = time.perf_counter()
                th = themes(texts, n_themes=k, random_state=seed, method=method, redacted=True)
                seconds = time.perf_counter() - start
                has = th.assignment.notna().to_numpy()
                ami = adjusted_mutual_info_score(products[has], th.assignment[has].astype(int))
                rows.append(
                    {"method": method, "asked": k or "chosen", "seed": seed, "k": len(th.table), "ami": ami, "s": seconds}
                )
    found = _embedder()
    if found is None:
        print("wordllama is not installed: static embeddings not compared")
    else:
        start = time.perf_counter()
        e = _embed(texts.tolist(), *found)
        embedded = time.perf_counter() - start
        for k in (None, 6):
            for seed in seeds:
                start = time.perf_counter()
                labels = _embedding_themes(e, k, seed)
                seconds = embedded + time.perf_counter() - start
                ami = adjusted_mutual_info_score(products, labels)
                rows.append(
                    {"method": "wordllama", "asked": k or "chosen", "seed": seed, "k": len(set(labels)), "ami": ami, "s": seconds}
                )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(table.groupby(["method", "asked"], sort=False)[["k", "ami", "s"]].mean().round(3).to_string())
    rng = np.random.default_rng(0)
    many = pd.Series(data["Consumer complaint narrative"].to_numpy()[rng.choice(len(data), args.rows)]).str.slice(0, 600)
    for method in ("clusters", "nmf"):
        for k in (None, 6):
            start = time.perf_counter()
            themes(many, n_themes=k, method=method)
            print(f"{method:9s} {k or 'chosen'!s:7s} {args.rows:,} comments: {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
