"""The footer's language switcher: plain links that remember the choice and lead back, never elsewhere."""
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from practice.i18n import COOKIE


def footer_links(html: str) -> dict[str, str]:
    """The switcher's links by language: each <a> tag whole."""
    footer = html[html.index("<footer"):]
    return {lang: tag for tag, lang in re.findall(r'(<a [^>]*\blang="([a-z]+)"[^>]*>)', footer)}


def test_choosing_a_language_remembers_it_for_a_year_and_goes_back(client, offer):
    response = client.get("/language/es", query_string={"next": f"{offer.path}?day={offer.day.isoformat()}"})

    assert response.status_code == 303
    assert response.location == f"{offer.path}?day={offer.day.isoformat()}"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=es;")
    assert "Max-Age=31536000" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert '<html lang="es"' in client.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "http:/evil.example",
     "javascript:alert(1)", "/\tevil", "evil.example", ""],
)
def test_the_switcher_never_leads_to_another_site(client, target):
    response = client.get("/language/en", query_string={"next": target})

    assert response.status_code == 303
    assert response.location == "/"


def test_a_language_we_dont_speak_is_not_found(client):
    assert client.get("/language/fr").status_code == 404


def test_the_footer_offers_each_language_in_itself_and_marks_the_current_one(client, offer):
    html = client.get(offer.path, query_string={"day": offer.day.isoformat()}, headers={"Accept-Language": "es"}).get_data(as_text=True)

    links = footer_links(html)
    assert set(links) == {"en", "es"}
    assert ">English<" in html and ">Español<" in html
    assert 'aria-current="true"' in links["es"] and "aria-current" not in links["en"]
    href = unescape(re.search(r'href="([^"]+)"', links["en"]).group(1))
    assert urlsplit(href).path == "/language/en"
    assert parse_qs(urlsplit(href).query)["next"] == [f"{offer.path}?day={offer.day.isoformat()}"]
