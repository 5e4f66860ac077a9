"""Flask-AppBuilder views and REST APIs, one module per area. Thin: rules live in app/."""


def register_views(appbuilder):
    from views import people, structure

    structure.register(appbuilder)
    people.register(appbuilder)
