"""The receiver's rules as plain functions: the source allowlist, content types, sizes, fields."""

from __future__ import annotations

import json

import pytest

from helpers.errors import ConfigurationError
from helpers.webhooks import CALL, SMS, RefusedError, SourceAllowlist, parse_callback, read_fields
from helpers.webhooks.payloads import FORM, JSON, MULTIPART

CALL_FORM = b"CallSid=3f6e0c2a&Status=completed&RecordingUrl=&DateUpdated=2026-01-15+10%3A00%3A42"


def refused(call, *args, **kwargs) -> RefusedError:
    with pytest.raises(RefusedError) as caught:
        call(*args, **kwargs)
    return caught.value


def multipart(fields: dict[str, str], boundary: str = "b0undary") -> tuple[str, bytes]:
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    return f"{MULTIPART}; boundary={boundary}", (parts + f"--{boundary}--\r\n").encode()


# -- the allowlist -------------------------------------------------------------------------------


def test_an_address_inside_an_allowed_range_is_accepted():
    assert SourceAllowlist(["203.0.113.0/24"]).check("203.0.113.77") == "203.0.113.77"


def test_an_address_outside_every_range_is_refused_with_403_naming_it_but_not_the_ranges():
    refusal = refused(SourceAllowlist(["203.0.113.0/24"]).check, "198.51.100.7")
    assert refusal.status == 403
    assert refusal.error == "Source address 198.51.100.7 may not post status callbacks here."
    assert "allowlist" in refusal.fix and "--allow" not in refusal.fix
    assert "203.0.113" not in refusal.error + refusal.fix


def test_ipv6_ranges_and_ipv4_mapped_addresses_are_understood():
    allowlist = SourceAllowlist(["2001:db8::/32", "203.0.113.0/24"])
    assert allowlist.check("2001:db8::1") == "2001:db8::1"
    assert allowlist.check("::ffff:203.0.113.9") == "203.0.113.9"


def test_x_forwarded_for_is_ignored_when_no_proxy_is_trusted():
    refusal = refused(
        SourceAllowlist(["203.0.113.0/24"]).check, "198.51.100.7", forwarded_for="203.0.113.10"
    )
    assert refusal.status == 403
    assert "198.51.100.7" in refusal.error


def test_behind_a_trusted_proxy_the_client_is_the_rightmost_untrusted_hop():
    allowlist = SourceAllowlist(["203.0.113.0/24"], trusted_proxies=["10.0.0.0/8"])
    assert allowlist.check("10.0.0.5", forwarded_for="198.51.100.7, 203.0.113.10, 10.0.0.9") == (
        "203.0.113.10"
    )


def test_a_client_cannot_pass_the_trusted_proxy_by_writing_an_allowed_address_first():
    allowlist = SourceAllowlist(["203.0.113.0/24"], trusted_proxies=["10.0.0.5"])
    refusal = refused(allowlist.check, "10.0.0.5", forwarded_for="203.0.113.10, 198.51.100.7")
    assert refusal.error == "Source address 198.51.100.7 may not post status callbacks here."


def test_a_trusted_proxy_without_x_forwarded_for_is_refused_with_a_reason():
    allowlist = SourceAllowlist(["203.0.113.0/24"], trusted_proxies=["10.0.0.5"])
    refusal = refused(allowlist.check, "10.0.0.5")
    assert refusal.status == 403
    assert "X-Forwarded-For names no client" in refusal.error


def test_garbage_in_a_trusted_proxys_header_is_refused():
    allowlist = SourceAllowlist(["203.0.113.0/24"], trusted_proxies=["10.0.0.5"])
    refusal = refused(allowlist.check, "10.0.0.5", forwarded_for="not-an-address")
    assert "'not-an-address', which is not an IP address" in refusal.error


def test_a_typo_in_a_range_is_a_configuration_error_naming_it():
    with pytest.raises(
        ConfigurationError,
        match=r"allowlist entry '203\.0\.113\.0/33': Not an IP address or CIDR range",
    ):
        SourceAllowlist(["203.0.113.0/33"])


def test_a_range_with_host_bits_is_refused_with_the_range_meant_not_silently_widened():
    with pytest.raises(ConfigurationError, match=r"Did you mean 203\.0\.113\.0/24\?"):
        SourceAllowlist(["203.0.113.5/24"])


def test_allowing_everyone_is_refused_as_no_allowlist_at_all():
    with pytest.raises(ConfigurationError, match="allows every address"):
        SourceAllowlist(["0.0.0.0/0"])


def test_an_empty_allowlist_is_refused_and_says_where_exotels_ranges_come_from():
    with pytest.raises(ConfigurationError, match="ask Exotel support"):
        SourceAllowlist([])


# -- content type and size --------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", None])
def test_a_content_type_exotel_never_sends_is_refused_with_415(content_type):
    refusal = refused(parse_callback, CALL, content_type, CALL_FORM)
    assert refusal.status == 415
    assert refusal.error == f"Content-Type {content_type or '(none)'} is not accepted."
    assert "multipart/form-data (calls, the default)" in refusal.fix


def test_a_body_over_the_limit_is_refused_with_413_and_its_size():
    refusal = refused(parse_callback, SMS, FORM, b"SmsSid=a&Status=sent&x=" + b"y" * 20_000)
    assert refusal.status == 413
    assert refusal.error == "The body is 20,023 bytes; this receiver accepts at most 16,384 bytes."
    assert "--max-body" in refusal.fix


def test_the_413_fix_names_the_python_setting_as_well_as_the_flag():
    refusal = refused(parse_callback, SMS, FORM, b"SmsSid=a&Status=sent&x=" + b"y" * 20_000)
    assert "max_body in create_app, --max-body on the command line" in refusal.fix


def test_the_content_type_is_judged_before_the_size():
    assert refused(parse_callback, CALL, "text/plain", b"x" * 20_000).status == 415


# -- bodies -------------------------------------------------------------------------------------


def test_the_three_encodings_give_the_same_fields():
    fields = {"CallSid": "3f6e0c2a", "Status": "completed", "DateUpdated": "2026-01-15 10:00:42"}
    content_type, body = multipart(fields)
    assert read_fields(content_type, body) == fields
    assert (
        read_fields(FORM, b"CallSid=3f6e0c2a&Status=completed&DateUpdated=2026-01-15+10%3A00%3A42")
        == fields
    )
    assert read_fields(JSON, json.dumps(fields).encode()) == fields


def test_json_null_is_an_absent_field_and_a_list_is_kept_as_json():
    body = (
        b'{"CallSid":"a1","Status":"completed","RecordingUrl":null,"Legs":[{"OnCallDuration":41}]}'
    )
    assert read_fields(JSON, body) == {
        "CallSid": "a1",
        "Status": "completed",
        "Legs": '[{"OnCallDuration":41}]',
    }


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        (JSON, b"{not json", "The body is not valid JSON."),
        (JSON, b"[1, 2]", "The JSON body is not an object of fields."),
        (FORM, b"CallSid=a&CallSid=b", "Field CallSid appears more than once."),
        (FORM, b"\xff\xfe", "The body is not valid UTF-8 application/x-www-form-urlencoded."),
        (MULTIPART, b"--x\r\n", "The multipart/form-data Content-Type has no boundary parameter."),
        (
            f"{MULTIPART}; boundary=b0undary",
            b'--b0undary\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\na1\r\n',
            "The multipart/form-data body ends before its closing boundary.",
        ),
    ],
)
def test_a_broken_body_is_refused_with_400_saying_what_is_broken(content_type, body, error):
    refusal = refused(read_fields, content_type, body)
    assert (refusal.status, refusal.error) == (400, error)


def test_a_file_upload_is_not_a_field():
    body = (
        b'--b0undary\r\nContent-Disposition: form-data; name="CallSid"; filename="x.txt"\r\n\r\n'
        b"a1\r\n--b0undary--\r\n"
    )
    refusal = refused(read_fields, f"{MULTIPART}; boundary=b0undary", body)
    assert refusal.error == "Part CallSid is a file upload, not a field."


# -- fields -------------------------------------------------------------------------------------


def test_a_valid_call_callback_becomes_an_event_keyed_by_sid_and_status():
    event = parse_callback(CALL, FORM, CALL_FORM)
    assert (event.kind, event.key) == ("call", ("3f6e0c2a", "completed"))
    assert event.fields["RecordingUrl"] == ""


def test_a_valid_sms_callback_becomes_an_event():
    body = b"SmsSid=9a1c&To=09820000000&Status=failed_dnd&SmsUnits=1&DetailedStatusCode=24990"
    assert parse_callback(SMS, FORM, body).key == ("9a1c", "failed_dnd")


def test_every_missing_required_field_is_named_with_the_page_that_documents_them():
    refusal = refused(parse_callback, CALL, FORM, b"RecordingUrl=")
    assert refusal.status == 400
    assert refusal.error == "Malformed call status callback: missing CallSid, Status, DateUpdated."
    assert "https://developer.exotel.com/docs/voice-v1/api-reference/status-callback" in refusal.fix


def test_an_unknown_status_is_refused_listing_the_documented_ones():
    refusal = refused(parse_callback, SMS, FORM, b"SmsSid=9a1c&Status=delivered")
    assert refusal.error == (
        "Malformed SMS status callback: Status 'delivered' is not an SMS status Exotel documents "
        "(queued, sending, submitted, sent, failed, failed_dnd, failed-dnd)."
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            b"&DateUpdated=15%2F01%2F2026",
            "DateUpdated '15/01/2026' is not a time in Exotel's format",
        ),
        (b"&ConversationDuration=forty", "ConversationDuration 'forty' is not a whole number"),
        (b"&EventType=hangup", "EventType 'hangup' is not one of terminal, answered"),
        (b"&RecordingUrl=ftp%3A%2F%2Fx", "RecordingUrl 'ftp://x' is not an http(s) URL"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_naming_the_field(body, problem):
    base = b"CallSid=3f6e0c2a&Status=completed"
    if b"DateUpdated" not in body:
        base += b"&DateUpdated=2026-01-15+10%3A00%3A42"
    refusal = refused(parse_callback, CALL, FORM, base + body)
    assert refusal.status == 400
    assert problem in refusal.error


def test_a_sid_that_is_not_letters_and_digits_is_refused():
    refusal = refused(parse_callback, SMS, FORM, b"SmsSid=1%27+OR+1%3D1&Status=sent")
    assert 'SmsSid "1\' OR 1=1" is not an Exotel SID' in refusal.error


def test_fields_nobody_documents_are_kept_not_refused():
    event = parse_callback(SMS, FORM, b"SmsSid=9a1c&Status=sent&NewField=x")
    assert event.fields["NewField"] == "x"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"CallSid=a1", "The multipart/form-data body does not contain its boundary."),
        (
            b"--b0undary\r\nContent-Disposition: form-data\r\n\r\na1\r\n--b0undary--\r\n",
            "A multipart/form-data part has no Content-Disposition with a name.",
        ),
        (
            b"--b0undary\r\nno colon here\r\n\r\na1\r\n--b0undary--\r\n",
            "A multipart/form-data part has a broken header: b'no colon here'.",
        ),
        (
            b'--b0undary\r\nContent-Disposition: form-data; name="a"\r\na1\r\n--b0undary--\r\n',
            "A multipart/form-data part has no blank line after its headers.",
        ),
    ],
)
def test_a_malformed_multipart_body_is_refused_saying_what_is_wrong(body, error):
    refusal = refused(read_fields, f"{MULTIPART}; boundary=b0undary", body)
    assert (refusal.status, refusal.error) == (400, error)


@pytest.mark.parametrize(
    "body",
    [
        "", "a=1", "a=", "=1", "a=1&b=2", "a=1&&b=2", "a", "a=1&b", "&", "a=b=c", "a+b=c+d",
        "a%20b=c%3Ad", "a=%ZZ", "a=%E2%82", "a=%C3%A9+%2B", "a=é", "a=1;b=2",
    ],
)  # fmt: skip
def test_a_form_is_read_as_parse_qsl_reads_it(body):
    from urllib.parse import parse_qsl

    from helpers.webhooks._urlencoded import form_pairs

    try:
        expected = parse_qsl(body, keep_blank_values=True, strict_parsing=bool(body))
    except ValueError:
        with pytest.raises(ValueError):
            form_pairs(body)
    else:
        assert form_pairs(body) == expected


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=b0undary",
        "multipart/form-data;boundary=b0undary",
        'multipart/form-data; boundary="quoted"',
        "Multipart/Form-Data; Boundary=b0undary",
        "multipart/form-data; boundary=b0undary ",
        "multipart/form-data; charset=utf-8; boundary=b0undary",
        "application/x-www-form-urlencoded",
        "application/json; charset=utf-8",
    ],
)
def test_a_plain_content_type_is_read_as_the_general_parser_reads_it(content_type):
    from helpers.webhooks._content_type import _media_type, media_type

    assert media_type(content_type) == _media_type(content_type)


@pytest.mark.parametrize(
    "disposition",
    ['form-data; name="Status"', 'form-data; name="St\\"at;us"', "form-data; name=Status"],
)
def test_a_part_name_is_read_the_same_with_or_without_escapes(disposition):
    content_type, body = multipart({"x": "1"})
    body = body.replace(b'form-data; name="x"', disposition.encode())
    expected = disposition.split("name=", 1)[1].strip('"').replace("\\", "")
    assert read_fields(content_type, body) == {expected: "1"}


def test_a_multipart_value_keeps_its_line_breaks_and_a_preamble_is_ignored():
    body = (
        b'preamble\r\n--b0undary\r\nContent-Disposition: form-data; name="CustomField"\r\n'
        b"Content-Type: text/plain\r\n\r\nline one\r\nline two\r\n--b0undary--\r\n"
    )
    fields = read_fields(f"{MULTIPART}; boundary=b0undary", body)
    assert fields == {"CustomField": "line one\r\nline two"}


# -- JSON callbacks, as strictly as forms ---------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            b'{"CallSid":"a1","CallSid":"b2","Status":"completed"}',
            "Field CallSid appears more than once.",
        ),
        (
            b'{"CallSid":NaN,"Status":"completed"}',
            "The JSON body contains NaN, which JSON does not allow.",
        ),
        (
            b'{"CallSid":"a1","ConversationDuration":Infinity}',
            "The JSON body contains Infinity, which JSON does not allow.",
        ),
        (
            b'{"CallSid":"a1","ConversationDuration":1e999}',
            "The JSON body contains the number 1e999, too large to be finite.",
        ),
        (
            b'{"CallSid":12345,"Status":"completed"}',
            "Field CallSid is 12345, not a JSON string: Exotel sends it as text.",
        ),
        (
            b'{"CallSid":"a1","Status":["completed"]}',
            'Field Status is ["completed"], not a JSON string: Exotel sends it as text.',
        ),
        (
            b'{"CallSid":"a1","Legs":[{"Status":{"x":[1]}}]}',
            "The JSON body is nested more than 4 levels deep.",
        ),
    ],
)
def test_a_json_callback_breaking_a_form_rule_is_refused_with_400(body, error):
    refusal = refused(read_fields, JSON, body)
    assert (refusal.status, refusal.error) == (400, error)


def test_json_nested_fifteen_thousand_deep_is_a_400_not_a_crash():
    body = b'{"CallSid":"a1","Legs":' + b"[" * 15_000 + b"]" * 15_000 + b"}"
    refusal = refused(read_fields, JSON, body)
    assert (refusal.status, refusal.error) == (
        400,
        "The JSON body is nested more than 4 levels deep.",
    )


def test_json_numbers_are_accepted_where_exotel_sends_numbers():
    body = b'{"SmsSid":"9a1c","Status":"sent","SmsUnits":2,"DetailedStatusCode":20005}'
    event = parse_callback(SMS, JSON, body)
    assert (event.fields["SmsUnits"], event.fields["DetailedStatusCode"]) == ("2", "20005")


@pytest.mark.parametrize("units", ["\u0661\u0662", "\uff11", "\u00b2"])
def test_sms_units_must_be_ascii_digits(units):
    refusal = refused(
        parse_callback, SMS, FORM, f"SmsSid=9a1c&Status=sent&SmsUnits={units}".encode()
    )
    assert refusal.status == 400
    assert f"SmsUnits {units!r} is not a whole number" in refusal.error
