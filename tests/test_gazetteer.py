"""The gazetteer: postcodes, districts and place names -> coarse public places (P3).

Pure tests: the shipped UK tables and small CSVs written here; no database, no HTTP.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import h3
import pytest

from server.places.gazetteer import (
    DATA_DIR,
    Gazetteer,
    Place,
    Resolution,
    haversine_km,
)
from server.places.queries import normalise_postcode

LONDON_BOROUGHS = [
    "Barking and Dagenham",
    "Barnet",
    "Bexley",
    "Brent",
    "Bromley",
    "Camden",
    "Croydon",
    "Ealing",
    "Enfield",
    "Greenwich",
    "Hackney",
    "Hammersmith and Fulham",
    "Haringey",
    "Harrow",
    "Havering",
    "Hillingdon",
    "Hounslow",
    "Islington",
    "Kensington and Chelsea",
    "Kingston upon Thames",
    "Lambeth",
    "Lewisham",
    "Merton",
    "Newham",
    "Redbridge",
    "Richmond upon Thames",
    "Southwark",
    "Sutton",
    "Tower Hamlets",
    "Waltham Forest",
    "Wandsworth",
    "Westminster",
    "City of London",
]
LONDON_AREAS = {
    "E",
    "EC",
    "N",
    "NW",
    "SE",
    "SW",
    "W",
    "WC",
    "BR",
    "CR",
    "DA",
    "EN",
    "HA",
    "IG",
    "KT",
    "RM",
    "SM",
    "TW",
    "UB",
    "WD",
}
# Town centres, to within a few km, from general knowledge (not from the tables under test).
CITIES = {
    "London": (51.51, -0.13),
    "Birmingham": (52.48, -1.90),
    "Manchester": (53.48, -2.24),
    "Leeds": (53.80, -1.55),
    "Liverpool": (53.41, -2.98),
    "Sheffield": (53.38, -1.47),
    "Bristol": (51.45, -2.59),
    "Newcastle upon Tyne": (54.98, -1.61),
    "Nottingham": (52.95, -1.15),
    "Leicester": (52.64, -1.13),
    "Coventry": (52.41, -1.51),
    "Bradford": (53.79, -1.75),
    "Hull": (53.74, -0.33),
    "Stoke-on-Trent": (53.00, -2.18),
    "Wolverhampton": (52.59, -2.13),
    "Plymouth": (50.37, -4.14),
    "Southampton": (50.90, -1.40),
    "Portsmouth": (50.80, -1.09),
    "Derby": (52.92, -1.48),
    "Reading": (51.45, -0.97),
    "Brighton": (50.82, -0.14),
    "Oxford": (51.75, -1.26),
    "Cambridge": (52.21, 0.12),
    "York": (53.96, -1.08),
    "Norwich": (52.63, 1.30),
    "Exeter": (50.72, -3.53),
    "Luton": (51.88, -0.42),
    "Milton Keynes": (52.04, -0.76),
    "Sunderland": (54.91, -1.38),
    "Preston": (53.76, -2.70),
    "Middlesbrough": (54.57, -1.23),
    "Peterborough": (52.57, -0.24),
    "Ipswich": (52.06, 1.16),
    "Slough": (51.51, -0.59),
    "Northampton": (52.24, -0.90),
    "Swindon": (51.56, -1.78),
    "Gloucester": (51.86, -2.24),
    "Bournemouth": (50.72, -1.88),
    "Dover": (51.13, 1.31),
    "Blackburn": (53.75, -2.48),
    "Bolton": (53.58, -2.43),
    "Wakefield": (53.68, -1.50),
    "Glasgow": (55.86, -4.25),
    "Edinburgh": (55.95, -3.19),
    "Aberdeen": (57.15, -2.09),
    "Dundee": (56.46, -2.97),
    "Inverness": (57.48, -4.22),
    "Stirling": (56.12, -3.94),
    "Perth": (56.40, -3.44),
    "Cardiff": (51.48, -3.18),
    "Swansea": (51.62, -3.94),
    "Wrexham": (53.05, -2.99),
    "Belfast": (54.60, -5.93),
    "Derry": (55.00, -7.32),
    "Londonderry": (55.00, -7.32),
    "Lisburn": (54.52, -6.04),
    "Newry": (54.18, -6.34),
    "Armagh": (54.35, -6.65),
}


@pytest.fixture(scope="module")
def uk() -> Gazetteer:
    return Gazetteer.uk()


def in_northern_ireland(place: Place) -> bool:
    return 54.0 <= place.lat <= 55.4 and -8.2 <= place.lng <= -5.4


def in_greater_london(place: Place) -> bool:
    return 51.28 <= place.lat <= 51.70 and -0.52 <= place.lng <= 0.34


def area_of(district: str) -> str:
    """The postcode area: the leading letters ("SW" of "SW1A")."""
    return district[: len(district) - len(district.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]


# -- postcodes and districts --------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("E8 3RL", ("E8", True)),
        ("e83rl", ("E8", True)),
        (" sw1a 1aa ", ("SW1A", True)),
        ("BT7 1NN", ("BT7", True)),
        ("EC1A-1BB", ("EC1A", True)),
        ("M1 1AE", ("M1", True)),
        ("E8", ("E8", False)),
        ("sw1a", ("SW1A", False)),
        ("BT7", ("BT7", False)),
        ("Hackney", None),
        ("", None),
        ("E8 3R", None),
        ("12345", None),
        ("E8 3RLX", None),
    ],
)
def test_normalise_postcode(text: str, expected: tuple[str, bool] | None) -> None:
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text, district",
    [
        ("E8", "E8"),
        ("sw1a", "SW1A"),
        ("  BT7 ", "BT7"),
        ("ec1a", "EC1A"),
        ("M14", "M14"),
    ],
)
def test_district_resolves_to_itself(uk: Gazetteer, text: str, district: str) -> None:
    place = uk.resolve(text).place
    assert place is not None
    assert place.key == f"district:{district}"
    assert place.district == district
    assert place.label.startswith(district)
    assert uk.by_key(place.key) == place


@pytest.mark.parametrize(
    "text, district, inward",
    [
        ("E8 3RL", "E8", "3RL"),
        ("e83rl", "E8", "3RL"),
        ("SW1A 1AA", "SW1A", "1AA"),
        ("BT7 1NN", "BT7", "1NN"),
        ("m14 5dt", "M14", "5DT"),
        ("B11 1AA", "B11", "1AA"),
        ("12 Mare Street, E8 3RL", "E8", "3RL"),  # a whole address: only the district survives
    ],
)
def test_full_postcode_keeps_only_the_district(
    uk: Gazetteer, text: str, district: str, inward: str
) -> None:
    resolution = uk.resolve(text)
    assert resolution.place is not None
    assert resolution.place.district == district
    # The P3 promise: the inward code is nowhere in what the gazetteer hands back.
    assert inward.casefold() not in repr(resolution).casefold()
    assert "mare" not in repr(resolution).casefold()
    # The coordinate is the district's public centroid, the same whoever typed what.
    assert resolution == uk.resolve(district)


@pytest.mark.parametrize("text", ["ZZ9", "ZZ9 9ZZ", "QQ1 1AA", "XX99"])
def test_unknown_postcode_shaped_text_is_unknown(uk: Gazetteer, text: str) -> None:
    assert uk.resolve(text) == Resolution(place=None, choices=())


# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Hackney",
        "Leicester",
        "Coventry",
        "Luton",
        "Govanhill",
        "Sparkbrook",
        "Tower Hamlets",
    ],
)
def test_names_resolve(uk: Gazetteer, text: str) -> None:
    place = uk.resolve(text).place
    assert place is not None
    assert place.label.startswith(text)
    assert place.key.startswith("place:")
    assert place.district
    assert uk.by_key(place.key) == place


@pytest.mark.parametrize(
    "text",
    [
        "  hackney!! ",
        "HACKNEY",
        "hackney.",
        "London Borough of Hackney",
        "Hackney, London",
    ],
)
def test_names_are_case_space_and_punctuation_tolerant(uk: Gazetteer, text: str) -> None:
    assert uk.resolve(text) == uk.resolve("Hackney")


@pytest.mark.parametrize(
    "variants",
    [
        ("Tower Hamlets", "tower   hamlets", "tower-hamlets"),
        ("St Albans", "St. Albans", "Saint Albans", "st albans"),
        ("King's Lynn", "Kings Lynn", "kings-lynn"),
        ("Stoke-on-Trent", "stoke on trent"),
    ],
)
def test_spelling_variants_agree(uk: Gazetteer, variants: tuple[str, ...]) -> None:
    results = {uk.resolve(text) for text in variants}
    assert len(results) == 1
    assert results.pop().place is not None


def test_hackney_label_and_district(uk: Gazetteer) -> None:
    place = uk.resolve("Hackney").place
    assert place is not None
    assert place.label == "Hackney, London (E8)"
    assert place.district == "E8"
    assert in_greater_london(place)


@pytest.mark.parametrize("borough", LONDON_BOROUGHS)
def test_every_london_borough_resolves(uk: Gazetteer, borough: str) -> None:
    resolution = uk.resolve(borough)
    # The biggest ask which part; Sutton (a hundred villages too) asks which Sutton.
    place = resolution.place or resolution.whole or resolution.choices[0]
    assert in_greater_london(place)
    assert area_of(place.district) in LONDON_AREAS


@pytest.mark.parametrize("name, centre", CITIES.items())
def test_cities_resolve_near_their_centre(
    uk: Gazetteer, name: str, centre: tuple[float, float]
) -> None:
    resolution = uk.resolve(name)
    place = resolution.place or resolution.whole  # London, Manchester: which part?
    assert place is not None, [c.label for c in resolution.choices]
    assert haversine_km(*centre, place.lat, place.lng) < 10
    assert place.district
    district = uk.by_key(f"district:{place.district}")
    assert district is not None
    assert haversine_km(*centre, district.lat, district.lng) < 10


def test_ambiguous_name_offers_labelled_choices(uk: Gazetteer) -> None:
    resolution = uk.resolve("Newport")
    assert resolution.place is None
    choices = resolution.choices
    assert 2 <= len(choices) <= 8
    labels = [choice.label for choice in choices]
    assert len(set(labels)) == len(labels)
    assert len({choice.key for choice in choices}) == len(choices)
    assert labels[0] == "Newport, Wales (NP20)"  # most populous first
    assert "Newport, Isle of Wight, England (PO30)" in labels
    # A town and county a person recognises, not the council ("Uttlesford").
    assert "Newport, Saffron Walden, Essex (CB11)" in labels
    assert not any("Uttlesford" in label for label in labels)
    assert all(label.startswith("Newport, ") for label in labels)
    wales = choices[0]
    assert wales.key == "place:newport-wales"
    assert wales.district.startswith("NP")
    taken = uk.by_key(wales.key)
    assert taken is not None and (taken.label, taken.district) == (wales.label, wales.district)
    for choice in choices:  # every choice can be taken back from a radio button
        taken = uk.by_key(choice.key)
        assert taken is not None and (taken.lat, taken.lng) == (choice.lat, choice.lng)


def test_context_after_a_comma_narrows_the_choice(uk: Gazetteer) -> None:
    place = uk.resolve("Newport, Wales").place
    assert place is not None and place.key == "place:newport-wales"
    wight = uk.resolve("Newport, Isle of Wight").place
    assert wight is not None and wight.district.startswith("PO")


@pytest.mark.parametrize("name", ["Bangor", "Richmond", "Kensington"])
def test_distinct_places_of_one_name_stay_ambiguous(uk: Gazetteer, name: str) -> None:
    choices = uk.resolve(name).choices
    assert len(choices) >= 2
    assert len({c.label for c in choices}) == len(choices)


def test_home_area_picks_among_namesakes(uk: Gazetteer) -> None:
    # Sutton is also a hundred villages: without a home area the borough comes first.
    choices = uk.resolve("Sutton").choices
    assert choices and in_greater_london(choices[0])
    place = uk.resolve("Sutton", uk.home_area("London")).place
    assert place is not None and in_greater_london(place)


def test_exact_name_beats_partial(uk: Gazetteer) -> None:
    dumfries = uk.resolve("Dumfries").place  # not the council of Dumfries and Galloway
    assert dumfries is not None and dumfries.district.startswith("DG1")
    barking = uk.resolve("Barking").place  # not Barking and Dagenham
    assert barking is not None and barking.label.startswith("Barking, ")


def test_partial_names(uk: Gazetteer) -> None:
    kingston = [c.label for c in uk.resolve("Kingston").choices]
    assert any(label.startswith("Kingston upon Thames") for label in kingston)
    assert any(label.startswith("Kingston upon Hull") for label in kingston)
    # A much bigger place elsewhere joins an exact but small match.
    newcastle = uk.resolve("Newcastle").choices
    assert newcastle and newcastle[0].label.startswith("Newcastle upon Tyne")


@pytest.mark.parametrize("text", ["", "   ", "!!!", "Nowhereville", "xq", "Atlantis Road"])
def test_unknown_names(uk: Gazetteer, text: str) -> None:
    resolution = uk.resolve(text)
    assert (resolution.place, resolution.choices, resolution.whole) == (None, (), None)


def test_unknown_keys(uk: Gazetteer) -> None:
    assert uk.by_key("district:ZZ9") is None
    assert uk.by_key("place:nowhere") is None
    assert uk.by_key("") is None
    assert uk.by_key("E8") is None


# -- Northern Ireland: Irish Grid, not British National Grid -----------------------------


@pytest.mark.parametrize("text", ["BT7 1NN", "BT7", "bt481aa", "Belfast", "Derry", "Lisburn"])
def test_northern_ireland_lies_in_northern_ireland(uk: Gazetteer, text: str) -> None:
    place = uk.resolve(text).place or uk.resolve(text).whole
    assert place is not None
    assert in_northern_ireland(place), place
    assert place.district.startswith("BT")


def test_every_bt_district_lies_in_northern_ireland(uk: Gazetteer) -> None:
    bt = [code for code in uk.district_names() if code.startswith("BT")]
    assert len(bt) > 70
    for code in bt:
        place = uk.by_key(f"district:{code}")
        assert place is not None and in_northern_ireland(place), place


def test_nearest_district_in_belfast(uk: Gazetteer) -> None:
    assert uk.nearest_district(54.597, -5.930).startswith("BT")


# -- nearest district, district names, labels, res-6 counts ------------------------------


def test_nearest_district(uk: Gazetteer) -> None:
    e8 = uk.by_key("district:E8")
    assert e8 is not None
    assert uk.nearest_district(e8.lat, e8.lng) == "E8"
    assert uk.nearest_district(51.5007, -0.1246) in {"SW1A", "SW1P", "SE1", "WC2N", "SW1H"}
    assert uk.nearest_district(60.155, -1.145) == "ZE1"  # Lerwick
    assert uk.nearest_district(56.90, -6.14) == "PH42"  # Eigg: two postcodes, but remote
    assert uk.nearest_district(54.603, -5.922) != "BT99"  # a leftover in Belfast centre: not
    assert uk.nearest_district(55.0, 3.0) == ""  # North Sea
    assert uk.nearest_district(53.35, -6.26) == ""  # Dublin: not in the UK tables
    assert uk.nearest_district(40.7, -74.0) == ""


def test_district_names(uk: Gazetteer) -> None:
    names = uk.district_names()
    assert names["E8"] == "E8 (Hackney)"
    assert names["BT7"] == "BT7 (Belfast)"
    assert 2500 < len(names) < 3200
    # Withdrawn and PO-box districts are not places (see scripts/build_gazetteer.py).
    assert not {"CF1", "NP9", "AB1", "L41", "SE1P", "M60"} & names.keys()


def test_places_for_labels(uk: Gazetteer) -> None:
    places = uk.places_for_labels()
    labels = [p.label for p in places]
    assert places[0].name == "London"
    for city in ("Birmingham", "Glasgow", "Cardiff", "Belfast", "Leeds"):
        assert any(label.startswith(city) for label in labels), city
    assert 100 < len(places) < 1000
    assert len({p.key for p in places}) == len(places)


def test_res6_counts_cover_the_uk(uk: Gazetteer) -> None:
    counts = uk.res6_postcode_counts()
    assert all(h3.get_resolution(cell) == 6 for cell in counts)
    assert all(count > 0 for count in counts.values())
    # The packaged ONS directory keeps terminated postcodes and does not flag them; the
    # build drops whole withdrawn and PO-box districts, leaving ~2.58M (~1.8M are live).
    assert 2_400_000 < sum(counts.values()) < 2_750_000
    belfast = uk.resolve("Belfast").whole
    assert belfast is not None
    assert counts[h3.latlng_to_cell(belfast.lat, belfast.lng, 6)] > 500


def test_uk_tables_are_compact_and_coarse() -> None:
    paths = [
        DATA_DIR / name for name in ("uk_districts.csv", "uk_places.csv", "uk_res6_postcodes.csv")
    ]
    assert sum(path.stat().st_size for path in paths) < 3_000_000
    for path in paths[:2]:
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for field in ("lat", "lng"):
                    assert len(row[field].partition(".")[2]) <= 3, row


def test_uk_is_a_lazy_singleton_without_pandas() -> None:
    assert Gazetteer.uk() is Gazetteer.uk()
    code = (
        "import sys; import server.places.gazetteer as g; g.Gazetteer.uk().resolve('E8');"
        "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1]
    )


# -- a deployment elsewhere: one CSV of name,lat,lng,postcodes ---------------------------


def write_csv(path: Path, rows: Sequence[Sequence[object]], header: tuple[str, ...]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def lyon(tmp_path: Path) -> Gazetteer:
    rows = [
        ("Lyon 1er", 45.767, 4.834, 900),
        ("Villeurbanne", 45.771, 4.880, 2500),
        ("Vénissieux", 45.697, 4.886, 1200),
        ("Saint-Fons", 45.708, 4.853, 300),
        ("Neuville", 45.876, 4.842, 200),
        ("Neuville", 49.500, 2.000, 150),  # another one, far away in Picardy
    ]
    return Gazetteer.from_csv(
        write_csv(tmp_path / "places.csv", rows, ("name", "lat", "lng", "postcodes"))
    )


def test_from_csv_resolves_names_to_their_own_district(lyon: Gazetteer) -> None:
    place = lyon.resolve("villeurbanne").place
    assert place is not None
    assert place.district == "Villeurbanne"
    assert (place.lat, place.lng) == (45.771, 4.880)
    assert lyon.resolve("  VENISSIEUX ").place == lyon.resolve("Vénissieux").place
    assert lyon.resolve("St Fons").place is not None
    assert lyon.resolve("Paris") == Resolution(place=None, choices=())
    assert lyon.resolve("E8 3RL") == Resolution(place=None, choices=())


def test_from_csv_ambiguity_and_keys(lyon: Gazetteer) -> None:
    choices = lyon.resolve("Neuville").choices
    assert len(choices) == 2
    assert choices[0].district == "Neuville"
    assert len({c.label for c in choices}) == 2
    assert len({c.key for c in choices}) == 2
    for choice in choices:
        assert lyon.by_key(choice.key) is not None


def test_from_csv_districts_nearest_and_res6(lyon: Gazetteer) -> None:
    assert lyon.nearest_district(45.770, 4.875) == "Villeurbanne"
    assert lyon.nearest_district(51.5, -0.1) == ""
    assert lyon.district_names()["Villeurbanne"] == "Villeurbanne"
    assert lyon.by_key("district:Villeurbanne") is not None
    counts = lyon.res6_postcode_counts()
    assert sum(counts.values()) == 900 + 2500 + 1200 + 300 + 200 + 150
    assert counts[h3.latlng_to_cell(45.771, 4.880, 6)] >= 2500
    assert [p.label for p in lyon.places_for_labels(min_postcodes=1000)] == [
        "Villeurbanne",
        "Vénissieux",
    ]


def test_from_csv_with_context_column(tmp_path: Path) -> None:
    rows = [
        ("Springfield", 39.80, -89.64, 5000, "Illinois"),
        ("Springfield", 42.10, -72.59, 4000, "Massachusetts"),
    ]
    gazetteer = Gazetteer.from_csv(
        write_csv(tmp_path / "us.csv", rows, ("name", "lat", "lng", "postcodes", "context"))
    )
    labels = [c.label for c in gazetteer.resolve("Springfield").choices]
    assert labels == ["Springfield, Illinois", "Springfield, Massachusetts"]
    place = gazetteer.resolve("Springfield, Massachusetts").place
    assert place is not None and place.key == "place:springfield-massachusetts"


# -- places people type (issue 10) ---------------------------------------------------------


@pytest.fixture(scope="module")
def east_london(uk: Gazetteer):
    return uk.home_area("E, IG, RM, Hackney")


def test_dalston_is_hackney_first_and_never_silently_cumbria(uk: Gazetteer, east_london) -> None:
    asked = uk.resolve("Dalston")
    assert asked.place is None
    assert [c.label for c in asked.choices] == [
        "Dalston, Hackney, London (E8)",
        "Dalston, Cumbria, England (CA5)",
    ]
    home = uk.resolve("Dalston", east_london)
    assert home.place is not None and home.place.label == "Dalston, Hackney (E8)"
    assert [o.district for o in home.others] == ["CA5"]  # still offered, one tap away


def test_outside_the_home_area_a_namesake_is_offered_not_taken(uk: Gazetteer, east_london) -> None:
    assert uk.resolve("Moss Side").place is not None  # Manchester's, without a home area
    asked = uk.resolve("Moss Side", east_london)
    assert asked.place is None and asked.choices[0].district == "M16"
    single = uk.resolve("Govanhill", east_london)  # the only one: still a question
    assert single.place is None and [c.district for c in single.choices] == ["G42"]


@pytest.mark.parametrize(
    "text, district",
    [
        ("Moss Side", "M16"),
        ("Govanhill", "G42"),
        ("Sparkbrook", "B11"),
        ("Harehills", "LS8"),
        ("East Ham", "E6"),
        ("Forest Gate", "E7"),
        ("Belfast BT1", "BT1"),
        ("BT1 Belfast", "BT1"),
        ("Newport Wales", "NP20"),
        ("Newport, Cymru", "NP20"),
        ("Newport Isle of Wight", "PO30"),
        ("Dalston E8", "E8"),
        ("Moss Side Manchester", "M16"),
        ("Casnewydd", "NP20"),
        ("Inbhir Nis", "IV2"),
        ("Doire", "BT47"),
        ("Beal Feirste BT7", "BT7"),
    ],
)
def test_neighbourhoods_and_combinations_resolve(uk: Gazetteer, text: str, district: str) -> None:
    place = uk.resolve(text).place
    assert place is not None, uk.resolve(text)
    assert place.district == district


@pytest.mark.parametrize(
    "text, name", [("London", "London"), ("Manchester", "Manchester"), ("Caerdydd", "Caerdydd")]
)
def test_a_whole_city_asks_which_part(uk: Gazetteer, text: str, name: str) -> None:
    resolution = uk.resolve(text)
    assert resolution.place is None and resolution.whole is not None
    assert resolution.whole.name == name and resolution.whole.whole
    assert not resolution.choices  # no home area: nothing to narrow the parts with


def test_a_whole_city_offers_the_home_areas_parts(uk: Gazetteer) -> None:
    parts = uk.resolve("London", uk.home_area("E8, E5, N16")).choices
    assert [p.district for p in parts] == ["E5", "E8", "N16"]
    manchester = uk.resolve("Manchester").whole
    assert manchester is not None
    example, _, district = uk.example_part(manchester).rpartition(" or ")
    place = uk.by_key(manchester.key)
    assert place is not None
    assert example and district in place.district + " M1 M2 M3 M4 M15"


def test_a_whole_citys_example_part_lies_in_the_home_area(uk: Gazetteer) -> None:
    east = uk.home_area("E, IG, Hackney")
    london = uk.resolve("London", east).whole
    assert london is not None
    example, _, district = uk.example_part(london, east).rpartition(" or ")
    assert example and district in east.districts  # an East London example, not Bromley
    assert uk.example_part(london, east) != uk.example_part(london)


def test_a_name_geonames_puts_across_the_river_is_not_taken_there(uk: Gazetteer) -> None:
    """GeoNames names Rotherhithe (SE16, Southwark) in E1 too; the maintainers' list drops
    it there, so alone the name is Rotherhithe in SE16, not a confident E1."""
    alone = uk.resolve("Rotherhithe")
    assert alone.place is not None and alone.place.district == "SE16", alone
    assert "Southwark" in alone.place.label
    east = uk.resolve("Rotherhithe", uk.home_area("Hackney, Tower Hamlets, Newham"))
    assert east.place is None and [c.district for c in east.choices] == ["SE16"]


def test_near_misses_get_did_you_mean(uk: Gazetteer) -> None:
    hackny = uk.resolve("Hackny")
    assert hackny.place is None and not hackny.choices
    assert hackny.suggestions[0].label == "Hackney, London (E8)"
    assert uk.resolve("Govanhil").suggestions[0].district == "G42"
    assert not uk.resolve("Xq").suggestions  # too short to guess at


def test_home_area_parsing(uk: Gazetteer) -> None:
    area = uk.home_area(" e ; IG1,hackney,  M14 ")
    assert area.text == "E, IG1, hackney, M14"
    assert {"E8", "E17", "IG1", "M14", "N16"} <= area.districts
    assert "IG2" not in area.districts and "M15" not in area.districts
    assert not uk.home_area("")
    with pytest.raises(ValueError, match="Atlantis, QQ"):
        uk.home_area("E, Atlantis, QQ")


def test_labels_name_a_town_and_county_not_a_council(uk: Gazetteer) -> None:
    labels = [c.label for c in uk.resolve("Newport").choices]
    assert "Newport, Shropshire, England (TF10)" in labels
    assert not any(council in " ".join(labels) for council in ("Uttlesford", "Telford and"))
