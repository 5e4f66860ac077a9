"""Flask-AppBuilder views and REST APIs, one module per area. Thin: rules live in app/."""


def register_views(appbuilder):
    from views import accounts, people, structure

    structure.register(appbuilder)
    people.register(appbuilder)
    accounts.register(appbuilder)
