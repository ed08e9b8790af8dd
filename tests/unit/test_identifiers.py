"""Tests for radiolic.identifiers."""

import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from radiolic.identifiers import (
    Check,
    check_credit_code,
    check_id_code,
    check_id_number,
    e_licence_identifier,
    iso7064_mod37_36_check,
    mask_id,
    mask_name,
    mask_phone,
)

TODAY = date(2025, 6, 1)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
MOD36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# Oracles written from the standards' text, independent of the module under test.
def uscc_check(body):
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, weights))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def id_check(body):
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def mod37_36_valid(s):
    # ISO/IEC 7064 hybrid system verification: a string with its check character ends at 1.
    p = 36
    for c in s[:-1]:
        p = (((p + MOD36.index(c)) % 36) or 36) * 2 % 37
    return (p + MOD36.index(s[-1])) % 36 == 1


def normalised(s):
    return unicodedata.normalize("NFKC", s).strip().upper()


# --- 统一社会信用代码 -------------------------------------------------------


@pytest.mark.parametrize(
    "raw, value",
    [
        ("91441800123456788U", "91441800123456788U"),
        ("914418000000001070", "914418000000001070"),
        ("  91441800123456788u \n", "91441800123456788U"),
        ("９１４４１８００１２３４５６７８８Ｕ", "91441800123456788U"),  # full-width IME input
    ],
)
def test_valid_credit_codes(raw, value):
    assert check_credit_code(raw) == Check(value, None, None)
    assert check_credit_code(raw).ok


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "未填写统一社会信用代码"),
        ("   ", "未填写统一社会信用代码"),
        ("91441800123456788", "统一社会信用代码应为18位，实际为17位"),
        ("91441800123456788U0", "统一社会信用代码应为18位，实际为19位"),
        ("9144180012345678IU", "第17位“I”不是有效字符"),
        ("O1441800123456788U", "第1位“O”不是有效字符"),
        ("91441800123456788Z", "第18位“Z”不是有效字符"),
        ("9144180012345S788U", "第14位“S”不是有效字符"),
        ("914418001234V6788U", "第13位“V”不是有效字符"),
        ("9144180012345-788U", "第14位“-”不是有效字符"),
        ("91441800 12345678U", "第9位U+0020不是有效字符"),
    ],
)
def test_credit_code_errors(raw, message):
    result = check_credit_code(raw)
    assert message in result.error
    assert result.warning is None and not result.ok


def test_credit_code_wrong_check_char_is_only_a_warning():
    result = check_credit_code("91441800123456788X")
    assert result.error is None
    assert result.warning == (
        "统一社会信用代码校验位应为 U，实际为 X（早期试点代码可能如此，请核实并注明理由）"
    )
    assert not result.ok


@given(st.text(USCC_ALPHABET, min_size=17, max_size=17))
def test_generated_credit_codes_pass(body):
    code = body + uscc_check(body)
    assert check_credit_code(code).ok
    assert check_credit_code(code.lower()).ok


@given(
    st.text(USCC_ALPHABET, min_size=17, max_size=17),
    st.integers(0, 17),
    st.characters(),
)
def test_credit_code_with_one_char_changed_is_never_ok(body, index, replacement):
    code = body + uscc_check(body)
    changed = code[:index] + replacement + code[index + 1 :]
    assume(normalised(changed) != code)
    assert not check_credit_code(changed).ok


# --- 居民身份证号码 ---------------------------------------------------------


@pytest.mark.parametrize(
    "raw, value",
    [
        ("441802199001010017", "441802199001010017"),
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        (" 441802199001010017 ", "441802199001010017"),
    ],
)
def test_valid_id_numbers(raw, value):
    assert check_id_number(raw, TODAY) == Check(value, None, None)


def _with_check(body):
    return body + id_check(body)


@pytest.mark.parametrize(
    "raw, message",
    [
        ("", "未填写身份证号码"),
        ("44180219900101001", "身份证号码应为18位，实际为17位"),
        ("441802900101001", "身份证号码应为18位，实际为15位（15位旧号码请换算为18位）"),
        ("44180219900101001A", "第18位“A”应为数字或 X"),
        ("4418021990010100X7", "第17位“X”不是数字"),
        ("A41802199001010017", "第1位“A”不是数字"),
        (_with_check("44180219900230001"), "出生日期 19900230 不是有效日期"),
        (_with_check("44180219901301001"), "出生日期 19901301 不是有效日期"),
        (_with_check("44180200000101001"), "出生日期 00000101 不是有效日期"),
        (_with_check("44180218991231001"), "出生日期 18991231 早于1900年"),
        (_with_check("44180220250602001"), "出生日期 20250602 晚于今天"),
        ("441802199001010018", "身份证号码校验位应为 7，实际为 8"),
        ("110105194912310021", "身份证号码校验位应为 X，实际为 1"),
    ],
)
def test_id_number_errors(raw, message):
    result = check_id_number(raw, TODAY)
    assert message in result.error
    assert result.warning is None and not result.ok


@pytest.mark.parametrize("body", ["44180219000101001", "44180220250601001", "44180220000229001"])
def test_id_birth_date_edges_accepted(body):
    # 1900-01-01, born today, and a leap day are all real, allowed dates.
    assert check_id_number(_with_check(body), TODAY).ok


id_bodies = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq:03d}",
    st.integers(110000, 659999),
    st.dates(date(1900, 1, 1), TODAY),
    st.integers(0, 999),
)


@given(id_bodies)
def test_generated_id_numbers_pass(body):
    assert check_id_number(_with_check(body), TODAY).ok


@given(id_bodies, st.integers(0, 17), st.characters())
def test_id_number_with_one_char_changed_is_never_ok(body, index, replacement):
    number = _with_check(body)
    changed = number[:index] + replacement + number[index + 1 :]
    assume(normalised(changed) != number)
    assert not check_id_number(changed, TODAY).ok


# --- dispatch and robustness ------------------------------------------------


def test_check_id_code_dispatch():
    assert check_id_code("organisation", "91441800123456788U", TODAY).ok
    assert check_id_code("person", "441802199001010017", TODAY).ok
    assert not check_id_code("person", "91441800123456788U", TODAY).ok
    with pytest.raises(ValueError):
        check_id_code("alien", "441802199001010017", TODAY)


@settings(max_examples=200)
@given(st.text())
def test_validators_and_masks_never_raise_on_text(raw):
    for result in (
        check_credit_code(raw),
        check_id_number(raw, TODAY),
        check_id_code("organisation", raw, TODAY),
        check_id_code("person", raw, TODAY),
    ):
        assert isinstance(result, Check)
        assert result.error is None or isinstance(result.error, str)
        assert result.ok == (result.error is None and result.warning is None)
    for mask in (mask_id, mask_phone, mask_name):
        assert isinstance(mask(raw), str)


@given(st.text(alphabet="0123456789XxABC \u3000１２", max_size=20))
def test_validators_never_raise_on_near_miss_text(raw):
    check_credit_code(raw)
    check_id_number(raw, TODAY)


@pytest.mark.parametrize("bad", [None, 123, b"441802199001010017"])
def test_non_str_raises_type_error(bad):
    with pytest.raises(TypeError):
        check_credit_code(bad)
    with pytest.raises(TypeError):
        check_id_number(bad, TODAY)
    for mask in (mask_id, mask_phone, mask_name):
        with pytest.raises(TypeError):
            mask(bad)


def test_today_may_be_a_datetime():
    assert check_id_number("441802199001010017", datetime(2025, 6, 1, 9, 30)).ok


# --- masking ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value, masked",
    [
        ("441802199001010017", "4418**********0017"),
        ("91441800123456788U", "9144**********788U"),
        ("123456789012", "1234****9012"),
        ("1234567890", "12******90"),  # too short for 4 + 4: keep 2 + 2
        ("12345", "1***5"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_mask_id(value, masked):
    assert mask_id(value) == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("0750-3123456", "075*****3456"),
        ("12345678", "12****78"),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("司马光", "司马*"),
        ("欧阳", "欧*"),  # a compound surname alone still hides something
        ("张", "张"),
        ("江门市广播电视台", "江*******"),
        ("", ""),
    ],
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


# --- ISO/IEC 7064 MOD 37,36 and e-licence identifiers -----------------------


def test_mod37_36_published_example():
    # GRid example from the GRid standard, which uses ISO/IEC 7064 MOD 37,36: A1-2425G-ABC1234002-M.
    assert iso7064_mod37_36_check("A12425GABC1234002") == "M"


@given(st.text(MOD36, max_size=40))
def test_mod37_36_check_verifies(s):
    c = iso7064_mod37_36_check(s)
    assert mod37_36_valid(s + c)
    assert iso7064_mod37_36_check(s.lower()) == c


@given(st.text(MOD36, min_size=1, max_size=40), st.data())
def test_mod37_36_detects_single_substitution(s, data):
    i = data.draw(st.integers(0, len(s) - 1))
    r = data.draw(st.sampled_from(MOD36).filter(lambda ch: ch != s[i]))
    assert iso7064_mod37_36_check(s[:i] + r + s[i + 1 :]) != iso7064_mod37_36_check(s)


@pytest.mark.parametrize("bad", ["1.2", "A-B", "中", "ß", "ı"])
def test_mod37_36_rejects_outside_alphabet(bad):
    with pytest.raises(ValueError):
        iso7064_mod37_36_check(bad)


def test_e_licence_identifier():
    ident = e_licence_identifier("1110", "91441800123456788u", "000123")
    prefix = "1.2.156.3005.2.1110.91441800123456788U.000123.1"
    assert ident.startswith(prefix + ".")
    check = ident[len(prefix) + 1 :]
    assert len(check) == 1
    assert mod37_36_valid(prefix.replace(".", "") + check)
    assert e_licence_identifier("1110", "91441800123456788U", "000123", "2") != ident


def test_e_licence_identifier_tolerates_issuer_check_warning():
    assert e_licence_identifier("1110", "91441800123456788X", "7").startswith(
        "1.2.156.3005.2.1110.91441800123456788X.7.1."
    )


@pytest.mark.parametrize(
    "type_code, issuer, serial, version",
    [
        ("", "91441800123456788U", "1", "1"),
        ("11.10", "91441800123456788U", "1", "1"),
        ("1110", "9144180012345678", "1", "1"),
        ("1110", "91441800123456788U", "", "1"),
        ("1110", "91441800123456788U", "1", "v-1"),
    ],
)
def test_e_licence_identifier_rejects_bad_parts(type_code, issuer, serial, version):
    with pytest.raises(ValueError):
        e_licence_identifier(type_code, issuer, serial, version)
