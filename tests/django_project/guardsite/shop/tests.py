"""The site's own tests: a name used only here does not block its deletion."""

from waffle.testutils import override_flag


@override_flag("only_in_tests", active=True)
def test_only_in_tests():
    pass
