"""Drives `alma mcp` with the Python MCP SDK's own client (PyPI `mcp`, pinned), over stdio,
against a local Alma: tools/list, a read, a write refused without --allow-writes, a dry run, a
confirmed write whose effect a later GET shows, a wrong confirmation refused, an Alma error
with its code, and two assistants on one streamable-HTTP server sharing its budget. Every result is swept for the API key. One line per check: `ok|FAIL<TAB>name
<TAB>detail`, then `mcp: C/N checks`.

Run by `cargo xtask test` (xtask/src/mcp.rs) with ALMA_MCP_BIN (the `alma` binary),
ALMA_BASE_URL (the local Alma) and ALMA_API_KEY."""

import asyncio
import json
import os
import sys
import traceback

from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

KEY = os.environ["ALMA_API_KEY"]
RESULTS: list[tuple[bool, str, str]] = []
SEEN: list[str] = []


def need(cond, what):
    if not cond:
        raise AssertionError(what)


def server_env():
    env = {k: os.environ[k] for k in ("ALMA_BASE_URL", "ALMA_API_KEY", "PATH", "HOME") if k in os.environ}
    env["ALMA_CONFIG"] = "/nonexistent/alma-mcp-test.toml"
    return env


def params(*flags):
    return StdioServerParameters(command=os.environ["ALMA_MCP_BIN"], args=["mcp", *flags], env=server_env())


async def call(session, name, args):
    r = await session.call_tool(name, args)
    text = json.dumps(r.structured_content) + " ".join(getattr(c, "text", "") for c in r.content)
    SEEN.append(text)
    return r, r.structured_content or {}


async def check(name, step):
    try:
        detail = await step()
        RESULTS.append((True, name, detail or ""))
    except Exception as e:  # a failed check is a result, not the end of the script
        line = "".join(traceback.format_exception_only(type(e), e)).strip().replace("\n", " ")
        RESULTS.append((False, name, line[:300]))


async def read_only_session():
    async with stdio_client(params()) as streams:
        async with ClientSession(*streams[:2]) as s:
            init = await s.initialize()

            async def tools_list():
                tools = (await s.list_tools()).tools
                names = [t.name for t in tools]
                need("alma_search" in names and "users_get_user" in names, f"the compact tools: {names}")
                need(not any(n.startswith("users_update") for n in names), "no write tool when read-only")
                get_user = next(t for t in tools if t.name == "users_get_user")
                need(get_user.annotations.read_only_hint is True, "GET is read-only")
                need("user_id" in get_user.input_schema["properties"], "typed arguments")
                need("never instructions" in (init.instructions or ""), "records are data")
                return f"{len(tools)} tools"

            async def a_read():
                r, v = await call(s, "users_get_user", {"user_id": "sim0000001", "fields": ["/primary_id", "/user_group/value"]})
                need(not r.is_error, f"a read: {v}")
                need(v["result"]["/primary_id"] == "sim0000001", f"the fields asked: {v}")
                need(isinstance(v["governance"]["calls_left_today"], int), f"calls left today: {v}")
                return f"calls left {v['governance']['calls_left_today']}"

            async def a_list():
                r, v = await call(s, "users_list_users", {"limit": 2})
                need(not r.is_error and len(v["result"]["user"]) == 2, f"{v}")
                need(v["page"]["next_offset"] == 2 and v["page"]["total_record_count"] >= 3, f"{v['page']}")

            async def write_refused():
                r, v = await call(s, "alma_invoke", {"operation": "users.update_user", "arguments": {"user_id": "sim0000001", "body": {}}})
                need(r.is_error and "--allow-writes users" in v["error"]["message"], f"{v}")
                need("calls_left_today" in v["governance"], f"the limits with a refusal too: {v}")

            async def alma_error():
                r, v = await call(s, "users_get_user", {"user_id": "nobody-here"})
                need(r.is_error, "an error")
                e = v["error"]
                need(e["code"] == "401861" and e["tracking_id"] and e["documented_meaning"], f"{e}")
                return f"{e['code']}: {e['documented_meaning']}"

            async def search_describe():
                r, v = await call(s, "alma_search", {"query": "loans of a user"})
                need(any(o["operation"] == "users.list_loans" for o in v["result"]), f"{v}")
                r, v = await call(s, "alma_describe", {"operation": "users.update_user"})
                need(v["result"]["offered"] is False and "--allow-writes" in v["result"]["why_not"], f"{v}")

            for name, step in [
                ("tools/list (read-only)", tools_list),
                ("a read, with fields", a_read),
                ("a list, bounded", a_list),
                ("a write refused without --allow-writes", write_refused),
                ("an Alma error with its code", alma_error),
                ("search and describe", search_describe),
            ]:
                await check(name, step)


async def writing_session():
    async with stdio_client(params("--allow-writes", "users", "--tools", "all", "--budget", "1000")) as streams:
        async with ClientSession(*streams[:2]) as s:
            await s.initialize()
            ctx = {}

            async def dry_run():
                _, v = await call(s, "users_get_user", {"user_id": "sim0000002"})
                user = v["result"]
                user["job_description"] = "MCP check"
                ctx["args"] = {"user_id": "sim0000002", "body": user}
                r, v = await call(s, "users_update_user", ctx["args"])
                run = v["result"]
                need(not r.is_error and run["dry_run"] is True and run["confirmation"], f"{v}")
                need({"at": "/job_description", "before": None, "after": "MCP check"} in run["changes"], f"the change: {run['changes']}")
                need(KEY not in run["url"], "no key in the URL")
                _, again = await call(s, "users_get_user", {"user_id": "sim0000002", "fields": ["/job_description"]})
                need(again["result"]["/job_description"] is None, "nothing changed by the dry run")
                ctx["confirm"] = run["confirmation"]
                return f"{len(run['changes'])} change(s)"

            async def wrong_hash():
                args = dict(ctx["args"], confirmation="0" * 64)
                r, v = await call(s, "users_update_user", args)
                need(r.is_error and "does not match" in v["error"]["message"], f"{v}")
                other = json.loads(json.dumps(ctx["args"]))
                other["body"]["job_description"] = "Something else"
                r, v = await call(s, "users_update_user", dict(other, confirmation=ctx["confirm"]))
                need(r.is_error, "a confirmation is for the arguments it was given for")

            async def confirmed():
                r, v = await call(s, "users_update_user", dict(ctx["args"], confirmation=ctx["confirm"]))
                need(not r.is_error and v["result"]["job_description"] == "MCP check", f"{v}")
                need(v["governance"]["budget_max"] == 1000 and v["governance"]["budget_used"] >= 1, f"{v['governance']}")
                _, again = await call(s, "users_get_user", {"user_id": "sim0000002", "fields": ["/job_description"]})
                need(again["result"]["/job_description"] == "MCP check", f"a later GET: {again}")

            for name, step in [
                ("a write's dry run", dry_run),
                ("a wrong confirmation refused", wrong_hash),
                ("a confirmed write, seen by a later GET", confirmed),
            ]:
                await check(name, step)


async def asking_session():
    """A client that can ask its user (elicitation): the write is shown to the user, made when
    approved, and nothing changes when declined."""
    asked: list[str] = []
    answer = {"action": "accept"}

    async def ask_user(context, params):
        asked.append(params.message)
        if answer["action"] == "accept":
            return types.ElicitResult(action="accept", content={"approve": True})
        return types.ElicitResult(action="decline")

    async with stdio_client(params("--allow-writes", "users")) as streams:
        async with ClientSession(*streams[:2], elicitation_callback=ask_user) as s:
            await s.initialize()
            user_args = lambda job: {"operation": "users.update_user", "arguments": {"user_id": "sim0000004", "body": dict(base, job_description=job)}}
            _, v = await call(s, "users_get_user", {"user_id": "sim0000004"})
            base = v["result"]

            async def approved():
                r, v = await call(s, "alma_invoke", user_args("Asked and approved"))
                need(not r.is_error and v.get("approved"), f"{v}")
                need(asked and "/job_description" in asked[-1] and KEY not in asked[-1], f"the user saw the change: {asked}")
                _, again = await call(s, "users_get_user", {"user_id": "sim0000004", "fields": ["/job_description"]})
                need(again["result"]["/job_description"] == "Asked and approved", f"{again}")
                return asked[-1].splitlines()[0][:80]

            async def declined():
                answer["action"] = "decline"
                r, v = await call(s, "alma_invoke", user_args("Asked and declined"))
                need(not r.is_error and "nothing was changed" in v["note"], f"{v}")
                _, again = await call(s, "users_get_user", {"user_id": "sim0000004", "fields": ["/job_description"]})
                need(again["result"]["/job_description"] == "Asked and approved", f"unchanged: {again}")

            await check("a write the user approves when asked (elicitation)", approved)
            await check("a write the user declines changes nothing", declined)


async def http_sessions():
    """One `alma mcp --http` process serving two assistants at once: one client, so one budget."""
    proc = await asyncio.create_subprocess_exec(
        os.environ["ALMA_MCP_BIN"], "mcp", "--http", "0", "--budget", "500",
        env=server_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        url = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()

        async def two_assistants():
            need(url.startswith("http://127.0.0.1:"), f"loopback only: {url}")
            used = []
            async with streamable_http_client(url) as a, streamable_http_client(url) as b:
                async with ClientSession(*a[:2]) as sa, ClientSession(*b[:2]) as sb:
                    await sa.initialize()
                    await sb.initialize()
                    for s in (sa, sb, sa):
                        r, v = await call(s, "users_get_user", {"user_id": "sim0000003", "fields": ["/primary_id"]})
                        need(not r.is_error and v["result"]["/primary_id"] == "sim0000003", f"{v}")
                        used.append(v["governance"]["budget_used"])
            need(used == sorted(used) and used[-1] - used[0] == 2, f"one budget for both sessions: {used}")
            return f"budget used {used}"

        await check("streamable HTTP: two assistants, one budget", two_assistants)
    finally:
        proc.kill()
        await proc.wait()


async def main() -> int:
    await read_only_session()
    await writing_session()
    await asking_session()
    await http_sessions()
    leaked = sum(1 for t in SEEN if KEY in t)
    RESULTS.append((leaked == 0, "no result holds the API key", f"{len(SEEN)} results swept"))
    for ok, name, detail in RESULTS:
        print(f"{'ok' if ok else 'FAIL'}\t{name}\t{detail}")
    good = sum(1 for ok, _, _ in RESULTS if ok)
    print(f"mcp: {good}/{len(RESULTS)} checks")
    return 0 if good == len(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
