"""Forms of the officers app, one module per area (as officers/views). Every choice of a school,
student, partner or person is scoped to the user in __init__."""
