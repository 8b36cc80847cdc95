"""City-wide reference data: the module catalogue, level scales, placement types,
outcome codes and mervärde (value-added) categories.

The data lives in YAML files in ``contracts/reference_data/`` and is part of the contract,
so that every förvaltning assesses on the same scale and reports with the same codes.
The models below are the source of truth for the shape of those files; the loader
validates the files against them and checks the cross-references between them.

Every human-readable text is a :class:`Text` with Swedish (primary) and English.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

__all__ = [
    "DEFAULT_REFERENCE_DATA_DIR",
    "OUTCOME_CATEGORIES",
    "OUTCOME_CODES",
    "REFERENCE_DATA_FILES",
    "Beneficiary",
    "CefrActivity",
    "Criterion",
    "EscoSkill",
    "Funding",
    "Language",
    "MaxDuration",
    "Module",
    "Outcome",
    "OutcomeCategory",
    "PlacementType",
    "ReferenceData",
    "ReferenceDataError",
    "Scale",
    "ScaleLevel",
    "Text",
    "ValueAddedCategory",
    "load_reference_data",
    "reference_json_schema",
]

# --------------------------------------------------------------------------- codes

SLUG_PATTERN = r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$"
"""Lowercase ASCII slug, e.g. ``sociala-fardigheter`` or ``sprak.muntlig-interaktion``."""

LEVEL_CODE_PATTERN = r"^[A-Z]?[0-9]+$"
"""A level on a scale: CEFR ``A1`` … ``C2`` or a progression step ``1`` … ``4``."""

OUTCOME_CODE_PATTERN = r"^[A-Z]$"
"""One capital letter; the set is fixed to A–E by :data:`OUTCOME_CODES`."""

ESCO_URI_PATTERN = r"^http://data\.europa\.eu/esco/skill/[A-Za-z0-9.\-]+$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
LevelCode = Annotated[str, StringConstraints(pattern=LEVEL_CODE_PATTERN)]
OutcomeCode = Annotated[str, StringConstraints(pattern=OUTCOME_CODE_PATTERN)]
EscoUri = Annotated[str, StringConstraints(pattern=ESCO_URI_PATTERN)]
NonEmptyText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

Language = Literal["sv", "en"]
Funding = Literal["arbetsformedlingen", "kommun", "kombinerad"]
OutcomeCategory = Literal["work", "studies", "other"]
Beneficiary = Literal["workplace", "individual"]

OUTCOME_CATEGORIES: Mapping[str, OutcomeCategory] = {
    "A": "work",
    "B": "studies",
    "C": "other",
    "D": "other",
    "E": "other",
}
"""Outcome codes of the national municipal labour-market statistics and their category."""

OUTCOME_CODES: tuple[str, ...] = tuple(OUTCOME_CATEGORIES)

REFERENCE_DATA_FILES: tuple[str, ...] = (
    "modules.yaml",
    "placement_types.yaml",
    "outcomes.yaml",
    "value_added.yaml",
)

DEFAULT_REFERENCE_DATA_DIR = Path(__file__).parent / "reference_data"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- models


class Text(_Frozen):
    """A human-readable text in Swedish (primary) and English. Both are required."""

    sv: NonEmptyText = Field(description="Swedish text (primary).")
    en: NonEmptyText = Field(description="English text.")

    def localized(self, language: Language) -> str:
        """The text in ``language`` (``"sv"`` or ``"en"``)."""
        return self.sv if language == "sv" else self.en


class ScaleLevel(_Frozen):
    """One level on a scale. The order of the levels in the scale is significant."""

    code: LevelCode
    name: Text
    description: Text


class Scale(_Frozen):
    """An ordered assessment scale, lowest level first."""

    code: Slug
    name: Text
    description: Text
    levels: tuple[ScaleLevel, ...] = Field(min_length=2, description="Lowest level first.")

    @model_validator(mode="after")
    def _unique_levels(self) -> Scale:
        _require_unique(f"level code in scale {self.code!r}", (lv.code for lv in self.levels))
        return self

    @property
    def level_codes(self) -> tuple[str, ...]:
        """The level codes in order, lowest first."""
        return tuple(level.code for level in self.levels)

    def level(self, code: str) -> ScaleLevel:
        """The level with ``code``; raises :class:`KeyError` if the scale has no such level."""
        for level in self.levels:
            if level.code == code:
                return level
        raise _unknown("level", code, self.level_codes, f" on scale {self.code!r}")

    def index(self, code: str) -> int:
        """0-based position of level ``code`` on this scale (higher is further along)."""
        try:
            return self.level_codes.index(code)
        except ValueError:
            raise _unknown("level", code, self.level_codes, f" on scale {self.code!r}") from None


CefrActivity = Literal["listening", "reading", "spoken-interaction", "spoken-production", "writing"]
"""The CEFR's communicative activities, as in its self-assessment grid."""


class EscoSkill(_Frozen):
    """An ESCO skill a criterion aligns with: its concept URI and ESCO's preferred label."""

    uri: EscoUri = Field(
        description="The ESCO concept URI, e.g. http://data.europa.eu/esco/skill/<uuid>."
    )
    name: NonEmptyText = Field(description="ESCO's preferred label (English), as published.")


class Criterion(_Frozen):
    """An observable criterion within a module, assessed by the supervisor (handledare)."""

    code: Slug = Field(description="Unique within the module, prefixed by the module code.")
    name: Text
    description: Text
    esco: tuple[EscoSkill, ...] = Field(
        default=(), description="ESCO skills (v1.2.0) the criterion aligns with."
    )
    cefr: CefrActivity | None = Field(
        default=None, description="The CEFR communicative activity a language criterion assesses."
    )


class Module(_Frozen):
    """A module of the individual competence record (individuellt kompetensunderlag)."""

    code: Slug
    name: Text
    description: Text
    scale: Slug = Field(description="Code of the scale the module is assessed on.")
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    level_descriptors: Mapping[LevelCode, Text] = Field(
        description="What each level of the module's scale means for this module, "
        "keyed by level code; one entry for every level of the scale."
    )
    esco: tuple[EscoUri, ...] = Field(
        default=(), description="ESCO skill/competence URIs the module aligns with."
    )

    @model_validator(mode="after")
    def _check_criteria(self) -> Module:
        _require_unique(f"criterion code in module {self.code!r}", (c.code for c in self.criteria))
        prefix = f"{self.code}."
        wrong = [c.code for c in self.criteria if not c.code.startswith(prefix)]
        if wrong:
            raise ValueError(
                f"criterion codes in module {self.code!r} must start with {prefix!r}: "
                + ", ".join(repr(code) for code in wrong)
            )
        return self

    @property
    def criterion_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.criteria)

    def criterion(self, code: str) -> Criterion:
        """The criterion with ``code``; raises :class:`KeyError` if the module has none."""
        for criterion in self.criteria:
            if criterion.code == code:
                return criterion
        known = [c.code for c in self.criteria]
        raise _unknown("criterion", code, known, f" in module {self.code!r}")

    def descriptor(self, level_code: str) -> Text:
        """The module-specific descriptor of ``level_code``."""
        try:
            return self.level_descriptors[level_code]
        except KeyError:
            raise _unknown(
                "level", level_code, self.level_descriptors, f" in module {self.code!r}"
            ) from None


class MaxDuration(_Frozen):
    """How long a placement of a type may be planned to last, counted from its start.

    The rules are set by Arbetsförmedlingen (or the city) and change over time, so each
    value names where it comes from; the placements service refuses a planned end beyond it.
    """

    months: PositiveInt = Field(description="Longest planned duration when registered.")
    extended_months: PositiveInt | None = Field(
        description="Longest total duration with extensions; null when the rules set no "
        "total limit (a new decision may always follow)."
    )
    source: NonEmptyText = Field(description="Where the limits come from.")

    @model_validator(mode="after")
    def _extension_is_longer(self) -> MaxDuration:
        if self.extended_months is not None and self.extended_months < self.months:
            raise ValueError("extended_months is shorter than months")
        return self


class PlacementType(_Frozen):
    """A kind of labour-market employment (arbetsmarknadsanställning)."""

    code: Slug
    name: Text
    description: Text
    funding: Funding = Field(description="Who mainly funds the wage cost.")
    max_duration: MaxDuration | None = Field(
        description="Null when the rules set no upper limit (e.g. trygghetsanställning)."
    )


class Outcome(_Frozen):
    """Outcome code when a placement ends, aligned with the national municipal
    labour-market statistics: A work, B studies, C handed over, D completed, E other."""

    code: OutcomeCode
    name: Text
    description: Text
    category: OutcomeCategory


class ValueAddedCategory(_Frozen):
    """A category of mervärde (added value) for the workplace or the individual."""

    code: Slug = Field(description="Unique across all value-added categories.")
    beneficiary: Beneficiary
    name: Text
    description: Text


_T = TypeVar("_T", bound=BaseModel)


class ReferenceData(_Frozen):
    """All city-wide reference data, with its cross-references checked."""

    scales: tuple[Scale, ...]
    modules: tuple[Module, ...]
    placement_types: tuple[PlacementType, ...]
    outcomes: tuple[Outcome, ...]
    value_added_categories: tuple[ValueAddedCategory, ...]

    _scales: dict[str, Scale] = PrivateAttr(default_factory=dict)
    _modules: dict[str, Module] = PrivateAttr(default_factory=dict)
    _placement_types: dict[str, PlacementType] = PrivateAttr(default_factory=dict)
    _outcomes: dict[str, Outcome] = PrivateAttr(default_factory=dict)
    _value_added: dict[str, ValueAddedCategory] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self) -> ReferenceData:
        _check_scales_and_modules(self.scales, self.modules)
        _require_unique("placement type code", (p.code for p in self.placement_types))
        _check_outcomes(self.outcomes)
        _require_unique("value-added category code", (v.code for v in self.value_added_categories))
        return self

    def model_post_init(self, context: Any, /) -> None:
        self._scales.update((s.code, s) for s in self.scales)
        self._modules.update((m.code, m) for m in self.modules)
        self._placement_types.update((p.code, p) for p in self.placement_types)
        self._outcomes.update((o.code, o) for o in self.outcomes)
        self._value_added.update((v.code, v) for v in self.value_added_categories)

    # lookups ------------------------------------------------------------------

    def module(self, code: str) -> Module:
        return _lookup(self._modules, "module", code)

    def scale(self, code: str) -> Scale:
        return _lookup(self._scales, "scale", code)

    def scale_for(self, module_code: str) -> Scale:
        """The scale module ``module_code`` is assessed on."""
        return self._scales[self.module(module_code).scale]

    def level_index(self, module_code: str, level_code: str) -> int:
        """0-based position of ``level_code`` on the scale of ``module_code``, for progression."""
        return self.scale_for(module_code).index(level_code)

    def placement_type(self, code: str) -> PlacementType:
        return _lookup(self._placement_types, "placement type", code)

    def outcome(self, code: str) -> Outcome:
        return _lookup(self._outcomes, "outcome", code)

    def value_added_category(self, code: str) -> ValueAddedCategory:
        return _lookup(self._value_added, "value-added category", code)

    def value_added_categories_for(
        self, beneficiary: Beneficiary
    ) -> tuple[ValueAddedCategory, ...]:
        return tuple(v for v in self.value_added_categories if v.beneficiary == beneficiary)


# --------------------------------------------------------------------------- checks


def _unknown(kind: str, code: object, known: Iterable[str], where: str = "") -> KeyError:
    return KeyError(f"unknown {kind} {code!r}{where}; known: {', '.join(known) or '(none)'}")


def _lookup(index: Mapping[str, _T], kind: str, code: str) -> _T:
    try:
        return index[code]
    except KeyError:
        raise _unknown(f"{kind} code", code, index) from None


def _require_unique(kind: str, codes: Iterable[str]) -> None:
    duplicates = [code for code, count in Counter(codes).items() if count > 1]
    if duplicates:
        raise ValueError(f"duplicate {kind}: {', '.join(repr(c) for c in duplicates)}")


def _check_scales_and_modules(scales: Sequence[Scale], modules: Sequence[Module]) -> None:
    _require_unique("scale code", (s.code for s in scales))
    _require_unique("module code", (m.code for m in modules))
    by_code = {s.code: s for s in scales}
    problems: list[str] = []
    for module in modules:
        scale = by_code.get(module.scale)
        if scale is None:
            problems.append(
                f"module {module.code!r} uses unknown scale {module.scale!r} "
                f"(declared scales: {', '.join(by_code) or '(none)'})"
            )
            continue
        levels = scale.level_codes
        missing = [lv for lv in levels if lv not in module.level_descriptors]
        extra = [lv for lv in module.level_descriptors if lv not in levels]
        if missing:
            problems.append(
                f"module {module.code!r} has no level descriptor for level(s) "
                f"{', '.join(missing)} of scale {scale.code!r}"
            )
        if extra:
            problems.append(
                f"module {module.code!r} has level descriptor(s) for {', '.join(extra)}, "
                f"which are not levels of scale {scale.code!r} ({', '.join(levels)})"
            )
    if problems:
        raise ValueError("\n".join(problems))  # one problem per line in the report


def _check_outcomes(outcomes: Sequence[Outcome]) -> None:
    _require_unique("outcome code", (o.code for o in outcomes))
    codes = [o.code for o in outcomes]
    missing = [c for c in OUTCOME_CODES if c not in codes]
    extra = [c for c in codes if c not in OUTCOME_CATEGORIES]
    if missing or extra:
        raise ValueError(
            f"outcome codes must be exactly {', '.join(OUTCOME_CODES)} "
            f"(missing: {', '.join(missing) or 'none'}; unexpected: {', '.join(extra) or 'none'})"
        )
    wrong = [
        f"{o.code} must be {OUTCOME_CATEGORIES[o.code]!r}, not {o.category!r}"
        for o in outcomes
        if o.category != OUTCOME_CATEGORIES[o.code]
    ]
    if wrong:
        raise ValueError(
            "outcome categories follow the national statistics (A work, B studies, "
            "C-E other): " + "; ".join(wrong)
        )


# --------------------------------------------------------------------------- files


class _ModulesFile(_Frozen):
    scales: tuple[Scale, ...]
    modules: tuple[Module, ...]

    @model_validator(mode="after")
    def _check(self) -> _ModulesFile:
        _check_scales_and_modules(self.scales, self.modules)
        return self


class _PlacementTypesFile(_Frozen):
    placement_types: tuple[PlacementType, ...]

    @model_validator(mode="after")
    def _check(self) -> _PlacementTypesFile:
        _require_unique("placement type code", (p.code for p in self.placement_types))
        return self


class _OutcomesFile(_Frozen):
    outcomes: tuple[Outcome, ...]

    @model_validator(mode="after")
    def _check(self) -> _OutcomesFile:
        _check_outcomes(self.outcomes)
        return self


class _ValueAddedFile(_Frozen):
    value_added_categories: tuple[ValueAddedCategory, ...]

    @model_validator(mode="after")
    def _check(self) -> _ValueAddedFile:
        _require_unique("value-added category code", (v.code for v in self.value_added_categories))
        return self


class ReferenceDataError(ValueError):
    """A reference-data file is missing, is not valid YAML, or breaks the contract.

    ``path`` names the file (or directory) and ``problems`` lists what is wrong.
    """

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = "\n".join("  - " + p.replace("\n", "\n    ") for p in self.problems)
        super().__init__(f"invalid reference data in {path}:\n{lines}")


class _StrictLoader(yaml.SafeLoader):
    """Safe loader that rejects duplicate mapping keys instead of silently keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as stream:  # a stream, so YAML errors name the file
            data = yaml.load(stream, Loader=_StrictLoader)  # a SafeLoader subclass: safe
    except FileNotFoundError:
        raise ReferenceDataError(path, ["file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(path, [f"cannot read file: {exc}"]) from exc
    except yaml.YAMLError as exc:
        raise ReferenceDataError(path, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(data, dict):
        found = "an empty file" if data is None else type(data).__name__
        raise ReferenceDataError(path, [f"expected a mapping at the top level, found {found}"])
    return data


def _location(loc: tuple[int | str, ...], data: Any) -> str:
    """Render a pydantic error location, naming list items by their ``code`` where known."""
    out = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("code"), str):
                out += f"({node['code']})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _problems(error: ErrorDetails, data: Any) -> list[str]:
    message = error["msg"].removeprefix("Value error, ")
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        message = "unknown field (not part of the reference-data contract)"
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "string_type" and isinstance(value, int | float | bool):
        message += f', got {value!r}; quote it in YAML (e.g. "{value}")'
    elif kind == "string_pattern_mismatch":
        message += f", got {value!r}"
    where = _location(tuple(error["loc"]), data)
    return [f"{where}: {line}" if where else line for line in message.splitlines()]


def _validate_file(model: type[_T], path: Path) -> _T:
    data = _read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [p for e in exc.errors() for p in _problems(e, data)]
        raise ReferenceDataError(path, problems) from None


def _load(directory: Path) -> ReferenceData:
    modules = _validate_file(_ModulesFile, directory / "modules.yaml")
    placement_types = _validate_file(_PlacementTypesFile, directory / "placement_types.yaml")
    outcomes = _validate_file(_OutcomesFile, directory / "outcomes.yaml")
    value_added = _validate_file(_ValueAddedFile, directory / "value_added.yaml")
    try:
        return ReferenceData(
            scales=modules.scales,
            modules=modules.modules,
            placement_types=placement_types.placement_types,
            outcomes=outcomes.outcomes,
            value_added_categories=value_added.value_added_categories,
        )
    except ValidationError as exc:  # pragma: no cover - the file checks cover the same rules
        problems = [p for e in exc.errors() for p in _problems(e, None)]
        raise ReferenceDataError(directory, problems) from None


@functools.cache
def _load_default() -> ReferenceData:
    return _load(DEFAULT_REFERENCE_DATA_DIR)


def load_reference_data(directory: Path | None = None) -> ReferenceData:
    """Load and validate the reference data.

    Without ``directory`` the files shipped in this package are read once and cached.
    With ``directory``, the four files (:data:`REFERENCE_DATA_FILES`) are read from there,
    uncached. Raises :class:`ReferenceDataError` naming the file and the problem.
    """
    if directory is None:
        return _load_default()
    return _load(Path(directory))


def reference_json_schema() -> dict[str, Any]:
    """The JSON Schema of :class:`ReferenceData`."""
    return ReferenceData.model_json_schema()
