"""client_compare.py - compares what `vigil lookoutvision` and Debian's
`aws lookoutvision` printed, as data (tests/integration/test_client.sh).

usage:
  client_compare.py same VIGIL_FILE AWS_FILE [MASKED_KEY...]
      both JSON (or YAML when the files end in .yaml) and equal once the
      values of the masked keys (timestamps, names, versions that differ
      by request) are replaced by a placeholder
  client_compare.py keys VIGIL_FILE AWS_FILE
      both JSON or YAML with the same tree of keys (skeletons)
"""
import json
import sys

from ruamel.yaml import YAML


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".yaml"):
        return YAML(typ="safe").load(text)
    if not text.strip():
        return None
    return json.loads(text)


def mask(value, keys):
    if isinstance(value, dict):
        return {k: "<masked>" if k in keys else mask(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, keys) for v in value]
    return value


def key_tree(value):
    if isinstance(value, dict):
        return {k: key_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [key_tree(v) for v in value]
    return None


def main():
    mode, vigil_path, aws_path = sys.argv[1:4]
    vigil, aws = load(vigil_path), load(aws_path)
    if mode == "same":
        keys = set(sys.argv[4:])
        vigil, aws = mask(vigil, keys), mask(aws, keys)
    elif mode == "keys":
        vigil, aws = key_tree(vigil), key_tree(aws)
    else:
        sys.exit("unknown mode " + mode)
    if vigil != aws:
        print("vigil: " + json.dumps(vigil, indent=1, sort_keys=True, default=str)[:2000])
        print("aws:   " + json.dumps(aws, indent=1, sort_keys=True, default=str)[:2000])
        sys.exit(1)


main()
