"""An e-mail backend for tests: records what it sends, or raises the errors it is given."""

from django.core.mail.backends.locmem import EmailBackend


class ScriptedBackend(EmailBackend):
    """``ScriptedBackend.errors``: raised one per send, in order, before anything is sent."""

    errors: list[BaseException] = []
    sends = 0

    def send_messages(self, messages):
        type(self).sends += 1
        if type(self).errors:
            raise type(self).errors.pop(0)
        return super().send_messages(messages)
