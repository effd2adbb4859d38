"""The JSON API (django-ninja). See docs/api.md for auth, errors, endpoints and examples.

Interactive docs at /api/docs, the OpenAPI schema at /api/openapi.json.

Routers live in each app's ``api.py`` and call the same access functions and
services as the pages; this module only wires them up, says who is signed in,
and turns exceptions into the few error shapes the API promises:

- 401 ``{"detail"}``: a signed-in endpoint, nobody signed in (checked before CSRF,
  so an anonymous caller learns that it must sign in, not that a token is missing).
- 403 ``{"detail"}``: signed in, the thing is visible to them, but the action needs
  a role they do not hold in its organisation; also a failed CSRF check.
- 404 ``{"detail": "Not found."}``: missing and not allowed, the same body.
- 409 ``{"detail", "code", "errors"}``: a conflict, such as joining a group twice.
- 422 ``{"detail", "code", "errors": {field: [message]}}``: input the services or
  the schemas refuse, with a message per field in plain words.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import SessionAuth

from peercircle.programmes.api import router as programmes_router
from peercircle.programmes.services import EnrolmentError
from peercircle.questionnaires.api import QUESTIONNAIRE_ERROR_FIELD, QUESTIONNAIRE_ERROR_STATUS
from peercircle.questionnaires.api import router as questionnaires_router
from peercircle.questionnaires.services import QuestionnaireError
from peercircle.rooms.access import RoomClosed
from peercircle.rooms.api import ROOM_ERROR_FIELD, ROOM_ERROR_STATUS
from peercircle.rooms.api import router as rooms_router
from peercircle.rooms.services import RoomError
from peercircle.volunteers.api import VOLUNTEER_ERROR_STATUS
from peercircle.volunteers.api import router as volunteers_router
from peercircle.volunteers.services import VolunteerError

NOT_FOUND = {"detail": "Not found."}
#: EnrolmentError codes that mean "the thing you asked for conflicts with what is there".
CONFLICT_CODES = frozenset({"duplicate"})


class SignedIn(SessionAuth):
    """Django's session cookie, with Django's CSRF check on unsafe methods.

    Nobody signed in is a 401 before the CSRF check runs. A person whose
    account has a confirmed second factor must have verified it in this
    session, as on the staff pages; otherwise the API would be a way round it.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated:
            return None
        if not _second_factor_ok(user):
            raise AuthenticationError(message="Verify your second factor (two-step sign-in) first.")
        return user


def _second_factor_ok(user: Any) -> bool:
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return bool(getattr(user, "is_verified", lambda: False)())
    if settings.STAFF_TWO_FACTOR_REQUIRED:
        from peercircle.core.access import organisations_where
        from peercircle.core.roles import STAFF_ROLES

        return not (user.is_staff or organisations_where(user, STAFF_ROLES))
    return True


signed_in = SignedIn()

api = NinjaAPI(
    title="PeerCircle API",
    version="1",
    description=(
        "Programmes, groups, sessions, enrolment, attendance, live rooms, questionnaires "
        "and volunteering. "
        "Signed-in endpoints use the Django session cookie and need the CSRF token "
        "(X-CSRFToken header) on unsafe methods. "
        "Errors: 401 not signed in, 403 missing role, 404 not found or not allowed (one body), "
        "409 conflict, 422 invalid input with a message per field. See docs/api.md."
    ),
    urls_namespace="api",
)


# --- errors -----------------------------------------------------------------------


def _plain(messages: dict[str, list[str]]) -> str:
    return " ".join(message for field_messages in messages.values() for message in field_messages)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # One body for every 404, whatever the reason, so that nothing can be learnt from it.
    return api.create_response(request, NOT_FOUND, status=404)


@api.exception_handler(AuthenticationError)
def not_signed_in(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    detail = exc.message if exc.message != "Unauthorized" else "Sign in to do this."
    return api.create_response(request, {"detail": detail}, status=401)


@api.exception_handler(DjangoValidationError)
def invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if isinstance(exc, EnrolmentError) or not hasattr(exc, "error_dict"):
        message = " ".join(exc.messages)
        code = getattr(exc, "code", None) or "invalid"
        body: dict[str, Any] = {
            "detail": message,
            "code": code,
            "errors": {NON_FIELD_ERRORS: [message]},
        }
        params = getattr(exc, "params", None) or {}
        if code == "missing_context" and params.get("fields"):
            # Which parts of the person's context profile the programme needs.
            body["errors"] = {field: [message] for field in params["fields"]}
        return api.create_response(request, body, status=409 if code in CONFLICT_CODES else 422)
    errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    return api.create_response(
        request, {"detail": _plain(errors), "code": "invalid", "errors": errors}, status=422
    )


# Pydantic's messages, said plainly. Anything not here keeps pydantic's own words.
_PLAIN_MESSAGES = {
    "missing": "This is required.",
    "int_parsing": "Give a whole number.",
    "int_type": "Give a whole number.",
    "int_from_float": "Give a whole number.",
    "float_parsing": "Give a number.",
    "float_type": "Give a number.",
    "finite_number": "Give a number.",
    "bool_parsing": "Give true or false.",
    "bool_type": "Give true or false.",
    "string_type": "Give some text.",
    "list_type": "Give a list.",
    "dict_type": "Give an object of names and values.",
    "model_type": "Give an object of names and values.",
    "model_attributes_type": "Give an object of names and values.",
    "time_parsing": "Give a time such as 19:00.",
    "time_type": "Give a time such as 19:00.",
    "date_parsing": "Give a date such as 2025-09-01.",
    "date_from_datetime_parsing": "Give a date such as 2025-09-01.",
    "date_type": "Give a date such as 2025-09-01.",
    "extra_forbidden": "This is not a field we know; check the spelling.",
    "enum": "Choose one of: {expected}.",
    "literal_error": "Choose one of: {expected}.",
    "greater_than": "Must be more than {gt}.",
    "greater_than_equal": "Must be at least {ge}.",
    "less_than": "Must be less than {lt}.",
    "less_than_equal": "Must be at most {le}.",
    "string_too_short": "Must be at least {min_length} characters.",
    "string_too_long": "Must be at most {max_length} characters.",
}


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        # ("body", "<parameter name>", "field", ...): the parameter name means nothing to a caller.
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in {"query", "path", "cookie", "header", "form", "file"}:
        parts = parts[1:]
    # pydantic marks a bad dictionary key with a "[key]" step after the key itself.
    return ".".join(part for part in parts if part != "[key]") or NON_FIELD_ERRORS


def _pydantic_message(error: dict[str, Any]) -> str:
    template = _PLAIN_MESSAGES.get(error.get("type", ""))
    if template is None:
        message = str(error.get("msg", "This is not valid."))
        return message.removeprefix("Value error, ")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return str(error.get("msg", "This is not valid."))


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), []).append(_pydantic_message(error))
    body = {
        "detail": _plain({f: [f"{f}: {m}" for m in ms] for f, ms in errors.items()}),
        "code": "invalid",
        "errors": errors,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(RoomError)
def room_refused(request: HttpRequest, exc: RoomError) -> HttpResponse:
    # A live room refused an action: the status by its code (rooms/api.py), the
    # message in plain words, and retry_after (429) or until (muted) beside it.
    status = ROOM_ERROR_STATUS.get(exc.code, 422)
    if status == 404:
        return api.create_response(request, NOT_FOUND, status=404)
    field = ROOM_ERROR_FIELD.get(exc.code, NON_FIELD_ERRORS)
    body = {"detail": exc.message, "code": exc.code, "errors": {field: [exc.message]}}
    body.update({key: value for key, value in exc.extra.items() if value is not None})
    response = api.create_response(request, body, status=status)
    if "retry_after" in body:
        response["Retry-After"] = str(body["retry_after"])
    return response


@api.exception_handler(QuestionnaireError)
def questionnaire_refused(request: HttpRequest, exc: QuestionnaireError) -> HttpResponse:
    # Nothing was stored. A refused answer names the question in ``detail`` and
    # gives its 1-based number as ``item`` (questionnaires/api.py).
    code = exc.code or "invalid"
    field = QUESTIONNAIRE_ERROR_FIELD.get(code) or ("answers" if exc.item else NON_FIELD_ERRORS)
    body: dict[str, Any] = {"detail": exc.text, "code": code, "errors": {field: [exc.text]}}
    if exc.item is not None:
        body["item"] = exc.item
    return api.create_response(request, body, status=QUESTIONNAIRE_ERROR_STATUS.get(code, 422))


@api.exception_handler(VolunteerError)
def volunteer_refused(request: HttpRequest, exc: VolunteerError) -> HttpResponse:
    # Nothing was changed. A refusal about fields names each one; a step out of
    # order (409) or one that is not theirs to take (403) says why.
    code = getattr(exc, "code", None) or "invalid"
    if hasattr(exc, "error_dict"):
        errors = {field: list(messages) for field, messages in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: [exc.text]}
    body = {"detail": exc.text, "code": code, "errors": errors}
    return api.create_response(request, body, status=VOLUNTEER_ERROR_STATUS.get(code, 422))


@api.exception_handler(RoomClosed)
def room_closed(request: HttpRequest, exc: RoomClosed) -> HttpResponse:
    body: dict[str, Any] = {
        "detail": exc.message,
        "code": "closed",
        "errors": {NON_FIELD_ERRORS: [exc.message]},
    }
    if exc.opens_at is not None:
        body["opens_at"] = exc.opens_at.isoformat()
    return api.create_response(request, body, status=409)


# --- routers ----------------------------------------------------------------------

api.add_router("", programmes_router, auth=signed_in)
api.add_router("", rooms_router, auth=signed_in)
api.add_router("", questionnaires_router, auth=signed_in)
api.add_router("", volunteers_router, auth=signed_in)
