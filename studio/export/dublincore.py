"""Dublin Core (oai_dc) record per exhibit, with titles in every exported language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from studio.models import Exhibit

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ET.register_namespace("oai_dc", OAI_DC)
ET.register_namespace("dc", DC)


def record(exhibit: Exhibit, titles: dict[str, str], descriptions: dict[str, str]) -> bytes:
    root = ET.Element(f"{{{OAI_DC}}}dc")

    def add(name: str, value: str, lang: str | None = None) -> None:
        if value:
            el = ET.SubElement(root, f"{{{DC}}}{name}")
            el.text = value
            if lang:
                el.set(XML_LANG, lang)

    add("identifier", exhibit.identifier or "")
    add("title", exhibit.title, exhibit.language or None)
    for lang, title in titles.items():
        if title != exhibit.title:
            add("title", title, lang)
    add("creator", exhibit.creator)
    add("date", exhibit.date)
    add("description", exhibit.description, exhibit.language or None)
    for lang, text in descriptions.items():
        add("description", text, lang)
    for subject in (x.strip() for x in exhibit.subject.replace("\n", ";").split(";")):
        add("subject", subject)
    add("rights", exhibit.rights)
    for lang in sorted(set([exhibit.language] + list(titles)) - {""}):
        add("language", lang)
    add("type", "PhysicalObject")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
