"""A deterministic, seeded generator of a synthetic minelaw knowledge base (issue 9).

The KB uses the real ontology and the real law (``kb/law`` is copied, as
``minelaw init`` does) and adds one fictional case beside it, ``cases/synthetic/``:
20 fictional states (user-assigned ISO 3166 codes QQA..QQT, never real names)
fighting 10 conflicts in pairs, 200 places with WKT points (4 districts and 6
villages per state), control periods (including an occupation per conflict),
treaty participation records, graded sources, mine-laying events, N mine
incidents, claims with disputes, record handovers and accuracy assessments.

The data has the shapes of the fictional world of the rule tests
(``tests/rules/_world.ttl`` and ``tests/rules/*.ttl``), so it passes
``minelaw --kb DIR check`` and the entry shapes.  Some entries are *planted* so
that each compliance rule in ``rules/obligations/`` must fire on known
(duty-bearer, territory) pairs; they are listed in ``DIR/manifest.json`` (not
Turtle, so never loaded) together with the counts of every kind of entry.

Turtle is written with string templates (no rdflib graph), in files of at most
5,000 incidents, so that 100k incidents (about 2 million triples) take seconds.

    python benchmarks/generate.py --incidents 10000 --out /tmp/kb-10k [--seed 9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import shutil
import string
import sys
from pathlib import Path

PREFIXES = """@prefix ml:      <https://w3id.org/minelaw/ontology#> .
@prefix mlv:     <https://w3id.org/minelaw/vocab/> .
@prefix mlr:     <https://w3id.org/minelaw/id/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix geo:     <http://www.opengis.net/ont/geosparql#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .

"""

STATES = [f"QQ{c}" for c in string.ascii_uppercase[:20]]  # QQA .. QQT
DISTRICTS_PER_STATE = 4
VILLAGES = (2, 2, 1, 1)  # villages in district 1..4 of each state: 6 per state
CHUNK = 5000  # incidents per file
RECORD_CONTENTS = [
    "two-reference-points",
    "map-perimeter",
    "type-number",
    "emplacement-fuse-lifetime",
    "date-time",
    "anti-handling",
    "exact-locations",
    "copies-held",
]
DEVICES = [
    "anti-personnel-mine",
    "anti-vehicle-mine",
    "improvised-device",
    "booby-trap",
    "erw",
    "mine-unspecified",
]
VICTIMS = ["civilian", "civilian", "civilian", "military", "deminer"]
# (reliability, credibility) grades of the incident sources, across the Admiralty scale
GRADES = [("A", 1), ("B", 2), ("B", 2), ("C", 3), ("C", 3), ("D", 4), ("E", 5), ("F", 6)]
EIF = "2000-07-10"  # entry into force of every participation
NOTE = 'ml:researchNote "synthetic benchmark data"'


def d(x: dt.date) -> str:
    return f'"{x.isoformat()}"^^xsd:date'


def state_name(code: str) -> str:
    return f"{code[2].upper()}{code[2].lower()}land"  # QQA -> Aaland (fictional)


def conflict_of(place: str) -> str:
    """The conflict in which the state of ``place`` (place-qqX-...) is a party."""
    return f"conflict-{STATES.index(place.split('-')[1].upper()) // 2:02d}"


def treaties(i: int) -> list[str]:
    """The instruments state number ``i`` is party to (a fixed, varied pattern)."""
    out = []
    if i % 4 != 3:  # both belligerents bound in some wars, one of them only in others
        out.append("API-1977")
    if i % 3 != 2:
        out.append("CCW-APII-1996")
    if i % 4 != 3:
        out.append("ECHR-1950")
    return out


class World:
    """The fixed part of the synthetic case: states, places, conflicts, law in force."""

    def __init__(self) -> None:
        self.districts: dict[str, list[str]] = {}  # state -> district ids
        self.villages: dict[str, list[str]] = {}  # district -> village ids
        self.coords: dict[str, tuple[float, float]] = {}
        self.places: list[str] = []
        for si, s in enumerate(STATES):
            lon0, lat0 = 10 + (si % 5) * 2.0, 40 + (si // 5) * 2.0
            self.districts[s] = []
            for di in range(DISTRICTS_PER_STATE):
                dist = f"place-{s.lower()}-d{di + 1}"
                self.districts[s].append(dist)
                self.coords[dist] = (lon0 + di * 0.4, lat0)
                self.places.append(dist)
                self.villages[dist] = []
                for vi in range(VILLAGES[di]):
                    v = f"{dist}-v{vi + 1}"
                    self.villages[dist].append(v)
                    self.coords[v] = (lon0 + di * 0.4 + 0.05 * (vi + 1), lat0 + 0.05 * (vi + 1))
                    self.places.append(v)
        self.conflicts = []  # (id, a, b, start, end of active hostilities)
        for k in range(len(STATES) // 2):
            a, b = STATES[2 * k], STATES[2 * k + 1]
            start = dt.date(2018, 9, 1) + dt.timedelta(days=30 * k)
            end = dt.date(2020, 1, 15) + dt.timedelta(days=20 * k)
            self.conflicts.append((f"conflict-{k:02d}", a, b, start, end))
        self.state_of = {p: p.split("-")[1].upper() for p in self.places}

    def district_of(self, place: str) -> str:
        return "-".join(place.split("-")[:3])


def world_ttl(w: World) -> str:
    out = [PREFIXES]
    for si, s in enumerate(STATES):
        name = state_name(s)
        out.append(
            f"mlr:{s} a ml:State ; dcterms:identifier {json.dumps(s)} ; ml:iso3166Alpha3 "
            f'"{s}" ;\n    skos:prefLabel "{name}"@en ; rdfs:label "{name}"@en .\n'
            f"mlr:org-{s.lower()}-ministry a ml:Organisation ; dcterms:identifier "
            f'"org-{s.lower()}-ministry" ;\n'
            f'    skos:prefLabel "{name} Ministry of Defence"@en ; '
            f'rdfs:label "{name} Ministry of Defence"@en ;\n'
            f"    ml:organisationKind mlv:organisation-kind-government-body ; "
            f"ml:organOf mlr:{s} .\n"
        )
        for tr in treaties(si):
            pid = f"part-{s}-{tr}"
            act = "ratification" if si % 2 else "accession"
            out.append(
                f'mlr:{pid} a ml:Participation ; dcterms:identifier "{pid}" ;\n'
                f"    ml:participant mlr:{s} ; ml:treaty mlr:{tr} ; "
                f"ml:act mlv:participation-act-{act} ;\n"
                f'    ml:actDate "2000-01-10"^^xsd:date ; ml:inForceFrom "{EIF}"^^xsd:date ;\n'
                f"    ml:verification mlv:verification-verified ; "
                f"dcterms:source mlr:src-treaty-depositary .\n"
            )
    for org, label, kind in (
        ("org-monitor", "Independent Mine Monitor", "ngo"),
        ("org-survey", "Demining Survey Foundation", "ngo"),
        ("org-wire", "Newswire", "news-outlet"),
        ("org-depositary", "Treaty Depositary", "igo"),
    ):
        out.append(
            f'mlr:{org} a ml:Organisation ; dcterms:identifier "{org}" ;\n'
            f'    skos:prefLabel "{label}"@en ; rdfs:label "{label}"@en ;\n'
            f"    ml:organisationKind mlv:organisation-kind-{kind} .\n"
        )
    for p in w.places:
        lon, lat = w.coords[p]
        s = w.state_of[p]
        village = p.count("-") == 3
        kind = "village" if village else "district"
        cls = "ml:Locality" if village else "ml:AdministrativeUnit"
        label = p.removeprefix("place-").replace("-", " ").title()
        part = f" ml:partOf mlr:{w.district_of(p)} ;" if village else ""
        out.append(
            f'mlr:{p} a {cls} ; dcterms:identifier "{p}" ;\n'
            f'    skos:prefLabel "{label}"@en ; skos:altLabel "{label.upper()}"@en ; '
            f'rdfs:label "{label}"@en ;\n'
            f"    ml:placeKind mlv:place-kind-{kind} ;{part} ml:locatedIn mlr:{s} ;\n"
            f"    geo:hasGeometry mlr:geom-{p.removeprefix('place-')} .\n"
            f"mlr:geom-{p.removeprefix('place-')} a geo:Geometry ; "
            f'geo:asWKT "POINT({lon:.2f} {lat:.2f})"^^geo:wktLiteral ;\n'
            f'    ml:coordinatePrecision "fictional" .\n'
        )
    for cid, a, b, start, end in w.conflicts:
        na, nb = state_name(a), state_name(b)
        out.append(
            f'mlr:{cid} a ml:ArmedConflict ; dcterms:identifier "{cid}" ;\n'
            f'    rdfs:label "{na}-{nb} war"@en ; ml:partyToConflict mlr:{a} , mlr:{b} ;\n'
            f"    dcterms:source mlr:src-ceasefire-{cid} .\n"
            f'mlr:class-{cid} a ml:ConflictClassification ; dcterms:identifier "class-{cid}" ;\n'
            f'    rdfs:label "The {na}-{nb} war is an international armed conflict"@en ;\n'
            f"    ml:classifies mlr:{cid} ; ml:conflictType mlv:conflict-type-IAC ;\n"
            f"    ml:start {d(start)} ; ml:end {d(end)} ;\n"
            f"    ml:verification mlv:verification-verified ; "
            f"dcterms:source mlr:src-ceasefire-{cid} .\n"
            f"mlr:ev-ceasefire-{cid} a ml:EndOfActiveHostilities ; dcterms:identifier "
            f'"ev-ceasefire-{cid}" ;\n'
            f'    rdfs:label "Ceasefire agreement {na}-{nb}"@en ;\n'
            f"    ml:conflict mlr:{cid} ; ml:date {d(end)} ;\n"
            # the ceasefire ends the phase over both states' districts (where mines were laid)
            f"    ml:place {', '.join(f'mlr:{x}' for x in w.districts[a] + w.districts[b])} ;\n"
            f"    ml:datePrecision mlv:date-precision-day ; "
            f"ml:verification mlv:verification-verified ;\n"
            f"    dcterms:source mlr:src-ceasefire-{cid} .\n"
        )
        out.append(
            source(
                f"src-ceasefire-{cid}",
                f"Ceasefire agreement {na}-{nb} (text)",
                "org-wire",
                "treaty-text",
                end,
                ("A", 1),
            )
        )
    out.append(
        source(
            "src-treaty-depositary",
            "Depositary notifications",
            "org-depositary",
            "treaty-text",
            dt.date(2001, 1, 1),
            ("A", 1),
        )
    )
    for s in STATES:
        out.append(
            source(
                f"src-{s.lower()}-ministry",
                f"Statements of the {state_name(s)} ministry",
                f"org-{s.lower()}-ministry",
                "official-statement",
                dt.date(2020, 6, 1),
                ("D", 4),
                interested=s,
            )
        )
    return "".join(out)


def source(
    sid: str,
    title: str,
    publisher: str,
    kind: str,
    issued: dt.date,
    grade: tuple[str, int],
    interested: str | None = None,
) -> str:
    party = f" ml:interestedParty mlr:{interested} ;" if interested else ""
    return (
        f'mlr:{sid} a ml:Source ; dcterms:identifier "{sid}" ;\n'
        f'    dcterms:title "{title}" ; dcterms:publisher mlr:{publisher} ;\n'
        f"    ml:sourceKind mlv:source-kind-{kind} ; "
        f'ml:url "https://example.org/{sid}"^^xsd:anyURI ;\n'
        f'    dcterms:issued {d(issued)} ; dcterms:language "en" ;\n'
        f"    ml:reliability mlv:reliability-{grade[0]} ; "
        f"ml:credibility mlv:credibility-{grade[1]} ;{party}\n"
        f"    ml:preservation mlv:preservation-not-preserved ; {NOTE} .\n"
    )


def incident(
    iid: str,
    place: str,
    date: dt.date,
    device: str,
    killed: int,
    injured: int,
    victim: str | None,
    src: str,
    verified: bool,
) -> str:
    cas = ""
    if victim is not None and killed + injured > 0:
        outcome, n = ("killed", killed) if killed else ("injured", injured)
        cas = (
            f"    ml:casualty [ a ml:CasualtyGroup ;"
            f" ml:victimCategory mlv:victim-category-{victim} ;"
            f" ml:outcome mlv:casualty-outcome-{outcome} ; ml:count {n} ] ;\n"
        )
    ver = "verified" if verified else "secondary"
    return (
        f'mlr:{iid} a ml:MineIncident ; dcterms:identifier "{iid}" ;\n'
        f'    rdfs:label "Mine incident {iid[3:]}"@en ;\n'
        f"    ml:place mlr:{place} ; ml:date {d(date)} ; ml:conflict mlr:{conflict_of(place)} ;\n"
        f"    ml:datePrecision mlv:date-precision-day ; ml:deviceType mlv:device-type-{device} ;\n"
        f"    ml:killed {killed} ; ml:injured {injured} ;\n{cas}"
        f"    ml:verification mlv:verification-{ver} ; dcterms:source mlr:{src} .\n"
    )


def new_entry(tag: str, note: str) -> str:
    """One new source and one new incident in a generated KB (QQA's first village, 1 May
    2023): what `minelaw add` adds in the benchmark's after-add step and in the tests of the
    incremental path.  Identifiers ``src-<tag>-new`` and ``ev-<tag>-new``."""
    return (
        PREFIXES
        + f"""mlr:src-{tag}-new a ml:Source ; dcterms:identifier "src-{tag}-new" ;
    dcterms:title "A new field report" ; dcterms:publisher mlr:org-monitor ;
    ml:sourceKind mlv:source-kind-ngo-report ; ml:url "https://example.org/{tag}-new"^^xsd:anyURI ;
    dcterms:issued "2023-04-04"^^xsd:date ; dcterms:language "en" ;
    ml:reliability mlv:reliability-B ; ml:credibility mlv:credibility-2 ;
    ml:preservation mlv:preservation-not-preserved ; ml:researchNote "{note}" .
mlr:ev-{tag}-new a ml:MineIncident ; dcterms:identifier "ev-{tag}-new" ;
    rdfs:label "A new mine incident"@en ;
    ml:place mlr:place-qqa-d1-v1 ; ml:date "2023-05-01"^^xsd:date ;
    ml:datePrecision mlv:date-precision-day ; ml:deviceType mlv:device-type-anti-personnel-mine ;
    ml:killed 0 ; ml:injured 1 ;
    ml:casualty [ a ml:CasualtyGroup ; ml:victimCategory mlv:victim-category-civilian ;
                  ml:outcome mlv:casualty-outcome-injured ; ml:count 1 ] ;
    ml:verification mlv:verification-secondary ; dcterms:source mlr:src-{tag}-new .
"""
    )


def generate(out: Path, n: int, seed: int = 9) -> dict[str, object]:
    """Write the synthetic KB for ``n`` incidents to ``out``; return the manifest."""
    from minelaw.resources import data_dir

    rnd = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    (out / "entries" / "restricted").mkdir(parents=True)
    shutil.copytree(data_dir("kb") / "law", out / "law")
    case = out / "cases" / "synthetic"
    case.mkdir(parents=True)
    w = World()
    (case / "world.ttl").write_text(world_ttl(w), encoding="utf-8")
    planted: dict[str, set[tuple[str, str]]] = {}

    def plant(norm: str, state: str, district: str) -> None:
        planted.setdefault(norm, set()).add((state, district))

    # --- control, laying, handovers, assessments, planted incidents (fixed per conflict) ---
    ev = [PREFIXES]
    planted_incidents = []
    for k, (cid, a, b, _start, end) in enumerate(w.conflicts):
        for s in (a, b):
            for di, dist in enumerate(w.districts[s]):
                occupied = s == a and di == 3  # b occupies a's fourth district after the war
                cp = f"cp-{s.lower()}-{dist.removeprefix('place-')}"
                until = f" ml:end {d(end)} ;" if occupied else ""
                ev.append(
                    f'mlr:{cp} a ml:ControlPeriod ; dcterms:identifier "{cp}" ;\n'
                    f'    rdfs:label "{state_name(s)} controls {dist}"@en ;\n'
                    f"    ml:controller mlr:{s} ; ml:territory mlr:{dist} ;\n"
                    f"    ml:controlKind mlv:control-kind-territorial-control ;\n"
                    f'    ml:start "1995-01-01"^^xsd:date ;{until}\n'
                    f"    ml:verification mlv:verification-verified ; "
                    f"dcterms:source mlr:src-ceasefire-{cid} .\n"
                )
                if occupied:
                    cp = f"cp-{b.lower()}-{dist.removeprefix('place-')}"
                    ev.append(
                        f'mlr:{cp} a ml:ControlPeriod ; dcterms:identifier "{cp}" ;\n'
                        f'    rdfs:label "{state_name(b)} controls {dist}"@en ;\n'
                        f"    ml:controller mlr:{b} ; ml:territory mlr:{dist} ;\n"
                        f"    ml:controlKind mlv:control-kind-territorial-control ;\n"
                        f"    ml:start {d(end + dt.timedelta(days=5))} ;\n"
                        f"    ml:verification mlv:verification-verified ; "
                        f"dcterms:source mlr:src-ceasefire-{cid} .\n"
                    )
                # one civilian death per district after the war: ECHR art 2 (both limbs)
                controller = b if occupied else s
                inc = f"ev-planted-{dist.removeprefix('place-')}"
                planted_incidents.append(
                    incident(
                        inc,
                        w.villages[dist][0],
                        end + dt.timedelta(days=30),
                        "anti-personnel-mine",
                        1,
                        0,
                        "civilian",
                        "src-monitor",
                        True,
                    )
                )
                ci = STATES.index(controller)
                if "ECHR-1950" in treaties(ci):
                    plant("ECHR-1950-art2", controller, dist)
                    plant("ECHR-1950-art2-investigate", controller, dist)
        # each side laid mines in villages of the other's first two districts (and in the
        # third district itself, a district-level laying) before the end of hostilities
        for s, enemy in ((a, b), (b, a)):
            si = STATES.index(s)

            def bound(treaty: str, si: int = si, enemy: str = enemy) -> bool:
                """A treaty binds a party towards a belligerent also bound by it (Geneva
                Conventions common art 2(3); AP I art 96(2); CCW art 7)."""
                return treaty in treaties(si) and treaty in treaties(STATES.index(enemy))

            laid = end - dt.timedelta(days=60)
            for di, dist in enumerate(w.districts[enemy][:3]):
                places = w.villages[dist] if di < 2 else [dist]
                for p in places:
                    lid = f"ev-laying-{s.lower()}-{p.removeprefix('place-')}"
                    ev.append(
                        f'mlr:{lid} a ml:MineLaying ; dcterms:identifier "{lid}" ;\n'
                        f'    rdfs:label "Mines laid by {state_name(s)} at {p}"@en ;\n'
                        f"    ml:agent mlr:{s} ; ml:place mlr:{p} ;\n"
                        f"    ml:date {d(laid)} ; ml:datePrecision mlv:date-precision-month ;\n"
                        f"    ml:verification mlv:verification-verified ;\n"
                        f"    dcterms:source mlr:src-monitor , mlr:src-survey .\n"
                    )
                for norm in ("CIHL-R83", "CIHL-R81"):
                    plant(norm, s, dist)
                if di > 0:  # the records handed over for the first district show they were made
                    plant("CIHL-R82", s, dist)
                if bound("CCW-APII-1996"):
                    plant("CCW-APII-1996-art10", s, dist)
                if di < 2:  # laying at a village: distinction and precautions
                    for norm in ("CIHL-R11", "CIHL-R15", "CIHL-R17", "CIHL-R20"):
                        plant(norm, s, dist)
                    if bound("API-1977"):
                        plant("API-1977-art51", s, dist)
                        plant("API-1977-art57", s, dist)
            # records handed over for the first district: incomplete in even conflicts
            dist = w.districts[enemy][0]
            hid = f"ev-handover-{s.lower()}-{dist.removeprefix('place-')}"
            contents = RECORD_CONTENTS[:2] if k % 2 == 0 else RECORD_CONTENTS
            ev.append(
                f'mlr:{hid} a ml:RecordHandover ; dcterms:identifier "{hid}" ;\n'
                f'    rdfs:label "{state_name(s)} hands over minefield records for {dist}"@en ;\n'
                f"    ml:from mlr:{s} ; ml:to mlr:{enemy} ; ml:place mlr:{dist} ;\n"
                f"    ml:date {d(end + dt.timedelta(days=150))} ; "
                f"ml:datePrecision mlv:date-precision-day ;\n"
                f"    ml:numberOfRecords {10 + k} ; ml:contentsAssessed true ;\n"
                f"    ml:verification mlv:verification-verified ; "
                f"dcterms:source mlr:src-survey , mlr:src-monitor ;\n"
                f"    ml:recordContent "
                + " , ".join(f"mlv:record-content-{c}" for c in contents)
                + " .\n"
            )
            if k % 2 == 0 and bound("CCW-APII-1996"):
                plant("CCW-APII-1996-TA-records", s, dist)
            aid = f"ev-assessment-{s.lower()}-{dist.removeprefix('place-')}"
            ev.append(
                f'mlr:{aid} a ml:AccuracyAssessment ; dcterms:identifier "{aid}" ;\n'
                f'    skos:prefLabel "Assessment of the records for {dist}"@en ;\n'
                f"    ml:date {d(end + dt.timedelta(days=400))} ; "
                f"ml:datePrecision mlv:date-precision-month ;\n"
                f"    ml:place mlr:{dist} ; ml:agent mlr:org-survey ; ml:assesses mlr:{hid} ;\n"
                f'    ml:shareAccurate "{0.2 + 0.05 * k:.2f}"^^xsd:decimal ;\n'
                f"    dcterms:source mlr:src-survey ;"
                f" ml:verification mlv:verification-secondary .\n"
            )
    ev.extend(planted_incidents)
    for sid, title, pub, kind, grade in (
        ("src-monitor", "Independent Mine Monitor report", "org-monitor", "ngo-report", ("B", 2)),
        ("src-survey", "Non-technical survey", "org-survey", "ngo-report", ("B", 2)),
    ):
        ev.append(source(sid, title, pub, kind, dt.date(2020, 9, 1), grade))
    (case / "events.ttl").write_text("".join(ev), encoding="utf-8")

    # --- sources for the incidents: one per 10 incidents, graded across the scale ---
    n_src = max(20, n // 10)
    src_ids = [f"src-report-{i:06d}" for i in range(n_src)]
    buf = [PREFIXES]
    for i, sid in enumerate(src_ids):
        pub, kind = (("org-monitor", "ngo-report"), ("org-survey", "ngo-report"))[i % 2]
        if i % 5 == 4:
            pub, kind = "org-wire", "news"
        issued = dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(1800))
        buf.append(source(sid, f"Report {i}", pub, kind, issued, GRADES[i % len(GRADES)]))
    (case / "sources.ttl").write_text("".join(buf), encoding="utf-8")

    # --- incidents, in files of CHUNK ---
    first = dt.date(2019, 6, 1)
    incident_ids = []
    for c0 in range(0, n, CHUNK):
        buf = [PREFIXES]
        for i in range(c0, min(n, c0 + CHUNK)):
            iid = f"ev-inc-{i:06d}"
            incident_ids.append(iid)
            place = w.places[rnd.randrange(len(w.places))]
            killed = rnd.choice((0, 0, 0, 1, 1, 2))
            injured = rnd.choice((0, 1, 1, 2)) if killed == 0 else rnd.choice((0, 1))
            victim = VICTIMS[rnd.randrange(len(VICTIMS))] if rnd.random() < 0.7 else None
            buf.append(
                incident(
                    iid,
                    place,
                    first + dt.timedelta(days=rnd.randrange(2000)),
                    DEVICES[rnd.randrange(len(DEVICES))],
                    killed,
                    injured,
                    victim,
                    src_ids[rnd.randrange(n_src)],
                    rnd.random() < 0.5,
                )
            )
        (case / f"incidents-{c0 // CHUNK:03d}.ttl").write_text("".join(buf), encoding="utf-8")

    # --- claims: one per 10 incidents; a share are disputed by a denial ---
    buf = [PREFIXES]
    n_claims = max(40, n // 10)
    disputed = 0
    for i in range(n_claims):
        _cid, a, b, _start, end = w.conflicts[i % len(w.conflicts)]
        claimant, against = (a, b) if i % 2 == 0 else (b, a)
        own = w.districts[claimant]
        cl = f"claim-{i:06d}"
        kind = ("casualty-figure", "mine-laying", "contamination", "record-accuracy", "control")[
            i % 5
        ]
        on = end + dt.timedelta(days=30 + rnd.randrange(1500))
        value = ""
        if kind == "mine-laying":  # about a village where the opponent did lay mines
            about = w.villages[own[i % 2]][0]
            text = f"{state_name(against)} laid mines at {about}."
        elif kind == "control":
            about = own[3]
            text = f"{state_name(against)} does not lawfully control {about}."
        else:
            about = own[rnd.randrange(len(own))]
            text = f"Claim {i} of {state_name(claimant)} about {about}."
            if kind in ("casualty-figure", "record-accuracy"):
                value = f" ml:claimedValue {rnd.randrange(1, 100)}.0 ;"
        buf.append(
            f'mlr:{cl} a ml:Claim ; dcterms:identifier "{cl}" ;\n'
            f'    rdfs:label "Claim {i} ({kind})"@en ;\n'
            f"    ml:claimant mlr:org-{claimant.lower()}-ministry ; ml:against mlr:{against} ;\n"
            f"    ml:claimKind mlv:claim-kind-{kind} ; ml:about mlr:{about} ;\n"
            f"    ml:assertion {json.dumps(text)} ;\n"
            f"    ml:claimedOn {d(on)} ;{value}\n"
            f"    ml:verification mlv:verification-verified ; "
            f"dcterms:source mlr:src-{claimant.lower()}-ministry .\n"
        )
        if kind in ("mine-laying", "control") and i % 3 == 0:
            disputed += 1
            dk = "denial" if kind == "mine-laying" else "control"
            buf.append(
                f'mlr:{cl}-reply a ml:Claim ; dcterms:identifier "{cl}-reply" ;\n'
                f'    rdfs:label "Reply to claim {i}"@en ;\n'
                f"    ml:claimant mlr:org-{against.lower()}-ministry ;"
                f" ml:against mlr:{claimant} ;\n"
                f"    ml:claimKind mlv:claim-kind-{dk} ; ml:about mlr:{about} ;\n"
                f'    ml:assertion "The claim is unfounded." ;\n'
                f"    ml:claimedOn {d(on + dt.timedelta(days=2))} ; ml:disputes mlr:{cl} ;\n"
                f"    ml:verification mlv:verification-verified ; "
                f"dcterms:source mlr:src-{against.lower()}-ministry .\n"
            )
    (case / "claims.ttl").write_text("".join(buf), encoding="utf-8")

    manifest: dict[str, object] = {
        "generator": "benchmarks/generate.py",
        "seed": seed,
        "incidents": n,
        "states": len(STATES),
        "places": len(w.places),
        "conflicts": len(w.conflicts),
        "sources": n_src + len(STATES) + len(w.conflicts) + 3,
        "claims": n_claims,
        "disputed_claims": disputed,
        "planted": {
            norm: sorted(f"{s} {p}" for s, p in pairs) for norm, pairs in sorted(planted.items())
        },
    }
    digest = hashlib.sha256()
    for f in sorted(out.rglob("*.ttl")):
        digest.update(f.read_bytes())
    manifest["sha256"] = digest.hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--incidents", "-n", type=int, default=1000)
    ap.add_argument("--out", "-o", type=Path, required=True, help="KB folder (replaced)")
    ap.add_argument("--seed", type=int, default=9)
    args = ap.parse_args(argv)
    m = generate(args.out, args.incidents, args.seed)
    planted = m["planted"]
    assert isinstance(planted, dict)
    print(
        f"{args.out}: {m['incidents']} incidents, {m['places']} places, {m['claims']} claims, "
        f"{sum(len(v) for v in planted.values())} planted candidate breaches",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
