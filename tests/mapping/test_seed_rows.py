"""One test per row of the seed's "Field Mapping" table, with realistic, messy payloads."""

import datetime
import unicodedata

from django.utils import timezone

from thrive_integration.mapping.defaults import DEFAULT_MAPPINGS
from thrive_integration.models import FieldMapping


def test_defaults_cover_every_seed_row():
    rows = {(field, obj, paths) for field, obj, paths, _, _ in DEFAULT_MAPPINGS}
    assert ("name", "contact", ("first_name", "last_name")) in rows
    assert ("source", "candidacy", ("source",)) in rows
    assert len(DEFAULT_MAPPINGS) == len({(field, obj) for field, obj, *_ in DEFAULT_MAPPINGS})


def test_candidate_name_joins_first_and_last_in_nfc(profile_for):
    first = unicodedata.normalize("NFD", "José")
    profile = profile_for(first_name=f" {first} ", last_name="Müller")
    assert profile.name == "José Müller"
    assert profile.name_key == "josé müller"
    assert profile_for(first_name=None, last_name="Cher").name == "Cher"


def test_candidate_name_too_long_is_cut_to_the_column(profile_for):
    profile = profile_for(first_name="A" * 200, last_name="B" * 200)
    assert len(profile.name) == 255


def test_work_experience_lists_positions_most_recent_first(profile_for):
    profile = profile_for(
        positions=[
            {
                "id": "1",
                "company_name": "Old Co",
                "title": "Intern",
                "start_date": "2015",
                "end_date": "2016-06",
                "current": False,
            },
            {
                "id": "2",
                "company_name": "Now Co",
                "title": "CTO",
                "start_date": "2019-03",
                "end_date": "Present",
                "current": None,
            },
            {
                "id": "3",
                "company_name": None,
                "title": None,
                "start_date": "garbage",
                "end_date": None,
                "current": None,
            },
        ]
    )
    names = [entry["company_name"] for entry in profile.work_experience]
    assert names == ["Now Co", "Old Co", ""]
    now = profile.work_experience[0]
    assert now["start_date"] == {"year": 2019, "month": 3, "day": None, "ongoing": False}
    assert now["end_date"]["ongoing"] is True and now["current"] is True
    assert profile.work_experience[1]["end_date"]["month"] == 6
    assert profile.work_experience[2]["start_date"] is None


def test_work_experience_null_list_is_empty(profile_for):
    profile = profile_for(positions=None)
    assert profile.work_experience == []
    assert profile.company == "" and profile.title == ""


def test_company_and_title_come_from_the_current_position(profile_for):
    profile = profile_for(
        positions=[
            {
                "company_name": "Past Inc",
                "title": "Engineer",
                "start_date": "2010",
                "end_date": "2012",
                "current": False,
            },
            {
                "company_name": "Side Gig",
                "title": "Advisor",
                "start_date": "2018",
                "end_date": None,
                "current": True,
            },
            {
                "company_name": "Main Job",
                "title": "VP Engineering",
                "start_date": "2021-01",
                "end_date": "Present",
                "current": True,
            },
        ]
    )
    assert profile.company == "Main Job"
    assert profile.title == "VP Engineering"


def test_no_current_position_leaves_company_and_title_empty(profile_for):
    profile = profile_for(
        positions=[
            {"company_name": "Past Inc", "title": "Engineer", "end_date": "2012", "current": False}
        ]
    )
    assert profile.company == "" and profile.title == ""


def test_over_long_title_is_cut(profile_for):
    profile = profile_for(positions=[{"company_name": "X", "title": "T" * 1000, "current": True}])
    assert profile.title == "T" * 255


def test_location_joins_non_empty_city_and_country(profile_for):
    assert profile_for(city="Berlin", country="Germany").location == "Berlin, Germany"
    assert profile_for(city=None, country="Germany").location == "Germany"
    assert profile_for(city="  ", country=None).location == ""


def test_contact_details(profile_for):
    profile = profile_for(email=" Ada@Example.com ", work_email="not-an-email", phone="+1 555")
    assert profile.email == "Ada@Example.com"
    assert profile.email_key == "ada@example.com"
    assert profile.work_email == "" and profile.phone == "+1 555"


def test_education_with_partial_dates(profile_for):
    profile = profile_for(
        educations=[
            {
                "id": "e1",
                "school_name": "Université de Genève",
                "degree": "MSc",
                "field_of_study": "Physics",
                "start_date": "2010",
                "end_date": "2012-06",
            },
        ]
    )
    (entry,) = profile.education
    assert entry["school_name"] == "Université de Genève"
    assert entry["start_date"]["year"] == 2010 and entry["start_date"]["month"] is None
    assert entry["end_date"]["month"] == 6
    assert profile_for(educations=None).education == []


def test_tags_from_referred_by_notes(profile_for):
    profile = profile_for(referred_by_notes="Met at a meetup\nTags: python, ML, python")
    assert profile.tags == ["python", "ML"]
    assert profile_for(referred_by_notes=None).tags == []


def test_attachments_from_documents(profile_for):
    profile = profile_for(
        documents=[
            {
                "id": "d1",
                "file_name": "cv.pdf",
                "content_type": "application/pdf",
                "url": "https://files.thrivetrm.com/cv.pdf",
                "size": 52311,
                "created_at": "2024-01-02T03:04:05.123456+00:00",
            },
            {"id": "d2", "file_name": "evil.html", "url": "javascript:alert(1)", "size": "big"},
        ]
    )
    assert [a["file_name"] for a in profile.attachments] == ["cv.pdf", "evil.html"]
    assert profile.attachments[0]["size"] == 52311
    assert profile.attachments[1]["url"] == "" and profile.attachments[1]["size"] is None


def test_notes_keep_raw_and_store_safe_html_and_text(profile_for):
    body = "<p>Strong <em>candidate</em></p><script>alert('x')</script>"
    profile = profile_for(notes=[{"id": "n1", "body": body, "user_id": 5}])
    (note,) = profile.notes
    assert note["raw"] == body
    assert "<script" not in note["html"] and "<em>candidate</em>" in note["html"]
    assert note["text"] == "Strong candidate"
    assert note["user_id"] == "5"


def test_activity_feed_stays_empty(profile_for):
    assert profile_for().activity_feed == []


def test_linkedin_url_and_key(profile_for):
    profile = profile_for(linkedin_url="https://uk.linkedin.com/in/Ada-L/?trk=x")
    assert profile.linkedin_url == "https://uk.linkedin.com/in/Ada-L/?trk=x"
    assert profile.linkedin_key == "linkedin.com/in/ada-l"
    company = profile_for(linkedin_url="https://www.linkedin.com/company/acme")
    assert company.linkedin_key == ""


def test_platform_profile_url_from_other_url(profile_for):
    assert (
        profile_for(other_url="app.findem.ai/profile/123").platform_profile_url
        == "https://app.findem.ai/profile/123"
    )
    assert profile_for(other_url="javascript:alert(1)").platform_profile_url == ""


def test_skills_list_with_nulls_and_repeats(profile_for):
    assert profile_for(skills=["Python", None, "python", " SQL ", ""]).skills == ["Python", "SQL"]
    assert profile_for(skills=None).skills == []


def test_profile_pic_from_avatar(profile_for):
    url = "https://cdn.thrivetrm.com/avatars/1.png"
    assert profile_for(avatar=url).avatar_url == url


def test_github_url_and_key(profile_for):
    profile = profile_for(github_url="https://github.com/Ada-L/")
    assert profile.github_url == "https://github.com/Ada-L/"
    assert profile.github_key == "github.com/ada-l"


def test_icp_name_icp_owner_and_shortlisted_by_from_referred_by_notes(profile_for):
    profile = profile_for(
        referred_by_notes="icp_name: Staff Engineers\nicp_owner_name: Grace Hopper\n"
        "Shortlisted By: Alan Turing"
    )
    assert profile.icp_name == "Staff Engineers"
    assert profile.icp_owner_name == "Grace Hopper"
    assert profile.shortlisted_by == "Alan Turing"


def test_source_from_contact(profile_for):
    assert profile_for(source="LinkedIn Recruiter").source == "LinkedIn Recruiter"
    assert profile_for(source=None).source == ""


def test_source_from_candidacy_is_a_default_mapping(connection):
    from thrive_integration.mapping import ensure_default_mappings
    from thrive_integration.mapping.apply import map_record

    mappings = ensure_default_mappings(connection)
    values = map_record({"source": "Job board"}, mappings, FieldMapping.ThriveObject.CANDIDACY)
    assert values == {"source": "Job board"}


def test_off_limits_from_unexpired_reasons(profile_for):
    today = timezone.localdate()
    past = (today - datetime.timedelta(days=2)).isoformat()
    future = (today + datetime.timedelta(days=30)).isoformat()
    expired_only = profile_for(
        off_limit_reasons=[{"id": "o1", "reason": "Old", "expires_on": past}]
    )
    assert expired_only.off_limits is False and expired_only.off_limit_reasons == []

    profile = profile_for(
        off_limit_reasons=[
            {"id": "o1", "reason": "Client employee", "expires_on": future},
            {"id": "o2", "reason": "Expired", "expires_on": past},
            {"id": "o3", "reason": "Forever", "expires_on": None},
        ]
    )
    assert profile.off_limits is True
    assert [r["reason"] for r in profile.off_limit_reasons] == ["Client employee", "Forever"]
    assert profile_for(off_limit_reasons=None).off_limits is False
