"""Fixtures shared by the web tests of the reviewer's pages."""
import pytest


@pytest.fixture
def reviewer(make_user):
    return make_user("reviewer", display_name="王审核")


@pytest.fixture
def as_reviewer(app, reviewer, login):
    client = app.test_client()
    login(client, reviewer)
    return client
