"""Model cards (Markdown) written by the run that trained the model (standard library only).

``write_card`` renders an ONNX model's metadata (``models.framework.metadata``)
plus the run's own sections: the command that produced it, inputs and
outputs with units, the valid range of every input quantity, the training
data summary, the validation metrics (and, when the model started from other
weights, its initial validation), and limits. No figure is typed by hand:
every number comes from the metadata or from the ``sections`` the training
run passes in.
"""
import datetime as _dt
import os


def number(value, decimals=None):
    """A number for a table: 4 significant digits (or ``decimals`` decimals); '-' for None/NaN."""
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return f"{value:.{decimals}f}" if decimals is not None else f"{value:.4g}"


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        if len(value) > 8:
            return ", ".join(_fmt(v) for v in value[:8]) + f", ... ({len(value)} in all)"
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    return str(value)


def tensor_table(specs):
    """Markdown table of tensor specs (name, layout, bands, scale/units, valid range)."""
    lines = ["| tensor | layout | bands | scale / units | valid range | description |",
             "|---|---|---|---|---|---|"]
    for s in specs:
        units = " / ".join(str(s[k]) for k in ("scale", "units") if s.get(k))
        rng = s.get("valid_range")
        shown = "" if not rng else f"[{_fmt(rng[0])}, {_fmt(rng[1])}]"
        lines.append(f"| `{s.get('name')}` | {s.get('layout', '')} | {_fmt(s.get('bands', ''))} | {units} | "
                     f"{shown} | {s.get('description', '')} |")
    return "\n".join(lines)


def ranges_table(valid_ranges):
    """Markdown table of ``valid_ranges`` (quantity, min, max, units)."""
    lines = ["| quantity | min | max | units |", "|---|---:|---:|---|"]
    for name, r in valid_ranges.items():
        lines.append(f"| {name} | {_fmt(r.get('min'))} | {_fmt(r.get('max'))} | {r.get('units', '')} |")
    return "\n".join(lines)


def scalar_lines(mapping, skip=()):
    """'- key: value' for the scalar (and short list) entries of ``mapping``."""
    out = []
    for k, v in mapping.items():
        if k in skip or isinstance(v, dict) or (isinstance(v, list) and v and isinstance(v[0], dict)):
            continue
        out.append(f"- {k}: {_fmt(v)}")
    return out


def render_card(meta, title, command=None, summary=None, sections=(), limits=()):
    """Markdown text of a card. ``meta``: parsed metadata (``parse_metadata``); ``title``: heading;
    ``command``: the command line of the run; ``summary``: a paragraph on what the model does;
    ``sections``: (heading, markdown) pairs from the run; ``limits``: bullet strings."""
    inputs = meta.get("inputs") or {}
    lines = [f"# {title}", ""]
    lines += [f"Written by the run that trained it on {_dt.date.today().isoformat()}"
              + (":" if command else "."), ""]
    if command:
        lines += [f"    {command}", ""]
    if summary:
        lines += [summary, ""]
    lines += ["## Model", "", f"- kind: `{meta.get('sar_change.kind')}`, contract version "
              f"{meta.get('sar_change.version')}, metadata schema {meta.get('sar_change.schema', '(none)')}"]
    arch = meta.get("architecture") or {}
    lines += scalar_lines(arch, skip=("references",))
    lines += [f"- tiles: {meta.get('tile_size')} px, overlap {meta.get('overlap')} px per side, sizes "
              f"multiple of {meta.get('size_multiple')} px", ""]
    if inputs.get("tensors"):
        lines += ["## Inputs", "", tensor_table(inputs["tensors"]), ""]
    if meta.get("outputs"):
        lines += ["## Outputs", "", tensor_table(meta["outputs"]), ""]
    if meta.get("valid_ranges"):
        lines += ["## Valid ranges (seen in training; outside is extrapolation)", "",
                  ranges_table(meta["valid_ranges"]), ""]
    training = meta.get("training") or {}
    if training:
        lines += ["## Training data and run", ""] + scalar_lines(training) + [""]
    metrics = meta.get("metrics") or {}
    if metrics:
        lines += ["## Validation metrics", ""] + scalar_lines(metrics, skip=("history",))
        if isinstance(metrics.get("initial"), dict):
            lines += ["- before training (initial weights): " + _fmt(metrics["initial"])]
        lines += [""]
    for heading, text in sections:
        lines += [f"## {heading}", "", text.rstrip(), ""]
    if limits:
        lines += ["## Limits", ""] + [f"- {x}" for x in limits] + [""]
    return "\n".join(lines)


def write_card(path, meta, title, **kwargs):
    """Write ``render_card(meta, title, **kwargs)`` to ``path`` (temporary name, then renamed)."""
    path = os.fspath(path)
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(render_card(meta, title, **kwargs))
    os.replace(tmp, path)
    return path


def _section_span(lines, heading):
    """(start, end) line indices of the level-2 section ``## heading`` in ``lines`` (end: the next level-2
    heading or the end of the card), or None when the card has none."""
    title = f"## {heading}"
    if title not in lines:
        return None
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def section_text(card, heading):
    """The body of the level-2 section ``## heading`` of the markdown ``card`` (the lines after its heading
    up to the next level-2 heading, blank lines at either end stripped), or None when it has none."""
    lines = card.split("\n")
    span = _section_span(lines, heading)
    return None if span is None else "\n".join(lines[span[0] + 1:span[1]]).strip("\n")


def with_section(card, heading, text, before=None):
    """The markdown ``card`` with its level-2 section ``## heading`` (up to the next level-2 heading) holding
    ``text``, or without that section when ``text`` is None; the rest of the card is kept as it is. A card
    without the section gets it before the level-2 heading ``## before`` (at the end when ``before`` is
    None or the card has no such heading). A section is written as its heading, one blank line, ``text``
    and one blank line before the next heading, so that ``with_section(card, h, section_text(card, h))``
    gives back a card written this way unchanged."""
    lines = card.rstrip("\n").split("\n")
    block = [] if text is None else [f"## {heading}", "", text.strip("\n")]
    span = _section_span(lines, heading)
    if span is not None:
        start, end = span
        lines[start:end] = block + ([""] if block and end < len(lines) else [])
        if text is None and start == len(lines):  # the removed section was the last: no trailing blank line
            while lines and not lines[-1]:
                lines.pop()
    elif block:
        at = _section_span(lines, before) if before is not None else None
        if at is None:
            lines += [""] + block
        else:
            lines[at[0]:at[0]] = block + [""]
    return "\n".join(lines) + "\n"


def replace_section(path, heading, text, before=None):
    """Rewrite the level-2 section ``## heading`` of the card at ``path`` with ``text`` (``with_section``:
    inserted before ``## before``, else at the end, when the card has none); the rest of the card is kept
    as it is (temporary name, then renamed). For figures a later run adds to a card it did not train."""
    path = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        card = f.read()
    tmp = path + ".partial"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(with_section(card, heading, text, before))
    os.replace(tmp, path)
    return path
