"""Validation of mappings, and the preview that runs it first."""

import pytest

from thrive_integration.mapping import (
    InvalidFieldMapping,
    ensure_default_mappings,
    preview_mappings,
    validate_mappings,
)
from thrive_integration.mapping.transforms import TRANSFORMS
from thrive_integration.models import CandidateProfile, FieldMapping

from .factories import make_contact


def _mapping(**fields) -> FieldMapping:
    defaults = {"platform_field": "phone", "thrive_paths": ["phone"], "transform": "text"}
    return FieldMapping(**{**defaults, **fields})


def _errors(*mappings) -> list[str]:
    with pytest.raises(InvalidFieldMapping) as raised:
        validate_mappings(mappings)
    return raised.value.errors


def test_the_defaults_are_valid(connection):
    validate_mappings(ensure_default_mappings(connection))


def test_every_transform_is_documented():
    assert all(transform.description for transform in TRANSFORMS.values())


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"platform_field": "favourite_colour"}, "unknown platform field 'favourite_colour'"),
        ({"thrive_paths": ["fax"]}, "Thrive contacts have no field 'fax'"),
        ({"thrive_paths": ["positions.salary"]}, "have no field 'positions.salary'"),
        ({"thrive_paths": ["phone.number"]}, "have no field 'phone.number'"),
        ({"thrive_paths": []}, "non-empty list"),
        ({"thrive_paths": "phone"}, "non-empty list"),
        ({"transform": "uppercase"}, "unknown transform 'uppercase'"),
        ({"thrive_paths": ["phone", "email"]}, "takes 1 path(s), got 2"),
        (
            {"platform_field": "company", "transform": "current_position"},
            "reads a field of positions, such as 'positions.title', not 'phone'",
        ),
        (
            {
                "platform_field": "title",
                "thrive_paths": ["educations.school_name"],
                "transform": "current_position",
            },
            "reads a field of positions",
        ),
        ({"thrive_paths": ["phone."]}, "have no field 'phone.'"),
        ({"thrive_paths": [".phone"]}, "have no field ''"),
        (
            {
                "platform_field": "name",
                "thrive_paths": ["first_name", "first_name"],
                "transform": "join",
            },
            "is given one path twice",
        ),
        (
            {
                "platform_field": "skills",
                "thrive_paths": ["notes.body"],
                "transform": "string_list",
            },
            "but 'notes.body' is HTML",
        ),
        ({"thrive_paths": ["contact_comments.body"]}, "is HTML"),
        ({"platform_field": "skills"}, "makes text, but CandidateProfile.skills holds list"),
        ({"thrive_object": "invoice"}, "unknown Thrive object 'invoice'"),
        (
            {"platform_field": "name", "thrive_paths": ["positions", "notes"], "transform": "join"},
            "transform 'join' reads one value, but 'positions' is the positions list",
        ),
        ({"platform_field": "email", "thrive_paths": ["positions"], "transform": "email"}, "but"),
        ({"thrive_paths": ["skills"]}, "reads one value, but 'skills' is a list of values"),
        ({"thrive_paths": ["positions.title"]}, "but 'positions.title' is a list of values"),
        (
            {
                "platform_field": "work_experience",
                "thrive_paths": ["notes"],
                "transform": "positions",
            },
            "reads the positions list, but 'notes' is the notes list",
        ),
        (
            {"platform_field": "skills", "thrive_paths": ["notes"], "transform": "string_list"},
            "reads a list of values, but 'notes' is the notes list",
        ),
        (
            {"platform_field": "tags", "thrive_paths": ["positions"], "transform": "string_list"},
            "reads a list of values, but 'positions' is the positions list",
        ),
        (
            {"platform_field": "education", "thrive_paths": ["skills"], "transform": "educations"},
            "reads the educations list, but 'skills' is a list of values",
        ),
        (
            {"platform_field": "notes", "thrive_paths": ["documents"], "transform": "notes"},
            "reads the candidacy_comments list or the contact_comments list or the notes list",
        ),
        (
            {"thrive_object": "candidacy", "platform_field": "source"},
            "Thrive candidacies have no field 'phone'",
        ),
        (
            {
                "thrive_object": "candidacy",
                "platform_field": "source",
                "thrive_paths": ["candidacy_stage"],
            },
            "reads one value, but 'candidacy_stage' is an object",
        ),
        (
            {"thrive_object": "candidacy", "platform_field": "name", "thrive_paths": ["source"]},
            "unknown platform field 'name' on Application",
        ),
    ],
)
def test_invalid_mapping_messages(fields, message):
    errors = _errors(_mapping(**fields))
    assert any(message in error for error in errors), errors


@pytest.mark.parametrize(
    ("platform_field", "paths", "transform"),
    [
        ("notes", ["contact_comments"], "notes"),
        ("tags", ["positions.company_name"], "string_list"),
        ("company", ["positions.company_name"], "current_position"),
        ("name", ["preferred_name"], "text"),
    ],
)
def test_paths_of_the_shape_a_transform_reads_are_accepted(platform_field, paths, transform):
    validate_mappings(
        [_mapping(platform_field=platform_field, thrive_paths=paths, transform=transform)]
    )


def test_a_structure_where_a_value_was_expected_maps_to_no_text():
    from thrive_integration.mapping.apply import map_record

    mappings = [
        _mapping(platform_field="name", thrive_paths=["first_name", "last_name"], transform="join"),
        _mapping(
            platform_field="title", thrive_paths=["positions.title"], transform="current_position"
        ),
        _mapping(platform_field="phone"),
    ]
    mappings += [
        _mapping(platform_field="source", thrive_paths=["source"]),
        _mapping(platform_field="skills", thrive_paths=["skills"], transform="string_list"),
        _mapping(platform_field="github_url", thrive_paths=["github_url"], transform="url"),
        _mapping(platform_field="linkedin_url", thrive_paths=["linkedin_url"], transform="url"),
    ]
    record = {
        "first_name": {"given": "Ada"},
        "last_name": "Lovelace",
        "phone": ["+44 1"],
        "positions": [{"title": {"en": "Countess"}, "current": True}],
        "source": True,
        "skills": [True, 5, "ok", None],
        "github_url": "Ada",
        "linkedin_url": "linkedin.com/in/ada",
    }
    assert map_record(record, mappings, "contact") == {
        "name": "Lovelace",
        "title": "",
        "phone": "",
        "source": "",
        "skills": ["5", "ok"],
        "github_url": "",
        "linkedin_url": "https://linkedin.com/in/ada",
    }


def test_a_path_thrive_does_not_have_is_reported_once():
    errors = _errors(
        _mapping(
            thrive_object="candidacy",
            platform_field="source",
            thrive_paths=["candidacy_stage.name"],
        )
    )
    assert errors == ["source: Thrive candidacies have no field 'candidacy_stage.name'"]


def test_two_mappings_writing_one_field():
    errors = _errors(_mapping(), _mapping(thrive_paths=["work_email"]))
    assert errors == [
        "phone: two mappings write CandidateProfile.phone (from phone and work_email)"
    ]


def test_the_same_field_name_on_two_objects_is_fine():
    validate_mappings(
        [
            _mapping(platform_field="source", thrive_paths=["source"]),
            _mapping(platform_field="source", thrive_paths=["source"], thrive_object="candidacy"),
        ]
    )


def test_preview_maps_stored_payloads_without_saving(connection):
    contact = make_contact(connection, city="Oslo", country=None)
    results = preview_mappings(
        connection, [_mapping(platform_field="location", thrive_paths=["city"])]
    )
    assert results == [
        {"contact_id": contact.pk, "remote_id": contact.remote_id, "profile": results[0]["profile"]}
    ]
    assert results[0]["profile"]["location"] == "Oslo"
    assert results[0]["profile"]["name"] == ""  # not mapped by this proposal
    assert not CandidateProfile.objects.exists()


def test_preview_refuses_an_invalid_proposal(connection):
    make_contact(connection)
    with pytest.raises(InvalidFieldMapping):
        preview_mappings(connection, [_mapping(transform="nope")])
