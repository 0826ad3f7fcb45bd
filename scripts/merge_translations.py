"""Put every message of a fresh pylupdate5 .ts into one 'SarChange' context, with the translations
of the previous .ts (by source text), or with those of a JSON file {source: translation}.

    python3 scripts/merge_translations.py NEW.ts OLD.ts            (used by update_translations.sh)
    python3 scripts/merge_translations.py NEW.ts OLD.ts extra.json  (add translations)
"""
import json
import sys
import xml.etree.ElementTree as ET

CONTEXT = "SarChange"


def translations(path):
    """{source: translation} of the finished messages of a .ts file (empty if none)."""
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, FileNotFoundError):
        return {}
    out = {}
    for message in root.iter("message"):
        text = message.find("translation")
        if text is not None and text.text and text.get("type") not in ("unfinished", "obsolete"):
            out[message.findtext("source")] = text.text
    return out


def merge(new_path, known):
    """Rewrite ``new_path`` with one context and the ``known`` translations; returns (done, total)."""
    tree = ET.parse(new_path)
    root = tree.getroot()
    language = new_path.rsplit("_", 1)[-1].split(".")[0]  # sar_change_fr.ts -> fr
    root.set("language", language)
    merged = ET.Element("context")
    ET.SubElement(merged, "name").text = CONTEXT
    seen = set()
    for context in list(root.findall("context")):
        for message in context.findall("message"):
            source = message.findtext("source")
            if source in seen:
                continue
            seen.add(source)
            translation = message.find("translation")
            if source in known:
                translation.text = known[source]
                translation.attrib.pop("type", None)
            merged.append(message)
        root.remove(context)
    root.append(merged)
    ET.indent(tree, space="    ")
    tree.write(new_path, encoding="utf-8", xml_declaration=True)
    done = sum(1 for m in merged.iter("message") if m.find("translation").get("type") != "unfinished")
    return done, len(seen)


def main():
    new_path, old_path = sys.argv[1], sys.argv[2]
    known = translations(old_path)
    for extra in sys.argv[3:]:
        with open(extra, encoding="utf-8") as f:
            known.update(json.load(f))
    done, total = merge(new_path, known)
    print(f"{new_path}: {done} of {total} messages translated")


if __name__ == "__main__":
    main()
