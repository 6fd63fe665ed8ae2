#!/usr/bin/env python3
"""Check data/nacre.jsonl and data/obfuscation_corpus.jsonl against the issue's done criteria.

    python3 scripts/data/check_dataset.py        # exit 1 on any failure

Checks: schema and label values; no group in two splits; no duplicate normalized text; no
held-out set named in any data file (README's exclusion list aside); counts (rows, benign,
borderline, vulnerable, malicious, jailbreak share, per-category minimum); obfuscation corpus
drawn from test rows only; reviewed labels (data/relabels.jsonl) valid.
"""
import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

from held_out import HELD_OUT_NAMES

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
CATS = {"none", "self_harm", "violence", "weapons_cbrne", "cyber", "fraud_crime", "drugs", "sexual",
        "child_safety", "hate_harassment", "privacy", "misinformation", "specialized_advice",
        "intellectual_property", "gambling", "extremism_cults"}
fails = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        fails.append(msg)


def norm(t):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", t).lower()).strip().strip(" .!?")


rows = [json.loads(l) for l in open(DATA / "nacre.jsonl", encoding="utf-8")]
keys = {"text", "category", "user_type", "severity", "jailbreak", "source", "group", "split"}
check(all(set(r) == keys for r in rows), "every row has exactly the schema fields")
check(all(r["category"] in CATS for r in rows), "categories are the 16 of design.md")
check(all(r["user_type"] in ("benign", "vulnerable", "malicious") for r in rows), "user types valid")
check(all(r["severity"] in (0, 1, 2, 3, 4) for r in rows), "severity in 0..4")
check(all(r["jailbreak"] in (0, 1) for r in rows), "jailbreak in 0/1")
check(all(r["split"] in ("train", "dev", "test") for r in rows), "split valid")
gs = collections.defaultdict(set)
for r in rows:
    gs[r["group"]].add(r["split"])
check(all(len(v) == 1 for v in gs.values()), "no group crosses splits")
n = collections.Counter(norm(r["text"]) for r in rows)
check(max(n.values()) == 1, "no duplicate normalized text")

for p in sorted(DATA.rglob("*")):
    if p.is_file() and ".cache" not in p.parts and p.name != "README.md":
        hit = HELD_OUT_NAMES.search(p.read_text(encoding="utf-8", errors="replace"))
        check(hit is None, f"no held-out set named in {p.relative_to(ROOT)}" + (f" (found {hit.group(0)!r})" if hit else ""))

relabels_file = DATA / "relabels.jsonl"
relabels = [json.loads(l) for l in open(relabels_file, encoding="utf-8") if l.strip()] if relabels_file.exists() else []
check(all(set(d) == {"group", "category", "user_type", "severity", "why"} and d["category"] in CATS
          and d["user_type"] in ("benign", "vulnerable", "malicious") and d["severity"] in (0, 1, 2, 3, 4)
          and d["why"].strip() for d in relabels), f"{len(relabels)} reviewed labels are valid and say why")

ut = collections.Counter(r["user_type"] for r in rows)
border = sum(1 for r in rows if r["user_type"] == "benign" and
             (r["category"] != "none" or "homonym" in r["source"] or "borderline" in r["source"]))
mal = [r for r in rows if r["user_type"] == "malicious"]
jb = sum(r["jailbreak"] for r in mal)
cats = collections.Counter(r["category"] for r in rows)
check(len(rows) >= 8000, f"rows {len(rows)} >= 8000")
check(ut["benign"] >= 2500, f"benign {ut['benign']} >= 2500")
check(border >= 800, f"borderline-but-safe {border} >= 800")
check(ut["vulnerable"] >= 800, f"vulnerable {ut['vulnerable']} >= 800")
check(ut["malicious"] >= 2500, f"malicious {ut['malicious']} >= 2500")
check(jb * 3 >= len(mal), f"jailbreak/obfuscated malicious {jb}/{len(mal)} >= 1/3")
for c in sorted(CATS):
    check(cats[c] >= 150, f"category {c}: {cats[c]} >= 150")
sp = collections.Counter(r["split"] for r in rows)
check(0.75 <= sp["train"] / len(rows) <= 0.85, f"train share {sp['train'] / len(rows):.2f} about 0.8")

obf = [json.loads(l) for l in open(DATA / "obfuscation_corpus.jsonl", encoding="utf-8")]
test_text = {r["text"] for r in rows if r["split"] == "test"}
other_text = {r["text"] for r in rows if r["split"] != "test"}
check(len(obf) >= 200, f"obfuscation corpus {len(obf)} >= 200")
check(all({"text", "plain", "kind", "category", "user_type"} <= set(o) for o in obf), "obfuscation rows have the fields")
check(all(o["plain"] in test_text and o["plain"] not in other_text for o in obf), "obfuscation originals are test rows only")
check({o["user_type"] for o in obf} >= {"malicious", "benign"}, "obfuscation corpus has malicious and benign")
obf_mal = sum(o["user_type"] == "malicious" for o in obf)
check(obf_mal >= 200 and len(obf) - obf_mal >= 200,
      f"obfuscation corpus: {obf_mal} malicious and {len(obf) - obf_mal} benign/vulnerable variants, >= 200 each")

print(f"\n{len(fails)} failure(s)")
sys.exit(1 if fails else 0)
