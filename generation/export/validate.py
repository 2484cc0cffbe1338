"""Check content packs against the schemas the learning platforms themselves use.

* IMS Common Cartridge 1.1 (``.imscc``): the manifest against
  ``ccv1p1_imscp_v1p2_v1p0.xsd`` and the ISO Schematron rules embedded in it; every
  assessment against the CC profile of QTI 1.2.1 (``ccv1p1_qtiasiv1p2p1_v1p0.xsd`` and its
  Schematron: ``cc_profile`` on every item, MC with more than 2 choices, T/F with exactly
  2, ...); web links and discussions against their XSDs; every lesson page parses as
  XHTML; and, because no schema checks it, every ``<file href>`` exists in the zip and
  every zip entry is listed by some resource. These are the files and the procedure of
  ``../shared/schemas/common-cartridge/README.md``; Moodle validates CC 1.1 imports with
  the same XSDs.
* Canvas QTI zip: each QTI file against the generic IMS QTI ASI 1.2 XSD (Canvas-native
  item types are outside the CC profile, as in Canvas's own ``non_cc_assessments``), the
  manifest parses and lists exactly the zip's files.

The schemas are not shipped with kgstudio (their licences allow copying unmodified, but
they are large): :func:`find_schemas` looks for the ``common-cartridge`` schema folder in
the setting ``export.schemas_dir``, then ``$KGSTUDIO_SCHEMAS``, then
``../shared/schemas/common-cartridge`` beside the checkout. Nothing is fetched from the
network (lxml resolves only the relative, local imports).
"""
from __future__ import annotations

import functools
import os
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree, isoschematron

from generation.export.base import ExportError, SchemasMissing

CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
SVRL_NS = "http://purl.oclc.org/dsdl/svrl"

#: CC 1.1 resource type -> the schema its descriptor file is checked with
QTI_TYPES = ("imsqti_xmlv1p2/imscc_xmlv1p1/assessment", "imsqti_xmlv1p2/imscc_xmlv1p1/question-bank")


def find_schemas(explicit: str | Path | None = None) -> Path:
    """The folder holding ``cc-1.1/`` and ``qti-1.2/`` (see the module docstring)."""
    candidates = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get("KGSTUDIO_SCHEMAS"):
        candidates.append(Path(os.environ["KGSTUDIO_SCHEMAS"]))
    if os.environ.get("KGSTUDIO_SHARED"):
        candidates.append(Path(os.environ["KGSTUDIO_SHARED"]) / "schemas" / "common-cartridge")
    candidates.append(Path(__file__).resolve().parents[3] / "shared" / "schemas" / "common-cartridge")
    for c in candidates:
        if (c / "cc-1.1" / "ccv1p1_imscp_v1p2_v1p0.xsd").is_file():
            return c
    raise SchemasMissing("the IMS Common Cartridge 1.1 / QTI 1.2 XSDs were not found (looked in "
                         + ", ".join(str(c) for c in candidates)
                         + "); set export.schemas_dir in kgstudio.toml or $KGSTUDIO_SCHEMAS to the "
                           "folder holding cc-1.1/ and qti-1.2/")


class _Checker:
    """One XSD, optionally with the ISO Schematron rules embedded in it."""

    def __init__(self, xsd_path: Path, schematron: bool):
        doc = etree.parse(str(xsd_path))
        self.xsd = etree.XMLSchema(doc)
        self.sch = None
        if schematron:
            # validate_schema=False: the embedded rules fail lxml's strict RelaxNG self-check
            # (the README of the schema folder documents this), but run correctly.
            self.sch = isoschematron.Schematron(isoschematron.extract_xsd(doc).getroot(),
                                                store_report=True, validate_schema=False)

    def errors(self, doc) -> list[str]:
        out = []
        if not self.xsd.validate(doc):
            out += [f"line {e.line}: {e.message}" for e in self.xsd.error_log]
        if self.sch is not None and not self.sch.validate(doc):
            for fa in self.sch.validation_report.iter(f"{{{SVRL_NS}}}failed-assert"):
                out.append("schematron: " + " ".join(" ".join(fa.itertext()).split()))
        return out


@functools.lru_cache(maxsize=4)
def _checkers(root: str) -> dict[str, _Checker]:
    cc = Path(root) / "cc-1.1"
    return {
        "manifest": _Checker(cc / "ccv1p1_imscp_v1p2_v1p0.xsd", schematron=True),
        "cc-qti": _Checker(cc / "ccv1p1_qtiasiv1p2p1_v1p0.xsd", schematron=True),
        "weblink": _Checker(cc / "ccv1p1_imswl_v1p1.xsd", schematron=False),
        "discussion": _Checker(cc / "ccv1p1_imsdt_v1p1.xsd", schematron=False),
        "qti-1.2": _Checker(Path(root) / "qti-1.2" / "ims_qtiasiv1p2.xsd", schematron=False),
    }


def checker(kind: str, schemas: str | Path | None = None) -> _Checker:
    """The checker for ``kind`` (manifest, cc-qti, weblink, discussion, qti-1.2)."""
    return _checkers(str(find_schemas(schemas)))[kind]


@dataclass
class ValidationReport:
    """Result of validating one pack: ``errors`` are ``"file: message"`` lines."""

    path: str
    kind: str                                   # "imscc" or "qti-canvas"
    errors: list[str] = field(default_factory=list)
    checked: dict[str, str] = field(default_factory=dict)   # file in the pack -> check applied
    files: int = 0                              # entries in the zip

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self, limit: int = 20) -> str:
        shown = self.errors[:limit]
        more = len(self.errors) - len(shown)
        return "\n".join(shown + ([f"... and {more} more"] if more > 0 else []))

    def raise_for_errors(self) -> None:
        if self.errors:
            raise ExportError(f"{self.path}: the {self.kind} pack does not validate "
                              f"({len(self.errors)} error(s)):\n{self.text()}")


def _parser() -> etree.XMLParser:
    # No DTDs, no entities, no network: a pack is untrusted input when re-validated.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_xml(data: bytes):
    return etree.fromstring(data, _parser()).getroottree()


def _manifest_files(manifest) -> tuple[set[str], list[tuple[str, str, list[str]]]]:
    """All ``<file href>`` (resolved against ``xml:base``) and (identifier, type, files) per resource."""
    listed: set[str] = set()
    resources = []
    for res in manifest.iter(f"{{{CP_NS}}}resource", "{*}resource"):
        base = res.get("{http://www.w3.org/XML/1998/namespace}base") or ""
        files = [posixpath.normpath(posixpath.join(base, f.get("href", "")))
                 for f in res if isinstance(f.tag, str) and etree.QName(f).localname == "file"]
        listed.update(files)
        resources.append((res.get("identifier", ""), res.get("type", ""), files))
    return listed, resources


def _both_ways(names: set[str], listed: set[str], errors: list[str]) -> None:
    for f in sorted(listed - names):
        errors.append(f"imsmanifest.xml: lists {f}, which is not in the zip")
    for f in sorted(names - listed - {"imsmanifest.xml"}):
        errors.append(f"{f}: in the zip but no resource of imsmanifest.xml lists it")


def _open_zip(path: Path, kind: str) -> tuple[zipfile.ZipFile | None, ValidationReport]:
    report = ValidationReport(str(path), kind)
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as e:
        report.errors.append(f"{path}: not a readable zip ({e})")
        return None, report
    report.files = len(zf.namelist())
    if "imsmanifest.xml" not in zf.namelist():
        report.errors.append("imsmanifest.xml: missing at the root of the zip")
        zf.close()
        return None, report
    return zf, report


def validate_cc(path: str | Path, *, schemas: str | Path | None = None) -> ValidationReport:
    """Validate a Common Cartridge 1.1 ``.imscc`` (see the module docstring for what is checked)."""
    c = _checkers(str(find_schemas(schemas)))
    zf, report = _open_zip(Path(path), "imscc")
    if zf is None:
        return report
    with zf:
        names = {n for n in zf.namelist() if not n.endswith("/")}
        try:
            manifest = parse_xml(zf.read("imsmanifest.xml"))
        except etree.XMLSyntaxError as e:
            report.errors.append(f"imsmanifest.xml: not well-formed XML ({e})")
            return report
        head = zf.read("imsmanifest.xml")[:1024]
        if f'xmlns="{CP_NS}"'.encode() not in head:
            report.errors.append("imsmanifest.xml: the CC 1.1 default namespace is not declared in the "
                                 "first 1 KB (Moodle detects CC 1.1 by it)")
        report.errors += [f"imsmanifest.xml: {e}" for e in c["manifest"].errors(manifest)]
        report.checked["imsmanifest.xml"] = "ccv1p1_imscp_v1p2_v1p0.xsd + schematron"
        listed, resources = _manifest_files(manifest)
        _both_ways(names, listed, report.errors)
        for ident, rtype, files in resources:
            for f in files:
                if f not in names:
                    continue
                if rtype in QTI_TYPES:
                    kind, label = "cc-qti", "ccv1p1_qtiasiv1p2p1_v1p0.xsd + schematron"
                elif rtype == "imswl_xmlv1p1":
                    kind, label = "weblink", "ccv1p1_imswl_v1p1.xsd"
                elif rtype == "imsdt_xmlv1p1":
                    kind, label = "discussion", "ccv1p1_imsdt_v1p1.xsd"
                elif rtype == "webcontent" and f.endswith((".html", ".xhtml", ".svg")):
                    kind, label = "xml", "well-formed XHTML/SVG"
                else:
                    continue
                try:
                    doc = parse_xml(zf.read(f))
                except etree.XMLSyntaxError as e:
                    report.errors.append(f"{f}: not well-formed XML ({e}) (resource {ident})")
                    continue
                if kind != "xml":
                    report.errors += [f"{f}: {e}" for e in c[kind].errors(doc)]
                report.checked[f] = label
    return report


def validate_qti_canvas(path: str | Path, *, schemas: str | Path | None = None) -> ValidationReport:
    """Validate a Canvas "QTI .zip file": QTI files against the generic QTI 1.2 XSD, the
    manifest lists exactly the zip's files."""
    c = _checkers(str(find_schemas(schemas)))
    zf, report = _open_zip(Path(path), "qti-canvas")
    if zf is None:
        return report
    with zf:
        names = {n for n in zf.namelist() if not n.endswith("/")}
        try:
            manifest = parse_xml(zf.read("imsmanifest.xml"))
        except etree.XMLSyntaxError as e:
            report.errors.append(f"imsmanifest.xml: not well-formed XML ({e})")
            return report
        listed, resources = _manifest_files(manifest)
        _both_ways(names, listed, report.errors)
        if not any(t == "imsqti_xmlv1p2" for _, t, _ in resources):
            report.errors.append("imsmanifest.xml: no resource of type imsqti_xmlv1p2")
        for ident, rtype, files in resources:
            for f in files:
                if f not in names or not f.endswith(".xml"):
                    continue
                try:
                    doc = parse_xml(zf.read(f))
                except etree.XMLSyntaxError as e:
                    report.errors.append(f"{f}: not well-formed XML ({e}) (resource {ident})")
                    continue
                if rtype == "imsqti_xmlv1p2":
                    report.errors += [f"{f}: {e}" for e in c["qti-1.2"].errors(doc)]
                    report.checked[f] = "qti-1.2/ims_qtiasiv1p2.xsd"
                else:
                    report.checked[f] = "well-formed XML"
    return report


def validate_pack(fmt: str, path: str | Path, *, schemas: str | Path | None = None) -> ValidationReport | None:
    """The validation that applies to format ``fmt`` (None for formats without a schema)."""
    if fmt == "imscc":
        return validate_cc(path, schemas=schemas)
    if fmt == "qti-canvas":
        return validate_qti_canvas(path, schemas=schemas)
    return None
