"""The XML tables cannot drift from the plivo SDK's `plivo/xml` module (a test dependency)."""

import importlib
import inspect
import pkgutil
import re

import plivo.xml as sdk_xml
import pytest
from plivo.xml import PlivoXMLElement, ResponseElement

from plivocb import plivoxml
from plivocb.plivoxml.schema import ELEMENTS

XML_NS_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def sdk_elements() -> dict[str, tuple[set[str], set[str]]]:
    """name -> (children per `_nestable`, attribute names per `to_dict`), read from the SDK."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for module_info in pkgutil.iter_modules(sdk_xml.__path__):
        module = importlib.import_module(f"plivo.xml.{module_info.name}")
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and issubclass(cls, PlivoXMLElement)):
                continue
            if cls is PlivoXMLElement or cls.__module__ != module.__name__:
                continue
            source = inspect.getsource(cls.to_dict) if "to_dict" in cls.__dict__ else ""
            attrs = set(re.findall(r"'([^']+)'\s*:", source))
            attrs = {"xml:lang" if a == XML_NS_LANG else a for a in attrs}
            found[cls._name] = (set(cls._nestable), attrs)
    return found


SDK = sdk_elements()


def test_the_sdk_was_read() -> None:
    assert len(SDK) >= 29  # 18 Plivo elements + 11 SSML tags
    assert SDK["Dial"][0] == {"Number", "User"}
    assert "fileFormat" in SDK["Record"][1]


def test_same_elements_as_the_sdk() -> None:
    assert set(ELEMENTS) == set(SDK)


@pytest.mark.parametrize("name", sorted(SDK))
def test_children_match_the_sdk(name: str) -> None:
    assert set(ELEMENTS[name].children) == SDK[name][0]


@pytest.mark.parametrize("name", sorted(SDK))
def test_attributes_cover_the_sdk_and_extras_are_marked_as_docs_only(name: str) -> None:
    ours = ELEMENTS[name].attrs
    sdk_attrs = SDK[name][1]
    assert sdk_attrs <= set(ours), f"SDK attributes missing here: {sdk_attrs - set(ours)}"
    extras = {a for a in ours if a not in sdk_attrs}
    assert extras == {a for a, spec in ours.items() if spec.docs}, (
        "an attribute the SDK lacks must be marked docs=True (and cited)"
    )


def test_a_document_built_with_the_sdk_passes() -> None:
    r = ResponseElement()
    r.add_speak("Hello", voice="WOMAN", language="en-US", loop=2)
    r.add_play("https://example.com/a.mp3", loop=1)
    r.add_wait(length=2, silence=True, min_silence=500, beep=True)
    r.add_get_digits(
        action="https://example.com/d",
        method="POST",
        timeout=5,
        digit_timeout=2,
        finish_on_key="#",
        num_digits=4,
        retries=1,
        redirect=True,
        play_beep=False,
        valid_digits="123",
        invalid_digits_sound="https://example.com/x.mp3",
        log=False,
    )
    r.add_get_input(
        action="https://example.com/i",
        method="POST",
        input_type="dtmf speech",
        execution_timeout=15,
        digit_end_timeout=3,
        speech_end_timeout=5,
        finish_on_key="#",
        num_digits=2,
        speech_model="phone_call",
        hints="sales",
        language="en-US",
        interim_speech_results_callback="https://example.com/p",
        interim_speech_results_callback_method="POST",
        log=True,
        redirect=True,
        profanity_filter=False,
    )
    r.add_record(
        action="https://example.com/r",
        method="POST",
        file_format="wav",
        redirect=False,
        timeout=10,
        max_length=120,
        play_beep=True,
        finish_on_key="#",
        record_session=False,
        start_on_dial_answer=False,
        transcription_type="auto",
        transcription_url="https://example.com/t",
        transcription_method="POST",
        callback_url="https://example.com/rc",
        callback_method="POST",
    )
    r.add_dtmf("12w#", async_=True)
    r.add_hangup(reason="busy", schedule=60)
    r.add_redirect("https://example.com/next", method="POST")
    r.add_message(
        "Thanks",
        src="14155550100",
        dst="14155550199",
        type="sms",
        callback_url="https://example.com/s",
        callback_method="POST",
    )
    r.add_conference(
        "room",
        muted=False,
        enter_sound="beep:1",
        exit_sound="beep:2",
        start_conference_on_enter=True,
        end_conference_on_exit=False,
        stay_alone=True,
        max_members=10,
        record=True,
        record_file_format="mp3",
        time_limit=600,
        action="https://example.com/c",
        method="POST",
        callback_url="https://example.com/cc",
        callback_method="POST",
    )
    r.add_multi_party_call(
        "mpc",
        role="Agent",
        max_duration=600,
        max_participants=5,
        status_callback_events="mpc-state-changes,participant-state-changes",
        status_callback_url="https://example.com/m",
        enter_sound="beep:1",
        exit_sound="none",
        on_exit_action_url="https://example.com/e",
    )
    dial = sdk_xml.DialElement(
        action="https://example.com/dial",
        method="POST",
        timeout=20,
        caller_id="14155550100",
        caller_name="Shop",
        dial_music="real",
        callback_url="https://example.com/dc",
        redirect=True,
    )
    r.add(dial)
    dial.add_number("14155550199", send_digits="ww12", send_on_preanswer=False)
    dial.add_user("sip:alice@example.com", sip_headers="a=b")
    xml = r.to_string()
    assert plivoxml.problems(xml) == []
    # and the checker does look at that document: break it and it says so
    assert plivoxml.errors(xml.replace('fileFormat="wav"', 'fileFormat="ogg"')) == [
        "line 7: <Record fileFormat>: 'ogg' is not one of: mp3, wav"
    ]


def test_sdk_ssml_passes() -> None:
    r = ResponseElement()
    speak = sdk_xml.SpeakElement("Hello", voice="Polly.Joanna")
    speak.add_break(strength="strong", time="500ms")
    speak.add_emphasis("really", level="strong")
    speak.add_say_as("1234", interpret_as="digits")
    speak.add_prosody("slow", rate="slow", pitch="low", volume="soft")
    speak.add_sub("WHO", alias="World Health Organisation")
    speak.add_phoneme("tomato", alphabet="ipa", ph="təˈmɑːtoʊ")
    speak.add_lang("Bonjour", xmllang="fr-FR")
    speak.add_w("read", role="amazon:VBD")
    speak.add_p("A paragraph.")
    speak.add_s("A sentence.")
    r.add(speak)
    assert plivoxml.check(r.to_string()) == []
