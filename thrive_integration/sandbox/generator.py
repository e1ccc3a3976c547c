"""Deterministic, lazy fake Thrive data.

Record ``i`` of a collection is a pure function of ``(seed, collection, i)``: nothing is
generated until it is served, so 100,000 contacts cost no memory until asked for and any page
can be built directly. Mutations live in the state's overlay, never here.

Timestamps are integers (microseconds since the Unix epoch, UTC) so that ``updated_since`` can
be checked without building the record; the renderer turns them into ISO 8601 strings.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable

from thrive_integration.sandbox import words as w

EPOCH_US = 1_546_300_800 * 1_000_000  # 2019-01-01T00:00:00Z: the first generated record
GENERATED_UNTIL_US = 1_767_225_600 * 1_000_000  # 2026-01-01T00:00:00Z: the last generated edit
_DAY_US = 86_400 * 1_000_000
CHILD_SLOTS = 16  # child ids are parent_id * CHILD_SLOTS + slot: unique without bookkeeping
SEARCH_CHILD_OFFSET = 500_000_000  # keeps search documents apart from contact documents
_MASK = (1 << 64) - 1

KINDS = (
    "users",
    "companies",
    "contact_networks",
    "talent_pools",
    "candidacy_stages",
    "searches",
    "contacts",
    "candidacies",
)
_KIND_CODE = {kind: n for n, kind in enumerate(KINDS, start=1)}
# Candidacies come in blocks of four contacts holding 0, 1, 2 and 3 candidacies (rotated per
# block), i.e. 1.5 per contact on average, so candidacy ids map to contacts by arithmetic.
_BLOCK_CONTACTS = 4
_BLOCK_CANDIDACIES = 6
# team -> (first child slot, fewest members, most members): fixed slots keep ids unique
_TEAMS = {
    "origination_team_memberships": (0, 1, 2),
    "execution_team_memberships": (2, 1, 3),
    "conversion_team_memberships": (5, 0, 1),
    "recruitment_team_memberships": (6, 0, 2),
}
ChildBuilder = Callable[[int, random.Random, int, int], "list[dict] | None"]


def mix(*parts: int) -> int:
    """A splitmix64-style hash of integers: cheap, stable across runs and platforms."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h = (h ^ (part & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        h = (h ^ (h >> 27)) * 0x94D049BB133111EB & _MASK
        h ^= h >> 31
    return h


class _Rng(random.Random):
    """``random.Random`` with float-based picks: several times faster than the exact
    ``getrandbits`` ones, and the tiny bias is irrelevant for fake data."""

    def choice(self, seq):  # noqa: ANN001, ANN201 - same signature as Random.choice
        return seq[int(self.random() * len(seq))]

    def randrange(self, start: int, stop: int | None = None) -> int:  # type: ignore[override]
        if stop is None:
            start, stop = 0, start
        return start + int(self.random() * (stop - start))

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))


class Generator:
    """Builds record ``i`` of any collection on demand for one ``(seed, contacts)`` pair."""

    def __init__(self, seed: int = 1, contacts: int = 2000, shared_tags: bool = False) -> None:
        self.seed = seed
        self.contacts = contacts
        self.shared_tags = shared_tags
        self.counts = {
            "users": 20,
            "candidacy_stages": len(w.STAGES),
            "companies": max(5, contacts // 20),
            "searches": max(5, contacts // 50),
            "talent_pools": max(3, contacts // 400),
            "contact_networks": max(3, contacts // 500),
            "contacts": contacts,
            "candidacies": self._candidacy_total(),
        }
        self._children: dict[str, dict[str, ChildBuilder]] = {
            "companies": {"funding_rounds": self._funding_rounds, "investments": self._investments},
            "searches": {
                "commissions": self._commissions,
                "documents": self._search_documents,
                **{team: self._team(team) for team in _TEAMS},
            },
            "contacts": {
                "positions": self._positions,
                "educations": self._educations,
                "notes": self._notes,
                "contact_comments": self._contact_comments,
                "documents": self._contact_documents,
                "off_limit_reasons": self._off_limit_reasons,
                "outreaches": self._outreaches,
                "connections": self._connections,
                "references": self._references,
                "introductions": self._introductions,
            },
            "candidacies": {"candidacy_comments": self._candidacy_comments, "tags": self._tags},
        }

    # ---- cheap per-record facts -------------------------------------------------------
    def rng(self, kind: str, i: int, salt: int = 0) -> random.Random:
        return _Rng(mix(self.seed, _KIND_CODE[kind], i, salt))

    def stamps(self, kind: str, i: int) -> tuple[int, int]:
        """(created_at, updated_at) of generated record ``i``, without building it."""
        h = mix(self.seed, _KIND_CODE[kind], i, 7)
        span = GENERATED_UNTIL_US - EPOCH_US
        created = EPOCH_US + span * i // (self.counts[kind] + 1) + h % _DAY_US
        created = min(created, GENERATED_UNTIL_US - 1)
        updated = created + (h >> 20) % (GENERATED_UNTIL_US - created)
        return created, updated

    def record(self, kind: str, i: int, children: Iterable[str] | None = None) -> dict:
        """Generated record ``i`` with the named child lists (all of them when None).

        Each child list has its own random stream, so building only the requested ones
        (a listing without ``include``) gives the same values as building them all.
        """
        created, updated = self.stamps(kind, i)
        record = {"id": i, "created_at": created, "updated_at": updated}
        record.update(getattr(self, "_" + kind)(i, self.rng(kind, i)))
        for salt, (name, build) in enumerate(self._children.get(kind, {}).items(), start=100):
            if children is None or name in children:
                record[name] = build(i, self.rng(kind, i, salt), created, updated)
        return record

    # ---- candidacy layout -----------------------------------------------------------
    def _block_counts(self, block: int) -> list[int]:
        rot = mix(self.seed, 99, block) % _BLOCK_CONTACTS
        return [(r + rot) % _BLOCK_CONTACTS for r in range(_BLOCK_CONTACTS)]

    def _candidacy_total(self) -> int:
        full, rest = divmod(self.contacts, _BLOCK_CONTACTS)
        return full * _BLOCK_CANDIDACIES + sum(self._block_counts(full)[:rest])

    def candidacy_ids_of_contact(self, contact_id: int) -> range:
        """Generated candidacy ids held by a generated contact."""
        block, r = divmod(contact_id - 1, _BLOCK_CONTACTS)
        counts = self._block_counts(block)
        first = block * _BLOCK_CANDIDACIES + 1 + sum(counts[:r])
        return range(first, first + counts[r])

    def candidacy_slot(self, candidacy_id: int) -> tuple[int, int]:
        """(contact id, index among that contact's candidacies) of a generated candidacy."""
        block, offset = divmod(candidacy_id - 1, _BLOCK_CANDIDACIES)
        for r, count in enumerate(self._block_counts(block)):
            if offset < count:
                return block * _BLOCK_CONTACTS + r + 1, offset
            offset -= count
        raise ValueError(candidacy_id)

    def candidacy_search(self, contact_id: int, index: int) -> int:
        """Distinct searches per contact: consecutive ids from a per-contact start."""
        return (mix(self.seed, 98, contact_id) + index) % self.counts["searches"] + 1

    # ---- shared helpers -------------------------------------------------------------
    def _pick_id(self, rng: random.Random, kind: str) -> int:
        return rng.randint(1, self.counts[kind])

    def _stamp_between(self, rng: random.Random, start: int, end: int) -> int:
        """A child's timestamp, never later than its parent's ``updated_at``."""
        return start + rng.randrange(max(1, end - start))

    def company_name(self, company_id: int) -> str:
        rng = self.rng("companies", company_id, 1)
        return f"{rng.choice(w.COMPANY_WORDS)} {company_id} {rng.choice(w.COMPANY_SUFFIXES)}"

    def contact_identity(self, i: int) -> dict:
        """Names, emails and LinkedIn URL of contact ``i``: what duplicate lookups index.

        Every 50th contact repeats its predecessor's email (upper-cased) and LinkedIn slug
        (another URL spelling), so duplicate detection has real work to do.
        """
        rng = self.rng("contacts", i, 1)
        firsts, lasts, stem = w.NAME_POOLS[rng.randrange(len(w.NAME_POOLS))]
        first, last = rng.choice(firsts), rng.choice(lasts)
        if rng.random() < 0.05:
            first, last = unicodedata.normalize("NFD", first), unicodedata.normalize("NFD", last)
        if rng.random() < 0.01:
            last = last + "-" + "Ω" * 300
        ascii_first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
        local = f"{ascii_first.lower() or stem}.{i}"
        slug = f"{local.replace('.', '-')}-{mix(self.seed, i) % 0xFFFF:04x}"
        if i % 50 == 0 and i > 1:
            previous = self.contact_identity(i - 1)
            first, last = previous["first_name"], previous["last_name"]
            email = previous["email"].upper() if previous["email"] else None
            slug = previous["_slug"]
        else:
            email = None if rng.random() < 0.05 else f"{local}@example.{rng.choice(['com', 'org'])}"
        linkedin = rng.choice(
            (
                "https://www.linkedin.com/in/{}",
                "https://linkedin.com/in/{}/",
                "https://uk.linkedin.com/in/{}",
                "http://de.linkedin.com/in/{}/",
                "HTTPS://WWW.LINKEDIN.COM/IN/{}",
                None,
            )
        )
        if linkedin is not None:
            linkedin = linkedin.format(slug.upper() if linkedin.startswith("HTTPS") else slug)
        return {
            "first_name": first,
            "last_name": last,
            "email": email,
            "linkedin_url": linkedin,
            "_slug": slug,
        }

    # ---- top-level records (base fields; child lists are built below) ----------------
    def _users(self, i: int, rng: random.Random) -> dict:
        firsts, lasts, _ = w.NAME_POOLS[i % len(w.NAME_POOLS)]
        return {
            "first_name": rng.choice(firsts),
            "last_name": rng.choice(lasts),
            "email": f"user{i}@recruiting-firm.example",
            "role": w.USER_ROLES[i % len(w.USER_ROLES)],
            "active": i % 7 != 0,
        }

    def _candidacy_stages(self, i: int, rng: random.Random) -> dict:
        return {"name": w.STAGES[i - 1], "position": i, "active": w.STAGES[i - 1] != "On Hold"}

    def _companies(self, i: int, rng: random.Random) -> dict:
        city, _, country = rng.choice(w.CITIES)
        base = self.rng("companies", i, 1).choice(w.COMPANY_WORDS).lower()
        website = rng.choice((f"https://www.{base}{i}.com", f"http://{base}{i}.com/", None))
        return {
            "name": self.company_name(i),
            "website_url": website,
            "industry": rng.choice(w.INDUSTRIES),
            "city": city,
            "country": country,
            "description": rng.choice((None, "Makes things.", "Ein Unternehmen aus München.")),
        }

    def _pool(self, i: int, rng: random.Random, label: str) -> dict:
        size = min(self.contacts, rng.randint(5, 40))
        ids = sorted(rng.sample(range(1, self.contacts + 1), size)) if size else []
        description = rng.choice((None, f"{label} №{i}"))
        return {"name": f"{label} {i}", "description": description, "contact_ids": ids}

    def _talent_pools(self, i: int, rng: random.Random) -> dict:
        return self._pool(i, rng, "Talent pool")

    def _contact_networks(self, i: int, rng: random.Random) -> dict:
        return self._pool(i, rng, "Network")

    def _searches(self, i: int, rng: random.Random) -> dict:
        company_id = self._pick_id(rng, "companies")
        status = w.SEARCH_STATUSES[i % len(w.SEARCH_STATUSES)]
        city, _, country = rng.choice(w.CITIES)
        opened = f"{2019 + rng.randrange(7)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        external = None
        if rng.random() < 0.5:
            external = {
                "name": "Ext Recruiter",
                "email": f"ext{i}@agency.example",
                "company_name": "Agency Ltd",
            }
        return {
            "name": f"{rng.choice(w.TITLES)} — {self.company_name(company_id)}",
            "status": status,
            "company_id": company_id,
            "company_name": self.company_name(company_id),
            "city": city,
            "country": country,
            "opened_on": opened,
            "closed_on": None if status in ("open", "on_hold") else f"{opened[:4]}-12-31",
            "default_candidacy_stage_id": 1,
            "external_recruitment_team_member": external,
        }

    def _contacts(self, i: int, rng: random.Random) -> dict:
        identity = self.contact_identity(i)
        city, state, country = rng.choice(w.CITIES)
        first = identity["first_name"]
        return {
            "first_name": first,
            "last_name": identity["last_name"],
            "preferred_name": rng.choice((None, None, first[:3])),
            "email": identity["email"],
            "work_email": rng.choice((None, f"w{i}@{rng.choice(w.COMPANY_WORDS).lower()}.com")),
            "phone": rng.choice(
                (None, f"+44 20 7946 {i % 10000:04d}", f"(415) 555-{i % 10000:04d}")
            ),
            "city": city,
            "state": state,
            "country": country,
            "linkedin_url": identity["linkedin_url"],
            "github_url": rng.choice((None, f"https://github.com/dev{i}")),
            "twitter_url": rng.choice((None, None, f"https://twitter.com/p{i}")),
            "other_url": rng.choice((None, f"https://app.findem.example/profile/{i}")),
            "skills": None if self._null_lists(i) else rng.sample(w.SKILLS, rng.randrange(5)),
            "avatar": rng.choice((None, f"https://avatars.thrive.example/{i}.png")),
            "source": rng.choice(w.SOURCES),
            "referred_by_notes": self._referred_by_notes(rng),
            "merged_into_id": i - 1 if i % 100 == 0 else None,
        }

    def _null_lists(self, i: int) -> bool:
        """About 4% of contacts send ``null`` where a list is expected."""
        return mix(self.seed, i, 5) % 25 == 0

    def _referred_by_notes(self, rng: random.Random) -> str | None:
        roll = rng.random()
        if roll < 0.5:
            return None
        if roll < 0.6:
            return "Met at a conference; follow up."
        lines = [f"Tags: {', '.join(rng.sample(w.TAGS, rng.randint(1, 3)))}"]
        if rng.random() < 0.6:
            lines.append(f"icp_name: {rng.choice(('CTO Europe', 'VP Sales US', 'Board Fintech'))}")
            lines.append(f"icp_owner_name: {rng.choice(('Ana Núñez', 'Bob Smith'))}")
        if rng.random() < 0.5:
            lines.append(f"Shortlisted By: {rng.choice(('Chloé Martin', 'Иван Петров'))}")
        if rng.random() < 0.3:
            lines.append("Findem Exported")
        return "\n".join(lines)

    def _candidacies(self, i: int, rng: random.Random) -> dict:
        contact_id, index = self.candidacy_slot(i)
        stage = rng.randint(1, len(w.STAGES))
        created, updated = self.stamps("candidacies", i)
        entered = self._stamp_between(rng, created, updated)
        rejected = rng.random() < 0.2
        return {
            "contact_id": contact_id,
            "search_id": self.candidacy_search(contact_id, index),
            "candidacy_stage": {"id": stage, "name": w.STAGES[stage - 1]},
            "candidacy_stage_entered_at": entered,
            "rejection_reason": rng.choice(w.REJECTION_REASONS) if rejected else None,
            "rejected_at": entered if rejected else None,
            "source": rng.choice(w.SOURCES),
        }

    # ---- child lists: (parent id, own random stream, parent created, parent updated) ----
    def _funding_rounds(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "round": w.ROUNDS[j],
                "amount": rng.randrange(1, 200) * 500_000,
                "currency": rng.choice(w.CURRENCIES),
                "announced_on": f"{2012 + j * 2 + rng.randrange(2)}-0{rng.randint(1, 9)}-15",
            }
            for j in range(rng.randrange(4))
        ]

    def _investments(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "investor_name": rng.choice(w.INVESTORS),
                "amount": rng.randrange(1, 50) * 100_000,
                "currency": rng.choice(w.CURRENCIES),
                "invested_on": f"{2015 + rng.randrange(10)}-0{rng.randint(1, 9)}-01",
            }
            for j in range(rng.randrange(3))
        ]

    def _commissions(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "user_id": self._pick_id(rng, "users"),
                "percentage": rng.choice((10, 25, 33.3, 50)),
                "amount": rng.randrange(10, 200) * 1000,
            }
            for j in range(rng.randrange(3))
        ]

    def _search_documents(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": SEARCH_CHILD_OFFSET + i * CHILD_SLOTS + j,
                "file_name": f"search-brief-{i}-{j}.pdf",
                "content_type": "application/pdf",
                "url": f"https://files.thrive.example/searches/{i}/{j}.pdf",
                "size": rng.randrange(10_000, 5_000_000),
            }
            for j in range(rng.randrange(3))
        ]

    def _team(self, team: str) -> ChildBuilder:
        first_slot, fewest, most = _TEAMS[team]

        def build(i: int, rng: random.Random, created: int, updated: int) -> list:
            return [
                {
                    "id": i * CHILD_SLOTS + first_slot + j,
                    "user_id": self._pick_id(rng, "users"),
                    "role": rng.choice(w.TEAM_ROLES),
                }
                for j in range(rng.randint(fewest, most))
            ]

        return build

    def _positions(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        positions = []
        year = rng.randint(1995, 2015)
        count = rng.randint(1, 4)
        for j in range(count):
            current = j == count - 1 and rng.random() < 0.8
            company_id = self._pick_id(rng, "companies") if rng.random() < 0.8 else None
            start = rng.choice((f"{year}", f"{year}-{rng.randint(1, 12):02d}", f"{year}-03-15"))
            year += rng.randint(1, 5)
            end = rng.choice(("Present", None)) if current else rng.choice((f"{year}", None))
            positions.append(
                {
                    "id": i * CHILD_SLOTS + j,
                    "company_id": company_id,
                    "company_name": self.company_name(company_id) if company_id else "Freelance",
                    "title": rng.choice(w.TITLES),
                    "start_date": start if rng.random() > 0.05 else None,
                    "end_date": end,
                    "current": current,
                }
            )
        return positions

    def _educations(self, i: int, rng: random.Random, created: int, updated: int) -> list | None:
        if self._null_lists(i):
            return None
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "school_name": rng.choice(w.SCHOOLS),
                "degree": rng.choice(w.DEGREES),
                "field_of_study": rng.choice(w.FIELDS),
                "start_date": rng.choice((None, f"{1990 + j * 4}", f"{1990 + j * 4}-09")),
                "end_date": rng.choice((None, f"{1994 + j * 4}")),
            }
            for j in range(rng.randrange(4))
        ]

    def _notes(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        notes = []
        for j in range(rng.randrange(4)):
            stamp = self._stamp_between(rng, created, updated)
            body = rng.choice(w.NOTE_BODIES) if rng.random() > 0.02 else "x" * 20_000
            notes.append(
                {
                    "id": i * CHILD_SLOTS + j,
                    "body": body,
                    "user_id": self._pick_id(rng, "users"),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
        return notes

    def _contact_comments(
        self, i: int, rng: random.Random, created: int, updated: int
    ) -> list | None:
        if self._null_lists(i):
            return None
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "body": rng.choice(("Called, no answer", "Спасибо!", "很好", "Keen")),
                "user_id": self._pick_id(rng, "users"),
                "created_at": self._stamp_between(rng, created, updated),
            }
            for j in range(rng.randrange(3))
        ]

    def _contact_documents(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "file_name": f"{j}-{w.DOC_TYPES[j % 2][0]}",
                "content_type": w.DOC_TYPES[j % 2][1],
                "url": f"https://files.thrive.example/contacts/{i}/{j}",
                "size": rng.randrange(10_000, 2_000_000),
                "created_at": self._stamp_between(rng, created, updated),
            }
            for j in range(rng.randrange(3))
        ]

    def _off_limit_reasons(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "reason": rng.choice(w.OFF_LIMIT_REASONS),
                "company_id": self._pick_id(rng, "companies"),
                "expires_on": rng.choice((None, "2027-06-30")),
                "created_at": self._stamp_between(rng, created, updated),
            }
            for j in range(rng.randint(1, 2) if rng.random() < 0.1 else 0)
        ]

    def _outreaches(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "channel": rng.choice(w.CHANNELS),
                "subject": rng.choice((None, "Opportunity", "Re: Chat")),
                "notes": rng.choice((None, "Left voicemail")),
                "user_id": self._pick_id(rng, "users"),
                "occurred_at": self._stamp_between(rng, created, updated),
            }
            for j in range(rng.randrange(4))
        ]

    def _connections(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "connected_contact_id": self._pick_id(rng, "contacts"),
                "connection_type": rng.choice(w.CONNECTION_TYPES),
                "strength": rng.choice(w.STRENGTHS),
                "connected_on": rng.choice((None, f"20{rng.randint(10, 25)}-05-01")),
                "notes": rng.choice((None, "Met at SaaStr")),
            }
            for j in range(rng.randrange(4))
        ]

    def _references(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "referee_contact_id": self._pick_id(rng, "contacts"),
                "search_id": self._pick_id(rng, "searches"),
                "notes": "Strong operator",
                "created_at": self._stamp_between(rng, created, updated),
            }
            for j in range(1 if rng.random() < 0.2 else 0)
        ]

    def _introductions(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "introduced_contact_id": self._pick_id(rng, "contacts"),
                "introduced_by_user_id": self._pick_id(rng, "users"),
                "search_id": self._pick_id(rng, "searches"),
                "notes": None,
                "introduced_on": f"20{rng.randint(19, 25)}-0{rng.randint(1, 9)}-10",
            }
            for j in range(1 if rng.random() < 0.15 else 0)
        ]

    def _candidacy_comments(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        return [
            {
                "id": i * CHILD_SLOTS + j,
                "body": rng.choice(("Strong fit", "<b>Client liked</b>", "Pas intéressé")),
                "user_id": self._pick_id(rng, "users"),
                "created_at": self._stamp_between(rng, created, updated),
            }
            for j in range(rng.randrange(3))
        ]

    def _tags(self, i: int, rng: random.Random, created: int, updated: int) -> list:
        names = rng.sample(w.TAGS, rng.randrange(4))
        if self.shared_tags:  # a tag's id names the tag: every candidacy carrying it lists it
            return [{"id": 1 + w.TAGS.index(name), "name": name} for name in names]
        return [{"id": i * CHILD_SLOTS + j, "name": name} for j, name in enumerate(names)]
