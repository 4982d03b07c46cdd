"""End to end over a real server: chat -> stored, scheduled playbook -> run -> email in the outbox."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from email import message_from_bytes
from zoneinfo import ZoneInfo

import httpx

from scheduler.timing.cron import next_fire_times
from tests.conftest import CRON_SECRET, auth, execution, wait_for
from tests.fakes.smtp import mail_text
from tests.fakes.ui_client import assemble, user


def chat(server, token, text, agent=None):
    """POST /api/chat and return (response headers, parsed parts, saw [DONE])."""
    body = {"id": "thread-1", "messages": [{"id": "m1", "role": "user", "parts": [{"type": "text", "text": text}]}]}
    if agent:
        body["agent"] = agent
    parts, done = [], False
    with httpx.stream("POST", f"{server.url}/api/chat", json=body, headers=auth(token), timeout=60) as r:
        assert r.status_code == 200, r.read()
        headers = r.headers
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            if line == "data: [DONE]":
                done = True
                continue
            parts.append(json.loads(line[6:]))
    return headers, parts, done


def text_of(parts):
    return "".join(p["delta"] for p in parts if p["type"] == "text-delta")


def test_chat_creates_a_scheduled_playbook_that_runs_and_mails(server, user_token, settings):
    headers, parts, done = chat(server, user_token, "Every day at 9am email me a sales report")
    assert headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert headers["content-type"].startswith("text/event-stream")
    assert done and parts[0]["type"] == "start" and parts[-1]["type"] == "finish"
    call = next(p for p in parts if p["type"] == "tool-input-available")
    assert call["toolName"] == "create_playbook"
    assert any(p["type"] == "tool-input-delta" and p["toolCallId"] == call["toolCallId"] for p in parts)
    output = next(p for p in parts if p["type"] == "tool-output-available")
    assert output["toolCallId"] == call["toolCallId"]
    stored = next(p for p in parts if p["type"] == "data-playbook")["data"]
    assert stored["status"] == "active"
    assert stored["triggers"] == [{"type": "schedule", "cron": "0 9 * * *", "timezone": "America/New_York"}]
    actions = [s["action"] for s in stored["steps"]]
    assert "sales_report" in actions and "send_email" in actions

    reply = text_of(parts)
    assert "every day at 9:00 AM, America/New_York" in reply
    expected = next_fire_times("0 9 * * *", "America/New_York", datetime.now(UTC), 3)
    for moment in expected:
        assert moment.strftime("%a %b %-d, %-I:%M %p") in reply

    # Scheduled with no other action: the API shows the next 9:00 in New York.
    playbook = httpx.get(f"{server.url}/api/playbooks/{stored['id']}", headers=auth(user_token)).json()
    next_run = datetime.fromisoformat(playbook["nextRunAt"].replace("Z", "+00:00"))
    assert next_run == expected[0]
    assert next_run.astimezone(ZoneInfo("America/New_York")).hour == 9
    assert len(server.runtime.jobs.job_ids()) == 1

    # Run it now with the cron secret and watch it go queued -> running -> completed.
    r = httpx.post(f"{server.url}/api/playbooks/{stored['id']}/execute",
                   json={"triggeredBy": "manual", "orgId": "demo"}, headers=auth(CRON_SECRET))
    assert r.status_code == 202
    run_id = r.json()["executionId"]
    seen = {r.json()["status"]}
    run = wait_for(lambda: (e := execution(server, run_id), seen.add(e["status"]))[0]["status"] == "completed" and e)
    assert seen <= {"queued", "running", "completed"}
    assert [(s["action"], s["status"]) for s in run["stepResults"]] == [(a, "completed") for a in actions]
    mails = list((settings.home / "outbox").glob("*.eml"))
    assert len(mails) == 1
    mail = message_from_bytes(mails[0].read_bytes())
    assert mail["To"] == "owner@example.com"
    assert "orders" in mail_text(mail)


def test_chat_lists_and_runs_playbooks(server, user_token):
    chat(server, user_token, "Every Monday at 8am email me a weekly sales report")
    _, parts, _ = chat(server, user_token, "What playbooks do I have running?")
    assert next(p for p in parts if p["type"] == "tool-input-available")["toolName"] == "list_playbooks"
    assert "Weekly Sales Report" in text_of(parts)
    _, parts, _ = chat(server, user_token, "Run the weekly sales report now")
    run = next(p for p in parts if p["type"] == "data-run")["data"]
    done = wait_for(lambda: (e := execution(server, run["executionId"], user_token))["status"] == "completed" and e)
    assert done["triggeredBy"] == "manual"


def test_chat_asks_when_it_does_not_understand(server, user_token):
    _, parts, done = chat(server, user_token, "do the thing")
    assert done
    assert not any(p["type"].startswith("tool-") for p in parts)
    assert "?" in text_of(parts)
    assert httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).json()["items"] == []


def test_chat_makes_a_social_posts_playbook_now_that_the_step_exists(server, user_token):
    _, parts, _ = chat(server, user_token, "Every Monday at 10am write 3 social posts for Instagram")
    playbook = next(p for p in parts if p["type"] == "data-playbook")["data"]
    assert playbook["steps"][0]["action"] == "generate_social_post"
    [stored] = httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).json()["items"]
    assert stored["id"] == playbook["id"] and stored["triggers"][0]["cron"] == "0 10 * * 1"


def test_chat_needs_a_token(server):
    r = httpx.post(f"{server.url}/api/chat", json={"messages": [{"role": "user", "parts": [{"type": "text", "text": "hi"}]}]})
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_chat_pauses_changes_resumes_and_deletes(server, user_token):
    _, parts, _ = chat(server, user_token, "Every day at 9am email me a sales report")
    playbook_id = next(p for p in parts if p["type"] == "data-playbook")["data"]["id"]

    def stored():
        return httpx.get(f"{server.url}/api/playbooks/{playbook_id}", headers=auth(user_token))

    chat(server, user_token, "Pause my daily sales report")
    assert stored().json()["status"] == "paused" and server.runtime.jobs.job_ids() == []
    chat(server, user_token, "Resume the daily sales report")
    assert stored().json()["status"] == "active" and len(server.runtime.jobs.job_ids()) == 1
    _, parts, _ = chat(server, user_token, "Change the sales report to run at 8am instead")
    changed = stored().json()
    assert changed["triggers"][0]["cron"] == "0 8 * * *" and changed["version"] == 2
    assert "8:00 AM" in text_of(parts)
    _, asked, _ = chat(server, user_token, "Delete the sales report playbook")
    assert "Delete “Daily Sales Report”" in text_of(asked) and stored().status_code == 200  # asked first
    _chat_history(server, user_token, [user("Delete the sales report playbook"), assemble(asked), user("yes", "u2")])
    assert stored().status_code == 404 and server.runtime.jobs.job_ids() == []


def test_text_in_several_parts_is_read_as_one_sentence(server, user_token):
    body = {"messages": [{"role": "user", "parts": [{"type": "text", "text": "Every day at 9am"},
                                                    {"type": "text", "text": "email me a sales report"}]}]}
    with httpx.stream("POST", f"{server.url}/api/chat", json=body, headers=auth(user_token), timeout=60) as r:
        lines = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]
    stored = next(p for p in lines if p["type"] == "data-playbook")["data"]
    assert [s["action"] for s in stored["steps"]][-1] == "send_email"
    assert stored["triggers"][0]["cron"] == "0 9 * * *"


def _turns(*texts):
    return [{"role": "user" if i % 2 == 0 else "assistant", "parts": [{"type": "text", "text": t}]} for i, t in enumerate(texts)]


def _chat_history(server, token, messages):
    with httpx.stream("POST", f"{server.url}/api/chat", json={"messages": messages}, headers=auth(token), timeout=60) as r:
        return [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: {")]


def test_an_answer_to_a_question_completes_the_request(server, user_token):
    _, parts, _ = chat(server, user_token, "email me a sales report")
    question = text_of(parts)
    assert "?" in question and not any(p["type"] == "data-playbook" for p in parts)
    parts = _chat_history(server, user_token, _turns("email me a sales report", question, "every day at 7am"))
    stored = next(p for p in parts if p["type"] == "data-playbook")["data"]
    assert stored["triggers"][0]["cron"] == "0 7 * * *" and stored["steps"][-1]["action"] == "send_email"


def _status(server, token, playbook_id):
    return httpx.get(f"{server.url}/api/playbooks/{playbook_id}", headers=auth(token)).json()["status"]


def test_it_means_the_playbook_just_talked_about(server, user_token):
    # The history is sent back as useChat keeps it: text, the tool part and the data-playbook part.
    _, parts, _ = chat(server, user_token, "Every day at 9am email me a sales report")
    playbook_id = next(p for p in parts if p["type"] == "data-playbook")["data"]["id"]
    chat(server, user_token, "Every Monday at 8am email me a weekly sales report")  # a second one exists
    history = [user("Every day at 9am email me a sales report"), assemble(parts), user("pause it", "user-2")]
    _chat_history(server, user_token, history)
    items = httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).json()["items"]
    assert sorted((p["id"] == playbook_id, p["status"]) for p in items) == [(False, "active"), (True, "paused")]


def test_it_is_read_from_data_parts_when_a_client_keeps_only_those(server, user_token):
    _, parts, _ = chat(server, user_token, "Every day at 9am email me a sales report")
    playbook_id = next(p for p in parts if p["type"] == "data-playbook")["data"]["id"]
    chat(server, user_token, "Every Monday at 8am email me a weekly sales report")
    kept = assemble(parts)
    kept["parts"] = [p for p in kept["parts"] if p["type"] == "text" or p["type"].startswith("data-")]
    _chat_history(server, user_token, [user("Every day at 9am email me a sales report"), kept, user("that one can stop", "u2")])
    _chat_history(server, user_token, [user("Every day at 9am email me a sales report"), kept, user("pause that one", "u2")])
    assert _status(server, user_token, playbook_id) == "paused"


def test_our_words_alone_name_no_playbook(server, user_token):
    """Without tool or data parts there is nothing structured to point at: 'it' is asked about, not guessed."""
    _, parts, _ = chat(server, user_token, "Every day at 9am email me a sales report")
    playbook_id = next(p for p in parts if p["type"] == "data-playbook")["data"]["id"]
    reply = _chat_history(server, user_token, _turns("Every day at 9am email me a sales report", text_of(parts), "pause it"))
    assert not any(p["type"].startswith("tool-") for p in reply)
    assert text_of(reply) == "Which playbook do you mean? Tell me its name.\n\n— Pops"
    assert _status(server, user_token, playbook_id) == "active"


def test_it_with_nothing_shown_never_acts_on_a_playbook_whose_name_holds_it(server, user_token):
    """'delete it' once the playbook it meant is gone must not reach a playbook called "Restock It"."""
    httpx.post(f"{server.url}/api/playbooks", headers=auth(user_token), json={
        "name": "Restock It", "agent": "pops", "triggers": [{"type": "manual"}],
        "steps": [{"action": "notify", "params": {"message": "restock"}}]}).raise_for_status()
    _, created, _ = chat(server, user_token, "every monday at 7am email me a sales report")
    history = [user("every monday at 7am email me a sales report"), assemble(created), user("delete it", "u2")]
    asked = _chat_history(server, user_token, history)
    history += [assemble(asked, "a2"), user("yes", "u3")]
    first = _chat_history(server, user_token, history)
    assert "Deleted “Weekly Sales Report”" in text_of(first)
    second = _chat_history(server, user_token, [*history, assemble(first, "a3"), user("delete it", "u4")])
    assert not any(p["type"].startswith("tool-") for p in second)
    names = [p["name"] for p in httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).json()["items"]]
    assert names == ["Restock It"]


def test_the_6pm_one_is_the_listed_playbook_that_runs_at_6pm(server, user_token):
    _, evening, _ = chat(server, user_token, "Every day at 6pm email me a sales report")
    _, morning, _ = chat(server, user_token, "Every Monday at 8am email me a weekly sales report")
    ids = [next(p for p in parts if p["type"] == "data-playbook")["data"]["id"] for parts in (evening, morning)]
    _, listing, _ = chat(server, user_token, "What playbooks do I have?")
    history = [user("What playbooks do I have?"), assemble(listing), user("pause the 6pm one", "u2")]
    reply = _chat_history(server, user_token, history)
    assert next(p for p in reply if p["type"] == "tool-input-available")["input"]["status"] == "paused"
    assert [_status(server, user_token, i) for i in ids] == ["paused", "active"]
    history += [assemble(reply, "a2"), user("change the 8am one to 7am", "u3")]
    _chat_history(server, user_token, history)
    moved = httpx.get(f"{server.url}/api/playbooks/{ids[1]}", headers=auth(user_token)).json()
    assert moved["triggers"][0]["cron"] == "0 7 * * 1"


def test_a_retried_chat_turn_does_not_create_a_second_playbook(server, user_token):
    first = chat(server, user_token, "Every day at 7:15am email me a sales report")[1]
    again = chat(server, user_token, "Every day at 7:15am email me a sales report")[1]
    ids = {next(p for p in parts if p["type"] == "data-playbook")["data"]["id"] for parts in (first, again)}
    assert len(ids) == 1
    assert "already have" in text_of(again)
    assert len(httpx.get(f"{server.url}/api/playbooks", headers=auth(user_token)).json()["items"]) == 1


def test_every_reply_says_which_persona_answers(server, user_token):
    _, parts, _ = chat(server, user_token, "Every day at 9am email me a sales report")
    assert next(p for p in parts if p["type"] == "finish")["messageMetadata"] == {"persona": "pops"}
    _, parts, _ = chat(server, user_token, "what can you do?", agent="craig")
    assert next(p for p in parts if p["type"] == "finish")["messageMetadata"] == {"persona": "craig"}
