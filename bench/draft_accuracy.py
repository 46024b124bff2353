"""How much of each shipped scheme ``xinyong new --from`` gets right when it drafts from the seed text.

    python bench/draft_accuracy.py            # the Markdown table of docs/SCHEMES.md (“从办法原文起草”)

For every seed in docs/seeds/, the drafter (``scheme.draft.draft_scheme``, the same function the command
runs) reads the seed's lines; the seed of a shipped scheme is its YAML's ``source.file``, so 004 serves two
schemes and is compared with the union of their items. A shipped item (one that quotes a line of its seed)
is then counted:

- **line**: some draft item quotes the same line of the same file (the draft found the clause);
- **points**: that item also has the shipped ``max_points`` (the draft read the clause's points);
- **kind**: …and the shipped rule kind (the draft guessed the rule). A shipped item scored through a
  reading's chosen option is compared with its base rule.

Draft items that quote no shipped item's line are counted as **extra** (clauses the draft took for items,
or items the shipped scheme encodes elsewhere: a gate, a check, a grade). Nothing here is tuned per seed:
the drafter knows no seed, and this script only compares.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib")) if str(ROOT / "lib") not in sys.path else None

from xinyong.scheme import SCHEME_IDS, load_scheme  # noqa: E402
from xinyong.scheme.document import read_document  # noqa: E402
from xinyong.scheme.draft import draft_scheme  # noqa: E402

SEEDS = ROOT / "docs" / "seeds"


def shipped_by_seed() -> dict[str, list[tuple[str, list]]]:
    """Seed file → [(scheme id, items quoting a line of that seed)], from each YAML's own sources."""
    out: dict[str, list[tuple[str, list]]] = defaultdict(list)
    for sid in SCHEME_IDS:
        scheme = load_scheme(sid)
        items = [it for it in scheme.items if it.source and it.source.file == scheme.source.file and it.source.line]
        out[scheme.source.file].append((sid, items))
    return dict(sorted(out.items()))


def measure(seed: str, schemes: list[tuple[str, list]]) -> dict:
    draft = draft_scheme(read_document(SEEDS / seed), "draft")
    by_line = defaultdict(list)
    for it in draft.items:
        by_line[it.line].append(it)
    shipped = [it for _, items in schemes for it in items]
    line_ok = [it for it in shipped if by_line.get(it.source.line)]
    points_ok = [it for it in line_ok if any(d.points == it.max_points for d in by_line[it.source.line])]
    kind_ok = [it for it in points_ok if any(d.points == it.max_points and d.kind == it.rule.kind
                                              for d in by_line[it.source.line])]
    shipped_lines = {it.source.line for it in shipped}
    extra = [d for d in draft.items if d.line not in shipped_lines]
    return {"seed": seed, "schemes": ", ".join(sid for sid, _ in schemes), "shipped": len(shipped),
            "line": len(line_ok), "points": len(points_ok), "kind": len(kind_ok),
            "drafted": len(draft.items), "extra": len(extra)}


def pct(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else "–"


def table(rows: list[dict]) -> str:
    out = ["| seed | scheme(s) | shipped items | line found | + points right | + rule kind right | draft items | extra |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['seed'][:3]} | {r['schemes']} | {r['shipped']} | {pct(r['line'], r['shipped'])} | "
                   f"{pct(r['points'], r['shipped'])} | {pct(r['kind'], r['shipped'])} | {r['drafted']} | {r['extra']} |")
    tot = {k: sum(r[k] for r in rows) for k in ("shipped", "line", "points", "kind", "drafted", "extra")}
    out.append(f"| all | | {tot['shipped']} | {pct(tot['line'], tot['shipped'])} | {pct(tot['points'], tot['shipped'])} | "
               f"{pct(tot['kind'], tot['shipped'])} | {tot['drafted']} | {tot['extra']} |")
    return "\n".join(out)


def main() -> None:
    print(table([measure(seed, schemes) for seed, schemes in shipped_by_seed().items()]))


if __name__ == "__main__":
    main()
