#!/usr/bin/python3
"""accuracy_report.py - the figures of one bench/accuracy.sh run, from the
files `vigil train --evaluation-dir` wrote (EvaluationResult and
EvaluationManifest with the predicted masks) and the ground truth the
manifests point at.

Per run: image ROC AUC, F1/precision/recall at the model's own threshold,
F1 on the test images both settings share, pixel ROC AUC; with masks, the
class-agnostic pixel IoU (defect or not, over all test pixels), each
class's IoU, and the share of normal test images left unpainted.

Usage: accuracy_report.py EVAL_DIR INFO_JSON [TRAIN_LOG]
(TRAIN_LOG: what `vigil train` printed, for the pixel ROC AUC of an engine
whose EvaluationResult lacks PixelROCAUC.)  Prints one JSON object.
"""
import glob
import json
import sys

import numpy as np
from PIL import Image


def class_map(path, colors):
    """A class-index map from a painted mask; unknown colours are background."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint32)
    packed = rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]
    out = np.zeros(packed.shape, dtype=np.uint8)
    for index, color in colors.items():
        out[packed == color] = index
    return out


def colors_of(metadata, names):
    """{class index in names (1-based): 0xRRGGBB} from an internal-color-map."""
    out = {}
    for entry in metadata["internal-color-map"].values():
        if entry["class-name"] in names:
            out[names.index(entry["class-name"]) + 1] = int(entry["hex-color"][1:], 16)
    return out


def f1_of(lines):
    tp = sum(1 for l in lines if l["anomaly-label"] == 1 and l["anomaly-label-detected"] == 1)
    fp = sum(1 for l in lines if l["anomaly-label"] == 0 and l["anomaly-label-detected"] == 1)
    fn = sum(1 for l in lines if l["anomaly-label"] == 1 and l["anomaly-label-detected"] == 0)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def logged_pixel_auc(log_path):
    for line in open(log_path):
        if line.startswith("pixel level: ROC AUC ") and "n/a" not in line:
            return float(line.split()[-1])
    return None


def main(eval_dir, info_path, log_path=None):
    info = json.load(open(info_path))
    result = json.load(open(glob.glob(eval_dir + "/EvaluationResult-*.json")[0]))
    metrics = result["AggregatedEvaluationResults"]["Metrics"]
    lines = [json.loads(l) for l in open(glob.glob(eval_dir + "/EvaluationManifest-*.json")[0])]
    shared = set(info["test_b"])
    out = {"test_images": len(lines), "roc_auc": metrics.get("ROCAUC"),
           "f1": metrics["F1Score"], "precision": metrics["Precision"],
           "recall": metrics["Recall"], "pixel_roc_auc": metrics.get("PixelROCAUC"),
           "f1_shared": f1_of([l for l in lines if l["source-ref"] in shared])}
    if out["pixel_roc_auc"] is None and log_path:
        out["pixel_roc_auc"] = logged_pixel_auc(log_path)
    names = info["classes"]
    if not any("anomaly-mask-ref-detected" in l for l in lines) or not names:
        print(json.dumps(out))
        return
    inter = np.zeros(len(names) + 1)
    union = np.zeros(len(names) + 1)
    normal, unpainted = 0, 0
    for l in lines:
        predicted = class_map(l["anomaly-mask-ref-detected"],
                              colors_of(l["anomaly-mask-ref-detected-metadata"], names))
        if l["anomaly-label"] == 0:
            normal += 1
            unpainted += int(not predicted.any())
            truth = np.zeros_like(predicted)
        elif "anomaly-mask-ref" in l:
            truth = class_map(l["anomaly-mask-ref"], colors_of(l["anomaly-mask-ref-metadata"], names))
        else:
            continue  # an anomaly without a mask: its pixels are unknown
        inter[0] += np.count_nonzero((predicted > 0) & (truth > 0))
        union[0] += np.count_nonzero((predicted > 0) | (truth > 0))
        for k in range(1, len(names) + 1):
            inter[k] += np.count_nonzero((predicted == k) & (truth == k))
            union[k] += np.count_nonzero((predicted == k) | (truth == k))
    out["pixel_iou"] = inter[0] / union[0] if union[0] else None
    out["class_iou"] = {n: (inter[k + 1] / union[k + 1] if union[k + 1] else None)
                        for k, n in enumerate(names)}
    out["aiou"] = {c["ClassName"]: c.get("AIOU") for c in metrics.get("PixelAnomalyClassMetrics", [])}
    out["normal_unpainted"] = unpainted / normal if normal else None
    print(json.dumps(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
