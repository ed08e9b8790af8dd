"""Table texts are marked where they are defined, and the two built sentences are templates the catalogue has."""
from flask_babel import force_locale

from radiolic.texts import N_, Msg, Name, shown


def test_built_sentences_read_in_the_page_language(app):
    paused = Msg(N_("%(stop)s期间暂停计时"), stop=Name("听证"))
    second = Msg(N_("%(title)s（第%(n)s次）"), title=Name("补正材料通知书"), n=2)
    with app.test_request_context("/"):
        assert (shown(paused), shown(second)) == ("听证期间暂停计时", "补正材料通知书（第2次）")
        with force_locale("en"):
            assert shown(paused) == "Clock stopped: Hearing"
            assert shown(second) == "One-time notice of all corrections (no. 2)"
            assert shown("工作台") != "工作台"      # a table text marked with N_ is in the catalogue
