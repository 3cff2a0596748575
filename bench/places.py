"""bench/places: do the neighbourhood names people type land in the right postcode district?

Resolves real UK neighbourhood names where raids concentrate, each with the district(s)
it lies in (written down from knowledge of those cities, checked one by one; a name on a
district boundary lists both), once with no home area and once under a network home
area for its city. Prints the share of names that are:

- right: understood as one place, in a right district;
- right choice: a question (several places, a whole city, "did you mean") whose choices
  include a right district;
- wrong choice: a question without a right district among its choices;
- WRONG: understood as one place in a wrong district (a confident wrong answer: the one
  outcome that must stay at zero);
- unknown: nothing offered.

Names also listed in scripts/gazetteer/localities.txt (the maintainers' own list, written
from the same knowledge as this benchmark) are counted separately, so the figure for the
rest measures the public data alone. Works on older code too (no home areas then):
``PYTHONPATH=/path/to/old/checkout python bench/places.py``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH

from server.places.gazetteer import Gazetteer
from server.places.tables import normalise_name

# city -> (home area an organiser there would set, [(name, right districts), ...])
CASES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "London": (
        "London",
        [
            ("Dalston", "E8"),
            ("Hackney Central", "E8"),
            ("Homerton", "E9"),
            ("Clapton", "E5"),
            ("Stoke Newington", "N16"),
            ("Stamford Hill", "N16 N15"),
            ("Shoreditch", "E1 E2 EC2A N1"),
            ("Hoxton", "N1"),
            ("Haggerston", "E2 E8"),
            ("Bethnal Green", "E2"),
            ("Whitechapel", "E1"),
            ("Spitalfields", "E1"),
            ("Brick Lane", "E1"),
            ("Stepney", "E1"),
            ("Shadwell", "E1"),
            ("Mile End", "E1 E3"),
            ("Bow", "E3"),
            ("Poplar", "E14"),
            ("Limehouse", "E14"),
            ("Canary Wharf", "E14"),
            ("Isle of Dogs", "E14"),
            ("Stratford", "E15 E20"),
            ("Forest Gate", "E7"),
            ("East Ham", "E6"),
            ("Plaistow", "E13"),
            ("Canning Town", "E16"),
            ("Beckton", "E6"),
            ("Manor Park", "E12"),
            ("Upton Park", "E6 E13"),
            ("Leyton", "E10"),
            ("Leytonstone", "E11"),
            ("Walthamstow", "E17"),
            ("Ilford", "IG1 IG2 IG3"),
            ("Seven Kings", "IG3"),
            ("Barking", "IG11"),
            ("Dagenham", "RM8 RM9 RM10"),
            ("Romford", "RM1 RM7"),
            ("Tottenham", "N17 N15"),
            ("Seven Sisters", "N15"),
            ("Wood Green", "N22"),
            ("Edmonton", "N9 N18"),
            ("Finsbury Park", "N4"),
            ("Holloway", "N7"),
            ("Archway", "N19"),
            ("Tufnell Park", "N7 N19"),
            ("Kentish Town", "NW5"),
            ("Camden Town", "NW1"),
            ("Kilburn", "NW6"),
            ("Harlesden", "NW10"),
            ("Willesden", "NW10 NW2"),
            ("Neasden", "NW10"),
            ("Kensal Green", "NW10"),
            ("Cricklewood", "NW2"),
            ("Wembley", "HA0 HA9"),
            ("Southall", "UB1 UB2"),
            ("Hayes", "UB3 UB4"),
            ("Hounslow", "TW3 TW4"),
            ("Acton", "W3"),
            ("Shepherd's Bush", "W12"),
            ("White City", "W12"),
            ("Ladbroke Grove", "W10 W11"),
            ("Paddington", "W2"),
            ("Brixton", "SW2 SW9"),
            ("Stockwell", "SW9 SW8"),
            ("Vauxhall", "SW8 SE11"),
            ("Clapham", "SW4"),
            ("Tooting", "SW17"),
            ("Streatham", "SW16"),
            ("Peckham", "SE15"),
            ("Camberwell", "SE5"),
            ("Walworth", "SE17"),
            ("Elephant and Castle", "SE1 SE17"),
            ("Old Kent Road", "SE1 SE15"),
            ("Bermondsey", "SE1 SE16"),
            ("Deptford", "SE8"),
            ("New Cross", "SE14"),
            ("Lewisham", "SE13"),
            ("Catford", "SE6"),
            ("Woolwich", "SE18"),
            ("Plumstead", "SE18"),
            ("Thamesmead", "SE2 SE28"),
            ("Thornton Heath", "CR7"),
            ("Norbury", "SW16"),
            ("Mitcham", "CR4"),
            ("Edgware", "HA8"),
            ("Hendon", "NW4"),
            ("Golders Green", "NW11"),
        ],
    ),
    "Birmingham": (
        "B",
        [
            ("Sparkbrook", "B11 B10 B12"),
            ("Sparkhill", "B11"),
            ("Small Heath", "B10 B9"),
            ("Alum Rock", "B8"),
            ("Saltley", "B8"),
            ("Washwood Heath", "B8"),
            ("Bordesley Green", "B9 B10"),
            ("Handsworth", "B21 B20"),
            ("Lozells", "B19"),
            ("Aston", "B6"),
            ("Nechells", "B7"),
            ("Balsall Heath", "B12"),
            ("Moseley", "B13"),
            ("Kings Heath", "B14"),
            ("Erdington", "B23 B24"),
            ("Ladywood", "B16 B1"),
            ("Digbeth", "B5 B9"),
            ("Edgbaston", "B15 B16"),
            ("Perry Barr", "B42"),
            ("Winson Green", "B18"),
            ("Hockley", "B18"),
            ("Selly Oak", "B29"),
            ("Acocks Green", "B27"),
            ("Tyseley", "B11"),
            ("Stechford", "B33"),
            ("Yardley", "B25 B26"),
            ("Kingstanding", "B44"),
            ("Smethwick", "B66 B67"),
        ],
    ),
    "Manchester": (
        "M",
        [
            ("Moss Side", "M14 M15 M16"),
            ("Rusholme", "M14"),
            ("Longsight", "M13 M12"),
            ("Levenshulme", "M19"),
            ("Cheetham Hill", "M8"),
            ("Crumpsall", "M8"),
            ("Hulme", "M15"),
            ("Fallowfield", "M14"),
            ("Gorton", "M18 M12"),
            ("Ardwick", "M12 M13"),
            ("Harpurhey", "M9 M40"),
            ("Moston", "M40 M9"),
            ("Blackley", "M9"),
            ("Whalley Range", "M16"),
            ("Old Trafford", "M16 M32"),
            ("Chorlton", "M21"),
            ("Withington", "M20"),
            ("Didsbury", "M20"),
            ("Wythenshawe", "M22 M23"),
            ("Openshaw", "M11"),
            ("Ancoats", "M4"),
            ("Collyhurst", "M40 M4"),
            ("Eccles", "M30"),
            ("Stretford", "M32"),
        ],
    ),
    "Leeds": (
        "LS",
        [
            ("Harehills", "LS8 LS9"),
            ("Chapeltown", "LS7"),
            ("Beeston", "LS11"),
            ("Holbeck", "LS11"),
            ("Armley", "LS12"),
            ("Burmantofts", "LS9"),
            ("Gipton", "LS9 LS14"),
            ("Seacroft", "LS14"),
            ("Hyde Park", "LS6"),
            ("Headingley", "LS6"),
            ("Hunslet", "LS10"),
            ("Bramley", "LS13"),
            ("Roundhay", "LS8"),
            ("Kirkstall", "LS5"),
            ("Meanwood", "LS6"),
        ],
    ),
    "Bradford": (
        "BD",
        [
            ("Manningham", "BD8"),
            ("Girlington", "BD8"),
            ("Little Horton", "BD5"),
            ("Great Horton", "BD7"),
            ("Barkerend", "BD3"),
            ("Bradford Moor", "BD3"),
            ("Thornbury", "BD3"),
            ("Heaton", "BD9"),
            ("Frizinghall", "BD9"),
            ("Bowling", "BD4 BD5"),
            ("Laisterdyke", "BD3 BD4"),
            ("Eccleshill", "BD2"),
            ("Lidget Green", "BD7"),
            ("Wibsey", "BD6"),
            ("Keighley", "BD20 BD21 BD22"),
        ],
    ),
    "Glasgow": (
        "G",
        [
            ("Govanhill", "G42"),
            ("Pollokshields", "G41"),
            ("Shawlands", "G41"),
            ("Govan", "G51"),
            ("Partick", "G11"),
            ("Dennistoun", "G31"),
            ("Springburn", "G21"),
            ("Maryhill", "G20"),
            ("Gorbals", "G5"),
            ("Castlemilk", "G45"),
            ("Easterhouse", "G34"),
            ("Drumchapel", "G15"),
            ("Sighthill", "G21"),
            ("Ibrox", "G51"),
            ("Cardonald", "G52"),
            ("Shettleston", "G32"),
            ("Bridgeton", "G40"),
            ("Anderston", "G3"),
            ("Possilpark", "G22"),
            ("Townhead", "G4"),
            ("Calton", "G40 G1"),
        ],
    ),
    "Cardiff": (
        "CF",
        [
            ("Grangetown", "CF11"),
            ("Butetown", "CF10"),
            ("Splott", "CF24"),
            ("Adamsdown", "CF24"),
            ("Cathays", "CF24 CF10"),
            ("Roath", "CF24 CF23"),
            ("Riverside", "CF11"),
            ("Canton", "CF11"),
            ("Ely", "CF5"),
            ("Llanrumney", "CF3"),
            ("Rumney", "CF3"),
            ("Tremorfa", "CF24"),
            ("Llanishen", "CF14"),
            ("Whitchurch", "CF14"),
            ("Caerau", "CF5"),
        ],
    ),
    "Belfast": (
        "BT",
        [
            ("Falls", "BT12 BT11"),
            ("Shankill", "BT13"),
            ("Andersonstown", "BT11"),
            ("Sandy Row", "BT12"),
            ("Ormeau", "BT7"),
            ("Botanic", "BT7"),
            ("Holylands", "BT7"),
            ("Ardoyne", "BT14"),
            ("New Lodge", "BT15"),
            ("Short Strand", "BT5"),
            ("Ballyhackamore", "BT4"),
            ("Cregagh", "BT6"),
            ("Dunmurry", "BT17"),
            ("Poleglass", "BT17"),
            ("Malone", "BT9"),
            ("Stranmillis", "BT9"),
        ],
    ),
    "Leicester": (
        "LE",
        [
            ("Highfields", "LE2 LE5"),
            ("Belgrave", "LE4"),
            ("Spinney Hills", "LE5"),
            ("Evington", "LE5 LE2"),
            ("Rushey Mead", "LE4"),
            ("Humberstone", "LE5"),
            ("Braunstone", "LE3"),
            ("Aylestone", "LE2"),
            ("Knighton", "LE2"),
            ("Stoneygate", "LE2"),
            ("Beaumont Leys", "LE4"),
            ("Westcotes", "LE3"),
        ],
    ),
    "Liverpool": (
        "L",
        [
            ("Toxteth", "L8"),
            ("Kensington", "L7"),
            ("Everton", "L5 L6"),
            ("Anfield", "L4"),
            ("Walton", "L4 L9"),
            ("Dingle", "L8"),
            ("Granby", "L8"),
            ("Edge Hill", "L7"),
            ("Wavertree", "L15"),
            ("Kirkdale", "L4 L5 L20"),
            ("Old Swan", "L13"),
            ("Tuebrook", "L6 L13"),
            ("Bootle", "L20"),
            ("Norris Green", "L11"),
            ("Croxteth", "L11 L12"),
            ("Garston", "L19"),
            ("Speke", "L24"),
        ],
    ),
    "Sheffield": (
        "S",
        [
            ("Burngreave", "S4"),
            ("Pitsmoor", "S4 S3"),
            ("Darnall", "S9"),
            ("Page Hall", "S4 S5"),
            ("Firth Park", "S5"),
            ("Sharrow", "S7 S11"),
            ("Heeley", "S2 S8"),
            ("Tinsley", "S9"),
            ("Attercliffe", "S9"),
            ("Hillsborough", "S6"),
            ("Nether Edge", "S7"),
        ],
    ),
    "elsewhere": (
        "BS, NE, EH, NG, CV, LU, SL, PE, WV, TS, OL, ST, DE, SO",
        [
            ("St Pauls", "BS2"),
            ("Easton", "BS5"),
            ("Lawrence Hill", "BS5"),
            ("Barton Hill", "BS5"),
            ("Bedminster", "BS3"),
            ("Southmead", "BS10"),
            ("Elswick", "NE4"),
            ("Benwell", "NE4 NE15"),
            ("Byker", "NE6"),
            ("Leith", "EH6"),
            ("Gorgie", "EH11"),
            ("Hyson Green", "NG7"),
            ("Sneinton", "NG2 NG3"),
            ("Foleshill", "CV6"),
            ("Hillfields", "CV1"),
            ("Bury Park", "LU1 LU4"),
            ("Chalvey", "SL1"),
            ("Millfield", "PE1"),
            ("Whitmore Reans", "WV1 WV6"),
            ("Blakenhall", "WV2"),
            ("Linthorpe", "TS5 TS1"),
            ("Glodwick", "OL4 OL1"),
            ("Hanley", "ST1"),
            ("Normanton", "DE23"),
            ("Portswood", "SO17"),
            ("Northam", "SO14"),
        ],
    ),
}
OUTCOMES = ("right", "right choice", "wrong choice", "WRONG", "unknown")


def curated_names() -> set[str]:
    path = Path(__file__).resolve().parent.parent / "scripts" / "gazetteer" / "localities.txt"
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and ":" in line:
            names.update(normalise_name(n) for n in line.partition(":")[2].split(";"))
    return names


def outcome(resolution: object, right: set[str]) -> str:
    place = getattr(resolution, "place", None)
    if place is not None:
        return "right" if place.district in right else "WRONG"
    offered = list(getattr(resolution, "choices", ()))
    offered += list(getattr(resolution, "suggestions", ()))
    whole = getattr(resolution, "whole", None)
    if not offered and whole is None:
        return "unknown"
    return "right choice" if any(p.district in right for p in offered) else "wrong choice"


def load(tables: str | None) -> Gazetteer:
    """The shipped tables, or another build of them (e.g. without the maintainers' list)."""
    if not tables:
        return Gazetteer.uk()
    from server.places.tables import read_res6, read_rows

    folder = Path(tables)
    return Gazetteer(
        districts=lambda: read_rows(folder / "uk_districts.csv", "district", "authority"),
        places=lambda: read_rows(folder / "uk_places.csv", "name", "context"),
        res6=lambda: read_res6(folder / "uk_res6_postcodes.csv"),
        min_district_postcodes=20,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", help="a folder of gazetteer tables (default: shipped)")
    gazetteer = load(parser.parse_args().tables)
    takes_home = "home" in inspect.signature(gazetteer.resolve).parameters
    curated = curated_names()
    cases = [
        (home, name, set(right.split())) for home, names in CASES.values() for name, right in names
    ]
    listed = sum(normalise_name(case[1]) in curated for case in cases)
    print(
        f"{len(cases)} names in {len(CASES)} groups; {listed} of them also in the "
        "maintainers' localities list"
    )
    gazetteer.resolve("E8")  # load the tables before timing
    for label, use_home in (("no home area", False), ("home area of its city", True)):
        if use_home and not takes_home:
            print(f"\n{label}: this code has no home areas")
            continue
        tally: dict[str, Counter[str]] = {"all": Counter(), "public data only": Counter()}
        missed: dict[str, list[str]] = {o: [] for o in OUTCOMES[2:]}
        started = time.perf_counter()
        for home_text, name, right in cases:
            home = gazetteer.home_area(home_text) if use_home else None
            resolution = gazetteer.resolve(name, home) if takes_home else gazetteer.resolve(name)
            result = outcome(resolution, right)
            tally["all"][result] += 1
            if normalise_name(name) not in curated:
                tally["public data only"][result] += 1
            if result in missed:
                missed[result].append(name)
        elapsed = (time.perf_counter() - started) / len(cases) * 1000
        print(f"\n{label} ({elapsed:.1f} ms a name)")
        print(f"{'':18}" + "".join(f"{o:>14}" for o in OUTCOMES) + f"{'right or choice':>18}")
        for group, counts in tally.items():
            total = sum(counts.values())
            shares = "".join(f"{counts[o] / total:>14.1%}" for o in OUTCOMES)
            good = (counts["right"] + counts["right choice"]) / total
            print(f"{group + f' ({total})':18}{shares}{good:>18.1%}")
        for result, names in missed.items():
            if names:
                print(f"  {result}: " + ", ".join(names))


if __name__ == "__main__":
    main()
