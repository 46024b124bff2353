"""Load scheme YAML files through a line-keeping safe loader into the pydantic model.

Errors point to ``file:line item.field``: a pydantic ``ValidationError`` is rewritten with the line of
the offending key and the id of the item (or section) it belongs to, and structural checks (duplicate
ids, undeclared inputs, readings that target nothing, ``ref`` to unknown items, gate tests) are
collected — all of them — into one :class:`SchemeError`.

Loading is a pure YAML → model step: it knows no rule kind. A rule's kind and parameters are checked
when the scheme is compiled against a registry (:func:`xinyong.scoring.plan.compile`), which locates
its errors the same way through the :class:`~xinyong.scheme.model.SchemeOrigin` recorded here.
"""
from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from ..errors import SchemeError
from .model import Scheme, SchemeOrigin
from .scheme_problems import zh_message
from .structure import check_structure

SCHEME_IDS = ["wangyi", "city2019", "quzhou", "linyi", "jiaxian_county_dept", "jiaxian_township"]
# Bounds on a scheme file (an office may add one it was sent): the largest shipped scheme is 110 KB and
# 5,500 YAML nodes. Aliases (``*name``) are allowed, but the data they expand to is counted: nine
# levels of ten aliases ("billion laughs") would be a billion nodes to validate.
MAX_SCHEME_BYTES = 4 << 20
MAX_YAML_NODES = 200_000  # nodes of the document with every alias expanded


class LineDict(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


def _expanded_size(root: yaml.Node, path: str) -> None:
    """Refuse a document whose nodes, with every alias expanded, exceed :data:`MAX_YAML_NODES`, or whose
    aliases refer to a node that contains them. The composed document shares an aliased node; this
    counts it once per use, without recursion (a node's size is kept once computed)."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            kids = node.value
        elif isinstance(node, yaml.MappingNode):
            kids = [n for pair in node.value for n in pair]
        if done:
            open_.discard(key)
            size[key] = n = 1 + sum(size[id(k)] for k in kids)
            if n > MAX_YAML_NODES:
                line = node.start_mark.line + 1
                raise SchemeError(
                    f"方案文件 {Path(path).name} 第{line}行：别名（*）展开后超过 {MAX_YAML_NODES:,} 个节点，已拒绝读取"
                    "（疑似“YAML 炸弹”；请直接写出内容，不要层层引用）",
                    f"{Path(path).name}:{line}: more than {MAX_YAML_NODES} nodes with aliases expanded",
                    file=path, line=line)
            continue
        if key in size:
            continue
        if key in open_:
            line = node.start_mark.line + 1
            raise SchemeError(f"方案文件 {Path(path).name} 第{line}行：别名（*）引用了包含它自身的内容，已拒绝读取",
                              f"{Path(path).name}:{line}: recursive alias", file=path, line=line)
        open_.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids)


def _bounded_single_data(loader: Any) -> Any:
    """The data of a document whose expanded size :func:`_expanded_size` accepts (both loaders'
    ``get_single_data``). ``loader.anchors``: whether the text may hold an anchor (an alias needs one,
    and an anchor is written with ``&``); without, the document is a tree no larger than the file and
    the count (a fifth of the load time) is skipped."""
    node = loader.get_single_node()
    if node is None:
        return None
    if getattr(loader, "anchors", True):
        _expanded_size(node, loader.name)
    return loader.construct_document(node)


class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader that keeps lines, refuses duplicate keys and leaves dates as strings.

    libyaml's parser (PyYAML's C loader: the same nodes and marks, 5× faster; every batch worker and
    every report process loads its scheme) when PyYAML was built with it; a file it rejects is parsed
    again by :class:`_ExactLoader`, whose error says exactly where (line, column, the quoted line)."""


class _ExactLoader(yaml.SafeLoader):
    """The pure-Python loader, for the error message of a file that is not valid YAML."""


for _cls in (LineLoader, _ExactLoader):
    _cls.get_single_data = _bounded_single_data  # type: ignore[method-assign]
    _cls.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_map(loader: LineLoader, node: yaml.MappingNode):
    d = LineDict()
    d.line = node.start_mark.line + 1
    d.key_lines = {}
    yield d
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in d:
            raise SchemeError(
                f"方案文件 {Path(loader.name).name} 第{key_node.start_mark.line + 1}行：键“{key}”重复"
                f"（第{d.key_lines.get(str(key), d.line)}行已有）",
                f"{Path(loader.name).name}:{key_node.start_mark.line + 1}: duplicate key {key!r}",
                file=loader.name,
                line=key_node.start_mark.line + 1,
                field=str(key),
            )
        d[key] = loader.construct_object(value_node, deep=True)
        d.key_lines[str(key)] = key_node.start_mark.line + 1


LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_ExactLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def read_yaml(path: Path) -> Any:
    try:
        size = path.stat().st_size
        if size > MAX_SCHEME_BYTES:
            raise SchemeError(f"方案文件 {path.name} 过大（{size / (1 << 20):,.1f} MB），上限 {MAX_SCHEME_BYTES >> 20} MB",
                              f"{path}: {size} bytes, limit {MAX_SCHEME_BYTES}", file=str(path))
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SchemeError(f"方案文件 {path.name} 不是 UTF-8 编码的文本（第 {exc.start} 字节），请另存为 UTF-8",
                          f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise SchemeError(f"无法读取方案文件 {path.name}：{exc.strerror or exc}", f"cannot read {path}: {exc}",
                          file=str(path)) from None
    try:
        return _parse(LineLoader, text, path)
    except yaml.YAMLError:
        pass
    try:
        return _parse(_ExactLoader, text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" 第{mark.line + 1}行第{mark.column + 1}列" if mark else ""
        raise SchemeError(
            f"方案文件不是有效的 YAML：{path.name}{where}",
            " ".join(str(exc).split()) if str(exc) else "invalid YAML",
            file=str(path),
            line=(mark.line + 1) if mark else None,
        ) from None


def _parse(cls: type, text: str, path: Path) -> Any:
    loader = cls(text)
    loader.name = str(path)
    loader.anchors = "&" in text
    try:
        return loader.get_single_data()
    except RecursionError:  # the composer and constructor recurse once per level of nesting
        raise SchemeError(f"方案文件 {path.name} 的嵌套层数过多，已拒绝读取", f"{path}: nesting too deep",
                          file=str(path)) from None
    finally:
        loader.dispose()


def _locate(raw: Any, loc: Iterable[Any]) -> tuple[int | None, str | None, str]:
    """Walk the raw data along a pydantic loc: (line, id of the enclosing node, dotted field path)."""
    line, node_id, node = None, None, raw
    fields: list[str] = []
    complete = True
    for part in loc:
        if isinstance(node, LineDict):
            line = node.key_lines.get(str(part), node.line) or line
            if "id" in node:
                node_id, fields = str(node["id"]), []
        if isinstance(node, dict) and part in node:
            node = node[part]
            fields.append(str(part))
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            fields.append(str(part))
        else:
            fields.append(str(part))
            complete = False
            break
    if complete and isinstance(node, LineDict):
        line = node.line or line
        if "id" in node:
            node_id, fields = str(node["id"]), []
    # keep only the trailing field names after the last list index (e.g. rule.params.expr)
    tail: list[str] = []
    for f in reversed(fields):
        if f.isdigit():
            break
        tail.insert(0, f)
    return line, node_id, ".".join(tail)


_NOUN_OF_KEY = {"sections": "部分", "items": "条目", "inputs": "输入", "gates": "门槛", "conditions": "门槛条件",
               "readings": "解读", "options": "解读选项", "checks": "校验"}


def _id_lines(raw: Any) -> dict[str, int]:
    return _id_index(raw)[0]


def _id_index(raw: Any) -> tuple[dict[str, int], dict[str, str]]:
    """(node id -> line, node id -> what it is: 条目, 部分, 输入 …) from the raw YAML."""
    lines: dict[str, int] = {}
    nouns: dict[str, str] = {}

    def rec(x, key: str | None):
        if isinstance(x, LineDict):
            if isinstance(x.get("id"), str):
                lines.setdefault(x["id"], x.line)
                nouns.setdefault(x["id"], _NOUN_OF_KEY.get(key or "", "方案" if key is None else "条目"))
            for k, v in x.items():
                rec(v, str(k))
        elif isinstance(x, list):
            for v in x:
                rec(v, key)

    rec(raw, None)
    return lines, nouns


def _model_at(loc: Iterable[Any]):
    """The pydantic model class holding the last field of a pydantic ``loc`` (None when unknown), and
    the loc without the union tags pydantic inserts (``str``, ``InputSpec``)."""
    import typing

    from pydantic import BaseModel

    def models_in(ann) -> list[type]:
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            return [ann]
        out = []
        for a in typing.get_args(ann):
            out += models_in(a)
        return out

    def is_dict(ann) -> bool:
        return typing.get_origin(ann) is dict or any(is_dict(a) for a in typing.get_args(ann))

    parts = list(loc)
    cur: Any = Scheme
    clean: list[Any] = []
    holder: Any = Scheme
    skip_key = False
    for k, part in enumerate(parts):
        if isinstance(part, int):
            clean.append(part)
            continue
        if skip_key:
            skip_key = False
            clean.append(part)
            continue
        if part in ("str", "float", "int") or (cur is not None and part == getattr(cur, "__name__", None)):
            continue  # a union tag
        clean.append(part)
        if cur is None:
            continue
        holder = cur
        f = cur.model_fields.get(part) if hasattr(cur, "model_fields") else None
        if f is None:
            cur = None
            continue
        ms = models_in(f.annotation)
        skip_key = is_dict(f.annotation) and bool(ms)
        cur = ms[0] if len(ms) == 1 else (next((m for m in ms if k + 1 < len(parts) and parts[k + 1] == m.__name__),
                                                ms[0]) if ms else None)
    return holder, tuple(clean)


def scheme_path(scheme_id: str) -> Path:
    res = resources.files("xinyong.scheme").joinpath("data", f"{scheme_id}.yaml")
    return Path(str(res))


def _resolve_path(id_or_path: str | Path) -> Path:
    p = Path(id_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise SchemeError(f"找不到方案文件：{p}", f"no such scheme file {p}", file=str(p))
        return p
    path = scheme_path(str(id_or_path))
    if not path.exists():
        raise SchemeError(
            f"未知的方案：{id_or_path}（可用：{', '.join(SCHEME_IDS)}）",
            f"unknown scheme {id_or_path!r}",
            scheme=str(id_or_path),
        )
    return path


_CACHE: dict[str, tuple[tuple, Scheme]] = {}  # resolved top file -> (stamp of every file read, scheme)
_CACHE_MAX = 32


def _stamp(paths: Iterable[Path]) -> tuple:
    """(path, mtime_ns, size) of each file a scheme was read from: the top file and every file it
    imports, so an edit to an imported scheme is seen too (the top file's time alone would not change)."""
    out = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            return ()  # a file gone: never equal to a stored stamp, the scheme is read again (and fails there)
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(out)


def load_scheme(id_or_path: str | Path) -> Scheme:
    """Load, resolve and validate a scheme by id (package data) or by file path.

    Each call returns the caller's own copy: a caller that changes it (a test setting a maximum, a
    reading applied in place) changes nothing another caller gets. Files are parsed once and kept
    until one of them (the scheme's own or one it imports) changes on disk; a copy costs 1–6 ms
    against 6–35 ms to read and validate again. A :class:`Scheme` passed in is returned as it is.

    Rule kinds and parameters are not checked here: :func:`xinyong.scoring.plan.compile` does that.
    """
    if isinstance(id_or_path, Scheme):
        return id_or_path
    path = _resolve_path(id_or_path)
    key = str(path.resolve())
    kept = _CACHE.get(key)
    if kept is None or _stamp(Path(f) for f, _, _ in kept[0]) != kept[0]:
        files: list[Path] = []
        scheme = _load(path, stack=(), files=files)
        if kept is None and len(_CACHE) >= _CACHE_MAX:
            _CACHE.pop(next(iter(_CACHE)), None)
        kept = _CACHE[key] = (_stamp(files), scheme)
    return kept[1].model_copy(deep=True)


def _load(path: Path, stack: tuple[str, ...], files: list[Path]) -> Scheme:
    files.append(path.resolve())
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise SchemeError(f"方案文件的顶层应为映射（键: 值）：{path.name}", "top level must be a mapping", file=str(path))
    try:
        scheme = Scheme.model_validate(raw)
    except ValidationError as exc:
        raise _format_error(exc, raw, path) from None
    scheme._origin = SchemeOrigin(str(path), *_id_index(raw))
    if scheme.imports:
        _resolve_refs(scheme, path, stack + (scheme.id,), files)
    check_structure(scheme)
    return scheme


def _format_error(exc: ValidationError, raw: Any, path: Path) -> SchemeError:
    """Every pydantic problem in Chinese, located ``file 第N行 条目 id 字段 field``; unknown fields name the
    closest valid one and list them all (“可用字段：…”)."""
    errors = exc.errors()
    # a list of ``str | InputSpec`` fails twice for one mapping (as text, and as a spec): keep the spec's
    tagged = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and e["loc"][-1] == "str"}
    errors = [e for e in errors if not (e["loc"] and e["loc"][-1] == "str" and
                                        any(t == tuple(x["loc"][:len(t)]) and x is not e for t in tagged for x in errors))]
    # a misspelt key is reported as unknown and its right spelling as missing: the unknown one, with
    # its suggestion, is the more useful first message
    errors.sort(key=lambda e: e["type"] != "extra_forbidden")
    nouns = _id_index(raw)[1]
    problems, first = [], None
    for err in errors:
        model, loc = _model_at(err["loc"])
        line, node_id, field = _locate(raw, loc)
        zh = zh_message({**err, "loc": loc}, model)
        if not field:  # a model-level check: its message names the field
            m = re.search(r"缺少 (\w+)", zh)
            field = m.group(1) if m else ""
        noun = nouns.get(node_id or "", "方案" if node_id is None else "条目")
        problems.append(f"{path.name}:{line or '?'} {node_id or ''}{'.' if node_id and field else ''}{field}: {err['msg']}")
        first = first or (line, node_id, noun, field, zh)
    line, node_id, noun, field, zh = first
    where = f"{noun} {node_id} " if node_id else ""
    return SchemeError(
        f"方案文件格式错误：{path.name} 第{line}行 {where}字段 {field}：{zh}"
        + (f"（另有 {len(problems) - 1} 处）" if len(problems) > 1 else ""),
        "; ".join(problems),
        file=str(path), line=line, item=node_id, field=field,
    )


def _resolve_refs(scheme: Scheme, path: Path, stack: tuple[str, ...], files: list[Path]) -> None:
    """Fill items that ``ref`` another scheme's item (002 guidance indicators quote 001's formulas)."""
    sources: dict[str, Scheme] = {}
    for sid in scheme.imports:
        if sid in stack:
            raise SchemeError(f"方案循环引用：{' → '.join(stack + (sid,))}", "import cycle", file=str(path))
        sources[sid] = _load(scheme_path(sid), stack, files)
    by_id = {it.id: (src, it) for src in sources.values() for it in src.walk_items()}
    local_of: dict[str, str] = {}
    named: set[str] = set()  # readings the referenced items name (some only explain: empty sets)
    for it in scheme.walk_items():
        if it.ref is None:
            continue
        if it.ref not in by_id:
            raise SchemeError(
                f"条目 {it.id} 引用了不存在的条目 {it.ref}", f"ref to unknown item {it.ref!r}",
                file=str(path), item=it.id, field="ref",
            )
        src, orig = by_id[it.ref]
        local_of[orig.id] = it.id
        named.update(orig.readings)
        if it.max_points is None:
            it.max_points = orig.max_points
        if it.rule is None:
            it.rule = copy.deepcopy(orig.rule)
        cat = src.input_catalogue
        resolved = [cat[i] if isinstance(i, str) and i in cat else i for i in orig.inputs]
        it.inputs = list(it.inputs) + [r for r in resolved if (r if isinstance(r, str) else r.id) not in it.input_ids]
        if not it.variants:
            it.variants = copy.deepcopy(orig.variants)
        if it.source is None:
            it.source = orig.source
        it.meta.setdefault("ref_source", orig.source.model_dump() if orig.source else None)
        it.meta.setdefault("ref_name", orig.name)
        it.evidence = it.evidence or orig.evidence
        it.readings = list(dict.fromkeys(list(it.readings) + list(orig.readings)))
    # Bring the readings of referenced items along, retargeted at the local ids.
    have = {r.id for r in scheme.readings}
    for src in sources.values():
        for r in src.readings:
            if r.id in have or not (r.id in named or any(t in local_of for t in r.targets)):
                continue
            rc = copy.deepcopy(r)
            for o in rc.options:
                o.set = {local_of[t]: v for t, v in o.set.items() if t in local_of}
            rc.why = rc.why + f"（沿用《{src.short_title or src.title}》的解读）"  # readers see titles, not scheme ids
            scheme.readings.append(rc)
            have.add(rc.id)
    for sid, src in sources.items():
        known = {i.id for i in scheme.inputs}
        for spec in src.inputs:
            if spec.id not in known and any(spec.id in it.input_ids for it in scheme.walk_items()):
                scheme.inputs.append(spec)


def load_all() -> dict[str, Scheme]:
    return {sid: load_scheme(sid) for sid in SCHEME_IDS if scheme_path(sid).exists()}
