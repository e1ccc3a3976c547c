"""Request handlers: parse query/body, call the state, render records in the chosen dialect.

Endpoint names in ``permissions.ROUTES`` encode the generic handlers
(``list:<kind>``, ``get:<kind>``, ``children:<kind>:<child>``, ``child:<kind>:<child>``,
``create_child:<child>`` ...) so one small function serves every resource of a shape.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from thrive_integration.sandbox.envelope import list_body, single_body
from thrive_integration.sandbox.errors import ApiError, bad_request, not_found
from thrive_integration.sandbox.render import INCLUDES, render_record, to_us
from thrive_integration.sandbox.state import SandboxState

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
SINGULARS = {
    "users": "user",
    "companies": "company",
    "contact_networks": "contact_network",
    "talent_pools": "talent_pool",
    "candidacy_stages": "candidacy_stage",
    "searches": "search",
    "contacts": "contact",
    "candidacies": "candidacy",
    "candidates": "candidate",
    "outreaches": "outreach",
}


def singular(plural: str) -> str:
    return SINGULARS.get(plural, plural[:-1])


def json_response(status: int, body: object, headers: dict[str, str] | None = None) -> Response:
    data = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    return Response(data, status=status, headers=headers, mimetype="application/json")


class Handlers:
    """The API's operations for one sandbox state; ``dispatch`` picks one by endpoint name."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def dispatch(self, endpoint: str, request: Request, path: str, args: dict) -> Response:
        action, _, rest = endpoint.partition(":")
        with self.state.lock:
            if action == "list":
                return self.list_records(request, path, rest)
            if action == "get":
                return self.single(rest, self.state.get(rest, args["id"]), request)
            if action == "children":
                kind, child = rest.split(":")
                items = self.state.children(kind, args["id"], child)
                return self.page_of(request, path, child, items)
            if action == "child":
                kind, child = rest.split(":")
                item = self.state.child(kind, args["id"], child, args["cid"])
                return self.single(child, item, request, child=True)
            return getattr(self, action)(request, path, rest, args)

    # ---- reading helpers ------------------------------------------------------------
    def render(self, kind: str, record: dict, includes: tuple[str, ...]) -> dict:
        out = render_record(kind, record, self.state.codec, includes)
        if kind == "candidacies" and "contact" in includes:
            contact = self.state.collections["contacts"].get(record["contact_id"], ())
            out["contact"] = (
                None if contact is None else render_record("contacts", contact, self.state.codec)
            )
        return out

    def single(
        self, kind: str, record: dict, request: Request, status: int = 200, child: bool = False
    ) -> Response:
        if child:
            item = render_record(kind, record, self.state.codec)
        else:
            item = self.render(kind, record, includes_of(kind, request))
        return json_response(status, single_body(self.state.options.dialect, singular(kind), item))

    def list_records(self, request: Request, path: str, kind: str) -> Response:
        page, per_page = paging(request)
        includes = includes_of(kind, request)
        since = None if self.state.options.ignore_updated_since else since_of(request)
        collection = self.state.collections[kind]
        records, total = collection.page((page - 1) * per_page, per_page, since, includes)
        items = [self.render(kind, record, includes) for record in records]
        fault = self.state.faults.take("mutate_while_paging", path, page=page)
        if fault is not None:
            self.state.count("fault:mutate_while_paging")
            upcoming = collection.ids_page(page * per_page, 2, since)
            served = [record["id"] for record in records]
            self.state.mutate_while_paging(kind, served, upcoming, fault.delete)
        return self.envelope(request, path, kind, items, page, per_page, total)

    def page_of(self, request: Request, path: str, kind: str, records: list) -> Response:
        """A listing of an already-known list (a child list, a search's candidacies)."""
        page, per_page = paging(request)
        includes = includes_of(kind, request) if kind in INCLUDES else ()
        chosen = records[(page - 1) * per_page : page * per_page]
        items = [self.render(kind, record, includes) for record in chosen]
        return self.envelope(request, path, kind, items, page, per_page, len(records))

    def envelope(
        self,
        request: Request,
        path: str,
        plural: str,
        items: list,
        page: int,
        per_page: int,
        total: int,
    ) -> Response:
        fault = self.state.faults.take("malformed_record", path) if items else None
        if fault is not None:
            self.state.count("fault:malformed_record")
            break_record(items[len(items) // 2], fault.shape)
        next_url = None
        if page * per_page < total:
            query = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]
            next_url = f"{request.base_url}?{urlencode([*query, ('page', page + 1)])}"
        body, headers = list_body(
            self.state.options.dialect,
            plural,
            items,
            page=page,
            per_page=per_page,
            total=total,
            next_url=next_url,
        )
        return json_response(200, body, headers)

    # ---- named read endpoints -------------------------------------------------------
    def search_candidacies(self, request: Request, path: str, _: str, args: dict) -> Response:
        ids = self.state.search_candidacy_ids(args["id"])
        candidacies = self.state.collections["candidacies"]
        includes = includes_of("candidacies", request)
        records = [candidacies.get(i, includes) for i in ids]
        return self.page_of(request, path, "candidacies", records)

    def search_candidacy(self, request: Request, path: str, _: str, args: dict) -> Response:
        wanted = self.state.codec.decode("candidacies", args["cid"])
        if wanted not in self.state.search_candidacy_ids(args["id"]):
            raise not_found("candidacies")
        return self.single("candidacies", self.state.get("candidacies", args["cid"]), request)

    def search_candidates(self, request: Request, path: str, _: str, args: dict) -> Response:
        contacts = self.state.collections["contacts"]
        includes = includes_of("contacts", request)
        records = [contacts.get(i, includes) for i in self.state.search_candidate_ids(args["id"])]
        page, per_page = paging(request)
        chosen = records[(page - 1) * per_page : page * per_page]
        items = [self.render("contacts", record, includes) for record in chosen]
        return self.envelope(request, path, "candidates", items, page, per_page, len(records))

    def search_candidate(self, request: Request, path: str, _: str, args: dict) -> Response:
        wanted = self.state.codec.decode("contacts", args["cid"])
        if wanted not in self.state.search_candidate_ids(args["id"]):
            raise not_found("contacts")
        record = self.state.get("contacts", args["cid"])
        item = self.render("contacts", record, includes_of("contacts", request))
        return json_response(200, single_body(self.state.options.dialect, "candidate", item))

    def external_member(self, request: Request, path: str, _: str, args: dict) -> Response:
        member = self.state.get("searches", args["id"]).get("external_recruitment_team_member")
        if member is None:
            raise not_found("external_recruitment_team_member")
        body = single_body(self.state.options.dialect, "external_recruitment_team_member", member)
        return json_response(200, body)

    def contact_duplicates(self, request: Request, path: str, _: str, args: dict) -> Response:
        email, linkedin = request.args.get("email"), request.args.get("linkedin_url")
        if not email and not linkedin:
            raise bad_request("give email or linkedin_url")
        records = self.state.contact_duplicates(email, linkedin)[:MAX_PER_PAGE]
        items = [self.render("contacts", record, ()) for record in records]
        return self.envelope(request, path, "contacts", items, 1, MAX_PER_PAGE, len(items))

    def company_duplicates(self, request: Request, path: str, _: str, args: dict) -> Response:
        name, website = request.args.get("name"), request.args.get("website_url")
        if not name and not website:
            raise bad_request("give name or website_url")
        records = self.state.company_duplicates(name, website)[:MAX_PER_PAGE]
        items = [self.render("companies", record, ()) for record in records]
        return self.envelope(request, path, "companies", items, 1, MAX_PER_PAGE, len(items))

    # ---- writes ---------------------------------------------------------------------
    def create_contact(self, request: Request, path: str, _: str, args: dict) -> Response:
        return self.single("contacts", self.state.create_contact(body_of(request)), request, 201)

    def update_contact(self, request: Request, path: str, _: str, args: dict) -> Response:
        record = self.state.update_contact(args["id"], body_of(request))
        return self.single("contacts", record, request)

    def delete_contact(self, request: Request, path: str, _: str, args: dict) -> Response:
        self.state.delete_contact(args["id"])
        return json_response(204, None)

    def create_child(self, request: Request, path: str, child: str, args: dict) -> Response:
        item = self.state.create_child(args["id"], child, body_of(request))
        return self.single(child, item, request, 201, child=True)

    def update_child(self, request: Request, path: str, child: str, args: dict) -> Response:
        item = self.state.update_child(args["id"], child, args["cid"], body_of(request))
        return self.single(child, item, request, child=True)

    def delete_child(self, request: Request, path: str, child: str, args: dict) -> Response:
        self.state.delete_child(args["id"], child, args["cid"])
        return json_response(204, None)

    def add_network_contact(self, request: Request, path: str, _: str, args: dict) -> Response:
        network = self.state.add_network_contact(args["id"], body_of(request))
        return self.single("contact_networks", network, request, 201)

    def create_candidacy(self, request: Request, path: str, _: str, args: dict) -> Response:
        record = self.state.create_candidacy(body_of(request))
        return self.single("candidacies", record, request, 201)

    def update_candidacy(self, request: Request, path: str, _: str, args: dict) -> Response:
        record = self.state.update_candidacy(args["id"], body_of(request))
        return self.single("candidacies", record, request)


def paging(request: Request) -> tuple[int, int]:
    """(page, per_page): pages from 1, per_page defaults to 25 and is clamped to 100."""
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", DEFAULT_PER_PAGE))
    except ValueError:
        raise bad_request("page and per_page must be integers") from None
    if page < 1 or per_page < 1:
        raise bad_request("page and per_page must be >= 1")
    return page, min(per_page, MAX_PER_PAGE)


def includes_of(kind: str, request: Request) -> tuple[str, ...]:
    raw = request.args.get("include", "")
    names = tuple(name.strip() for name in raw.split(",") if name.strip())
    unknown = [name for name in names if name not in INCLUDES[kind]]
    if unknown:
        allowed = ", ".join(INCLUDES[kind]) or "none"
        raise bad_request(f"unknown include {', '.join(unknown)}; allowed: {allowed}")
    return names


def since_of(request: Request) -> int | None:
    raw = request.args.get("updated_since")
    if raw is None:
        return None
    try:
        return to_us(datetime.fromisoformat(raw.replace(" ", "+")))
    except ValueError:
        raise bad_request("updated_since must be an ISO 8601 timestamp") from None


def body_of(request: Request) -> object:
    if not request.get_data():
        return {}
    try:
        return json.loads(request.get_data())
    except ValueError:
        raise ApiError(400, "bad_request", "body is not valid JSON") from None


def break_record(item: dict, shape: str) -> None:
    """malformed_record: drop the id, or turn a list field (``positions`` first) into a string."""
    if shape == "missing_id":
        item.pop("id", None)
        return
    lists = [key for key, value in item.items() if isinstance(value, list)]
    target = "positions" if "positions" in lists or not lists else lists[0]
    item[target] = "Engineer at Acme, CTO at Globex"
