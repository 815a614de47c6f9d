"""Turns a DocContext into the bytes of a CDA R2 document of the requested kind."""

from __future__ import annotations

from .context import DocContext
from .header import build_header
from .kinds import KindSpec
from .xml import el, serialize


def produce(spec: KindSpec, ctx: DocContext) -> bytes:
    root = build_header(spec, ctx)
    component = el(root, "component")
    component.append(spec.body(ctx))
    return serialize(root)
