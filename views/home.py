"""The start page: what this person can do here, in the school's words."""
from flask import g
from flask_appbuilder import IndexView, expose

from app.extensions import db
from app.structure import ClassGroup, SchoolYear
from security import policy


class HomeView(IndexView):
    index_template = "home.html"

    @expose("/")
    def index(self):
        user = g.user if getattr(g, "user", None) is not None and g.user.is_authenticated else None
        context = {"person": None, "year": None, "led_classes": []}
        if user is not None:
            person = policy.person_of(user)
            context["person"] = person.staff or person.student or person.guardian
            context["year"] = db.session.scalar(db.select(SchoolYear).where(SchoolYear.is_current.is_(True)))
            if person.staff is not None:
                context["led_classes"] = db.session.scalars(
                    db.select(ClassGroup).where(ClassGroup.class_teacher_id == person.staff.id)).all()
        return self.render_template(self.index_template, appbuilder=self.appbuilder, **context)
