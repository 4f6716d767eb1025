"""Templates: {field}, {field.subfield}, {list.0}, {{ }} escapes, filters, and errors naming record and field."""

from __future__ import annotations

import pytest

from bedrock_ft.core.errors import InputError
from bedrock_ft.data.templates import Template, TemplateFieldError, TemplateSyntaxError

RECORD = {
    "question": "Why?",
    "outputs": {"plan": "Fix it", "eval_items": ["1.1.1: fail", "1.4.3: fail"], "score": 3, "ok": True},
    "tags": ["a", "b"],
    "meta": {"nested": {"deep": "yes"}},
    "flat.key": "flat value",
    "empty": None,
}


def render(text: str, record: dict = RECORD) -> str:
    return Template.parse(text).render(record, "record 7")


def test_plain_field_renders() -> None:
    assert render("Q: {question}") == "Q: Why?"


def test_subfield_renders() -> None:
    assert render("{outputs.plan}") == "Fix it"


def test_deeply_nested_field_renders() -> None:
    assert render("{meta.nested.deep}") == "yes"


def test_list_index_renders() -> None:
    assert render("{tags.1}") == "b"


def test_list_renders_one_item_per_line() -> None:
    assert render("{outputs.eval_items}") == "1.1.1: fail\n1.4.3: fail"


def test_bullets_filter() -> None:
    assert render("{outputs.eval_items|bullets}") == "- 1.1.1: fail\n- 1.4.3: fail"


def test_comma_filter() -> None:
    assert render("{tags|comma}") == "a, b"


def test_json_filter() -> None:
    assert render("{tags|json}") == '["a", "b"]'


def test_numbers_and_booleans_render_as_text() -> None:
    assert render("{outputs.score} {outputs.ok}") == "3 True"


def test_dict_renders_as_json() -> None:
    assert render("{meta}") == '{"nested": {"deep": "yes"}}'


def test_double_braces_are_literal() -> None:
    assert render('{{"q": "{question}"}}') == '{"q": "Why?"}'


def test_flat_dotted_column_is_found() -> None:
    assert render("{flat.key}") == "flat value"


def test_fields_lists_placeholders() -> None:
    assert Template.parse("{a} and {b.c|json}").fields == ["a", "b.c"]


def test_unknown_field_names_record_and_field() -> None:
    with pytest.raises(TemplateFieldError) as caught:
        render("{answer}")
    assert caught.value.record == "record 7"
    assert caught.value.field == "answer"
    assert "record 7" in str(caught.value) and "'answer'" in str(caught.value)


def test_unknown_subfield_lists_what_the_parent_has() -> None:
    with pytest.raises(TemplateFieldError, match=r"outputs.rationale.*eval_items"):
        render("{outputs.rationale}")


def test_list_index_out_of_range_is_an_error() -> None:
    with pytest.raises(TemplateFieldError, match="2 item"):
        render("{tags.5}")


def test_list_with_a_name_is_an_error() -> None:
    with pytest.raises(TemplateFieldError, match="is a list"):
        render("{tags.first}")


def test_null_value_is_an_error() -> None:
    with pytest.raises(TemplateFieldError, match="empty"):
        render("{empty}")


def test_template_field_error_is_an_input_error() -> None:
    assert issubclass(TemplateFieldError, InputError)


@pytest.mark.parametrize("text", ["{", "}", "a { b", "{}", "{ }", "{a b}"])
def test_malformed_template_is_a_syntax_error(text: str) -> None:
    with pytest.raises(TemplateSyntaxError):
        Template.parse(text)


def test_unknown_filter_is_a_syntax_error() -> None:
    with pytest.raises(TemplateSyntaxError, match="filter"):
        Template.parse("{tags|upper}")


@pytest.mark.parametrize("key", ["²", "9" * 5000, "٣"])
def test_a_list_index_that_is_not_a_plain_number_is_a_field_error(key: str) -> None:
    template = Template.parse("{items." + key + "}")
    with pytest.raises(TemplateFieldError, match="use a number to pick an item"):
        template.render({"items": ["a", "b", "c", "d"]}, "rec 1")
