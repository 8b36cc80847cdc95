"""The city-wide reference data (module catalogue, scales, placement types, outcome codes,
mervärde categories): the shipped files load and say what the services rely on, and a
broken file is rejected with an error that names the file and the problem."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from contracts.reference import (
    DEFAULT_REFERENCE_DATA_DIR,
    REFERENCE_DATA_FILES,
    ReferenceData,
    ReferenceDataError,
    Text,
    load_reference_data,
    reference_json_schema,
)

MODULE_CODES = {"sprak", "sociala-fardigheter", "allmanna-kompetenser", "praktiskt-kunnande"}
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
PROGRESSION_LEVELS = ("1", "2", "3", "4")


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference_data()


def _texts(value: Any) -> Iterator[Text]:
    """Every Text anywhere inside a model."""
    if isinstance(value, Text):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _texts(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)


# --------------------------------------------------------------------------- shipped data


def test_shipped_files_load_and_are_cached(ref: ReferenceData) -> None:
    assert isinstance(ref, ReferenceData)
    assert load_reference_data() is ref
    assert load_reference_data(DEFAULT_REFERENCE_DATA_DIR) == ref
    for name in REFERENCE_DATA_FILES:
        assert (DEFAULT_REFERENCE_DATA_DIR / name).is_file()


def test_every_text_has_swedish_and_english(ref: ReferenceData) -> None:
    texts = list(_texts(ref))
    assert len(texts) > 100
    for text in texts:
        assert text.sv.strip()
        assert text.en.strip()
        assert text.localized("sv") == text.sv
        assert text.localized("en") == text.en


def test_the_four_modules_with_criteria_and_level_descriptors(ref: ReferenceData) -> None:
    assert {m.code for m in ref.modules} == MODULE_CODES
    for module in ref.modules:
        assert 4 <= len(module.criteria) <= 6, module.code
        assert len(module.criterion_codes) == len(module.criteria)
        for criterion in module.criteria:
            assert criterion.code.startswith(f"{module.code}.")
            for text in (criterion.name, criterion.description):
                assert text.sv.strip()
                assert text.en.strip()
        scale = ref.scale_for(module.code)
        assert set(module.level_descriptors) == set(scale.level_codes)
        for level in scale.level_codes:
            descriptor = module.descriptor(level)
            assert descriptor.sv.strip()
            assert descriptor.en.strip()
        # Descriptors are module-specific, not a copy of the generic scale text.
        for scale_level in scale.levels:
            assert module.descriptor(scale_level.code) != scale_level.description


def test_language_is_assessed_on_cefr_per_sub_skill(ref: ReferenceData) -> None:
    scale = ref.scale_for("sprak")
    assert scale.code == "cefr"
    assert scale.level_codes == CEFR_LEVELS
    assert ref.level_index("sprak", "A1") == 0
    assert ref.level_index("sprak", "B1") == 2
    assert ref.level_index("sprak", "C2") == 5
    assert ref.module("sprak").criterion_codes == {
        "sprak.horforstaelse",
        "sprak.lasforstaelse",
        "sprak.muntlig-interaktion",
        "sprak.muntlig-produktion",
        "sprak.skriftlig-fardighet",
    }


def test_every_criterion_aligns_with_an_esco_skill_and_language_with_cefr(
    ref: ReferenceData,
) -> None:
    for module in ref.modules:
        for criterion in module.criteria:
            assert criterion.esco, criterion.code
            for skill in criterion.esco:
                assert skill.uri.startswith("http://data.europa.eu/esco/skill/")
            assert (criterion.cefr is not None) == (module.scale == "cefr"), criterion.code
    language = {c.cefr for c in ref.module("sprak").criteria}
    assert language == {
        "listening",
        "reading",
        "spoken-interaction",
        "spoken-production",
        "writing",
    }
    listening = ref.module("sprak").criterion("sprak.horforstaelse").esco
    assert [(s.name, s.uri.rsplit("/", 1)[1]) for s in listening] == [
        ("understand spoken Swedish", "cd6484a2-bfa2-4371-8e2f-1ffa2a22dac4")
    ]


def test_an_esco_uri_outside_the_skill_scheme_is_refused(data_dir: Path) -> None:
    def change(d: Any) -> None:
        _module(d, "sprak")["criteria"][0]["esco"][0]["uri"] = "https://esco.example/swedish"

    _edit(data_dir, "modules.yaml", change)
    message = str(_load_error(data_dir))
    assert "modules[0](sprak).criteria[0](sprak.horforstaelse).esco[0].uri" in message


@pytest.mark.parametrize(
    "module_code", ["sociala-fardigheter", "allmanna-kompetenser", "praktiskt-kunnande"]
)
def test_other_modules_use_the_four_step_progression_scale(
    ref: ReferenceData, module_code: str
) -> None:
    scale = ref.scale_for(module_code)
    assert scale.code == "progression"
    assert scale.level_codes == PROGRESSION_LEVELS
    assert scale.level("1").name.en == "With support"
    assert scale.level("4").name.sv == "Självständigt och kan vägleda andra"
    assert [ref.level_index(module_code, lv) for lv in PROGRESSION_LEVELS] == [0, 1, 2, 3]


def test_outcomes_are_exactly_a_to_e_aligned_with_national_statistics(ref: ReferenceData) -> None:
    assert [o.code for o in ref.outcomes] == ["A", "B", "C", "D", "E"]
    assert ref.outcome("A").category == "work"
    assert ref.outcome("B").category == "studies"
    assert {ref.outcome(c).category for c in "CDE"} == {"other"}
    assert ref.outcome("A").name.sv == "Arbete"
    assert ref.outcome("B").name.sv == "Studier"


def test_placement_types(ref: ReferenceData) -> None:
    codes = {p.code for p in ref.placement_types}
    assert codes >= {
        "extratjanst",
        "kommunal-arbetsmarknadsanstallning",
        "introduktionsjobb",
        "lonebidrag",
        "nystartsjobb",
        "trygghetsanstallning",
        "utvecklingsanstallning",
        "offentligt-skyddat-arbete",
    }
    assert ref.placement_type("extratjanst").name.sv == "Extratjänst"
    assert ref.placement_type("kommunal-arbetsmarknadsanstallning").funding == "kommun"


def test_placement_types_carry_their_maximum_duration_and_its_source(ref: ReferenceData) -> None:
    extratjanst = ref.placement_type("extratjanst").max_duration
    assert extratjanst is not None
    assert (extratjanst.months, extratjanst.extended_months) == (12, 24)
    assert ref.placement_type("trygghetsanstallning").max_duration is None  # no limit
    for placement_type in ref.placement_types:
        limit = placement_type.max_duration
        assert limit is None or limit.source.strip(), placement_type.code


def test_value_added_categories_for_workplace_and_individual(ref: ReferenceData) -> None:
    workplace = {v.code for v in ref.value_added_categories_for("workplace")}
    individual = {v.code for v in ref.value_added_categories_for("individual")}
    assert {"forstarkning-av-arbetslaget", "okad-service-till-invanare"} <= workplace
    assert {"arbetslivserfarenhet", "sprakutveckling", "egen-forsorjning"} <= individual
    assert not workplace & individual
    assert len(workplace) + len(individual) == len(ref.value_added_categories)
    assert ref.value_added_category("socialt-sammanhang").beneficiary == "individual"


def test_models_are_frozen(ref: ReferenceData) -> None:
    with pytest.raises(ValidationError):
        ref.module("sprak").scale = "progression"  # type: ignore[misc]


def test_json_schema_describes_reference_data() -> None:
    schema = reference_json_schema()
    assert set(schema["properties"]) == {
        "scales",
        "modules",
        "placement_types",
        "outcomes",
        "value_added_categories",
    }
    assert {"Module", "Text", "Outcome"} <= set(schema["$defs"])
    json.dumps(schema)  # serialisable as is


# --------------------------------------------------------------------------- lookups


@pytest.mark.parametrize(
    ("lookup", "code"),
    [
        (lambda r, c: r.module(c), "matematik"),
        (lambda r, c: r.scale_for(c), "matematik"),
        (lambda r, c: r.scale(c), "ects"),
        (lambda r, c: r.placement_type(c), "sommarjobb"),
        (lambda r, c: r.outcome(c), "F"),
        (lambda r, c: r.value_added_category(c), "glass-pa-fredagar"),
        (lambda r, c: r.level_index("sprak", c), "D1"),
        (lambda r, c: r.level_index("praktiskt-kunnande", c), "5"),
        (lambda r, c: r.module("sprak").criterion(c), "sprak.teckensprak"),
    ],
)
def test_unknown_codes_raise_key_error_naming_the_code(
    ref: ReferenceData, lookup: Callable[[ReferenceData, str], object], code: str
) -> None:
    with pytest.raises(KeyError, match=f"unknown .*'{code}'.*known: "):
        lookup(ref, code)


# --------------------------------------------------------------------------- broken files


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped reference data."""
    directory = tmp_path / "reference_data"
    shutil.copytree(DEFAULT_REFERENCE_DATA_DIR, directory)
    return directory


def _edit(directory: Path, name: str, change: Callable[[Any], None]) -> None:
    path = directory / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _module(data: Any, code: str) -> dict[str, Any]:
    module: dict[str, Any] = next(m for m in data["modules"] if m["code"] == code)
    return module


def _load_error(directory: Path) -> ReferenceDataError:
    with pytest.raises(ReferenceDataError) as excinfo:
        load_reference_data(directory)
    return excinfo.value


def test_unchanged_copy_loads(data_dir: Path) -> None:
    assert load_reference_data(data_dir) == load_reference_data()


def test_module_missing_a_level_descriptor(data_dir: Path) -> None:
    _edit(data_dir, "modules.yaml", lambda d: _module(d, "sprak")["level_descriptors"].pop("C2"))
    error = _load_error(data_dir)
    assert error.path == data_dir / "modules.yaml"
    assert "modules.yaml" in str(error)
    assert "module 'sprak' has no level descriptor for level(s) C2 of scale 'cefr'" in str(error)


def test_module_with_a_descriptor_for_a_level_its_scale_lacks(data_dir: Path) -> None:
    def change(d: Any) -> None:
        _module(d, "sociala-fardigheter")["level_descriptors"]["5"] = {"sv": "x", "en": "x"}

    _edit(data_dir, "modules.yaml", change)
    message = str(_load_error(data_dir))
    assert "module 'sociala-fardigheter' has level descriptor(s) for 5" in message
    assert "which are not levels of scale 'progression' (1, 2, 3, 4)" in message


def test_module_on_an_unknown_scale(data_dir: Path) -> None:
    _edit(data_dir, "modules.yaml", lambda d: _module(d, "praktiskt-kunnande").update(scale="ects"))
    message = str(_load_error(data_dir))
    assert "modules.yaml" in message
    assert "module 'praktiskt-kunnande' uses unknown scale 'ects'" in message


def test_missing_english_text_names_where(data_dir: Path) -> None:
    _edit(
        data_dir,
        "modules.yaml",
        lambda d: _module(d, "sprak")["criteria"][2]["name"].update(en="  "),
    )
    message = str(_load_error(data_dir))
    assert "modules[0](sprak).criteria[2](sprak.muntlig-interaktion).name.en" in message
    assert "at least 1 character" in message


def test_duplicate_criterion_code(data_dir: Path) -> None:
    def change(d: Any) -> None:
        criteria = _module(d, "sprak")["criteria"]
        criteria[1]["code"] = criteria[0]["code"]

    _edit(data_dir, "modules.yaml", change)
    assert "duplicate criterion code in module 'sprak': 'sprak.horforstaelse'" in str(
        _load_error(data_dir)
    )


def test_unknown_field_is_rejected(data_dir: Path) -> None:
    _edit(data_dir, "placement_types.yaml", lambda d: d["placement_types"][0].update(colour="red"))
    message = str(_load_error(data_dir))
    assert "placement_types.yaml" in message
    assert "placement_types[0](extratjanst).colour: unknown field" in message


def test_unknown_funding(data_dir: Path) -> None:
    _edit(data_dir, "placement_types.yaml", lambda d: d["placement_types"][1].update(funding="eu"))
    message = str(_load_error(data_dir))
    assert "placement_types[1](kommunal-arbetsmarknadsanstallning).funding" in message
    assert "'arbetsformedlingen', 'kommun' or 'kombinerad'" in message


def test_outcomes_must_be_exactly_a_to_e(data_dir: Path) -> None:
    def change(d: Any) -> None:
        d["outcomes"][-1]["code"] = "F"

    _edit(data_dir, "outcomes.yaml", change)
    message = str(_load_error(data_dir))
    assert "outcomes.yaml" in message
    assert "outcome codes must be exactly A, B, C, D, E (missing: E; unexpected: F)" in message


def test_outcome_category_must_follow_national_statistics(data_dir: Path) -> None:
    _edit(data_dir, "outcomes.yaml", lambda d: d["outcomes"][3].update(category="work"))
    assert "D must be 'other', not 'work'" in str(_load_error(data_dir))


def test_duplicate_value_added_code(data_dir: Path) -> None:
    _edit(
        data_dir,
        "value_added.yaml",
        lambda d: d["value_added_categories"][-1].update(code="arbetslivserfarenhet"),
    )
    message = str(_load_error(data_dir))
    assert "value_added.yaml" in message
    assert "duplicate value-added category code: 'arbetslivserfarenhet'" in message


def test_unquoted_progression_level_gets_a_hint(data_dir: Path) -> None:
    path = data_dir / "modules.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('- code: "3"', "- code: 3", 1), encoding="utf-8")
    message = str(_load_error(data_dir))
    assert "scales[1](progression).levels[2].code" in message
    assert 'quote it in YAML (e.g. "3")' in message


def test_duplicate_yaml_key_is_rejected_not_silently_overwritten(data_dir: Path) -> None:
    path = data_dir / "modules.yaml"
    text = path.read_text(encoding="utf-8")
    # Two descriptors for "3" (and none for "4") in the first progression module.
    path.write_text(text.replace('      "4":\n', '      "3":\n', 1), encoding="utf-8")
    message = str(_load_error(data_dir))
    assert "modules.yaml" in message
    assert "duplicate key '3'" in message


def test_invalid_yaml(data_dir: Path) -> None:
    (data_dir / "outcomes.yaml").write_text("outcomes: [A, B\n", encoding="utf-8")
    message = str(_load_error(data_dir))
    assert "outcomes.yaml" in message
    assert "not valid YAML" in message


def test_missing_file(data_dir: Path) -> None:
    (data_dir / "value_added.yaml").unlink()
    error = _load_error(data_dir)
    assert error.path == data_dir / "value_added.yaml"
    assert error.problems == ("file not found",)


def test_reference_data_model_checks_cross_references_itself(ref: ReferenceData) -> None:
    """Building ReferenceData directly (not via the loader) applies the same rules."""
    data = ref.model_dump()
    data["modules"][0]["scale"] = "ects"
    with pytest.raises(ValidationError, match="unknown scale 'ects'"):
        ReferenceData.model_validate(data)
