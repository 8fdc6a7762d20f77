"""Check a taizhang audit export, checkpoint or proof with nothing but Python's standard
library: the procedure of docs/audit.md, written out.

    python verify_audit.py export ledger.jsonl [ledger.checkpoint]
    python verify_audit.py inclusion proof.json
    python verify_audit.py consistency proof.json

Prints "ok ..." and exits 0, or names what is wrong and exits 1. It checks what the files
say against each other; whether a checkpoint's signature is the auditor's is checked with
the auditor's public key (`taizhang audit verify --checkpoint F --key K.pub`, or any tool
for C2SP signed notes with Ed25519 keys).
"""

import base64
import hashlib
import json
import sys


def sha(data):
    return hashlib.sha256(data).digest()


def leaf_hash(line):
    head = "%d\n%s\n%d\n%s\n" % (line["position"], line["aggregate"], line["version"], line["topic"])
    return sha(b"\x00" + head.encode("utf-8") + line["state"].encode("utf-8"))


def merkle_root(leaves):
    """RFC 9162 section 2.1.1: split at the largest power of two below n."""
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:]))


def check_export(path, checkpoint=None):
    chain, leaves, versions = bytes(32), [], {}
    with open(path, encoding="utf-8") as lines:
        for seq, text in enumerate(lines, start=1):
            line = json.loads(text)
            leaf = leaf_hash(line)
            if line["seq"] != seq or line["leaf"] != leaf.hex():
                return "line %d (position %s): the event does not match its leaf" % (seq, line["position"])
            chain = sha(chain + leaf)
            if line["chain"] != chain.hex():
                return "line %d: the chain hash does not follow from the one before" % seq
            if line["version"] != versions.get(line["aggregate"], 0) + 1:
                return "line %d: aggregate %s skips a version" % (seq, line["aggregate"])
            versions[line["aggregate"]] = line["version"]
            leaves.append(leaf)
    if checkpoint is not None:
        with open(checkpoint, encoding="utf-8") as f:
            body = f.read().split("\n\n")[0].split("\n")
        size, root = int(body[1]), base64.b64decode(body[2])
        if size > len(leaves) or merkle_root(leaves[:size]) != root:
            return "the first %d events are not those the checkpoint signed" % size
        if "taizhang-chain " + base64.b64encode(chain_at(path, size)).decode() not in body[3:]:
            return "the chain hash at %d is not the one the checkpoint signed" % size
    return None


def chain_at(path, size):
    with open(path, encoding="utf-8") as lines:
        for seq, text in enumerate(lines, start=1):
            if seq == size:
                return bytes.fromhex(json.loads(text)["chain"])
    return b""


def check_inclusion(proof):
    """RFC 9162 section 2.1.3.2."""
    index, size = proof["index"], proof["size"]
    if not 0 <= index < size:
        return "the event's index is outside the tree"
    fn, sn = index, size - 1
    r = leaf_hash(proof["event"])
    for step in proof["path"]:
        p = bytes.fromhex(step)
        if sn == 0:
            return "the proof is longer than the tree is deep"
        if fn % 2 == 1 or fn == sn:
            r = sha(b"\x01" + p + r)
            while fn % 2 == 0 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = sha(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or r.hex() != proof["root"]:
        return "the event is not in the tree the checkpoint signed"
    return None


def check_consistency(proof):
    """RFC 9162 section 2.1.4.2."""
    m, n = proof["old_size"], proof["new_size"]
    path = [bytes.fromhex(h) for h in proof["path"]]
    old_root, new_root = bytes.fromhex(proof["old_root"]), bytes.fromhex(proof["new_root"])
    if m == n:
        return None if not path and old_root == new_root else "equal sizes need equal roots"
    if not path or not 0 < m < n:
        return "the proof is empty, or the sizes are impossible"
    if m & (m - 1) == 0:
        path = [old_root] + path
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return "the proof is longer than the tree is deep"
        if fn & 1 or fn == sn:
            fr, sr = sha(b"\x01" + c + fr), sha(b"\x01" + c + sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = sha(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != old_root or sr != new_root:
        return "the later tree does not extend the earlier one"
    return None


def main(argv):
    if len(argv) < 2 or argv[0] not in ("export", "inclusion", "consistency"):
        print(__doc__)
        return 2
    if argv[0] == "export":
        problem = check_export(argv[1], argv[2] if len(argv) > 2 else None)
    else:
        with open(argv[1], encoding="utf-8") as f:
            proof = json.load(f)
        problem = (check_inclusion if argv[0] == "inclusion" else check_consistency)(proof)
    if problem:
        print("FAILED: " + problem)
        return 1
    print("ok: " + argv[0] + " " + argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
