"""One error tree for everything the domain refuses.

Every error carries the contract's stable ``code``, the offending ``field``
(when one field is at fault) and a ``detail`` for a person. Entry points map
the five families (Invalid, NotFound, Forbidden, Conflict, Unprocessable) plus
Unavailable to
their transport's statuses in one place; nothing else needs to know.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat_domain.model import SenderStatus


class ChatError(Exception):
    """Base of every error the service reports to its clients."""

    code: str = "internal"
    title: str = "Internal error"

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(code={self.code!r}, field={self.field!r}, detail={self.detail!r})"

    def __eq__(self, other: object) -> bool:
        # Errors compare by what a client sees, so two adapters can be checked
        # for giving "the same answer" in the state-machine tests.
        if not isinstance(other, ChatError):
            return NotImplemented
        return (type(self), self.code, self.field, self.detail) == (
            type(other),
            other.code,
            other.field,
            other.detail,
        )

    def __hash__(self) -> int:
        return hash((type(self), self.code, self.field, self.detail))


class Invalid(ChatError):
    """The request breaks a shape, type, length or character rule."""

    code = "invalid_field"
    title = "Invalid request"


class DuplicateUser(Invalid):
    code = "duplicate_user"
    title = "Duplicate member"

    def __init__(self, user_id: str, *, field: str) -> None:
        super().__init__(f"user {user_id} is listed more than once", field=field)
        self.user_id = user_id


class NotFound(ChatError):
    code = "not_found"
    title = "Not found"


class UserNotFound(NotFound):
    code = "user_not_found"
    title = "User not found"

    def __init__(self, user_ids: Sequence[str], *, field: str, detail: str | None = None) -> None:
        ids = ", ".join(user_ids)
        noun = "user" if len(user_ids) == 1 else "users"
        super().__init__(detail or f"no {noun} with id {ids}", field=field)
        self.user_ids = tuple(user_ids)


class ChatNotFound(NotFound):
    code = "chat_not_found"
    title = "Chat not found"

    def __init__(self, chat_id: str, *, field: str = "chat") -> None:
        super().__init__(f"no chat with id {chat_id}", field=field)
        self.chat_id = chat_id


class MessageNotFound(NotFound):
    code = "message_not_found"
    title = "Message not found"

    def __init__(self, message_id: str, chat_id: str, *, field: str) -> None:
        super().__init__(f"no message with id {message_id} in chat {chat_id}", field=field)
        self.message_id = message_id


class InvalidCursor(Invalid):
    code = "invalid_cursor"
    title = "Invalid cursor"

    def __init__(self, detail: str, *, field: str = "after") -> None:
        super().__init__(detail, field=field)


class Forbidden(ChatError):
    code = "forbidden"
    title = "Forbidden"


class NotAMember(Forbidden):
    code = "not_a_member"
    title = "Not a member"

    def __init__(self, user_id: str, chat_id: str) -> None:
        super().__init__(f"user {user_id} is not a member of chat {chat_id}", field="author")
        self.user_id = user_id
        self.chat_id = chat_id


class Conflict(ChatError):
    code = "conflict"
    title = "Conflict"


class UsernameTaken(Conflict):
    code = "username_taken"
    title = "Username taken"

    def __init__(self, username: str) -> None:
        super().__init__(f"the username {username!r} is taken", field="username")
        self.username = username


class ChatNameTaken(Conflict):
    code = "chat_name_taken"
    title = "Chat name taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"the chat name {name!r} is taken", field="name")
        self.name = name


class Unprocessable(ChatError):
    """The request is well formed but contradicts what the service already holds."""

    code = "unprocessable"
    title = "Unprocessable request"


class ClientMsgIdReused(Unprocessable):
    code = "client_msg_id_reused"
    title = "Client message id reused"

    def __init__(self, client_msg_id: str, original_id: str) -> None:
        super().__init__(
            f"client_msg_id {client_msg_id!r} was used by this author in this chat for"
            f" message {original_id}, with another text",
            field="client_msg_id",
        )
        self.original_id = original_id


class Unavailable(ChatError):
    """The store cannot be reached; the client should retry later."""

    code = "unavailable"
    title = "Service unavailable"


def sender_refusal(status: SenderStatus, chat_id: str, author_id: str) -> ChatError | None:
    """Why ``author_id`` may not post to ``chat_id``; ``None`` for a member."""
    if status is SenderStatus.CHAT_MISSING:
        return ChatNotFound(chat_id)
    if status is SenderStatus.AUTHOR_MISSING:
        return UserNotFound([author_id], field="author")
    if status is SenderStatus.NOT_MEMBER:
        return NotAMember(author_id, chat_id)
    return None


def members_not_found(members: Sequence[str], missing: Sequence[str]) -> UserNotFound:
    """The refusal of a chat whose ``missing`` members name nobody: the one member's
    place (``users[2]``) when it is one, else the whole field."""
    field = f"users[{members.index(missing[0])}]" if len(missing) == 1 else "users"
    return UserNotFound(missing, field=field)
