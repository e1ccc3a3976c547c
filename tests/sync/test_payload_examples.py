"""The import of Thrive's documented payload examples (fixtures/thrive/), field by field.

Only HTTP is faked (`responses` serves the example pages); the client, the engine, the
mapping and the pipeline hooks are the real ones, writing to the test database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.payload_examples import (
    LISTING_VARIANTS,
    RESOURCE_PAGES,
    THRIVE_BASE,
    error_body,
    example,
    serve_listing,
    serve_resource_page,
)
from thrive_integration import models as m
from thrive_integration.models import RunStatus, StepStatus
from thrive_integration.sync.registry import BY_NAME

from .conftest import connect, steps_by_resource, sync

pytestmark = pytest.mark.django_db(transaction=True)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def rows(model, *fields: str, **filters: Any) -> dict[str, dict[str, Any]]:
    """`{remote_id: {field: value}}` of the stored `model` rows."""
    return {
        row.pop("remote_id"): row
        for row in model.objects.filter(**filters).values("remote_id", *fields)
    }


def stamps(created: str, updated: str) -> dict[str, datetime]:
    return {"remote_created_at": moment(created), "remote_updated_at": moment(updated)}


@pytest.fixture
def examples_settings(thrive_settings):
    # `responses` patches this process only: pages prepared in a forked process would be
    # fetched there, out of the test's sight.
    thrive_settings.THRIVE_INTEGRATION = {
        **thrive_settings.THRIVE_INTEGRATION,
        "PREPARE_PAGES_IN_SUBPROCESS": False,
    }
    return thrive_settings


@pytest.fixture
def connection(db, examples_settings):
    return connect(THRIVE_BASE)


@pytest.fixture
def documented_thrive(mocked):
    for collection in RESOURCE_PAGES:
        serve_resource_page(mocked, collection)
    return mocked


@pytest.fixture
def imported(connection, documented_thrive):
    run = sync(connection, full=True)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_every_resource_is_read_once_with_its_children_included(imported, documented_thrive):
    steps = steps_by_resource(imported)
    assert {name: step.created for name, step in steps.items()} == {
        "users": 2,
        "companies": 1,
        "contact_networks": 1,
        "talent_pools": 1,
        "candidacy_stages": 6,
        "searches": 1,
        "contacts": 2,
        "candidacies": 2,
    }
    assert all(step.status == StepStatus.SUCCEEDED for step in steps.values())
    asked = [urlsplit(call.request.url) for call in documented_thrive.calls]
    assert [url.path.rsplit("/", 1)[-1] for url in asked] == list(RESOURCE_PAGES)
    # Children come embedded through `include`, never one request per record.
    for collection, url in zip(RESOURCE_PAGES, asked, strict=True):
        include = parse_qs(url.query).get("include", [""])[0]
        assert include == ",".join(BY_NAME[collection].include), collection


def test_users_companies_networks_pools_and_stages(imported):
    assert rows(m.ThriveUser, "first_name", "last_name", "email", "role", "active") == {
        "7": {
            "first_name": "Priya",
            "last_name": "Raman",
            "email": "priya.raman@search-firm.example",
            "role": "admin",
            "active": True,
        },
        "9": {
            "first_name": "Tomás",
            "last_name": "Ibarra",
            "email": "tomas.ibarra@search-firm.example",
            "role": "recruiter",
            "active": False,
        },
    }
    # Offsets are kept to the microsecond and stored in UTC.
    assert rows(m.ThriveUser, "remote_created_at", "remote_updated_at")["7"] == stamps(
        "2021-03-02T09:15:00+00:00", "2025-11-20T14:02:11.482913+00:00"
    )
    assert rows(m.Company, "name", "website_url", "industry", "city", "country") == {
        "501": {
            "name": "Northwind Robotics AB",
            "website_url": "https://www.northwind-robotics.example",
            "industry": "Industrial Automation",
            "city": "Stockholm",
            "country": "Sweden",
        }
    }
    assert rows(
        m.FundingRound, "company__remote_id", "round", "amount", "currency", "announced_on"
    ) == {
        "5011": {
            "company__remote_id": "501",
            "round": "Series B",
            "amount": Decimal("42000000.00"),
            "currency": "EUR",
            "announced_on": "2023-05",
        }
    }
    assert rows(m.Investment, "investor_name", "amount", "currency", "invested_on") == {
        "5012": {
            "investor_name": "Baltic Ventures",
            "amount": Decimal("7500000.50"),
            "currency": "SEK",
            "invested_on": "2021-11-01",
        }
    }
    assert rows(m.ContactNetwork, "name", "description", "contact_ids") == {
        "61": {
            "name": "Nordic CTOs",
            "description": "Engineering leaders we know well",
            "contact_ids": ["101", "102"],
        }
    }
    assert rows(m.TalentPool, "name", "description", "contact_ids") == {
        "71": {"name": "Robotics leadership", "description": "", "contact_ids": ["101"]}
    }
    assert rows(m.CandidacyStage, "name", "position", "active") == {
        "1": {"name": "Identified", "position": 1, "active": True},
        "2": {"name": "Contacted", "position": 2, "active": True},
        "3": {"name": "Client Interview", "position": 3, "active": True},
        "4": {"name": "Offer", "position": 4, "active": True},
        "5": {"name": "Placed", "position": 5, "active": True},
        "6": {"name": "On Hold", "position": 6, "active": False},
    }
    # The first import groups Thrive's stages into platform stages by name.
    grouped = m.StageMapping.objects.values_list(
        "candidacy_stage__remote_id", "pipeline_stage__key"
    )
    assert dict(grouped) == {
        "1": "sourced",
        "2": "sourced",
        "3": "interview",
        "4": "offer",
        "5": "hired",
        "6": "hired",  # no keyword: grouped with the stage before it
    }


def test_searches_with_commissions_documents_and_teams(imported):
    search_fields = (
        "name",
        "status",
        "company_remote_id",
        "company_name",
        "city",
        "country",
        "opened_on",
        "closed_on",
        "default_candidacy_stage_remote_id",
    )
    assert rows(m.Search, *search_fields) == {
        "301": {
            "name": "Chief Technology Officer — Northwind Robotics",
            "status": "on_hold",
            "company_remote_id": "501",
            "company_name": "Northwind Robotics AB",
            "city": "Stockholm",
            "country": "Sweden",
            "opened_on": "2025-08-18",
            "closed_on": "",
            "default_candidacy_stage_remote_id": "1",
        }
    }
    assert rows(
        m.SearchCommission, "search__remote_id", "user_remote_id", "percentage", "amount"
    ) == {
        "3011": {
            "search__remote_id": "301",
            "user_remote_id": "7",
            "percentage": Decimal("33.300"),
            "amount": Decimal("45000.00"),
        }
    }
    assert rows(m.SearchDocument, "file_name", "content_type", "url", "size") == {
        "3012": {
            "file_name": "CTO brief.pdf",
            "content_type": "application/pdf",
            "url": "https://files.thrive.example/searches/301/brief.pdf",
            "size": 254001,
        }
    }
    # Four team lists share one model; an empty or null list has no members.
    assert rows(m.SearchTeamMembership, "team", "user_remote_id", "role") == {
        "origination:3013": {"team": "origination", "user_remote_id": "7", "role": "partner"},
        "execution:3014": {"team": "execution", "user_remote_id": "9", "role": "lead"},
    }


def test_contacts_and_every_embedded_child(imported):
    contact_fields = (
        "first_name",
        "last_name",
        "email",
        "linkedin_url",
        "city",
        "country",
        "merged_into_remote_id",
        "remote_created_at",
        "remote_updated_at",
    )
    assert rows(m.Contact, *contact_fields) == {
        "101": {
            "first_name": "Zoë",
            "last_name": "Lindqvist",
            "email": "Zoe.Lindqvist@example.com",
            "linkedin_url": "https://www.linkedin.com/in/zoe-lindqvist-example/",
            "city": "Stockholm",
            "country": "Sweden",
            "merged_into_remote_id": "",
            **stamps("2022-09-01T10:00:00+00:00", "2025-11-03T09:30:15.123456+00:00"),
        },
        "102": {
            "first_name": "Jonas",
            "last_name": "Berg",
            "email": "",
            "linkedin_url": "",
            "city": "",
            "country": "Norway",
            "merged_into_remote_id": "",
            **stamps("2023-02-20T11:00:00+00:00", "2025-07-01T03:59:59.999999+00:00"),
        },
    }
    zoe = {"contact__remote_id": "101"}
    assert rows(
        m.Position,
        "company_remote_id",
        "company_name",
        "title",
        "start_date",
        "end_date",
        "current",
    ) == {
        "1011": {
            "company_remote_id": "501",
            "company_name": "Northwind Robotics AB",
            "title": "VP Engineering",
            "start_date": "2021-04",
            "end_date": "Present",
            "current": True,
        },
        "1012": {
            "company_remote_id": "",
            "company_name": "Freelance",
            "title": "Robotics Consultant",
            "start_date": "2017",
            "end_date": "2021-03",
            "current": False,
        },
    }
    assert rows(
        m.Education, "school_name", "degree", "field_of_study", "start_date", "end_date", **zoe
    ) == {
        "1013": {
            "school_name": "KTH Royal Institute of Technology",
            "degree": "MSc",
            "field_of_study": "Mechatronics",
            "start_date": "2010-09",
            "end_date": "2012",
        }
    }
    # The mirror keeps the note as Thrive sent it; only the profile gets sanitised HTML.
    assert rows(m.ContactNote, "body", "user_remote_id", "remote_created_at", **zoe) == {
        "1014": {
            "body": "<p>Open to <b>CTO</b> roles in Europe.</p><script>alert('x')</script>",
            "user_remote_id": "7",
            "remote_created_at": moment("2025-10-01T08:00:00+00:00"),
        }
    }
    assert rows(m.ContactComment, "body", "user_remote_id", **zoe) == {
        "1015": {"body": "Called, left a message", "user_remote_id": "9"}
    }
    assert rows(m.ContactDocument, "file_name", "content_type", "url", "size", **zoe) == {
        "1016": {
            "file_name": "Zoe_Lindqvist_CV.pdf",
            "content_type": "application/pdf",
            "url": "https://files.thrive.example/contacts/101/cv.pdf",
            "size": 184320,
        }
    }
    assert rows(m.OffLimitReason, "reason", "company_remote_id", "expires_on", **zoe) == {
        "1017": {
            "reason": "Placed by us at Northwind Robotics",
            "company_remote_id": "501",
            "expires_on": "",
        },
        "1018": {"reason": "Client employee", "company_remote_id": "502", "expires_on": "2020-12"},
    }
    assert rows(m.Outreach, "channel", "subject", "user_remote_id", "occurred_at", **zoe) == {
        "1019": {
            "channel": "email",
            "subject": "CTO opportunity",
            "user_remote_id": "7",
            "occurred_at": "2025-10-01T08:30:00.000000+00:00",
        }
    }
    assert rows(
        m.ContactConnection,
        "connected_contact_remote_id",
        "connection_type",
        "strength",
        "connected_on",
        **zoe,
    ) == {
        "1020": {
            "connected_contact_remote_id": "102",
            "connection_type": "previously_reports_to",
            "strength": "high",
            "connected_on": "2019-05-01",
        }
    }
    assert rows(m.ContactReference, "referee_contact_remote_id", "search_remote_id", **zoe) == {
        "1021": {"referee_contact_remote_id": "102", "search_remote_id": "301"}
    }
    assert rows(
        m.Introduction,
        "introduced_contact_remote_id",
        "introduced_by_user_remote_id",
        "search_remote_id",
        "introduced_on",
        **zoe,
    ) == {
        "1022": {
            "introduced_contact_remote_id": "102",
            "introduced_by_user_remote_id": "9",
            "search_remote_id": "301",
            "introduced_on": "2025-09-10",
        }
    }
    # Jonas's lists are empty or null: no children at all.
    jonas = m.Contact.objects.get(remote_id="102")
    for spec in BY_NAME["contacts"].children:
        assert not spec.model.objects.filter(contact=jonas).exists(), spec.key


def partial(year=None, month=None, day=None, *, ongoing=False) -> dict[str, Any]:
    return {"year": year, "month": month, "day": day, "ongoing": ongoing}


# The profile of contact 101, row by row of the seed's Field Mapping table.
PROFILE_VALUES: dict[str, Any] = {
    "name": "Zoë Lindqvist",  # first_name, last_name
    # positions: the current one first, dates as partial dates
    "work_experience": [
        {
            "company_name": "Northwind Robotics AB",
            "company_id": "501",
            "title": "VP Engineering",
            "start_date": partial(2021, 4),
            "end_date": partial(ongoing=True),
            "current": True,
        },
        {
            "company_name": "Freelance",
            "company_id": None,
            "title": "Robotics Consultant",
            "start_date": partial(2017),
            "end_date": partial(2021, 3),
            "current": False,
        },
    ],
    "company": "Northwind Robotics AB",  # positions.company_name of the current position
    "title": "VP Engineering",  # positions.title of the current position
    "location": "Stockholm, Sweden",  # city + country
    # the table's empty "Contact" row: contact details
    "email": "Zoe.Lindqvist@example.com",
    "work_email": "zoe@northwind-robotics.example",
    "phone": "+46 8 555 012 34",
    "email_key": "zoe.lindqvist@example.com",
    "education": [
        {
            "school_name": "KTH Royal Institute of Technology",
            "degree": "MSc",
            "field_of_study": "Mechatronics",
            "start_date": partial(2010, 9),
            "end_date": partial(2012),
        }
    ],
    # referred_by_notes feeds Tags, icp_name, icp_owner_name and Shortlisted By
    "tags": ["robotics", "nordics"],
    "icp_name": "CTO Europe",
    "icp_owner_name": "Ana Núñez",
    "shortlisted_by": "Chloé Martin",
    "attachments": [  # documents
        {
            "remote_id": "1016",
            "file_name": "Zoe_Lindqvist_CV.pdf",
            "content_type": "application/pdf",
            "url": "https://files.thrive.example/contacts/101/cv.pdf",
            "size": 184320,
            "created_at": "2025-09-15T14:00:00.000000+00:00",
        }
    ],
    "notes": [  # the table's `note`: the notes list, raw, sanitised and as text
        {
            "remote_id": "1014",
            "raw": "<p>Open to <b>CTO</b> roles in Europe.</p><script>alert('x')</script>",
            "html": "<p>Open to <b>CTO</b> roles in Europe.</p>",
            "text": "Open to CTO roles in Europe.",
            "user_id": "7",
            "created_at": "2025-10-01T08:00:00.000000+00:00",
            "updated_at": "2025-10-02T08:00:00.000000+00:00",
        }
    ],
    "activity_feed": [],  # "Activity Feed | NA": nothing is mapped into it
    "linkedin_url": "https://www.linkedin.com/in/zoe-lindqvist-example/",
    "linkedin_key": "linkedin.com/in/zoe-lindqvist-example",
    "platform_profile_url": "https://app.findem.example/profile/zoe-lindqvist",  # other_url
    "skills": ["Robotics", "Python", "ROS"],  # "python" repeats "Python"
    "avatar_url": "https://avatars.thrive.example/101.png",  # avatar
    "github_url": "https://github.com/zoe-lindqvist-example",
    "source": "LinkedIn",  # Contact.source
    # the unexpired off-limit reason only; the one that ran out in December 2020 is not
    "off_limits": True,
    "off_limit_reasons": [
        {
            "remote_id": "1017",
            "reason": "Placed by us at Northwind Robotics",
            "company_id": "501",
            "expires_on": None,
        }
    ],
}


def test_contacts_map_to_profiles_as_the_seed_table_says(imported):
    profile = m.CandidateProfile.objects.get(links__contact__remote_id="101")
    mapped = {field: getattr(profile, field) for field in PROFILE_VALUES}
    assert mapped == PROFILE_VALUES
    assert profile.contact.remote_id == "101"

    sparse = m.CandidateProfile.objects.get(links__contact__remote_id="102")
    assert (sparse.name, sparse.location, sparse.off_limits) == ("Jonas Berg", "Norway", False)
    for field in ("work_experience", "education", "tags", "attachments", "notes", "skills"):
        assert getattr(sparse, field) == [], field
    for field in ("email", "phone", "company", "title", "linkedin_url", "source", "icp_name"):
        assert getattr(sparse, field) == "", field


def test_candidacies_become_applications(imported):
    candidacy_fields = (
        "contact_remote_id",
        "search_remote_id",
        "candidacy_stage_remote_id",
        "candidacy_stage_name",
        "candidacy_stage_entered_at",
        "rejection_reason",
        "rejected_at",
        "source",
    )
    assert rows(m.Candidacy, *candidacy_fields) == {
        "401": {
            "contact_remote_id": "101",
            "search_remote_id": "301",
            "candidacy_stage_remote_id": "3",
            "candidacy_stage_name": "Client Interview",
            "candidacy_stage_entered_at": moment("2025-11-01T10:00:00+00:00"),
            "rejection_reason": "",
            "rejected_at": None,
            "source": "Findem",
        },
        "402": {
            "contact_remote_id": "102",
            "search_remote_id": "301",
            "candidacy_stage_remote_id": "2",
            "candidacy_stage_name": "Contacted",
            "candidacy_stage_entered_at": moment("2025-10-10T06:00:00+00:00"),
            "rejection_reason": "Not interested in relocating",
            "rejected_at": moment("2025-10-12T09:15:00+00:00"),
            "source": "Referral",
        },
    }
    assert rows(m.CandidacyComment, "candidacy__remote_id", "body", "user_remote_id") == {
        "4011": {
            "candidacy__remote_id": "401",
            "body": "<b>Client liked</b> her robotics background",
            "user_remote_id": "7",
        }
    }
    assert rows(m.CandidacyTag, "candidacy__remote_id", "name") == {
        "4012": {"candidacy__remote_id": "401", "name": "shortlist"}
    }
    applications = {
        application.candidacy.remote_id: application
        for application in m.Application.objects.select_related(
            "candidacy", "profile__contact", "search", "pipeline_stage"
        )
    }
    assert {
        remote_id: {
            "profile": application.profile.contact.remote_id,
            "search": application.search.remote_id,
            "pipeline_stage": application.pipeline_stage.key,
            "stage_entered_at": application.stage_entered_at,
            "rejected": application.rejected,
            "rejection_reason": application.rejection_reason,
            "rejected_at": application.rejected_at,
            "sla_due_at": application.sla_due_at,
            "source": application.source,
        }
        for remote_id, application in applications.items()
    } == {
        "401": {
            "profile": "101",
            "search": "301",
            "pipeline_stage": "interview",
            "stage_entered_at": moment("2025-11-01T10:00:00+00:00"),
            "rejected": False,
            "rejection_reason": "",
            "rejected_at": None,
            "sla_due_at": moment("2025-11-11T10:00:00+00:00"),  # Interview: 10 days
            "source": "Findem",  # Candidacy.source
        },
        "402": {
            "profile": "102",
            "search": "301",
            "pipeline_stage": "sourced",
            "stage_entered_at": moment("2025-10-10T06:00:00+00:00"),
            "rejected": True,
            "rejection_reason": "Not interested in relocating",
            "rejected_at": moment("2025-10-12T09:15:00+00:00"),
            "sla_due_at": None,  # Sourced has no SLA
            "source": "Referral",
        },
    }


def test_a_candidacy_names_its_contact_by_the_embedded_contact_alone(connection, mocked):
    """thrive-api.md documents a candidacy's embedded `contact`, not `contact_id`."""
    page = example("candidacies")
    for candidacy in page["candidacies"]:
        del candidacy["contact_id"]
    for collection in RESOURCE_PAGES:
        if collection == "candidacies":
            mocked.get(f"{THRIVE_BASE}/candidacies", json=page)
        else:
            serve_resource_page(mocked, collection)

    run = sync(connection, full=True)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert rows(m.Candidacy, "contact_remote_id") == {
        "401": {"contact_remote_id": "101"},
        "402": {"contact_remote_id": "102"},
    }
    linked = m.Application.objects.values_list(
        "candidacy__remote_id", "profile__contact__remote_id"
    )
    assert dict(linked) == {"401": "101", "402": "102"}


def test_importing_the_same_pages_again_writes_nothing(imported, connection, count_writes):
    again = sync(connection, full=True)
    assert again.status == RunStatus.SUCCEEDED, again.error
    assert all(step.created + step.updated + step.deleted == 0 for step in again.steps.all())
    assert count_writes.writes == []


# Each envelope and id type of the same three talent pools: what is stored does not depend on
# how Thrive wraps a listing, signals its next page or types its ids.
STORED_POOLS = {
    "71": {
        "name": "Robotics leadership",
        "description": "",
        "contact_ids": ["101"],
        **stamps("2024-04-01T07:30:00+00:00", "2025-10-03T07:30:00+00:00"),
    },
    "72": {
        "name": "Nordic CFOs",
        "description": "Finance leaders, Nordics",
        "contact_ids": ["102", "101"],
        **stamps("2024-05-01T07:30:00+00:00", "2025-10-04T07:30:00+00:00"),
    },
    "73": {
        "name": "Board candidates",
        "description": "Non-executive directors",
        "contact_ids": [],
        **stamps("2024-06-01T07:30:00+00:00", "2025-10-05T07:30:00+00:00"),
    },
}


@pytest.mark.parametrize("variant", LISTING_VARIANTS)
def test_every_listing_variant_stores_the_same_talent_pools(
    connection, examples_settings, mocked, variant
):
    examples_settings.THRIVE_INTEGRATION = {**examples_settings.THRIVE_INTEGRATION, "PAGE_SIZE": 2}
    serve_listing(mocked, variant)
    run = sync(connection, full=True, resources=["talent_pools"])
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert steps_by_resource(run)["talent_pools"].pages == 2
    stored = rows(
        m.TalentPool, "name", "description", "contact_ids", "remote_created_at", "remote_updated_at"
    )
    assert stored == STORED_POOLS


def test_a_documented_403_fails_its_resource_alone(connection, mocked):
    for collection in RESOURCE_PAGES:
        if collection == "talent_pools":
            mocked.get(f"{THRIVE_BASE}/talent_pools", status=403, json=error_body(403))
        else:
            serve_resource_page(mocked, collection)
    run = sync(connection, full=True)
    assert run.status == RunStatus.FAILED
    steps = steps_by_resource(run)
    assert steps["talent_pools"].status == StepStatus.FAILED
    assert "Retrieves all Talent Pools" in steps["talent_pools"].error
    assert not m.TalentPool.objects.exists()
    others = {name: step.status for name, step in steps.items() if name != "talent_pools"}
    assert set(others.values()) == {StepStatus.SUCCEEDED}
    assert m.Application.objects.count() == 2
