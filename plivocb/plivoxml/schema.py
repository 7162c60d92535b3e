"""Plivo XML as data: which elements exist, what they may contain, which attributes they take.

Sources, cited per table below:
* SDK: plivo-python `plivo/xml/*Element.py` (`_nestable` gives children, `to_dict` gives attribute
  names). `tests/test_plivoxml_sdk.py` cross-checks every SDK element, child and attribute against
  this module, so the two cannot drift.
* DOCS: the Plivo XML reference pages (https://www.plivo.com/docs/voice/xml/overview and the
  element pages it links) as summarised, page by page, in plivo/plivo-cli
  `voice-xml-skill/SKILL.md` ("Element reference: every documented attribute"). Attributes the docs
  list and the SDK lacks are marked `docs=True`.
* SSML values: Amazon Polly's SSML reference (Plivo's SSML page says Polly voices render it:
  https://www.plivo.com/docs/voice/concepts/ssml).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Attribute value kinds.
URL = "url"  # http(s) URL (Plivo: 7022-7024 "Invalid ... URL" when not http(s))
METHOD = "method"  # GET or POST
BOOL = "bool"  # true or false
INT = "int"  # integer, optionally within [low, high]
ENUM = "enum"  # one of `choices`
ENUM_LIST = "enum_list"  # comma- or space-separated subset of `choices`
TEXT = "text"  # free text
KEYS = "keys"  # DTMF keys: 0-9, *, #, or "none"
SOUND = "sound"  # a URL or one of `choices` (beep:1, beep:2, ...)
AUTO_INT = "auto_int"  # "auto" or an integer within [low, high]


@dataclass(frozen=True)
class Attr:
    kind: str = TEXT
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    required: bool = False
    ignore_case: bool = True
    docs: bool = False  # documented by Plivo but absent from the Python SDK


@dataclass(frozen=True)
class Element:
    name: str
    attrs: dict[str, Attr] = field(default_factory=dict)
    children: frozenset[str] = frozenset()
    # "none": no text; "required": non-empty text; "optional"; "url": an http(s) URL;
    # "ws": a ws(s):// URL; "mixed": text and SSML (Speak and SSML containers)
    text: str = "none"


def _a(kind: str = TEXT, *choices: str, **kw: object) -> Attr:
    return Attr(kind, tuple(choices), **kw)  # type: ignore[arg-type]


def _int(low: int | None = None, high: int | None = None, **kw: object) -> Attr:
    return Attr(INT, (), low, high, **kw)  # type: ignore[arg-type]


BOOLEAN = _a(BOOL)
HTTP = _a(URL)
VERB = _a(METHOD)
FILE_FORMAT = _a(ENUM, "mp3", "wav")
TRANSCRIPTION_TYPE = _a(ENUM, "auto", "hybrid", "manual")
BEEPS = ("beep:1", "beep:2")

SSML = frozenset(
    {"break", "cont", "emphasis", "lang", "p", "phoneme", "prosody", "s", "say-as", "sub", "w"}
)
# Children per SSML container, from the SDK's `_nestable` lists.
_SSML_INLINE = frozenset({"break", "emphasis", "lang", "phoneme", "prosody", "say-as", "sub", "w"})

ELEMENTS: dict[str, Element] = {
    e.name: e
    for e in (
        Element(
            "Response",
            children=frozenset(
                {
                    "Conference",
                    "Dial",
                    "DTMF",
                    "GetDigits",
                    "GetInput",
                    "Hangup",
                    "Message",
                    "Play",
                    "PreAnswer",
                    "Record",
                    "Redirect",
                    "Speak",
                    "Wait",
                    "MultiPartyCall",
                    "Stream",
                }
            ),
        ),
        # DOCS audio-output: voice WOMAN|MAN or Polly.<Name> (the SSML page); loop 0 = forever.
        Element(
            "Speak",
            {"voice": _a(TEXT), "language": _a(TEXT), "loop": _int(0)},
            SSML,
            "mixed",
        ),
        Element("Play", {"loop": _int(0)}, text="url"),
        Element("DTMF", {"async": BOOLEAN}, text="required"),
        # DOCS input: GetDigits; children Speak, Play (the SDK also allows Wait).
        Element(
            "GetDigits",
            {
                "action": HTTP,
                "method": VERB,
                "timeout": _int(1),
                "digitTimeout": _int(1),
                "finishOnKey": _a(KEYS),
                "numDigits": _int(1),
                "retries": _int(0),
                "redirect": BOOLEAN,
                "playBeep": BOOLEAN,
                "validDigits": _a(KEYS),
                "invalidDigitsSound": HTTP,
                "log": BOOLEAN,
            },
            frozenset({"Speak", "Play", "Wait"}),
        ),
        # DOCS input: GetInput; `action` is required, executionTimeout 5-60, numDigits 1-32,
        # digitEndTimeout and speechEndTimeout "auto" or 2-10.
        Element(
            "GetInput",
            {
                "action": _a(URL, required=True),
                "method": VERB,
                "inputType": _a(ENUM_LIST, "dtmf", "speech"),
                "executionTimeout": _int(5, 60),
                "digitEndTimeout": Attr(AUTO_INT, (), 2, 10),
                "speechEndTimeout": Attr(AUTO_INT, (), 2, 10),
                "finishOnKey": _a(KEYS),
                "numDigits": _int(1, 32),
                "speechModel": _a(ENUM, "default", "command_and_search", "phone_call"),
                "hints": _a(TEXT),
                "language": _a(TEXT),
                "interimSpeechResultsCallback": HTTP,
                "interimSpeechResultsCallbackMethod": VERB,
                "log": BOOLEAN,
                "redirect": BOOLEAN,
                "profanityFilter": BOOLEAN,
                "startInputTimeout": _int(1, docs=True),
                "retries": _int(0, docs=True),
            },
            frozenset({"Speak", "Play", "Wait"}),
        ),
        # DOCS routing: Dial must contain at least one Number or User (checked in check.py).
        Element(
            "Dial",
            {
                "action": HTTP,
                "method": VERB,
                "hangupOnStar": BOOLEAN,
                "timeLimit": _int(1),
                "timeout": _int(1),
                "callerId": _a(TEXT),
                "callerName": _a(TEXT, high=50),
                "confirmSound": HTTP,
                "confirmTimeout": _int(1),
                "confirmKey": _a(KEYS),
                "dialMusic": _a(SOUND, "real"),
                "callbackUrl": HTTP,
                "callbackMethod": VERB,
                "redirect": BOOLEAN,
                "digitsMatch": _a(TEXT),
                "digitsMatchBLeg": _a(TEXT),
                "sipHeaders": _a(TEXT),
                "callType": _a(ENUM, "voice", "whatsapp", docs=True),
            },
            frozenset({"Number", "User"}),
        ),
        Element(
            "Number",
            {
                "sendDigits": _a(TEXT),
                "sendOnPreanswer": BOOLEAN,
                "sendDigitsMode": _a(TEXT),
                "sipHeaders": _a(TEXT, docs=True),
            },
            text="required",
        ),
        Element(
            "User",
            {
                "sendDigits": _a(TEXT),
                "sendOnPreanswer": BOOLEAN,
                "sipHeaders": _a(TEXT),
                "sipAuthUsername": _a(TEXT, docs=True),
                "sipAuthPassword": _a(TEXT, low=8, high=128, docs=True),
            },
            text="required",
        ),
        Element("Redirect", {"method": VERB}, text="url"),
        # DOCS routing: reason is `rejected` or `busy` (the only documented values).
        Element(
            "Hangup",
            {"reason": _a(ENUM, "rejected", "busy", ignore_case=False), "schedule": _int(0)},
        ),
        Element(
            "Wait",
            {"length": _int(1), "silence": BOOLEAN, "minSilence": _int(0), "beep": _a(TEXT)},
        ),
        # DOCS routing lists Speak, Play, Wait; the SDK's `_nestable` also allows these four.
        Element(
            "PreAnswer",
            children=frozenset(
                {"Speak", "Play", "Wait", "GetDigits", "Redirect", "Message", "DTMF"}
            ),
        ),
        # DOCS record.
        Element(
            "Record",
            {
                "action": HTTP,
                "method": VERB,
                "fileFormat": FILE_FORMAT,
                "redirect": BOOLEAN,
                "timeout": _int(0),
                "maxLength": _int(1),
                "playBeep": BOOLEAN,
                "finishOnKey": _a(KEYS),
                "recordSession": BOOLEAN,
                "startOnDialAnswer": BOOLEAN,
                "transcriptionType": TRANSCRIPTION_TYPE,
                "transcriptionUrl": HTTP,
                "transcriptionMethod": VERB,
                "transcriptionReportType": _a(ENUM, "full", "compact"),
                "callbackUrl": HTTP,
                "callbackMethod": VERB,
                "recordChannelType": _a(ENUM, "mono", "stereo"),
            },
        ),
        # DOCS conferences: the room name is the element text; maxMembers 1-20.
        Element(
            "Conference",
            {
                "muted": BOOLEAN,
                "enterSound": _a(SOUND, *BEEPS),
                "exitSound": _a(SOUND, *BEEPS),
                "startConferenceOnEnter": BOOLEAN,
                "endConferenceOnExit": BOOLEAN,
                "stayAlone": BOOLEAN,
                "waitSound": HTTP,
                "maxMembers": _int(1, 20),
                "record": BOOLEAN,
                "recordFileFormat": FILE_FORMAT,
                "timeLimit": _int(1),
                "hangupOnStar": BOOLEAN,
                "action": HTTP,
                "method": VERB,
                "callbackUrl": HTTP,
                "callbackMethod": VERB,
                "digitsMatch": _a(TEXT),
                "floorEvent": BOOLEAN,
                "redirect": BOOLEAN,
                "relayDTMF": BOOLEAN,
                "sendDigits": _a(TEXT),
                "recordWhenAlone": BOOLEAN,
                "transcriptionType": TRANSCRIPTION_TYPE,
                "transcriptionUrl": HTTP,
                "transcriptionMethod": VERB,
            },
            text="required",
        ),
        # DOCS multiparty-call + SDK MultiPartyCallElement validators (role is required and
        # case-insensitive in the SDK; maxDuration 300-28800; maxParticipants 2-10).
        Element(
            "MultiPartyCall",
            {
                "role": _a(ENUM, "agent", "supervisor", "customer", "ai-agent", required=True),
                "maxDuration": _int(300, 28800),
                "maxParticipants": _int(2, 10),
                "recordMinMemberCount": _int(1, 2),
                "waitTime": _int(1),
                "waitMusicUrl": HTTP,
                "waitMusicMethod": VERB,
                "agentHoldMusicUrl": HTTP,
                "agentHoldMusicMethod": VERB,
                "customerHoldMusicUrl": HTTP,
                "customerHoldMusicMethod": VERB,
                "record": BOOLEAN,
                "recordParticipantTrack": BOOLEAN,
                "recordFileFormat": FILE_FORMAT,
                "recordingCallbackUrl": HTTP,
                "recordingCallbackMethod": VERB,
                "statusCallbackEvents": _a(
                    ENUM_LIST,
                    "mpc-state-changes",
                    "participant-state-changes",
                    "participant-speak-events",
                    "participant-digit-input-events",
                    "add-participant-api-events",
                    "participant-audio-events",
                ),
                "statusCallbackUrl": HTTP,
                "statusCallbackMethod": VERB,
                "stayAlone": BOOLEAN,
                "coachMode": BOOLEAN,
                "mute": BOOLEAN,
                "hold": BOOLEAN,
                "startMpcOnEnter": BOOLEAN,
                "endMpcOnExit": BOOLEAN,
                "enterSound": _a(SOUND, *BEEPS, "none"),
                "enterSoundMethod": VERB,
                "exitSound": _a(SOUND, *BEEPS, "none"),
                "exitSoundMethod": VERB,
                "onExitActionUrl": HTTP,
                "onExitActionMethod": VERB,
                "relayDTMFInputs": BOOLEAN,
                "startRecordingAudio": HTTP,
                "startRecordingAudioMethod": VERB,
                "stopRecordingAudio": HTTP,
                "stopRecordingAudioMethod": VERB,
                "transcript": BOOLEAN,
                "transcriptionUrl": HTTP,
                "waitForAgent": _a(BOOL, docs=True),
                "recordCoachVoice": _a(BOOL, docs=True),
                "aiAgentStreamServiceUrl": _a(TEXT, docs=True),
                "aiAgentStreamContentType": _a(TEXT, docs=True),
                "aiAgentStreamStatusCallbackUrl": _a(URL, docs=True),
                "aiAgentStreamStatusCallbackMethod": _a(METHOD, docs=True),
                "aiAgentStreamSamplingRate": _a(TEXT, docs=True),
                "aiAgentStreamExtraHeaders": _a(TEXT, docs=True),
            },
            text="required",
        ),
        # DOCS messaging/xml/message: type `sms`; several dst numbers separated by `<`.
        Element(
            "Message",
            {
                "src": _a(TEXT, required=True),
                "dst": _a(TEXT, required=True),
                "type": _a(ENUM, "sms"),
                "callbackUrl": HTTP,
                "callbackMethod": VERB,
            },
            text="required",
        ),
        # SDK StreamElement.ALLOWED_AUDIO_TRACKS; body is the ws(s):// URL.
        Element(
            "Stream",
            {
                "bidirectional": BOOLEAN,
                "audioTrack": _a(ENUM, "inbound", "outbound", "both", ignore_case=False),
                "streamTimeout": _int(1),
                "statusCallbackUrl": HTTP,
                "statusCallbackMethod": VERB,
                "contentType": _a(
                    ENUM,
                    "audio/x-l16;rate=8000",
                    "audio/x-l16;rate=16000",
                    "audio/x-mulaw;rate=8000",
                ),
                "extraHeaders": _a(TEXT),
                "keepCallAlive": BOOLEAN,
            },
            text="ws",
        ),
        # SSML (Polly): children per the SDK's `_nestable`, values per Polly's SSML reference.
        Element(
            "break",
            {
                "strength": _a(ENUM, "none", "x-weak", "weak", "medium", "strong", "x-strong"),
                "time": _a(TEXT),
            },
        ),
        Element("cont", {}, SSML, "mixed"),
        Element(
            "emphasis",
            {"level": _a(ENUM, "strong", "moderate", "reduced")},
            _SSML_INLINE,
            "mixed",
        ),
        Element(
            "lang",
            {"xml:lang": _a(TEXT, required=True)},
            _SSML_INLINE | {"p", "s"},
            "mixed",
        ),
        Element("p", {}, _SSML_INLINE | {"s"}, "mixed"),
        Element(
            "phoneme",
            {"alphabet": _a(ENUM, "ipa", "x-sampa"), "ph": _a(TEXT, required=True)},
            text="optional",
        ),
        Element(
            "prosody",
            {"volume": _a(), "rate": _a(), "pitch": _a()},
            _SSML_INLINE | {"p", "s"},
            "mixed",
        ),
        Element("s", {}, _SSML_INLINE, "mixed"),
        Element(
            "say-as",
            {
                "interpret-as": _a(
                    ENUM,
                    "characters",
                    "spell-out",
                    "cardinal",
                    "number",
                    "ordinal",
                    "digits",
                    "fraction",
                    "unit",
                    "date",
                    "time",
                    "address",
                    "expletive",
                    "telephone",
                    required=True,
                ),
                "format": _a(),
            },
            text="required",
        ),
        Element("sub", {"alias": _a(TEXT, required=True)}, text="required"),
        Element(
            "w",
            {"role": _a(ENUM, "amazon:VB", "amazon:VBD", "amazon:NN", "amazon:SENSE_1")},
            frozenset({"break", "emphasis", "phoneme", "prosody", "say-as", "sub"}),
            "mixed",
        ),
    )
}

VOICE_TOP_LEVEL = ELEMENTS["Response"].children
MESSAGE_TOP_LEVEL = frozenset({"Message"})
TWILIO_VERBS = {
    "Say": "<Speak>",
    "Gather": "<GetInput> or <GetDigits>",
    "Reject": '<Hangup reason="rejected"/>',
    "Pause": "<Wait>",
    "Enqueue": "<Conference> or <MultiPartyCall>",
    "Sms": "<Message>",
    "Parameter": "an attribute",
    "Start": "<Stream>",
    "Connect": "<Stream>",
}
