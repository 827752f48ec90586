"""Drive the API with a client generated from openapi/dbaas.json, and check the
databases it hands out for real, one per engine (PostgreSQL with pg8000, MongoDB
with pymongo): create a database, wait until it is ready, read its owner
credential, connect with it, reset the password, and check that the old password
is refused and the new one accepted.

Run by scripts/generated-client.sh, which generates the `dbaas_client` package,
starts the api and the worker, and sets:
  DBAAS_URL             the api's base URL
  DBAAS_ADMIN_USER      an API user
  DBAAS_ADMIN_PASSWORD  its password
  GENCLIENT_NAME        a name for the databases to create (suffixed per engine)
"""

import base64
import os
import ssl
import sys
import tempfile
import time
import traceback
from urllib.parse import unquote, urlsplit

import httpx
import pg8000.native
import pymongo

from dbaas_client import AuthenticatedClient
from dbaas_client.api.catalog import plan_list
from dbaas_client.api.credential import credential_get, credential_reset_password
from dbaas_client.api.database import database_create, database_get
from dbaas_client.api.task import task_get
from dbaas_client.api.tls import ca_bundle_get
from dbaas_client.models import CredentialView, DatabaseCreate, DatabaseView, PlanList, TaskView

TIMEOUT_S = 180  # for the engine to come up, and for a reset task to finish

passed = failed = 0


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok      {what}")
    else:
        failed += 1
        print(f"FAILED  {what}{': ' + str(detail) if detail else ''}")
    return ok


def expect(what, response, status, model):
    """Checks a generated function's response: the status and the parsed type.
    Returns the parsed body, or None (after counting a failure)."""
    ok = response.status_code == status and isinstance(response.parsed, model)
    check(what, ok, f"HTTP {int(response.status_code)}: {response.content[:300]!r}")
    return response.parsed if ok else None


# The deployment's CA bundle (ca_bundle_get), as a file: engines are verified with it.
CA_FILE = None


def connect(uri, password=None):
    """Opens a real session on the engine with the URI's user and password (or
    `password`), over TLS verified with the served CA (chain and address), runs a
    command, and returns the user the engine says we are."""
    url = urlsplit(uri)
    if url.scheme == "mongodb":
        if password is not None:
            uri = uri.replace(f":{url.password}@", f":{password}@", 1)
        with pymongo.MongoClient(uri, serverSelectionTimeoutMS=10000, tlsCAFile=CA_FILE) as client:
            status = client.get_default_database().command("connectionStatus")
            return status["authInfo"]["authenticatedUsers"][0]["user"]
    conn = pg8000.native.Connection(
        user=unquote(url.username),
        password=password if password is not None else unquote(url.password),
        host=url.hostname,
        port=url.port,
        database=url.path.lstrip("/"),
        timeout=10,
        ssl_context=ssl.create_default_context(cafile=CA_FILE),
    )
    try:
        return conn.run("SELECT current_user")[0][0]
    finally:
        conn.close()


def refused(uri, password):
    """True when the engine refuses the password (SQLSTATE 28P01; MongoDB's code 18)."""
    try:
        connect(uri, password)
    except pg8000.exceptions.DatabaseError as e:
        return e.args and isinstance(e.args[0], dict) and e.args[0].get("C") == "28P01"
    except pymongo.errors.OperationFailure as e:
        return e.code == 18
    return False


def fetch_ca(client):
    """Writes the CA bundle the api serves to a file, for `connect`."""
    global CA_FILE
    response = ca_bundle_get.sync_detailed(client=client)
    pem = response.parsed if response.status_code == 200 else None
    if not check("ca_bundle_get answers 200 with PEM", isinstance(pem, str) and pem.startswith("-----BEGIN CERTIFICATE-----"), response.content[:100]):
        return
    with tempfile.NamedTemporaryFile("w", suffix=".pem", delete=False) as f:
        f.write(pem)
    CA_FILE = f.name


def scenario(client, name, plan):
    response = plan_list.sync_detailed(client=client)
    plans = expect("plan_list answers 200", response, 200, PlanList)
    if plans is not None:
        check(f"the plans include {plan}", any(p.name == plan for p in plans.plan), [p.name for p in plans.plan])

    body = DatabaseCreate(name=name, plan=plan, environment=1)
    database = expect("database_create answers 202", database_create.sync_detailed(client=client, body=body), 202, DatabaseView)
    if database is None:
        return
    check("the new database is `creating`", database.status == "creating", database.status)

    deadline = time.monotonic() + TIMEOUT_S
    while database.status == "creating" and time.monotonic() < deadline:
        time.sleep(0.5)
        database = expect_quiet(database_get.sync_detailed(database.id, client=client), 200, DatabaseView) or database
    if not check("the database becomes `ready`", database.status == "ready", database.status):
        return
    check("a ready database has an endpoint", bool(database.endpoint), database.endpoint)

    owner = next((c for c in database.credentials if c.user == f"u_{name}"), None)
    if not check(f"the database lists its owner credential u_{name}", owner is not None, database.credentials):
        return
    credential = expect("credential_get answers 200", credential_get.sync_detailed(owner.id, client=client), 200, CredentialView)
    if credential is None:
        return
    if not check("the credential has a password and a URI", bool(credential.password) and bool(credential.connection_uri)):
        return
    uri, old_password = credential.connection_uri, credential.password
    check("the URI carries the password", unquote(urlsplit(uri).password or "") == old_password)
    check("the URI names the database", urlsplit(uri).path == f"/{name}", uri)
    try:
        check("the engine accepts the password", connect(uri) == credential.user)
    except Exception as e:  # noqa: BLE001 - any failure to connect is the finding
        check("the engine accepts the password", False, repr(e))

    response = credential_reset_password.sync_detailed(owner.id, client=client)
    if response.status_code == 202 and isinstance(response.parsed, TaskView):
        check("credential_reset_password answers 202 with a task", True)
        task = response.parsed
        deadline = time.monotonic() + TIMEOUT_S
        while task.status in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.5)
            task = expect_quiet(task_get.sync_detailed(task.id, client=client), 200, TaskView) or task
        if not check("the reset task succeeds", task.status == "succeeded", f"{task.status} {task.last_error}"):
            return
        reset = expect("credential_get after the reset answers 200", credential_get.sync_detailed(owner.id, client=client), 200, CredentialView)
    else:
        reset = expect("credential_reset_password answers 200 with the credential", response, 200, CredentialView)
    if reset is None:
        return
    new_password = reset.password
    check("the reset gives a new password", bool(new_password) and new_password != old_password)
    check("the new URI carries the new password", unquote(urlsplit(reset.connection_uri or "").password or "") == new_password)
    again = expect("credential_get answers 200", credential_get.sync_detailed(owner.id, client=client), 200, CredentialView)
    if again is not None:
        check("credential_get now shows the new password", again.password == new_password)

    check("the engine refuses the old password", refused(uri, old_password))
    try:
        check("the engine accepts the new password", connect(reset.connection_uri) == reset.user)
    except Exception as e:  # noqa: BLE001
        check("the engine accepts the new password", False, repr(e))


def expect_quiet(response, status, model):
    """Like expect, for polling: counts nothing, returns the body or None."""
    if response.status_code == status and isinstance(response.parsed, model):
        return response.parsed
    print(f"        (poll: HTTP {int(response.status_code)}: {response.content[:200]!r})")
    return None


def main():
    user, password = os.environ["DBAAS_ADMIN_USER"], os.environ["DBAAS_ADMIN_PASSWORD"]
    client = AuthenticatedClient(
        base_url=os.environ["DBAAS_URL"],
        token=base64.b64encode(f"{user}:{password}".encode()).decode(),
        prefix="Basic",
        timeout=httpx.Timeout(60.0),
    )
    started = time.monotonic()
    with client:
        fetch_ca(client)
        for suffix, plan in (("pg", "postgres-small"), ("mongo", "mongodb-small")):
            print(f"--- {plan}")
            try:
                scenario(client, f"{os.environ['GENCLIENT_NAME']}_{suffix}", plan)
            except Exception:  # noqa: BLE001 - a crash in the generated client is a failure too
                traceback.print_exc(file=sys.stdout)
                check(f"the {plan} scenario runs to its end", False)
    if CA_FILE:
        os.unlink(CA_FILE)
    print(f"({time.monotonic() - started:.1f}s)")
    print(f"generated-client: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
