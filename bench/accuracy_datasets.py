#!/usr/bin/python3
"""accuracy_datasets.py - the manifests of bench/accuracy.sh, written into a
work folder (never into the repository): for every dataset folder under
DATASETS, two settings of Ground Truth manifests with absolute image paths
and, where the dataset has masks, segmentation masks painted in class
colours.

Layouts understood (they are the layouts of the shared datasets, described
in docs/benchmarks.md):
  - MVTec style: train/good/, test/good/, test/<defect type>/ and, with
    masks, ground_truth/<defect type>/<name>_mask.png (non-zero = defect).
    A class_ids.json beside them maps mask values to class names (one mask
    may then hold several classes); without it a mask's defect pixels are
    of the class named after its defect type folder.
  - Lookout style: train.manifest (classification label plus mask) and
    test-images/ whose file names start with test-normal or test-anomaly.

The two settings:
  a  training: the normal training images only; test: every test image.
  b  training: (a)'s, plus the test anomalies at positions 0, 3, 6, ... of
     each defect type in file name order (a fixed third, with their masks);
     test: the others.  Both settings' test sets share every image that (b)
     tests, so F1 is also reported on those alone.

Writes WORK/SET/{a,b}/{train,test}.manifest, WORK/SET/masks/ and
WORK/SET/info.json (whether it has masks, its classes, (b)'s test images).
Usage: accuracy_datasets.py DATASETS WORK
"""
import json
import os
import re
import sys

from PIL import Image

IMAGE_EXT = (".jpg", ".jpeg", ".png")
WHITE = (255, 255, 255)
# Distinct class colours (neither white nor black), in class order.
PALETTE = [(0x23, 0xA4, 0x36), (0xE6, 0x19, 0x4B), (0x43, 0x63, 0xD8), (0xF5, 0x82, 0x31),
           (0x91, 0x1E, 0xB4), (0x42, 0xD4, 0xF4), (0xF0, 0x32, 0xE6), (0xBF, 0xEF, 0x45)]


def images(folder):
    return sorted(os.path.join(folder, n) for n in os.listdir(folder)
                  if n.lower().endswith(IMAGE_EXT))


def class_name(text):
    """Lookout's AnomalyName allows letters and digits only."""
    return re.sub(r"[^A-Za-z0-9]", "", text)


def label_fields(anomalous):
    return {"anomaly-label": 1 if anomalous else 0,
            "anomaly-label-metadata": {"class-name": "anomaly" if anomalous else "normal",
                                       "type": "groundtruth/image-classification",
                                       "human-annotated": "yes", "job-name": "bench"}}


def mask_fields(mask_path, classes):
    color_map = {"0": {"class-name": "BACKGROUND", "hex-color": "#FFFFFF"}}
    for i, name in enumerate(classes):
        color_map[str(i + 1)] = {"class-name": name, "hex-color": "#%02X%02X%02X" % PALETTE[i]}
    return {"anomaly-mask-ref": mask_path,
            "anomaly-mask-ref-metadata": {"internal-color-map": color_map,
                                          "type": "groundtruth/semantic-segmentation",
                                          "human-annotated": "yes", "job-name": "bench"}}


def paint_mask(source, value_classes, folder_class, classes, out_path):
    """An RGB mask: white background, each defect pixel in its class colour."""
    grey = Image.open(source).convert("L")
    lookup = {0: WHITE}
    for _, v in grey.getcolors():
        if v:
            lookup[v] = PALETTE[classes.index(value_classes.get(v, folder_class))]
    rgb = Image.new("RGB", grey.size)
    rgb.putdata([lookup[v] for v in grey.getdata()])
    rgb.save(out_path)


def mvtec_set(root, work):
    """Lines (path, anomalous, defect type or None, mask) of an MVTec-style folder."""
    gt = os.path.join(root, "ground_truth")
    value_classes = {}
    ids = os.path.join(root, "class_ids.json")
    if os.path.exists(ids):
        value_classes = {int(k): class_name(v) for k, v in json.load(open(ids)).items() if int(k)}
    kinds = sorted(k for k in os.listdir(os.path.join(root, "test")) if k != "good")
    has_masks = os.path.isdir(gt)
    if value_classes:
        classes = sorted(set(value_classes.values()))
    else:
        classes = [class_name(k) for k in kinds] if has_masks else []
    train = [(p, False, None, None) for p in images(os.path.join(root, "train", "good"))]
    test = [(p, False, None, None) for p in images(os.path.join(root, "test", "good"))]
    os.makedirs(os.path.join(work, "masks"), exist_ok=True)
    for kind in kinds:
        for p in images(os.path.join(root, "test", kind)):
            mask = None
            if has_masks:
                base = os.path.splitext(os.path.basename(p))[0]
                mask = os.path.join(work, "masks", "%s-%s.png" % (kind, base))
                paint_mask(os.path.join(gt, kind, base + "_mask.png"), value_classes,
                           class_name(kind), classes, mask)
            test.append((p, True, kind, mask))
    return train, test, classes


def lookout_set(root):
    """The same from a Lookout-style folder (train.manifest + test-images/)."""
    train, test, classes = [], [], []
    for line in open(os.path.join(root, "train.manifest")):
        e = json.loads(line)
        anomalous = e["anomaly-label"] == 1
        mask = e.get("anomaly-mask-ref")
        for entry in e.get("anomaly-mask-ref-metadata", {}).get("internal-color-map", {}).values():
            if entry["class-name"].upper() != "BACKGROUND" and entry["class-name"] not in classes:
                classes.append(entry["class-name"])
        line = (os.path.join(root, e["source-ref"]), anomalous, "anomaly" if anomalous else None,
                os.path.join(root, mask) if mask else None)
        (test if anomalous else train).append(line)
    for p in images(os.path.join(root, "test-images")):
        anomalous = os.path.basename(p).startswith("test-anomaly")
        test.append((p, anomalous, "unmasked" if anomalous else None, None))
    test.sort(key=lambda line: line[0])
    return train, test, classes, root


def manifest_line(line, classes, colors_of):
    path, anomalous, _, mask = line
    out = {"source-ref": path}
    out.update(label_fields(anomalous))
    if mask:
        out.update(mask_fields(mask, colors_of or classes))
    return json.dumps(out)


def write(path, lines, classes, colors_of=None):
    with open(path, "w") as f:
        for line in lines:
            f.write(manifest_line(line, classes, colors_of) + "\n")


def moved_to_training(test):
    """Setting (b): positions 0, 3, 6, ... of each defect type, by file name."""
    moved, position = set(), {}
    for path, anomalous, kind, mask in sorted(test, key=lambda line: line[0]):
        if not anomalous or (kind == "unmasked"):
            continue
        k = position.get(kind, 0)
        position[kind] = k + 1
        if k % 3 == 0:
            moved.add(path)
    return moved


def lookout_colors(root):
    """A Lookout manifest's own colour map (masks are already painted)."""
    for line in open(os.path.join(root, "train.manifest")):
        cmap = json.loads(line).get("anomaly-mask-ref-metadata", {}).get("internal-color-map")
        if cmap:
            return cmap
    return None


def main(datasets, work):
    for name in sorted(os.listdir(datasets)):
        root = os.path.join(datasets, name)
        out = os.path.join(work, name)
        colors = None
        if os.path.isdir(os.path.join(root, "train", "good")):
            os.makedirs(out, exist_ok=True)
            train, test, classes = mvtec_set(root, out)
        elif os.path.exists(os.path.join(root, "train.manifest")):
            os.makedirs(out, exist_ok=True)
            train, test, classes, _ = lookout_set(root)
            colors = lookout_colors(root)
        else:
            continue
        moved = moved_to_training(test)
        for setting, extra in (("a", set()), ("b", moved)):
            os.makedirs(os.path.join(out, setting), exist_ok=True)
            tr = train + [l for l in test if l[0] in extra]
            te = [l for l in test if l[0] not in extra]
            for file, lines in (("train.manifest", tr), ("test.manifest", te)):
                with open(os.path.join(out, setting, file), "w") as f:
                    for line in lines:
                        e = {"source-ref": line[0]}
                        e.update(label_fields(line[1]))
                        if line[3]:
                            fields = mask_fields(line[3], classes)
                            if colors:
                                fields["anomaly-mask-ref-metadata"]["internal-color-map"] = colors
                            e.update(fields)
                        f.write(json.dumps(e) + "\n")
        info = {"masks": any(l[3] for l in test), "classes": classes,
                "test_b": sorted(l[0] for l in test if l[0] not in moved),
                "moved": len(moved), "train": len(train), "test": len(test)}
        json.dump(info, open(os.path.join(out, "info.json"), "w"), indent=1)
        print("%s: %d training, %d test images, %d anomalies moved in (b), classes %s"
              % (name, len(train), len(test), len(moved), classes or "none"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
