from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "peercircle.rooms"
    label = "rooms"
    verbose_name = "Live rooms and conversations"

    def ready(self) -> None:
        from peercircle.programmes.signals import enrolment_ended
        from peercircle.rooms.services import on_enrolment_ended

        enrolment_ended.connect(on_enrolment_ended, dispatch_uid="rooms.on_enrolment_ended")
