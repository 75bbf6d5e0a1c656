import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Tests log in often; the production hasher stays the Django default (checked in test_security).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    return factories.make_org()


@pytest.fixture
def owner(org):
    return factories.make_user("owner", org=org)


@pytest.fixture
def colleague(org):
    return factories.make_user("colleague", org=org)


@pytest.fixture
def outsider(db):
    return factories.make_user("outsider", org=factories.make_org("Sekolah Lain"))


@pytest.fixture
def supervisor(org):
    return factories.make_user("supervisor", role="supervisor", org=org)


@pytest.fixture
def admin_user(org):
    return factories.make_user("orgadmin", role="admin", org=org)


@pytest.fixture
def case(owner):
    return factories.make_case(owner)


def login(client, user):
    client.force_login(user)
    return client
