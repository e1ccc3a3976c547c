"""Whether a set of FieldMappings can be applied, with messages a person can act on."""

from __future__ import annotations

from collections.abc import Iterable

from ..exceptions import ConfigurationError
from ..models import FieldMapping
from .schema import PLATFORM_FIELDS, PLATFORM_MODEL_NAMES, path_problem
from .transforms import TRANSFORMS


class InvalidFieldMapping(ConfigurationError):
    """A mapping refers to something that does not exist, or two mappings collide."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def mapping_problems(mapping: FieldMapping) -> list[str]:
    """What is wrong with one mapping on its own."""
    problems = []
    fields = PLATFORM_FIELDS.get(mapping.thrive_object)
    if fields is None:
        return [f"unknown Thrive object {mapping.thrive_object!r}"]
    target = PLATFORM_MODEL_NAMES[mapping.thrive_object]
    platform_field = fields.get(mapping.platform_field)
    if platform_field is None:
        problems.append(
            f"unknown platform field {mapping.platform_field!r} on {target}; "
            f"known: {', '.join(fields)}"
        )
    paths = mapping.thrive_paths if isinstance(mapping.thrive_paths, list) else []
    if not paths:
        problems.append("thrive_paths must be a non-empty list of Thrive field paths")
    known_paths = []
    for path in paths:
        if problem := path_problem(mapping.thrive_object, path):
            problems.append(problem)
        else:
            known_paths.append(path)
    transform = TRANSFORMS.get(mapping.transform)
    if transform is None:
        problems.append(
            f"unknown transform {mapping.transform!r}; known: {', '.join(sorted(TRANSFORMS))}"
        )
    else:
        if paths and (problem := transform.paths_problem(paths)):
            problems.append(problem)
        problems.extend(
            problem for path in known_paths if (problem := transform.path_problem(path))
        )
        if platform_field and transform.kind != platform_field.kind:
            problems.append(
                f"transform {transform.name!r} makes {transform.kind}, but "
                f"{target}.{platform_field.name} holds {platform_field.kind}"
            )
    return [f"{mapping.platform_field or '?'}: {problem}" for problem in problems]


def validate_mappings(mappings: Iterable[FieldMapping]) -> None:
    """Raise InvalidFieldMapping listing every problem, including two mappings per field."""
    errors: list[str] = []
    writers: dict[tuple[str, str], FieldMapping] = {}
    for mapping in mappings:
        errors.extend(mapping_problems(mapping))
        key = (mapping.thrive_object, mapping.platform_field)
        if key in writers:
            target = PLATFORM_MODEL_NAMES.get(mapping.thrive_object, mapping.thrive_object)
            errors.append(
                f"{mapping.platform_field}: two mappings write {target}.{mapping.platform_field} "
                f"(from {'+'.join(writers[key].thrive_paths)} and "
                f"{'+'.join(mapping.thrive_paths)})"
            )
        writers[key] = mapping
    if errors:
        raise InvalidFieldMapping(errors)
