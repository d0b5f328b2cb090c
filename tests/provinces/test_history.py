"""Mapping figures across the 2025 reorganisation: default successor forward, primary predecessor back."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config.errors import ApplicationError
from provinces.selectors import figures_to_current, figures_to_legacy, primary_predecessors, remap_figures


def test_legacy_figures_go_to_the_default_successor_and_are_conserved(reorg, django_assert_num_queries):
    figures = {reorg["kim_hy"].pk: 120, reorg["yen_lac"].pk: 80, reorg["cho_ra"].pk: 45, reorg["binh_gia"].pk: 7}
    with django_assert_num_queries(1):
        current = figures_to_current(figures=figures)
    assert current == {
        reorg["van_lang"].pk: 120,  # Kim Hỷ went whole into Văn Lang
        reorg["na_ri_new"].pk: 80,  # Yến Lạc was split; its default successor takes it all
        reorg["cho_ra_new"].pk: 45,
        reorg["binh_gia_new"].pk: 7,
    }
    assert sum(current.values()) == sum(figures.values())


def test_merged_communes_add_up(reorg):
    """Two legacy communes whose default successor is the same 2025 commune."""
    reorg["yen_lac"].successor_links.filter(successor=reorg["na_ri_new"]).update(is_default=False)
    reorg["yen_lac"].successor_links.filter(successor=reorg["van_lang"]).update(is_default=True)
    current = figures_to_current(figures={reorg["kim_hy"].pk: 120, reorg["yen_lac"].pk: 80})
    assert current == {reorg["van_lang"].pk: 200}


def test_provinces_map_too(reorg):
    assert figures_to_current(figures={reorg["province"].pk: 82_250}) == {reorg["thai_nguyen"].pk: 82_250}


def test_current_figures_go_back_to_the_primary_predecessor_and_are_conserved(reorg, django_assert_num_queries):
    figures = {reorg["van_lang"].pk: 300, reorg["na_ri_new"].pk: 90, reorg["cho_ra_new"].pk: 10}
    with django_assert_num_queries(1):
        legacy = figures_to_legacy(figures=figures)
    assert legacy == {
        reorg["kim_hy"].pk: 300,  # Văn Lang's primary predecessor: Kim Hỷ (whole, default), not the part of Yến Lạc
        reorg["yen_lac"].pk: 90,  # Xã Na Rì kept Yến Lạc's code
        reorg["cho_ra"].pk: 10,
    }
    assert sum(legacy.values()) == sum(figures.values())


def test_primary_predecessor_prefers_default_links_then_the_kept_code(reorg):
    assert primary_predecessors(unit_ids=[reorg["van_lang"].pk, reorg["na_ri_new"].pk]) == {
        reorg["van_lang"].pk: reorg["kim_hy"].pk,
        reorg["na_ri_new"].pk: reorg["yen_lac"].pk,
    }
    # Make Yến Lạc's part of Văn Lang a default link too: Kim Hỷ still wins on the lower code (02146 < 02161),
    # unless one of them kept Văn Lang's code.
    reorg["yen_lac"].successor_links.update(is_default=True)
    assert primary_predecessors(unit_ids=[reorg["van_lang"].pk])[reorg["van_lang"].pk] == reorg["kim_hy"].pk


def test_units_without_links_are_refused_not_dropped(reorg):
    with pytest.raises(ApplicationError, match="066"):
        figures_to_current(figures={reorg["kim_hy"].pk: 1, reorg["na_ri"].pk: 5})
    with pytest.raises(ApplicationError, match=r": 06\.$"):  # 06 is itself legacy: it has no predecessors
        figures_to_legacy(figures={reorg["province"].pk: 1, reorg["thai_nguyen"].pk: 5})


def test_empty_figures_map_to_nothing(reorg, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert figures_to_current(figures={}) == {}
        assert figures_to_legacy(figures={}) == {}


@given(
    figures=st.dictionaries(st.integers(1, 50), st.integers(0, 10**6), max_size=40),
    targets=st.lists(st.integers(100, 110), min_size=50, max_size=50),
)
def test_remapping_always_conserves_the_total(figures, targets):
    target_of = {key: targets[key - 1] for key in range(1, 51)}
    remapped = remap_figures(figures=figures, target_of=target_of)
    assert sum(remapped.values()) == sum(figures.values())
    assert set(remapped) <= set(target_of.values())
