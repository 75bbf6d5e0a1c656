import pytest


def _factories():
    # Imported lazily so the pure-library tests also run without Django (-p no:django).
    from tests import factories

    return factories


@pytest.fixture(autouse=True)
def _fast_hashing(request):
    # Tests log in often; the production hasher stays the Django default (checked in test_security).
    if request.config.pluginmanager.hasplugin("django"):
        request.getfixturevalue("settings").PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    return _factories().make_org()


@pytest.fixture
def owner(org):
    return _factories().make_user("owner", org=org)


@pytest.fixture
def colleague(org):
    return _factories().make_user("colleague", org=org)


@pytest.fixture
def outsider(db):
    return _factories().make_user("outsider", org=_factories().make_org("Sekolah Lain"))


@pytest.fixture
def supervisor(org):
    return _factories().make_user("supervisor", role="supervisor", org=org)


@pytest.fixture
def admin_user(org):
    return _factories().make_user("orgadmin", role="admin", org=org)


@pytest.fixture
def case(owner):
    return _factories().make_case(owner)


def login(client, user):
    client.force_login(user)
    return client
