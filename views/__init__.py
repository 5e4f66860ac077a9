"""Flask-AppBuilder views and REST APIs, one module per area. Thin: rules live in app/."""


def register_views(appbuilder):
    from views import accounts, journal, journal_grid, people, structure

    journal_grid.register(appbuilder)
    journal.register(appbuilder)
    structure.register(appbuilder)
    people.register(appbuilder)
    accounts.register(appbuilder)
