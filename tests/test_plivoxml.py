"""Plivo XML checked like Plivo checks it: elements, nesting, attributes, text, SSML, modes."""

import subprocess
from pathlib import Path

import pytest

from plivocb import plivoxml
from plivocb.plivoxml import check
from tests.inproc import run_cli

GOOD = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <PreAnswer><Play>https://example.com/ring.mp3</Play></PreAnswer>
  <GetInput action="https://example.com/menu?a=1&amp;b=2" method="POST" inputType="dtmf speech"
            executionTimeout="15" digitEndTimeout="auto" speechModel="phone_call" hints="sales">
    <Speak voice="WOMAN" language="en-US">Press 1 or say sales.</Speak>
  </GetInput>
  <Dial callerId="+14155550100" timeout="25" action="https://example.com/dial" callType="whatsapp">
    <Number sendDigits="wwww1234">+14155550101</Number>
    <User sipAuthUsername="u" sipAuthPassword="secret-pass">sip:queue@example.com</User>
  </Dial>
  <Record recordSession="true" fileFormat="wav" recordChannelType="mono"/>
  <MultiPartyCall role="Agent" statusCallbackEvents="mpc-state-changes,participant-state-changes">room</MultiPartyCall>
  <Stream bidirectional="true" audioTrack="inbound" contentType="audio/x-mulaw;rate=8000">wss://example.com/ws</Stream>
  <Speak voice="Polly.Joanna"><prosody rate="slow">Hi <break time="500ms"/></prosody><say-as interpret-as="digits">12</say-as></Speak>
  <Hangup reason="rejected"/>
</Response>
"""


def errors(xml: str, mode: str = "answer") -> list[str]:
    return plivoxml.errors(xml, None, mode)


def test_a_full_valid_document_has_no_problems() -> None:
    assert check(GOOD) == []


@pytest.mark.parametrize(
    ("xml", "expected"),
    [
        (
            "<Response>\n<Say>hi</Say></Response>",
            "line 2: <Say> is not a Plivo XML element (Twilio verb? Plivo's is <Speak>)",
        ),
        (
            "<Response><speak>hi</speak></Response>",
            "line 1: <speak> is not a Plivo XML element (names are case-sensitive: <Speak>)",
        ),
        (
            "<Response>\n\n<GetInput><Speak>x</Speak></GetInput></Response>",
            "line 3: <GetInput> needs the 'action' attribute",
        ),
        (
            "<Response><Dial callerId='1'></Dial></Response>",
            "line 1: <Dial> needs at least one <Number> or <User>",
        ),
        (
            "<Response><Dial><Number></Number></Dial></Response>",
            "line 1: <Number> is empty: it needs text between its tags",
        ),
        (
            "<Response><Dial><User>  </User></Dial></Response>",
            "line 1: <User> is empty: it needs text between its tags",
        ),
        (
            "<Response><Dial><User>alice@example.com</User></Dial></Response>",
            "line 1: <User> text 'alice@example.com' is not a sip: URI",
        ),
        (
            "<Response><MultiPartyCall>r</MultiPartyCall></Response>",
            "line 1: <MultiPartyCall> needs the 'role' attribute",
        ),
        (
            "<Response><MultiPartyCall role='boss'>r</MultiPartyCall></Response>",
            "line 1: <MultiPartyCall role>: 'boss' is not one of: agent, supervisor, customer, ai-agent",
        ),
        (
            "<Response><Record fileFormat='ogg'/></Response>",
            "line 1: <Record fileFormat>: 'ogg' is not one of: mp3, wav",
        ),
        (
            "<Response><Hangup reason='closed'/></Response>",
            "line 1: <Hangup reason>: 'closed' is not one of: rejected, busy",
        ),
        (
            "<Response>Hello<Speak>x</Speak></Response>",
            "line 1: text 'Hello' directly inside <Response>",
        ),
        (
            "<Response><Speak>x</Speak>\n  bye\n</Response>",
            "line 2: text 'bye' directly inside <Response>",
        ),
        (
            "<Response><Number>1</Number></Response>",
            "line 1: <Number> is not allowed inside <Response>",
        ),
        (
            "<Response><GetDigits><Dial><Number>1</Number></Dial></GetDigits></Response>",
            "line 1: <Dial> is not allowed inside <GetDigits>",
        ),
        (
            "<Response><Speak><Speak>x</Speak></Speak></Response>",
            "line 1: <Speak> is not allowed inside <Speak>",
        ),
        (
            "<Response><Speak voice='Polly.Amy'><s><p>x</p></s></Speak></Response>",
            "line 1: <p> is not allowed inside <s>",
        ),
        (
            "<Response><Speak voice='Polly.Amy'><say-as>1</say-as></Speak></Response>",
            "line 1: <say-as> needs the 'interpret-as' attribute",
        ),
        (
            "<Response><Speak voice='Polly.Amy'><break strength='huge'/>x</Speak></Response>",
            "line 1: <break strength>: 'huge' is not one of: none, x-weak, weak, medium, strong, x-strong",
        ),
        (
            "<Response><Speak voice='robot'>x</Speak></Response>",
            "line 1: <Speak voice>: 'robot' is not WOMAN, MAN or Polly.<Name>",
        ),
        (
            "<Response><Speak></Speak></Response>",
            "line 1: <Speak> is empty: it needs text to speak",
        ),
        (
            "<Response><Play>hello.mp3</Play></Response>",
            "line 1: <Play> text 'hello.mp3' is not an http(s) URL",
        ),
        (
            "<Response><Redirect/></Response>",
            "line 1: <Redirect> is empty: it needs a URL as its text",
        ),
        (
            "<Response><Stream>https://x.com/ws</Stream></Response>",
            "line 1: <Stream> text 'https://x.com/ws' is not a ws(s):// URL",
        ),
        (
            "<Response><Stream audioTrack='all'>wss://x</Stream></Response>",
            "line 1: <Stream audioTrack>: 'all' is not one of: inbound, outbound, both",
        ),
        (
            "<Response><GetDigits method='PUT'/></Response>",
            "line 1: <GetDigits method>: 'PUT' is not GET or POST",
        ),
        (
            "<Response><GetDigits redirect='yes'/></Response>",
            "line 1: <GetDigits redirect>: 'yes' is not true or false",
        ),
        (
            "<Response><GetDigits numDigits='two'/></Response>",
            "line 1: <GetDigits numDigits>: 'two' is not an integer",
        ),
        (
            "<Response><GetInput action='https://x' executionTimeout='90'/></Response>",
            "line 1: <GetInput executionTimeout>: 90 is above the maximum 60",
        ),
        (
            "<Response><GetInput action='https://x' inputType='voice'/></Response>",
            "line 1: <GetInput inputType>: 'voice' is not a list of: dtmf, speech",
        ),
        (
            "<Response><GetDigits finishOnKey='x'/></Response>",
            "line 1: <GetDigits finishOnKey>: 'x' is not DTMF keys (0-9, *, #)",
        ),
        (
            "<Response><Conference enterSound='ding'>r</Conference></Response>",
            "line 1: <Conference enterSound>: 'ding' is not a URL or one of: beep:1, beep:2",
        ),
        (
            "<Response><Conference maxMembers='50'>r</Conference></Response>",
            "line 1: <Conference maxMembers>: 50 is above the maximum 20",
        ),
        (
            "<Response><Conference/></Response>",
            "line 1: <Conference> is empty: it needs text between its tags",
        ),
        ("<Response><DTMF>12x</DTMF></Response>", "line 1: <DTMF> digits '12x': only 0-9 * # w W"),
        (
            "<Response><Dial callerName='" + "x" * 51 + "'><Number>1</Number></Dial></Response>",
            "line 1: <Dial callerName>: is longer than 50 characters",
        ),
        (
            "<Response><Dial><User sipAuthUsername='u'>sip:a@b</User></Dial></Response>",
            "line 1: <User sipAuthUsername> needs sipAuthPassword",
        ),
        (
            "<Response><Message>hi</Message></Response>",
            "line 1: <Message> needs the 'src' attribute",
        ),
        (
            "<Response><GetDigits numDigits='3' NumDigits='3'/></Response>",
            "line 1: <GetDigits> has no attribute 'NumDigits' (attribute names are case-sensitive: numDigits)",
        ),
        ("<Response foo='1'/>", "line 1: <Response> takes no attributes (has foo)"),
        ("<Reponse/>", "line 1: root element is <Reponse>, not <Response>"),
        (
            "<Response><Speak>oops</Response>",
            "line 1: not well-formed XML: mismatched tag, column 24",
        ),
        (
            "<Response>\n<Play>https://x.com/a?x=1&y=2</Play></Response>",
            "line 2: not well-formed XML: not well-formed (invalid token), column 28",
        ),
        ("", "empty body (Plivo hangs up with 8011 Invalid Answer XML)"),
    ],
)
def test_each_rule_names_the_problem_and_its_line(xml: str, expected: str) -> None:
    assert expected in errors(xml)


def test_unknown_attributes_are_warnings_not_errors() -> None:
    found = check("<Response><Speak rate='fast'>x</Speak></Response>")
    assert [(p.severity, str(p)) for p in found] == [
        ("warning", "line 1: warning: <Speak> has no attribute 'rate'")
    ]
    assert errors("<Response><Speak rate='fast'>x</Speak></Response>") == []


def test_a_relative_action_url_is_a_warning_naming_7022() -> None:
    # Plivo runs the document and fails only when it requests the action: 7022, not 8011
    [found] = check("<Response><GetDigits action='/menu'/></Response>")
    assert found.severity == "warning"
    assert "'/menu' is not an http(s) URL" in found.message and "7022" in found.message


def test_ssml_without_a_polly_voice_is_a_warning() -> None:
    found = check("<Response><Speak>Hi <break time='1s'/></Speak></Response>")
    assert [p.severity for p in found] == ["warning"]


def test_message_mode_allows_only_message() -> None:
    reply = "<Response><Message src='1' dst='2' type='sms'>Thanks</Message></Response>"
    assert errors(reply, "message") == []
    assert errors("<Response></Response>", "message") == []
    assert errors("<Response><Speak>hi</Speak></Response>", "message") == [
        "line 1: <Speak> is not allowed in a message URL reply: only <Message> is"
    ]
    assert errors(
        "<Response><Message src='1' dst='2' type='mms'>x</Message></Response>", "message"
    ) == ["line 1: <Message type>: 'mms' is not one of: sms"]


def test_transport_checks() -> None:
    assert errors("<Response/>") == []
    assert plivoxml.errors("<Response/>", "application/json") == [
        "content type is 'application/json', not text/xml or application/xml"
    ]
    assert plivoxml.errors("<Response/>", "text/xml; charset=utf-8") == []
    big = "<Response>" + "<Wait/>" * 20000 + "</Response>"
    assert any("over Plivo's 100 KB limit" in e for e in errors(big))
    huge = b"<Response>" + b" " * (2 << 20) + b"</Response>"
    assert plivoxml.errors(huge) == [f"body is {len(huge)} bytes, over Plivo's 100 KB limit"]


def test_doctype_and_entity_bombs_are_refused() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Response>&b;</Response>'
    assert errors(bomb) == ["line 1: DOCTYPE declarations are not allowed"]


def test_problems_are_data_with_lines_sorted() -> None:
    found = check("<Response>\n<Say/>\n<Record fileFormat='x'/>\n</Response>", "text/html")
    assert [p.line for p in found] == [0, 2, 3]
    assert all(isinstance(p, plivoxml.XmlProblem) for p in found)


# ---------------------------------------------------------------- `plivocb xml check`


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    code, out, err = run_cli("xml", "check", *args, stdin=stdin)
    return subprocess.CompletedProcess(["plivocb", "xml", "check", *args], code, out, err)


def test_cli_exit_codes_and_output(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_text(GOOD)
    bad = tmp_path / "bad.xml"
    bad.write_text("<Response>\n  <Say>hi</Say>\n  <Dial/>\n</Response>\n")
    ok = run(str(good))
    assert (ok.returncode, ok.stdout) == (0, f"{good}: ok\n")
    failed = run(str(good), str(bad))
    assert failed.returncode == 1
    assert failed.stdout.splitlines() == [
        f"{good}: ok",
        f"{bad}:2: <Say> is not a Plivo XML element (Twilio verb? Plivo's is <Speak>)",
        f"{bad}:3: <Dial> needs at least one <Number> or <User>",
    ]
    missing = run(str(good), str(tmp_path / "nope.xml"))
    assert missing.returncode == 2
    assert "nope.xml: cannot read" in missing.stderr


def test_cli_stdin_modes_and_strict() -> None:
    speak = "<Response><Speak>hi</Speak></Response>"
    assert run("-", stdin=speak).returncode == 0
    as_message = run("-", "--for", "message", stdin=speak)
    assert as_message.returncode == 1
    assert "<stdin>:1: <Speak> is not allowed in a message URL reply" in as_message.stdout
    warned = "<Response><Speak colour='red'>hi</Speak></Response>"
    assert run("-", stdin=warned).returncode == 0
    assert run("-", "--strict", stdin=warned).returncode == 1
    bad_mode = run("-", "--for", "sms", stdin=speak)
    assert bad_mode.returncode == 2
    assert "'--for': 'sms' is not one of 'answer', 'message'" in bad_mode.stderr


def test_cli_escapes_control_characters_from_the_file(tmp_path: Path) -> None:
    hostile = tmp_path / "h.xml"
    hostile.write_text("<Response>\u009b2J<Say/></Response>", encoding="utf-8")
    result = run(str(hostile))
    assert result.returncode == 1
    assert "\u009b" not in result.stdout and "text '\\x9b2J' directly inside" in result.stdout
