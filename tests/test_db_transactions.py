"""The transaction rule of app.db: a route's unit of work commits once the route returned,
rolls back when it raised, and a commit that fails is an error answer, never a lost success."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from app.auth.models import LoginFailure, User
from app.db import WriteSessionDep, read_session, write_session
from app.errors import Invalid, NotAuthenticated, install_error_handlers


def _failures(session, username: str) -> int:
    session.rollback()  # a fresh snapshot: see what the app committed
    return len(session.exec(select(LoginFailure).where(LoginFailure.username == username)).all())


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/ok")
    def ok(session: WriteSessionDep) -> dict:
        session.add(LoginFailure(username="ok", address="test"))
        return {"stored": True}

    @app.post("/refused")
    def refused(session: WriteSessionDep) -> dict:
        session.add(LoginFailure(username="refused", address="test"))
        session.flush()
        raise Invalid("refused after a write")

    @app.post("/kept")
    def kept(session: WriteSessionDep) -> dict:
        session.add(LoginFailure(username="kept", address="test"))
        raise NotAuthenticated("refused, but the attempt counts", keep_changes=True)

    @app.post("/clash")
    def clash(session: WriteSessionDep) -> dict:
        # Nothing is flushed before the route returns: the clash shows only at commit.
        session.add(User(username="twice", display_name="A", password_hash="x", town_id=1))
        session.add(User(username="twice", display_name="B", password_hash="x", town_id=1))
        return {"stored": True}

    return app


def test_a_route_that_returns_is_committed(engine, session):
    with TestClient(_app()) as c:
        assert c.post("/ok").json() == {"stored": True}
    assert _failures(session, "ok") == 1


def test_a_route_that_raises_is_rolled_back_and_answers_its_error(engine, session):
    with TestClient(_app()) as c:
        res = c.post("/refused")
    assert res.status_code == 422
    assert res.json()["error"]["message"] == "refused after a write"
    assert _failures(session, "refused") == 0


def test_a_refusal_with_keep_changes_commits_then_answers_the_error(engine, session):
    with TestClient(_app()) as c:
        res = c.post("/kept")
    assert res.status_code == 401
    assert _failures(session, "kept") == 1


def test_a_commit_that_fails_is_an_error_answer_not_a_success(engine, session):
    with TestClient(_app(), raise_server_exceptions=False) as c:
        res = c.post("/clash")
    assert res.status_code == 409, res.text
    assert "nothing was saved" in res.json()["error"]["message"]
    session.rollback()
    assert session.exec(select(User).where(User.username == "twice")).all() == []


def test_a_read_session_reads_while_a_writer_holds_its_transaction(engine):
    """On SQLite a reader must not queue for the write lock (it would wait 30 s and fail)."""
    with write_session() as writer:
        writer.add(LoginFailure(username="pending", address="test"))
        writer.flush()  # the writer now holds the write lock (BEGIN IMMEDIATE on SQLite)
        with read_session() as reader:
            names = reader.exec(select(LoginFailure.username)).all()
        assert "pending" not in names  # not committed yet
    with read_session() as reader:
        assert reader.exec(select(LoginFailure.username)).all() == ["pending"]


def test_write_session_rolls_back_a_block_that_raises(engine):
    with pytest.raises(RuntimeError), write_session() as session:
        session.add(LoginFailure(username="lost", address="test"))
        session.flush()
        raise RuntimeError("boom")
    with read_session() as reader:
        assert reader.exec(select(LoginFailure)).all() == []
