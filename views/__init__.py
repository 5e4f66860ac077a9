"""Flask-AppBuilder views and REST APIs, one module per area. Thin: rules live in app/."""


def register_views(appbuilder):
    from views import accounts, journal, journal_grid, notifications, people, structure, timetable, timetable_api

    journal_grid.register(appbuilder)
    journal.register(appbuilder)
    timetable.register(appbuilder)
    timetable_api.register(appbuilder)
    structure.register(appbuilder)
    people.register(appbuilder)
    accounts.register(appbuilder)
    notifications.register(appbuilder)
    from views import notification_settings, parent_report

    notification_settings.register(appbuilder)
    parent_report.register(appbuilder)
    from views import diary; diary.register(appbuilder)  # noqa: E702 (its menu item puts itself first)
    from views import messages

    messages.register(appbuilder)
    from views import printouts; printouts.register(appbuilder)  # noqa: E702
    # The OpenAPI spec at /api/v1/_openapi (DESIGN.md), without FAB's Swagger UI: that
    # page loads its scripts from a CDN, which school networks do not reach.
    from flask_appbuilder.api.manager import OpenApi

    appbuilder.add_api(OpenApi)
