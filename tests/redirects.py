"""Redirect assertions for the web tests: the status *and* where it sends the browser."""
from fnmatch import fnmatchcase
from urllib.parse import parse_qs, urlsplit


def redirects_to(response, target: str, status: tuple = (302, 303)):
    """Assert `response` is a redirect (302/303, or `status`) to `target`: a path, compared with the Location's path;
    when `target` has a query or a fragment, those are compared too (the query as parsed values). A `*` in the path
    stands for a part not known in advance (a new case's number). Returns the response."""
    assert response.status_code in ((status,) if isinstance(status, int) else status), \
        (response.status_code, response.get_data(as_text=True)[:300])
    location = urlsplit(response.headers["Location"])
    wanted = urlsplit(target)
    assert fnmatchcase(location.path, wanted.path), f"redirected to {response.headers['Location']}, not {target}"
    if wanted.query:
        assert parse_qs(location.query) == parse_qs(wanted.query), response.headers["Location"]
    if wanted.fragment:
        assert location.fragment == wanted.fragment, response.headers["Location"]
    return response
