"""Everyday calls made through almapy against the local Alma, each checked the way a library's
script would rely on it. One line per call: `ok|FAIL<TAB>name<TAB>detail`, then `calls C/N`.

Run by `cargo xtask test` (xtask/src/peer.rs) with ALMA_PEER_BASE, ALMA_PEER_KEY and a barcode
the local Alma holds (ALMA_PEER_BARCODE)."""

import asyncio
import os
import sys
import traceback

import peer_alma  # noqa: F401  (points almapy at the local Alma)
from almapy import AlmaClient, exceptions

RESULTS: list[tuple[bool, str, str]] = []


async def check(name, step):
    try:
        detail = await step()
        RESULTS.append((True, name, detail or ""))
        return True
    except Exception as e:  # a failed call is a result, not the end of the script
        line = "".join(traceback.format_exception_only(type(e), e)).strip().replace("\n", " ")
        RESULTS.append((False, name, line[:300]))
        return False


def need(cond, what):
    if not cond:
        raise AssertionError(what)


async def main() -> int:
    key = os.environ["ALMA_PEER_KEY"]
    barcode = os.environ["ALMA_PEER_BARCODE"]
    ctx: dict = {}
    async with AlmaClient(key) as a:

        async def list_users():
            page = await a.users.get_users(limit=5)
            users = page.get("user") or []
            need(users and int(page.get("total_record_count", 0)) >= len(users), f"a page of users: {page!r:.200}")
            ctx["user_id"] = users[0]["primary_id"]
            return f"{len(users)} of {page['total_record_count']}"

        async def get_user():
            u = await a.users.get_user(ctx["user_id"])
            need(u["primary_id"] == ctx["user_id"], "the user asked for")
            # The schema: "Due to security issues, it is returned empty in the GET action."
            need(not u.get("password"), "the password returned empty")
            ctx["user"] = u
            return u["primary_id"]

        async def put_user():
            before = ctx.get("user") or await a.users.get_user(ctx["user_id"])
            u = dict(before)
            u["job_description"] = "Peer check"
            back = await a.users.update_user(ctx["user_id"], u)
            need(back.get("job_description") == "Peer check", "the PUT's answer shows the change")
            again = await a.users.get_user(ctx["user_id"])
            need(again.get("job_description") == "Peer check", "a later GET shows it")
            need(again.get("last_name") == before.get("last_name"), "the rest as it was")

        async def create_user():
            new = {
                "record_type": {"value": "PUBLIC"},
                "primary_id": "peer-everyday-user",
                "first_name": "Peer",
                "last_name": "Everyday",
                "user_group": {"value": "STAFF"},
                "status": {"value": "ACTIVE"},
                "account_type": {"value": "INTERNAL"},
                "expiry_date": "2030-12-31Z",
                "password": "Peer-Secret-1",
            }
            made = await a.users.create_user(new)
            need(made["primary_id"] == "peer-everyday-user", "the created user")
            need(not made.get("password"), "the password not echoed")

        async def authenticate():
            path = "/users/peer-everyday-user"
            await a.execute("POST", path, parser="none", params={"op": "auth"}, headers={"Exl-User-Pw": "Peer-Secret-1"})
            try:
                await a.execute("POST", path, parser="none", params={"op": "auth"}, headers={"Exl-User-Pw": "wrong"})
            except exceptions.APIClientError as e:
                need("401866" in str(e), f"Alma's authentication failure: {e}")
                return "right password 204, wrong 401866"
            raise AssertionError("a wrong password was accepted")

        async def delete_user():
            await a.execute("DELETE", "/users/peer-everyday-user", parser="none")
            try:
                await a.users.get_user("peer-everyday-user")
            except exceptions.UserNotFoundError as e:
                need(e.user_id == "peer-everyday-user", "the not-found names the user")
                return "then 401861"
            raise AssertionError("the deleted user is still there")

        async def item_by_barcode():
            it = await a.bibs.get_item(barcode)
            need(it["item_data"]["barcode"] == barcode, "the item of the barcode")
            ctx["mms_id"] = it["bib_data"]["mms_id"]
            ctx["holding_id"] = it["holding_data"]["holding_id"]
            ctx["item_pid"] = it["item_data"]["pid"]
            return f"{ctx['mms_id']}/{ctx['holding_id']}/{ctx['item_pid']}"

        async def item_by_pid():
            it = await a.bibs.get_item_by_pid(ctx["mms_id"], ctx["holding_id"], ctx["item_pid"])
            need(it["item_data"]["barcode"] == barcode, "the same item")

        async def items_of_all_holdings():
            page = await a.bibs.get_items(ctx["mms_id"], "ALL", limit=100)
            pids = [i["item_data"]["pid"] for i in page.get("item") or []]
            need(ctx["item_pid"] in pids, f"the item among the bib's items: {pids}")

        async def holdings():
            page = await a.bibs.get_holdings(ctx["mms_id"])
            ids = [h["holding_id"] for h in page.get("holding") or []]
            need(ctx["holding_id"] in ids, f"the item's holding among the bib's holdings: {ids}")

        async def holding_marc():
            xml = await a.bibs.get_holding(ctx["mms_id"], ctx["holding_id"])
            need("<holding" in xml and "<record" in xml, "a holding with its MARC record")

        async def bib_marc():
            xml = await a.bibs.get_bib(ctx["mms_id"])
            need(xml.count("<mms_id>") == 1 and "<record" in xml, "one bib, one MARC record")
            ctx["bib_xml"] = xml

        async def bib_marc_put():
            xml = ctx["bib_xml"]
            back = await a.bibs.update_bib(ctx["mms_id"], xml)
            need(back.count("<mms_id>") == 1, "the PUT's answer has one mms_id")
            again = await a.bibs.get_bib(ctx["mms_id"])
            need(again.count("<mms_id>") == 1 and "<record" in again, "a later GET: one bib, its record")
            first = await a.execute("GET", f"/bibs/{ctx['mms_id']}", parser="json", headers={"Accept": "application/json"})
            need("anies" in first and first.get("title") is not None, "JSON still has the record and the title")

        async def libraries():
            libs = await a.config.libraries.get_libraries()
            items = libs.get("library") or []
            need(items, "the institution's libraries")
            ctx["library"] = items[0]["code"]
            return ctx["library"]

        async def circ_desks():
            desks = await a.config.libraries.get_circ_desks(ctx["library"])
            items = desks.get("circ_desk") or []
            need(items, "the library's circulation desks")
            ctx["circ_desk"] = items[0]["code"]

        async def code_table():
            table = await a.config.code_tables.get_code_table("UserGroups")
            rows = table.get("row") or []  # JSON `row`, XML `<rows><row>` (rest_code_table.json)
            need(rows, "the UserGroups code table's rows")

        async def loan():
            made = await a.users.loans.create_loan(ctx["user_id"], barcode, ctx["circ_desk"], ctx["library"])
            ctx["loan_id"] = made["loan_id"]
            loans = await a.users.loans.get_loans(ctx["user_id"], loan_status="Active")
            ids = [l["loan_id"] for l in loans.get("item_loan") or []]
            need(ctx["loan_id"] in ids, f"the loan among the user's active loans: {ids}")

        async def scan_in():
            await a.bibs.scan_in(ctx["mms_id"], ctx["holding_id"], ctx["item_pid"], library=ctx["library"], circ_desk=ctx["circ_desk"])
            loans = await a.users.loans.get_loans(ctx["user_id"], loan_status="Active")
            ids = [l["loan_id"] for l in loans.get("item_loan") or []]
            need(ctx["loan_id"] not in ids, "scan-in returned the loan")

        async def request():
            made = await a.users.requests.create_request(ctx["user_id"], {"request_type": "HOLD", "pickup_location_type": "LIBRARY", "pickup_location_library": ctx["library"]}, mms_id=ctx["mms_id"])
            rid = made["request_id"]
            reqs = await a.users.requests.get_requests(ctx["user_id"])
            ids = [r["request_id"] for r in reqs.get("user_request") or []]
            need(rid in ids, f"the request among the user's: {ids}")

        async def jobs():
            page = await a.config.jobs.get_jobs(limit=10)
            items = page.get("job") or []
            need(items, "the institution's jobs")
            job = await a.config.jobs.get_job(items[0]["id"])
            need(job["id"] == items[0]["id"], "the job asked for")

        for name, step in [
            ("users: list", list_users),
            ("users: get", get_user),
            ("users: PUT", put_user),
            ("users: create", create_user),
            ("users: authenticate", authenticate),
            ("users: delete", delete_user),
            ("items: by barcode", item_by_barcode),
            ("items: by pid", item_by_pid),
            ("items: of holding ALL", items_of_all_holdings),
            ("holdings: list", holdings),
            ("holdings: MARC get", holding_marc),
            ("bibs: MARC get", bib_marc),
            ("bibs: MARC PUT", bib_marc_put),
            ("conf: libraries", libraries),
            ("conf: circulation desks", circ_desks),
            ("conf: code table", code_table),
            ("loans: create and list", loan),
            ("loans: scan-in returns", scan_in),
            ("requests: create and list", request),
            ("jobs: list and get", jobs),
        ]:
            await check(name, step)
    for ok, name, detail in RESULTS:
        print(f"{'ok' if ok else 'FAIL'}\t{name}\t{detail}")
    good = sum(1 for ok, _, _ in RESULTS if ok)
    print(f"calls {good}/{len(RESULTS)}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
