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


# The derived set of small defects in large photos: 2000x1334 photos of
# MOSAIC_COLUMNS x MOSAIC_ROWS cookies, as Lookout for Vision's circuit board
# example (20 + 20 training and 20 + 20 test photos of that size).
MOSAIC_COLUMNS, MOSAIC_ROWS, TILE = 4, 2, (500, 667)
MOSAIC_COUNT = 20


def mosaic(tiles, anomaly, slot, out_image, out_mask):
    """One photo of tiles (paths), the anomalous one (with its mask) at slot."""
    photo = Image.new("RGB", (TILE[0] * MOSAIC_COLUMNS, TILE[1] * MOSAIC_ROWS))
    mask = Image.new("RGB", photo.size, WHITE) if anomaly else None
    for k, path in enumerate(tiles):
        x, y = TILE[0] * (k % MOSAIC_COLUMNS), TILE[1] * (k // MOSAIC_COLUMNS)
        if anomaly and k == slot:
            path, mask_path = anomaly
            tile_mask = Image.open(mask_path).convert("RGB").resize(TILE, Image.NEAREST)
            mask.paste(tile_mask, (x, y))
        photo.paste(Image.open(path).convert("RGB").resize(TILE, Image.BILINEAR), (x, y))
    photo.save(out_image, quality=90)
    if mask:
        # the cookie masks are black where the class colour is not
        pixels = [p if p != (0, 0, 0) else WHITE for p in mask.getdata()]
        mask.putdata(pixels)
        mask.save(out_mask)


def cookies_mosaic(cookies_root, work):
    """Lines of the derived set, from the cookies: training photos from the
    training normals and the first half of the anomalies (by name), test
    photos from the test normals and the other half."""
    import random
    train, test, classes, _ = lookout_set(cookies_root)
    os.makedirs(work, exist_ok=True)
    normals = [l[0] for l in train]
    test_normals = [l[0] for l in test if not l[1]]
    anomalies = sorted((l[0], l[3]) for l in test if l[1] and l[3])
    half = len(anomalies) // 2
    rng = random.Random(1)
    os.makedirs(os.path.join(work, "images"), exist_ok=True)
    os.makedirs(os.path.join(work, "masks"), exist_ok=True)
    out = {"train": [], "test": []}
    for part, pool, defects in (("train", normals, anomalies[:half]),
                                ("test", test_normals, anomalies[half:])):
        for k in range(2 * MOSAIC_COUNT):
            anomalous = k >= MOSAIC_COUNT
            name = "%s-%s-%02d" % (part, "anomaly" if anomalous else "normal", k % MOSAIC_COUNT)
            image = os.path.join(work, "images", name + ".jpg")
            mask = os.path.join(work, "masks", name + ".png") if anomalous else None
            tiles = [rng.choice(pool) for _ in range(MOSAIC_COLUMNS * MOSAIC_ROWS)]
            slot = rng.randrange(len(tiles))
            mosaic(tiles, defects[k % len(defects)] if anomalous else None, slot, image, mask)
            out[part].append((image, anomalous, "cracked" if anomalous else None, mask))
    return out["train"], out["test"], classes


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
        write_settings(out, train, test, classes, colors, moved_to_training(test))
    out = os.path.join(work, "cookies_mosaic")
    train, test, classes = cookies_mosaic(os.path.join(datasets, "cookies"), out)
    # (b) is the circuit board example's layout: labelled anomalous photos of
    # their own in training, the same test photos as (a)
    write_settings(out, [l for l in train if not l[1]], test, classes, None,
                   set(), extra_training=[l for l in train if l[1]])


def manifest_line(line, classes, colors):
    path, anomalous, _, mask = line
    entry = {"source-ref": path}
    entry.update(label_fields(anomalous))
    if mask:
        fields = mask_fields(mask, classes)
        if colors:
            fields["anomaly-mask-ref-metadata"]["internal-color-map"] = colors
        entry.update(fields)
    return json.dumps(entry)


def write_settings(out, train, test, classes, colors, moved, extra_training=()):
    """Both settings' manifests and info.json; (b) trains on the moved test
    anomalies and extra_training too."""
    for setting, extra in (("a", set()), ("b", moved)):
        os.makedirs(os.path.join(out, setting), exist_ok=True)
        tr = train + [l for l in test if l[0] in extra]
        if setting == "b":
            tr += list(extra_training)
        te = [l for l in test if l[0] not in extra]
        for file, lines in (("train.manifest", tr), ("test.manifest", te)):
            with open(os.path.join(out, setting, file), "w") as f:
                for line in lines:
                    f.write(manifest_line(line, classes, colors) + "\n")
    info = {"masks": any(l[3] for l in test), "classes": classes,
            "test_b": sorted(l[0] for l in test if l[0] not in moved),
            "moved": len(moved), "train": len(train), "test": len(test)}
    json.dump(info, open(os.path.join(out, "info.json"), "w"), indent=1)
    print("%s: %d training, %d test images, %d anomalies moved in (b), classes %s"
          % (os.path.basename(out), len(train), len(test), len(moved), classes or "none"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
