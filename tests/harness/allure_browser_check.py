"""Open a generated Allure report in headless Chromium and say what it shows (JSON on stdout).

Run as a separate process by tests/harness/test_allure_browser.py, under a
bound that kills it and its browser (Selenium's own HTTP calls to the driver
have no timeout by default). Usage:
    python allure_browser_check.py REPORT_INDEX SCREENSHOT_DIR FAILED_SCENARIO_NAME
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 20
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1800"]  # fmt: skip


def _driver(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    return driver


def _literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal."""
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in text.split("'")) + ")"


def _by_text(driver: webdriver.Chrome, text: str, testid: str | None = None) -> WebElement:
    """The last element whose own text contains `text` (optionally with that data-testid), once visible."""
    where = f"[@data-testid='{testid}']" if testid else ""
    xpath = f"//*{where}[contains(text(), {_literal(text)})]"
    WebDriverWait(driver, WAIT_SECONDS).until(ec.visibility_of_element_located((By.XPATH, xpath)))
    return driver.find_elements(By.XPATH, xpath)[-1]


def _frames_text(driver: webdriver.Chrome) -> str:
    texts = []
    for frame in driver.find_elements(By.TAG_NAME, "iframe"):
        driver.switch_to.frame(frame)
        texts.append(driver.find_element(By.TAG_NAME, "body").text)
        driver.switch_to.default_content()
    return "\n".join(texts)


def _click(driver: webdriver.Chrome, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def inspect(index: Path, shots: Path, failed_name: str) -> dict[str, Any]:
    shots.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        driver = _driver(profile)
        try:
            driver.get(index.resolve().as_uri())
            _by_text(driver, failed_name, "tree-section-title")
            facts: dict[str, Any] = {"title": driver.title}
            facts["tree"] = [e.text for e in driver.find_elements(By.XPATH, "//*[@data-testid='tree-section-title']")]
            driver.save_screenshot(str(shots / "1-arbre-des-exigences.png"))
            _click(driver, _by_text(driver, failed_name, "tree-leaf-title"))
            _by_text(driver, "Corps du test")
            facts["result_page"] = driver.find_element(By.TAG_NAME, "body").text
            facts["description"] = _frames_text(driver)  # Allure renders the description in a sandboxed frame
            driver.save_screenshot(str(shots / "2-scenario-en-echec.png"))
            _click(driver, _by_text(driver, "Échanges enregistrés par les simulateurs", "test-result-step-title"))
            _click(driver, _by_text(driver, "1. ", "test-result-step-title"))
            _click(driver, _by_text(driver, "requête"))
            shown = "//code[contains(., 'Envelope')] | //pre[contains(., 'Envelope')]"
            code = WebDriverWait(driver, WAIT_SECONDS).until(ec.visibility_of_element_located((By.XPATH, shown)))
            facts["attachment"] = code.text
            driver.save_screenshot(str(shots / "3-piece-jointe-xml.png"))
            facts["console"] = [entry["message"] for entry in driver.get_log("browser")]
            return facts
        except Exception:
            driver.save_screenshot(str(shots / "erreur.png"))
            print(driver.find_element(By.TAG_NAME, "body").text[:3000], file=sys.stderr)
            raise
        finally:
            driver.quit()


if __name__ == "__main__":
    print(json.dumps(inspect(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]), ensure_ascii=False))
