"""Transcripts and offline messages arrive at a real SMTP server."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import redis
from redis.asyncio import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from livechat.engine import keys
from livechat.engine.embedded_redis import free_port
from livechat.engine.state import departments, offline
from livechat.workers import email as email_worker
from tests.workers.conftest import Inbox, configure, seed_chat, text_parts


@pytest.fixture
def smtp(conn: redis.Redis, inbox: Inbox) -> Inbox:
    configure(conn, SMTP_Host="127.0.0.1", SMTP_Port=inbox.port, SMTP_Security="none",
              From_Email="support@example.com")
    return inbox


BURST_WORKER = """
import sys, redis
from rq import Queue, SimpleWorker
c = redis.Redis.from_url(sys.argv[1])
SimpleWorker([Queue("livechat", connection=c)], connection=c).work(burst=True, logging_level="WARNING")
"""


def run_jobs(conn: redis.Redis) -> list[Any]:
    """Run every queued job with a burst worker (a child process), return their results."""
    ids = Queue(keys.RQ_QUEUE, connection=conn).get_job_ids()
    kwargs = conn.connection_pool.connection_kwargs
    url = f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs.get('db', 0)}"
    subprocess.run([sys.executable, "-c", BURST_WORKER, url], check=True, timeout=60)
    return [Job.fetch(i, connection=conn).return_value() for i in ids]


async def test_a_transcript_lists_the_conversation_without_system_messages(
        conn: redis.Redis, aredis: Redis, smtp: Inbox) -> None:
    chat = await seed_chat(aredis, close=True)
    queue = Queue(keys.RQ_QUEUE, connection=conn)
    queue.enqueue(email_worker.SEND, "transcript", "ana.copy@example.com",
                  {"type": "transcript_requested", "rid": chat.room["_id"], "token": chat.visitor["token"]})
    assert run_jobs(conn) == ["sent"]

    [envelope] = smtp.envelopes
    assert envelope.rcpt_tos == ["ana.copy@example.com"] and envelope.mail_from == "support@example.com"
    [message] = smtp.messages()
    assert message["Subject"] == "Transcript of your livechat conversation"
    parts = text_parts(message)
    assert "Ana Lima: Hello, I need help <b>now</b>" in parts["plain"]
    assert "Bruno: Hi Ana, how can I help?" in parts["plain"]
    assert "Agent joined" not in parts["plain"] and "Agent joined" not in parts["html"]
    assert "Hello, I need help &lt;b&gt;now&lt;/b&gt;" in parts["html"]  # visitor text is escaped


async def test_a_transcript_without_an_address_goes_to_the_visitor_email(
        conn: redis.Redis, aredis: Redis, smtp: Inbox) -> None:
    chat = await seed_chat(aredis)
    Queue(keys.RQ_QUEUE, connection=conn).enqueue(email_worker.SEND, "transcript", None,
                                                  {"type": "chat_closed", "rid": chat.room["_id"]})
    assert run_jobs(conn) == ["sent"]
    assert smtp.envelopes[0].rcpt_tos == ["ana@example.com"]


async def test_an_offline_message_goes_to_its_department_email_else_the_global_address(
        conn: redis.Redis, aredis: Redis, smtp: Inbox) -> None:
    sales = await departments.save(aredis, {"name": "Sales", "email": "sales@example.com"})
    configure(conn, Livechat_offline_email="team@example.com")
    to_sales = await offline.save(aredis, "Rita\nBcc: x@evil.example", "rita@example.com",
                                  "Price for 10 seats?", sales["_id"], "https://shop.example.com/pricing",
                                  "198.51.100.1")
    to_team = await offline.save(aredis, "Joe", "joe@example.com", "Hello", "", "", "198.51.100.2")
    queue = Queue(keys.RQ_QUEUE, connection=conn)
    for record in (to_sales, to_team):
        queue.enqueue(email_worker.SEND, "offline_message", None,
                      {"type": "offline_message_sent", "offline_id": record["_id"]})
    assert run_jobs(conn) == ["sent", "sent"]

    assert [e.rcpt_tos for e in smtp.envelopes] == [["sales@example.com"], ["team@example.com"]]
    first = smtp.messages()[0]
    subject = "Livechat offline message from Rita Bcc: x@evil.example: Price for 10 seats?"
    assert first["Subject"].strip() == subject  # the injected line break stayed in the subject
    assert first["Bcc"] is None and "rita@example.com" in first["Reply-To"]
    plain = text_parts(first)["plain"]
    assert "Department: Sales" in plain and "Price for 10 seats?" in plain


async def test_without_an_smtp_host_nothing_is_sent(conn: redis.Redis, aredis: Redis) -> None:
    chat = await seed_chat(aredis)
    Queue(keys.RQ_QUEUE, connection=conn).enqueue(email_worker.SEND, "transcript", "a@example.com",
                                                  {"rid": chat.room["_id"]})
    assert run_jobs(conn) == ["skipped (no SMTP host)"]


async def test_a_mail_server_that_is_down_is_tried_again_later(conn: redis.Redis, aredis: Redis) -> None:
    chat = await seed_chat(aredis)
    configure(conn, SMTP_Host="127.0.0.1", SMTP_Port=free_port(), SMTP_Security="none")
    queue = Queue(keys.RQ_QUEUE, connection=conn)
    queue.enqueue(email_worker.SEND, "transcript", "a@example.com", {"rid": chat.room["_id"]})
    assert run_jobs(conn) == ["retry"]
    [retry] = ScheduledJobRegistry(queue=queue).get_job_ids()
    args = Job.fetch(retry, connection=conn).args
    assert args == ("transcript", "a@example.com", {"rid": chat.room["_id"]}, 2)
