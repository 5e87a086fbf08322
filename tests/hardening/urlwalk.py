"""Walk the project's URL configuration: every pattern, as a path with real ids, and what it answered.

``routes()`` flattens ``get_resolver().url_patterns`` (includes and namespaces too) into one
``Route`` per pattern, keyed by its full pattern as Django joins it (``ResolverMatch.route``):
``applications/<int:pk>/edit/``, ``api/^(?P<path>.*)$``. ``Route.path(values)`` fills the
parameters, named (``pk``) or positional (``#0``), and ``outcome()`` reduces a response to what
the permission table compares: a status code, or where a redirect leads.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _regex_template(regex: str) -> tuple[str, list[str]]:
    """``^confirm-email/(?P<key>[-:\\w]+)/$`` → (``confirm-email/{key}/``, [``key``]).

    Named groups become ``{name}``, unnamed ones ``{#0}``, ``{#1}``…; anchors go, escapes are undone.
    """
    out, params, i, positional = [], [], 0, 0
    text = regex.removeprefix("^")
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if ch == "(":
            depth, j, in_class = 0, i, False
            while j < len(text):  # the matching parenthesis, skipping [...] classes and escapes
                c = text[j]
                if c == "\\":
                    j += 2
                    continue
                if in_class:
                    in_class = c != "]"
                elif c == "[":
                    in_class = True
                elif c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            group = text[i : j + 1]
            named = re.match(r"\(\?P<(\w+)>", group)
            if named:
                name = named.group(1)
            elif group.startswith("(?:"):
                raise ValueError(f"Cannot build a path for the non-capturing group in {regex!r}")
            else:
                name = f"#{positional}"
                positional += 1
            params.append(name)
            out.append("{" + name + "}")
            i = j + 1
            continue
        if ch == "$" and i == len(text) - 1:
            break
        out.append(ch)
        i += 1
    return "".join(out), params


def _template(pattern) -> tuple[str, list[str]]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        params = [m.group("name") for m in _ROUTE_PARAM.finditer(route)]
        return _ROUTE_PARAM.sub(lambda m: "{" + m.group("name") + "}", route), params
    if isinstance(pattern, RegexPattern):
        return _regex_template(str(pattern))
    raise TypeError(f"Unknown pattern type {type(pattern).__name__}")


@dataclass(frozen=True)
class Route:
    route: str  # the full pattern, as ResolverMatch.route spells it
    name: str  # the URL name with its namespaces ("api:affiliate-list"), or ""
    template: str  # "applications/{pk}/edit/"
    params: tuple[str, ...]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def key(self) -> str:
        return self.route

    def path(self, values: dict[str, object]) -> str:
        missing = [p for p in self.params if p not in values]
        if missing:
            raise KeyError(f"No value for {missing} in {self.route!r}")
        filled = self.template
        for param in self.params:
            filled = filled.replace("{" + param + "}", str(values[param]), 1)
        return "/" + filled


def routes(
    patterns=None, *, _prefix: tuple[str, str, tuple[str, ...]] = ("", "", ()), _ns: str = ""
) -> list[Route]:
    """Every URL pattern of the project (or of ``patterns``), includes flattened, in resolution order."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    found: list[Route] = []
    base_route, base_template, base_params = _prefix
    for entry in patterns:
        template, params = _template(entry.pattern)
        # Positional groups are numbered along the whole route.
        offset = sum(1 for p in base_params if p.startswith("#"))
        if offset:
            for index in range(sum(1 for p in params if p.startswith("#")) - 1, -1, -1):
                template = template.replace(f"{{#{index}}}", f"{{#{index + offset}}}")
            params = [f"#{int(p[1:]) + offset}" if p.startswith("#") else p for p in params]
        joined = (
            URLResolver._join_route(base_route, str(entry.pattern)),  # as ResolverMatch.route joins them
            base_template + template,
            (*base_params, *params),
        )
        if isinstance(entry, URLResolver):
            namespace = f"{_ns}:{entry.namespace}" if _ns and entry.namespace else (entry.namespace or _ns)
            found += routes(entry.url_patterns, _prefix=joined, _ns=namespace)
        elif isinstance(entry, URLPattern):
            name = f"{_ns}:{entry.name or ''}" if _ns else entry.name or ""
            found.append(Route(joined[0], name, joined[1], joined[2]))
    return found


def resolves_to(route: Route, path: str) -> bool:
    """Whether ``path`` reaches ``route`` (and not an earlier pattern that also matches)."""
    match = resolve(urlsplit(path).path)
    return match.route == route.route


@dataclass(frozen=True)
class Redirect:
    to: str

    def __repr__(self) -> str:
        return f"→{self.to}"


def outcome(response, *, placeholders: dict[str, object] | None = None) -> object:
    """A status code, or for a redirect ``→<path>`` with known ids put back as ``{pk}`` etc.

    Redirects to the log-in pages are ``LOGIN`` (the site's) and ``ADMIN_LOGIN`` (the admin's,
    which itself sends to the site's).
    """
    if response.status_code in (301, 302, 303, 307, 308):
        location = urlsplit(response["Location"]).path
        if location == "/accounts/login/":
            return LOGIN
        if location == "/admin/login/":
            return ADMIN_LOGIN
        for name, value in sorted((placeholders or {}).items(), key=lambda kv: -len(str(kv[1]))):
            location = re.sub(rf"/{re.escape(str(value))}/", "/{" + name + "}/", location)
        return f"→{location}"
    return response.status_code


LOGIN = "login"
ADMIN_LOGIN = "admin-login"
