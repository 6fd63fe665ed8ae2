"""Writes the benchmark's messages: texts of exactly 8, 32 and 128 tokens ([CLS] and [SEP]
included) for the base encoder's tokenizer, built from the benign messages of the data set.

Each message grows word by word from a running stream of benign texts; a word that would
overshoot the target is skipped, so every message hits its length exactly.
Usage: messages.py TOKENIZER_JSON DATA_JSONL OUT_JSON
"""
import json
import sys

from tokenizers import Tokenizer

LENGTHS = {"8": 16, "32": 16, "128": 8}  # token length -> how many distinct messages
BATCH = 64  # the throughput batch: distinct 32-token messages


def words(data_path):
    with open(data_path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["category"] == "none":
                yield from row["text"].split()


def build(tokenizer, stream, length):
    text = ""
    while True:
        word = next(stream)
        candidate = f"{text} {word}".strip()
        count = len(tokenizer.encode(candidate).ids)
        if count == length:
            return candidate
        if count < length:
            text = candidate


def main(tokenizer_path, data_path, out_path):
    tokenizer = Tokenizer.from_file(tokenizer_path)
    tokenizer.no_padding()
    tokenizer.no_truncation()
    stream = words(data_path)
    messages = {n: [build(tokenizer, stream, int(n)) for _ in range(count)] for n, count in LENGTHS.items()}
    messages["batch"] = [build(tokenizer, stream, 32) for _ in range(BATCH)]
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(messages, f, ensure_ascii=False, indent=1)
    print(f"wrote {sum(map(len, messages.values()))} messages to {out_path}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
