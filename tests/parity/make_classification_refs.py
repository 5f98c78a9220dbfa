#!/usr/bin/python3
"""Reference numbers for the evaluation metrics, from Debian's python3-sklearn.

Writes scores.csv (one image per row: true label, then the 7 class probabilities as float32
softmax of seeded random logits) and sklearn.json with what scikit-learn computes from them:
classification_report(labels=range(7), zero_division=0, output_dict=True), confusion_matrix and
top_k_accuracy_score for k=1 and k=5. Class 5 has no true images but is predicted; class 6 has
true images but is never predicted, so both zero-division rules are exercised.

Usage: /usr/bin/python3 make_classification_refs.py OUT_DIR
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.metrics import classification_report, confusion_matrix, top_k_accuracy_score

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(18)
n, classes = 157, 7
labels = rng.choice([0, 1, 2, 3, 4, 6], size=n, p=[0.3, 0.25, 0.15, 0.12, 0.1, 0.08])
logits = rng.normal(size=(n, classes)).astype(np.float32)
logits[np.arange(n), labels] += rng.uniform(0, 2.5, size=n).astype(np.float32)  # better than chance
logits[:, 6] -= 10  # never the most probable
logits[:7, 5] += 10  # predicted a few times though no image is of class 5
e = np.exp(logits - logits.max(axis=1, keepdims=True))
probs = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
pred = probs.argmax(axis=1)

with open(os.path.join(out, "scores.csv"), "w") as f:
    for y, p in zip(labels, probs):
        f.write(str(int(y)) + "," + ",".join(repr(float(v)) for v in p) + "\n")
ids = list(range(classes))
reference = {
    "report": classification_report(labels, pred, labels=ids, zero_division=0, output_dict=True),
    "confusion": confusion_matrix(labels, pred, labels=ids).tolist(),
    "top1": top_k_accuracy_score(labels, probs, k=1, labels=ids),
    "top5": top_k_accuracy_score(labels, probs, k=5, labels=ids),
}
with open(os.path.join(out, "sklearn.json"), "w") as f:
    json.dump(reference, f, indent=1)
with open(os.path.join(out, "VERSION"), "w") as f:
    f.write("sklearn " + sklearn.__version__ + "\n")
