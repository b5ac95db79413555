"""The lessons' gallery: a SAML response as text, tampered with, unsigned, and as a highlighted HTML view."""

from __future__ import annotations

import base64
import html
import re

from lxml import etree

from ..errors import LabkitError
from .assertions import PARSER, _epoch
from .names import ASSERTION, ATTR_ROLE, DSIG


def decode(saml_response_b64: str) -> str:
    """The XML of a base64 SAML response, as text (what the browser's SAML tracer shows)."""
    return base64.b64decode("".join(saml_response_b64.split())).decode("utf-8")


def tampered(saml_response_b64: str, old: str, new: str) -> str:
    """The same response with the text ``old`` replaced by ``new`` after it was signed -- what someone who
    edits an assertion in transit (say, to add a role) produces. The signature is left as it was."""
    xml = decode(saml_response_b64)
    if old not in xml:
        raise LabkitError(f"{old!r} does not occur in this SAML response; nothing to tamper with.")
    return base64.b64encode(xml.replace(old, new).encode("utf-8")).decode()


def unsigned(saml_response_b64: str) -> str:
    """The same response with every ``ds:Signature`` removed (an assertion nobody signed)."""
    root = etree.fromstring(base64.b64decode(saml_response_b64), parser=PARSER)
    for sig in root.findall(f".//{{{DSIG}}}Signature"):
        sig.getparent().remove(sig)
    return base64.b64encode(etree.tostring(root, encoding="utf-8")).decode()


_HIGHLIGHT = {
    "issuer": ("#fff3bf", "Issuer: who vouches (must be the entityID in the IAM provider's metadata)"),
    "audience": ("#d3f9d8", "Audience / Recipient: who the assertion is for (AWS)"),
    "time": ("#ffe3e3", "NotOnOrAfter: until when it may be redeemed"),
    "role": ("#d0ebff", "Role attribute: role ARN,provider ARN pairs from your groups"),
    "signature": ("#e5dbff", "Signature: RSA-SHA256 over the Assertion (values masked)"),
}


def view(saml_response_b64: str):
    """An HTML view of a SAML response, its important parts highlighted (``IPython.display.HTML``).

    Deterministic: IDs, signature and digest values, the certificate, and the instants are masked
    (instants are shown relative to the IssueInstant, e.g. ``IssueInstant + 5 min``).
    """
    from IPython.display import HTML

    root = etree.fromstring(base64.b64decode("".join(saml_response_b64.split())), parser=PARSER)
    assertion = root.find(f"{{{ASSERTION}}}Assertion")
    base = _epoch((assertion if assertion is not None else root).get("IssueInstant"), "IssueInstant") or 0.0
    ids = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("ID", "SessionIndex", "URI", "Id"):
            value = el.get(attr)
            if value is None:
                continue
            key = value.lstrip("#")
            ids.setdefault(key, f"_id{len(ids) + 1}")
            el.set(attr, ("#" if value.startswith("#") else "") + ids[key])
        for attr in ("IssueInstant", "NotBefore", "NotOnOrAfter", "AuthnInstant", "SessionNotOnOrAfter"):
            value = el.get(attr)
            if value is not None:
                delta = int(round((_epoch(value, attr) or base) - base))
                if el.tag == f"{{{ASSERTION}}}Assertion" or (delta == 0 and attr == "IssueInstant"):
                    el.set(attr, "(issue instant)")
                else:
                    el.set(attr, "IssueInstant" + (f" + {delta // 60} min" if delta % 60 == 0 else f" + {delta} s") if delta else "IssueInstant")
        if el.tag in (f"{{{DSIG}}}SignatureValue", f"{{{DSIG}}}DigestValue", f"{{{DSIG}}}X509Certificate"):
            el.text = "(masked)"
    text = etree.tostring(root, pretty_print=True, encoding="unicode")
    out, block = [], None
    for line in text.splitlines():
        kind = block
        if block is None:
            if "<ds:Signature" in line and "/>" not in line:
                block = kind = "signature"
            elif re.search(r'<Attribute Name="' + re.escape(ATTR_ROLE) + '"', line):
                block = kind = "role"
            elif re.search(r"<(saml:)?Issuer", line):
                kind = "issuer"
            elif "<Audience" in line or "Recipient=" in line:
                kind = "audience" if "NotOnOrAfter" not in line else "time"
            elif "NotOnOrAfter" in line:
                kind = "time"
        escaped = html.escape(line)
        if kind:
            colour = _HIGHLIGHT[kind][0]
            escaped = f'<span style="background:{colour}">{escaped}</span>'
        out.append(escaped)
        if block == "signature" and "</ds:Signature>" in line:
            block = None
        if block == "role" and "</Attribute>" in line:
            block = None
    legend = "".join(f'<span style="background:{c};padding:0 6px;margin-right:6px">{html.escape(label)}</span>'
                     for c, label in _HIGHLIGHT.values())
    body = "\n".join(out)
    return HTML(f'<div style="font-size:12px">{legend}</div>'
                f'<pre style="font-size:11px;line-height:1.35;white-space:pre-wrap">{body}</pre>')
