"""Write the sample project's documents that are not plain UTF-8 text.

- song-celadon-bowl/condition_report.pdf: a text PDF written by hand in PDF
  syntax (no PDF library), so ingest has a real text layer to extract.
- ming-landscape-scroll/provenance.docx: a Word document made with python-docx,
  with headings, paragraphs and a table.
- shang-bronze-ding/catalogue_zh_gb18030.txt: a Chinese catalogue entry encoded
  in GB18030, as older Chinese museum systems still export, to exercise the
  importer's fallback decoding.

Output is deterministic, so re-running reproduces the committed files.
Run: python projects/sample-sources/make_docs.py
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.shared import Pt

HERE = Path(__file__).resolve().parent

CONDITION_REPORT = [
    ("title", "Riverside Museum of Asian Art - Conservation Department"),
    ("title", "Condition Report"),
    ("text", ""),
    ("text", "Object: Lotus-petal bowl, Longquan ware"),
    ("text", "Accession number: RMAA.1992.031"),
    ("text", "Date: Southern Song dynasty, 13th century"),
    ("text", "Material: stoneware with celadon glaze"),
    ("text", "Dimensions: H 6.9 cm; D (rim) 16.8 cm; D (foot) 4.6 cm; weight 312 g"),
    ("text", "Examined by: J. Okafor, objects conservator, 14 March 2023"),
    ("text", "Reason: loan request and rotation into the ceramics gallery"),
    ("text", ""),
    ("head", "Overall condition: GOOD, stable"),
    ("text", "The glaze is intact over more than 98 per cent of the surface. No flaking,"),
    ("text", "crazing or losses were found under 10x magnification."),
    ("text", ""),
    ("head", "Findings"),
    ("text", "1. Hairline crack, 2.1 cm long, running down from the rim at the 4 o'clock"),
    ("text", "   position (foot label upright). Compared with the 1998 photograph it has not"),
    ("text", "   grown. It does not penetrate the exterior glaze surface."),
    ("text", "2. Old chip at the rim, about 3 x 2 mm, at 9 o'clock, filled and retouched"),
    ("text", "   before acquisition. The fill is slightly yellowed under UV light."),
    ("text", "3. Foot ring: unglazed, fired orange-red as made; light grime in the recess."),
    ("text", "4. Two paper labels inside the foot: Japanese label with the characters for"),
    ("text", "   'celadon lotus-petal bowl' and stock number 118; label 'E. Marsh, Tokyo 1956'."),
    ("text", "   Both sound; do not remove."),
    ("text", ""),
    ("head", "Recommendations"),
    ("text", "- Display on a padded acrylic mount; never lift by the rim."),
    ("text", "- Suitable for loan if transported in a fitted foam cavity box."),
    ("text", "- Relative humidity 40-55 per cent; light level not critical for ceramics."),
    ("text", "- Re-examine the crack in March 2026 and after any loan."),
    ("text", ""),
    ("text", "Photographs: RMAA-CONS-2023-041 to -048 (condition file)."),
]


def pdf_string(text: str) -> str:
    """Escape a line for a PDF literal string; the report is plain ASCII by design."""
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def write_condition_report(path: Path) -> None:
    lines = ["BT", "/F2 15 Tf", "18 TL", "60 780 Td"]
    for style, text in CONDITION_REPORT:
        font = {"title": "/F2 15 Tf 18 TL", "head": "/F2 11 Tf 15 TL", "text": "/F1 10 Tf 14 TL"}[style]
        lines += [font, f"{pdf_string(text)} Tj", "T*"]
    lines.append("ET")
    content = "\n".join(lines).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        (
            b"<< /Title (Condition report RMAA.1992.031) /Author (J. Okafor) "
            b"/Producer (Heritage Studio sample make_docs.py) >>"
        ),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    path.write_bytes(out.getvalue())


PROVENANCE_CHAIN = [
    (
        "19th century",
        "Wang Shouyi 王守一, Suzhou",
        "Two collector's seals, lower left; owner identified from the seal legends.",
    ),
    (
        "by 1928",
        "Dealer's shop, Shanghai",
        "Remounted in Shanghai in the 1920s (mounting silk and brocade of that date).",
    ),
    (
        "1928",
        "Rev. Thomas Ashdown (1876-1949)",
        "Bought in Shanghai; letter to his sister, 3 May 1928, describes 'a tall painting of autumn hills'.",
    ),
    ("1949-1979", "By descent in the Ashdown family", "Kept rolled in its original box."),
    ("1979", "Sold at auction, London, lot 214", "Catalogued as 'Zhe school, Ming dynasty'."),
    ("1979-2004", "Private collection, Vancouver", ""),
    ("2004", "Riverside Museum of Asian Art", "Purchased with the Eastbrook Fund; accession number RMAA.2004.007."),
]


def write_provenance(path: Path) -> None:
    doc = Document()
    doc.core_properties.title = "Provenance: Scholar's Retreat among Autumn Mountains (RMAA.2004.007)"
    doc.core_properties.author = "Curatorial Department, Riverside Museum of Asian Art"
    doc.core_properties.last_modified_by = "Heritage Studio sample make_docs.py"
    doc.core_properties.created = dt.datetime(2024, 5, 2, 9, 0, 0)
    doc.core_properties.modified = dt.datetime(2024, 5, 2, 9, 0, 0)
    doc.core_properties.revision = 1

    doc.add_heading("Provenance research file", level=1)
    doc.add_paragraph("Lu Qiyuan 陆启元 (active about 1520-1560), Scholar's Retreat among Autumn Mountains 秋山隐居图")
    doc.add_paragraph("Hanging scroll, ink on silk, dated 1534. Accession number RMAA.2004.007.")

    doc.add_heading("Summary", level=2)
    doc.add_paragraph(
        "The painting can be followed from a nineteenth-century collector in Suzhou to the museum "
        "with one gap, between the collector Wang Shouyi and its purchase in Shanghai in 1928. "
        "No evidence has been found that it left China other than by legal purchase and export, "
        "and no claim has been made on it."
    )
    doc.add_heading("Chain of ownership", level=2)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, heading in zip(table.rows[0].cells, ("Date", "Owner", "Evidence")):
        cell.text = heading
    for date, owner, evidence in PROVENANCE_CHAIN:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = date, owner, evidence

    doc.add_heading("Seals and inscriptions", level=2)
    doc.add_paragraph(
        "Artist's seals below the signature: 陆氏启元 (intaglio) and 松溪 (relief). The signature reads "
        "嘉靖甲午秋日启元写, 'painted by Qiyuan on an autumn day, jiawu year of the Jiajing reign', "
        "that is, 1534."
    )
    doc.add_paragraph(
        "Collectors' seals: two of Wang Shouyi, lower left; one illegible, lower right. "
        "The illegible seal was photographed under raking light in 2024 (RMAA-PHOTO-2024-113); "
        "it may read 汪氏珍藏 but the reading is not secure."
    )
    doc.add_heading("Open questions", level=2)
    for item in (
        "Where was the painting between Wang Shouyi's death and 1928?",
        "Does the Ashdown family hold the original purchase receipt from Shanghai?",
    ):
        doc.add_paragraph(item, style="List Bullet")
    note = doc.add_paragraph("Compiled by the curatorial department, 2 May 2024.")
    note.runs[0].font.size = Pt(9)

    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(fixed_zip_times(buffer.getvalue()))


def fixed_zip_times(data: bytes) -> bytes:
    """Rewrite a .docx with fixed member timestamps so the file is reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2024, 5, 2, 9, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


CATALOGUE_ZH = """\
RMAA.1987.014
饕餮纹青铜鼎
商代晚期（殷墟时期），约公元前1200年至前1050年
传河南安阳出土
青铜

尺寸
通高23.8厘米，器身连足高17.2厘米，口径19.6厘米，腹深10.4厘米，重3.42千克。

器形与纹饰
圆腹较深，口沿加厚微外侈，口沿上立两耳，下承三柱足。腹部饰一周饕餮纹，共三组，每组以一道有缺口的扉棱为鼻梁。每个饕餮面由两条相对的侧面夔龙组成，目作椭圆形凸起，角呈C形，巨口张开。饕餮纹以细密的云雷纹为地。口沿下饰一周小夔龙纹，共六条，两两相对。三足上部各饰一个浅浮雕兽面。

铭文
内壁口沿下铸铭文二字：“父乙”。以日名（乙为十天干之第二）称呼已故父辈，是商代晚期铭文的常见做法。

铸造工艺与保存状况
此鼎以陶范法铸造，外范至少分为三块，范线穿过扉棱并沿各足内侧延伸。1988年的X光检测显示三足内均保留泥芯。器表为光滑的灰绿色锈层，局部有孔雀石绿锈，口沿有少量红色赤铜矿锈斑。一足曾断裂并于入藏前修复，接缝位于足底以上3厘米处。

来源
传约1934年出土于河南安阳附近。1935年哈罗德·惠特科姆（1889—1961）购于北平。后由其女玛格丽特·惠特科姆·黑尔继承。1987年捐赠本馆。

展览
“礼与权：中国早期青铜器”，河畔亚洲艺术博物馆，1991年4月12日至9月29日，展品第7号。

按语
此鼎的器形与纹饰与安阳地区出土的商代晚期铜鼎相近。同类形制的鼎在西周早期仍有铸造，但西周铜鼎的铭文通常较长，多记载赏赐与册命，而非仅书先人之名。
"""


def write_catalogue_zh(path: Path) -> None:
    data = CATALOGUE_ZH.encode("gb18030")
    # The point of the file is that it is NOT valid UTF-8; make sure it stays so.
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        path.write_bytes(data)
        return
    raise AssertionError("the GB18030 catalogue happens to be valid UTF-8")


def main() -> None:
    write_condition_report(HERE / "song-celadon-bowl" / "condition_report.pdf")
    write_provenance(HERE / "ming-landscape-scroll" / "provenance.docx")
    write_catalogue_zh(HERE / "shang-bronze-ding" / "catalogue_zh_gb18030.txt")


if __name__ == "__main__":
    main()
