"""End to end in a real headless Chromium: an admin adds a connection and starts a sync.

Chromium and its driver come from Debian (`apt-get install chromium chromium-driver`) and are
driven with selenium, which is told where both are so it never downloads a browser itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from tests.admin.conftest import ADMIN_KEY
from thrive_integration.models import Connection, ConnectionStatus, SyncRun

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        not CHROMEDRIVER.exists(),
        reason="chromedriver is absent (apt-get install chromium-driver)",
    ),
]

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
By = pytest.importorskip("selenium.webdriver.common.by").By
Select = pytest.importorskip("selenium.webdriver.support.select").Select
WebDriverWait = pytest.importorskip("selenium.webdriver.support.wait").WebDriverWait
StaleElementReferenceException = pytest.importorskip(
    "selenium.common.exceptions"
).StaleElementReferenceException

PASSWORD = "browser-test-password"


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER))
    )
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


@pytest.fixture
def admin_user(transactional_db):
    return get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)


def test_admin_adds_a_connection_and_starts_a_sync(
    browser, live_server, admin_user, thrive, integration_settings
):
    browser.get(f"{live_server.url}/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda driver: "/login/" not in driver.current_url)

    browser.get(f"{live_server.url}/admin/thrive_integration/connection/add/")
    owner = browser.find_element(By.NAME, "owner")
    owner.clear()
    owner.send_keys("org-browser")
    browser.find_element(By.NAME, "name").send_keys("Thrive (browser)")
    base_url = browser.find_element(By.NAME, "base_url")
    base_url.clear()
    base_url.send_keys(thrive.url)
    browser.find_element(By.NAME, "api_key").send_keys(ADMIN_KEY)
    browser.find_element(By.NAME, "_save").click()

    assert "was added successfully" in browser.find_element(By.CLASS_NAME, "messagelist").text
    connection = Connection.objects.get(name="Thrive (browser)")
    assert connection.status == ConnectionStatus.ACTIVE
    assert ADMIN_KEY not in browser.page_source

    browser.find_element(
        By.CSS_SELECTOR, f"input[name=_selected_action][value='{connection.pk}']"
    ).click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("sync_selected")
    browser.find_element(By.NAME, "index").click()

    # The changelist already shows a message: wait for the action's, not just any (the old
    # page's element goes stale when the new page replaces it).
    WebDriverWait(browser, 10, ignored_exceptions=[StaleElementReferenceException]).until(
        lambda driver: "queued" in driver.find_element(By.CLASS_NAME, "messagelist").text
    )
    run = SyncRun.objects.get(connection=connection)
    assert f"sync run #{run.pk} queued" in browser.find_element(By.CLASS_NAME, "messagelist").text
