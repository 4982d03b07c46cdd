"""send_email over a real SMTP server on loopback: parts, attachments, whom it may reach, and headers kept to one line."""
from __future__ import annotations

import csv
import io
from email.utils import getaddresses

import pytest
from sqlmodel import Session, select

from scheduler.runs.history import get_execution
from scheduler.services.approvals import NeedsPerson
from scheduler.services.validation import PlaybookInvalid
from scheduler.settings import Settings
from scheduler.store.action_tables import Approval
from scheduler.store.tables import Execution, Product, StepRun, User
from tests.conftest import run_now, running
from tests.fakes.smtp import SmtpServer, mail_html, mail_text

OUTSIDE = "buyer@supplier.example"


def spec(steps, name="Mail test"):
    return {"name": name, "agent": "pops", "triggers": [{"type": "manual"}], "steps": steps}


def email(**params):
    return {"action": "send_email", "params": {"to": "{{user.email}}", "subject": "Report", **params}}


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_settings(tmp_path, smtp):
    return Settings(PLAYBOOKS_HOME=tmp_path / "home", PLAYBOOKS_SMTP_URL=smtp.url)


@pytest.fixture(params=["sqlite", "postgres"])
def mail_store_settings(request, tmp_path, smtp):
    """Mail over the loopback server, on the SQLite file and on PostgreSQL (skipped without a server unless CI=true)."""
    if request.param == "sqlite":
        return Settings(PLAYBOOKS_HOME=tmp_path / "home", PLAYBOOKS_SMTP_URL=smtp.url)
    return request.getfixturevalue("pg_settings").model_copy(update={"smtp_url": smtp.url})


async def run(runtime, steps, key="mail"):
    playbook = runtime.playbooks.create("demo", spec(steps, f"Mail {key}"))
    return get_execution(runtime.engine, "demo", await run_now(runtime, playbook, key))


def owner_id(engine) -> str:
    with Session(engine) as session:
        return session.exec(select(User.id).where(User.org_id == "demo")).first()


async def test_text_and_escaped_html_parts_with_the_export_attached(mail_settings, smtp):
    async with running(mail_settings) as runtime:
        with Session(runtime.engine) as session:  # a product named as a hostile page might name it
            p = session.exec(select(Product).where(Product.name == "Pineapple Express 3.5g")).one()
            p.name = "<script>alert(1)</script> & Co"
            session.add(p)
            session.commit()
        done = await run(runtime, [
            {"action": "export_csv", "params": {"dataset": "inventory"}},
            {"action": "check_inventory", "params": {"filter": "out_of_stock"}},
            email(subject="Stock <today> & export"),
        ])
    assert done["status"] == "completed", done
    export, _, sent = (s["output"] for s in done["stepResults"])
    [msg] = smtp.messages
    assert msg["To"] == "owner@example.com" and msg["Subject"] == "Stock <today> & export"
    assert msg.get_content_type() == "multipart/mixed"
    text, html = mail_text(msg), mail_html(msg)
    assert "<script>alert(1)</script> & Co: 0 left" in text  # text is text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co: 0 left" in html and "<script>" not in html
    assert "<title>Stock &lt;today&gt; &amp; export</title>" in html
    [attached] = [p for p in msg.walk() if p.get_filename()]
    assert attached.get_filename() == export["file"]["name"] and attached.get_content_type() == "text/csv"
    data = attached.get_payload(decode=True)
    assert data == (mail_settings.home / "files" / export["file"]["path"]).read_bytes()
    assert len(list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))) == 42  # header + 41 products
    assert sent["attachments"] == [export["file"]["name"]] and sent["sent"] is True and sent["transport"] == "smtp"


async def test_attachments_by_step_name_none_or_a_step_that_made_no_file(mail_settings, smtp):
    async with running(mail_settings) as runtime:
        named = await run(runtime, [{"id": "orders", "action": "export_csv", "params": {"dataset": "orders"}},
                                    {"action": "export_csv", "params": {"dataset": "products"}},
                                    email(attachments=["orders"], html=False)], key="named")
        bare = await run(runtime, [{"action": "export_csv"}, email(attachments=[])], key="bare")
        wrong = await run(runtime, [{"action": "sales_report"}, email(attachments=["sales_report"])], key="wrong")
    assert named["stepResults"][2]["output"]["attachments"] == [named["stepResults"][0]["output"]["file"]["name"]]
    assert bare["stepResults"][1]["output"]["attachments"] == []
    first, second = smtp.messages
    assert [p.get_content_type() for p in first.walk()] == ["multipart/mixed", "text/plain", "text/csv"]
    assert [p.get_content_type() for p in second.walk()] == ["multipart/alternative", "text/plain", "text/html"]
    assert wrong["status"] == "failed" and len(smtp.messages) == 2
    assert "no earlier step named 'sales_report' made a file" in wrong["stepResults"][1]["error"]


@pytest.mark.parametrize("char", ["\r", "\n", "\r\n", "\u2028", "\u2029", "\x85", "\v", "\f", "\x00"])
async def test_a_line_break_in_a_literal_header_is_refused_when_the_playbook_is_saved(settings, char):
    async with running(settings) as runtime:
        for params, where in (({"subject": f"Report{char}Bcc: victim@example.com"}, "subject"),
                              ({"subject": f"{{{{user.name}}}}{char}Bcc: victim@example.com"}, "subject"),
                              ({"to": f"owner@example.com{char}Bcc: victim@example.com"}, "to"),
                              ({"to": ["{{user.email}}", f"x@y.example{char}"]}, "to")):
            with pytest.raises(PlaybookInvalid, match=rf"steps\[0\]\.params\.{where}: .*must be one line: it holds U\+") as err:
                runtime.playbooks.create("demo", spec([email(**params)]))
            assert "line breaks in a mail header" in str(err.value)


async def test_a_templated_header_that_renders_a_line_break_fails_the_step_clearly_and_sends_nothing(mail_settings, smtp):
    async with running(mail_settings) as runtime:
        with Session(runtime.engine) as session:  # a name that came from outside, with a line separator in it
            p = session.exec(select(Product).where(Product.name == "Pineapple Express 3.5g")).one()
            p.name = "Pineapple\u2028Bcc: victim@example.com"
            session.add(p)
            session.commit()
        done = await run(runtime, [
            {"action": "check_inventory", "params": {"filter": "out_of_stock"}},
            email(subject="Out: {{check_inventory.items[0].product}}"),
        ])
        multi = await run(runtime, [{"action": "check_inventory", "params": {"filter": "out_of_stock"}},
                                    email(subject="{{check_inventory.summary}}")], key="multi")
    failed = done["stepResults"][1]
    assert done["status"] == "failed" and failed["status"] == "failed"
    assert failed["error"].startswith("params.subject: the subject must be one line: it holds U+2028 LINE SEPARATOR")
    assert "unexpected error" not in failed["error"]
    assert "U+000A LINE FEED" in multi["stepResults"][1]["error"]
    assert smtp.messages == []


async def test_at_most_50_recipients(mail_settings, smtp):
    async with running(mail_settings) as runtime:
        with Session(runtime.engine) as session:
            session.add_all([User(org_id="demo", email=f"staff{i}@example.com") for i in range(60)])
            session.commit()
        many = [f"staff{i}@example.com" for i in range(51)]
        with pytest.raises(PlaybookInvalid, match=r"steps\[0\]\.params\.to: .*at most 50 recipients in one email, not 51"):
            runtime.playbooks.create("demo", spec([email(to=many)]))
        # The same address twice (in any case) is one recipient.
        fifty = [*many[:50], "STAFF0@example.com"]
        done = await run(runtime, [email(to=fifty)])
    assert done["status"] == "completed", done
    [msg] = smtp.messages
    assert [a for _, a in getaddresses([msg["To"]])] == many[:50]


async def test_an_outside_address_is_refused_with_a_reason_when_asked_to(mail_settings, smtp):
    async with running(mail_settings) as runtime:
        done = await run(runtime, [email(to=["{{user.email}}", OUTSIDE], outside_recipients="refuse")])
    assert done["status"] == "failed"
    error = done["stepResults"][0]["error"]
    assert error.startswith(f"not sent: {OUTSIDE} is not among the organisation's users") and "approves" in error
    assert smtp.messages == []


async def test_an_outside_address_waits_for_a_person_then_the_email_goes_once(mail_store_settings, smtp):
    async with running(mail_store_settings) as runtime:
        playbook = runtime.playbooks.create("demo", spec([{"action": "sales_report"},
                                                          email(to=["{{user.email}}", OUTSIDE])]))
        first = get_execution(runtime.engine, "demo", await run_now(runtime, playbook, "first"))
        assert first["status"] == "waiting_approval" and smtp.messages == []
        held = first["stepResults"][1]["output"]
        assert (held["sent"], held["outside"], held["decision"]) == (False, [OUTSIDE], "pending")
        with Session(runtime.engine) as session:
            approval = session.get(Approval, held["approval_id"])
        assert approval.kind == "email_recipients" and approval.data["addresses"] == [OUTSIDE]
        assert OUTSIDE in approval.prompt
        with pytest.raises(NeedsPerson):  # an agent key cannot widen where mail goes
            runtime.approvals.decide("demo", approval.id, "approve", by="agent:pops")
        decided = runtime.approvals.decide("demo", approval.id, "approve", by=owner_id(runtime.engine))
        assert decided.resumed == first["id"]
        runtime.dispatcher.dispatch(decided.resumed)
        await runtime.dispatcher.drain()
        after = get_execution(runtime.engine, "demo", first["id"])
        # The step is run again under its own key: were it run a third time (a crash before its checkpoint
        # looks the same), the recorded send stops it from mailing again.
        with Session(runtime.engine) as session:
            session.delete(session.exec(select(StepRun).where(StepRun.execution_id == first["id"],
                                                              StepRun.index == 1)).one())
            session.get(Execution, first["id"]).status = "queued"
            session.commit()
        runtime.dispatcher.dispatch(first["id"])
        await runtime.dispatcher.drain()
        again = get_execution(runtime.engine, "demo", first["id"])
        assert again["status"] == "completed" and len(smtp.messages) == 1
        # Approved once, the address is the organisation's to mail: the next run sends without asking.
        second = get_execution(runtime.engine, "demo", await run_now(runtime, playbook, "second"))
    assert after["status"] == "completed", after
    sent = after["stepResults"][1]["output"]
    assert sent["sent"] is True and sent["to"] == ["owner@example.com", OUTSIDE]
    assert second["status"] == "completed"
    assert [m["To"] for m in smtp.messages] == [f"owner@example.com, {OUTSIDE}"] * 2
    assert len({m["Message-ID"] for m in smtp.messages}) == 2


async def test_a_rejected_outside_address_sends_nothing_and_the_run_goes_on(mail_settings, smtp):
    async with running(mail_settings) as runtime:
        playbook = runtime.playbooks.create("demo", spec([email(to=OUTSIDE), {"action": "notify",
                                                                              "params": {"message": "after"}}]))
        first = get_execution(runtime.engine, "demo", await run_now(runtime, playbook))
        approval_id = first["stepResults"][0]["output"]["approval_id"]
        decided = runtime.approvals.decide("demo", approval_id, "reject", by=owner_id(runtime.engine))
        runtime.dispatcher.dispatch(decided.resumed)
        await runtime.dispatcher.drain()
        after = get_execution(runtime.engine, "demo", first["id"])
    assert after["status"] == "completed" and smtp.messages == []
    held = after["stepResults"][0]["output"]
    assert (held["sent"], held["decision"], held["approved"]) == (False, "rejected", False)
    assert held["summary"] == f"Not sent: email to {OUTSIDE} was rejected."
    assert after["stepResults"][1]["status"] == "completed"


@pytest.mark.parametrize("address", ["group:victim@example.com", "Name <x@example.com>", "x@y@example.com", "nobody"])
async def test_what_is_not_one_plain_address_is_refused_on_save(settings, address):
    async with running(settings) as runtime:
        with pytest.raises(PlaybookInvalid, match=r"steps\[0\]\.params\.to: .*not an email address"):
            runtime.playbooks.create("demo", spec([email(to=["{{user.email}}", address])]))
