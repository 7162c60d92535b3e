"""Plivo's callback parameter tables, as data (see ../shared/plivo-reference.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

from plivocb.choices import Direction

CALL_STATUS = (
    "ringing",
    "in-progress",
    "completed",
    "busy",
    "failed",
    "timeout",
    "no-answer",
    "canceled",
)
DIRECTION = tuple(direction.value for direction in Direction)
HANGUP_SOURCE = (
    "Caller",
    "Callee",
    "Call recipient",
    "Plivo",
    "Carrier",
    "API Request",
    "Answer XML",
    "Error",
    "Unknown",
)
MESSAGE_TYPE = ("sms", "mms", "whatsapp")
MESSAGE_STATUS = ("queued", "sent", "failed", "delivered", "undelivered", "read", "rejected")
MESSAGE_INTENT = ("optout", "optin", "help", "")
STIR = ("Verified", "Not Verified", "Not Applicable")
DIAL_STATUS = ("completed", "busy", "failed", "cancel", "timeout", "no-answer")
DIAL_ACTION = ("answer", "connected", "hangup", "digits")
INPUT_TYPE = ("dtmf", "speech")
EVENT = ("StartApp", "Ring", "Hangup", "MachineDetection", "Redirect", "Transfer")
# Plivo's stream page events, plus PlayedStream and ClearedAudio (bidirectional checkpoints),
# which a Plivo-compatible provider (Vobiz, `xml/stream.md`) documents on the same callback.
STREAM_EVENT = (
    "StartStream",
    "StopStream",
    "DroppedStream",
    "DegradedStream",
    "PlayedStream",
    "ClearedAudio",
)
CONFERENCE_ACTION = ("enter", "exit", "digits", "floor", "record")
DIAL_LEG = ("ALeg", "BLeg")
MACHINE = ("true", "false")
IF_MACHINE = ("continue", "hangup")

# Official HangupCauseCode -> HangupCauseName table (Plivo's "hangup causes" docs page).
HANGUP_CAUSES: dict[int, str] = {
    0: "Unknown",
    1000: "Canceled",
    1010: "Canceled (Out Of Credits)",
    1020: "Canceled (Simultaneous dial limit reached)",
    2000: "Invalid Destination Address",
    2010: "Destination Out Of Service",
    2020: "Endpoint Not Registered",
    2030: "Destination Country Barred",
    2040: "Destination Number Barred",
    2050: "Destination Prefix Barred",
    2060: "Loop Detected",
    2070: "Violates Media Anchoring",
    3000: "No Answer",
    3010: "Busy Line",
    3020: "Rejected",
    3030: "Unknown Caller ID",
    3040: "Forbidden",
    3050: "Unallocated number",
    3070: "Request timeout",
    3080: "Internal server error from carrier",
    3090: "Network congestion from carrier",
    3100: "Busy everywhere",
    3110: "Declined",
    3120: "User does not exist anywhere",
    3130: "Spam block",
    3140: "DNO Caller ID",
    4000: "Normal Hangup",
    4010: "End Of XML Instructions",
    4020: "Multiparty Call Ended",
    4030: "Kicked Out Of Multiparty Call",
    5000: "Network Error",
    5010: "Internal Error",
    5020: "Routing Error",
    6000: "Scheduled Hangup",
    6010: "Ring Timeout Reached",
    6020: "Media Timeout",
    7011: "Error Reaching Answer URL",
    7012: "Error Reaching Action URL",
    7013: "Error Reaching Transfer URL",
    7014: "Error Reaching Redirect URL",
    7022: "Invalid Action URL",
    7023: "Invalid Transfer URL",
    7024: "Invalid Redirect URL",
    7032: "Invalid Method For Action URL",
    7033: "Invalid Method For Transfer URL",
    7034: "Invalid Method For Redirect URL",
    8011: "Invalid Answer XML",
    8012: "Invalid Action XML",
    8013: "Invalid Transfer XML",
    8014: "Invalid Redirect XML",
    9000: "Lost Race",
    9100: "Machine Detected",
    9110: "Confirm Key Challenge Failed",
}

SMS_ERROR_CODES: dict[int, str] = {
    10: "Invalid message",
    20: "Network error",
    30: "Spam detected",
    40: "Invalid source number",
    50: "Invalid destination number",
    60: "Loop detected",
    70: "Destination permanently unavailable",
    80: "Destination temporarily unavailable",
    90: "No route available",
    100: "Prohibited by carrier",
    110: "Message too long",
    200: "Source number blocked by STOP from destination",
    201: "US toll-free to Canadian destination blocked",
    1000: "Unknown error",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # "string", "uuid", "integer", "decimal", "enum", "datetime", "url"
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()


def _f(
    name: str, type_: str, description: str, required: bool = False, choices: tuple[str, ...] = ()
) -> Field:
    return Field(name, type_, description, required, tuple(choices))


_CALL_COMMON = (
    _f("CallUUID", "uuid", "Unique ID of this call leg", True),
    _f("From", "string", "Caller ID (inbound: the caller; outbound: the caller ID you set)", True),
    _f("To", "string", "Inbound: your Plivo number; outbound: the destination", True),
    _f("CallStatus", "enum", "Status of the call", True, CALL_STATUS),
    _f("Direction", "enum", "Direction of the call", True, DIRECTION),
    _f("ForwardedFrom", "string", "Forwarding number, on forwarded inbound calls"),
    _f("ALegUUID", "uuid", "A-leg call UUID (outbound calls)"),
    _f("ALegRequestUUID", "uuid", "A-leg request UUID (outbound calls)"),
    _f("RequestUUID", "uuid", "Request UUID of the API call that created the call"),
    _f("CallerName", "string", "Caller name (CNAM)"),
    _f("BillRate", "decimal", "Per-minute rate"),
    _f("ParentAuthID", "string", "Main account auth ID"),
    _f("SessionStart", "datetime", "UTC session start, YYYY-MM-DD HH:mm:ss.ssssss"),
    _f("STIRAttestation", "string", "STIR/SHAKEN attestation"),
    _f("STIRVerification", "enum", "STIR/SHAKEN verification", False, STIR),
    _f("Event", "enum", "Callback event", False, EVENT),
)

ANSWER_FIELDS = _CALL_COMMON

HANGUP_FIELDS = (
    *_CALL_COMMON,
    _f("Duration", "integer", "Call duration in seconds", True),
    _f("BillDuration", "integer", "Billed duration in seconds (rounded up)", True),
    _f("HangupCauseName", "string", "Human-readable hangup cause"),
    _f("HangupCauseCode", "integer", "Plivo hangup cause code"),
    _f("HangupSource", "enum", "Who hung up", False, HANGUP_SOURCE),
    _f("HangupCause", "string", "Legacy Q.850-style hangup cause"),
    _f("StartTime", "datetime", "Start time, account timezone, yyyy-MM-dd HH:mm:ss"),
    _f("AnswerTime", "datetime", "Answer time; empty for unanswered calls"),
    _f("EndTime", "datetime", "End time, account timezone"),
    _f("TotalCost", "decimal", "Total cost of the call"),
)

MESSAGE_FIELDS = (
    _f("MessageUUID", "uuid", "Unique ID of the message", True),
    _f("From", "string", "Sender", True),
    _f("To", "string", "Your Plivo number", True),
    _f("Type", "enum", "Message type", False, MESSAGE_TYPE),
    _f("Text", "string", "SMS body (multipart SMS arrive concatenated)"),
    _f("Body", "string", "Text part of an MMS or WhatsApp message"),
    _f("Units", "integer", "Number of parts"),
    _f("TotalRate", "decimal", "Rate"),
    _f("TotalAmount", "decimal", "Amount charged"),
    _f("MessageIntent", "enum", "Keyword intent", False, MESSAGE_INTENT),
    _f("PowerpackUUID", "string", "Powerpack UUID; empty if none"),
    _f("MediaCount", "integer", "Number of media files (MMS)"),
    _f("ContentType", "string", "WhatsApp content type"),
    _f("MimeType", "string", "WhatsApp media MIME type"),
    _f("ErrorCode", "integer", "Reason an inbound message failed"),
)

MESSAGE_STATUS_FIELDS = (
    _f("MessageUUID", "uuid", "Unique ID of the message", True),
    _f("Status", "enum", "Delivery status", True, MESSAGE_STATUS),
    _f("From", "string", "Sender"),
    _f("To", "string", "Recipient"),
    _f("Type", "enum", "Message type", False, MESSAGE_TYPE),
    _f("ErrorCode", "integer", "Error code, for failed or undelivered"),
    _f("Units", "integer", "Number of parts"),
    _f("Sequence", "integer", "Orders the callbacks of one message"),
    _f("TotalRate", "decimal", "Rate"),
    _f("TotalAmount", "decimal", "Amount"),
    _f("MCC", "string", "Mobile country code"),
    _f("MNC", "string", "Mobile network code"),
    _f("ParentMessageUUID", "string", "Reserved"),
    _f("PartInfo", "string", "Reserved"),
    _f("MessageTime", "datetime", "YYYY-mm-dd HH:MM:SS.SSSSSS"),
    _f("QueuedTime", "datetime", "When queued"),
    _f("SentTime", "datetime", "When handed to the carrier"),
    _f("DeliveryReportTime", "datetime", "When the carrier reported delivery"),
)

RECORDING_FIELDS = (
    _f("RecordUrl", "url", "URL of the recording file (record_url from the Record API)"),
    _f("RecordingID", "string", "Recording ID (recording_id from the Record API)"),
    _f("RecordingDuration", "integer", "Duration in seconds (-1 until known)"),
    _f("RecordingDurationMs", "integer", "Duration in milliseconds"),
    _f("RecordingStartMs", "integer", "Start, epoch ms"),
    _f("RecordingEndMs", "integer", "End, epoch ms"),
    _f("CallUUID", "uuid", "Call UUID"),
    _f("Digits", "string", "Key that stopped the recording (action URL only)"),
)

DIGITS_FIELDS = (
    *_CALL_COMMON,
    _f("Digits", "string", "Digits pressed (finishOnKey excluded)"),
    _f("InputType", "enum", "GetInput type", False, INPUT_TYPE),
    _f("Speech", "string", "GetInput: recognised speech (empty for DTMF)"),
    _f("SpeechConfidenceScore", "decimal", "GetInput: confidence 0.0-1.0"),
    _f("BilledAmount", "decimal", "GetInput: speech recognition charge"),
)

# GetInput interimSpeechResultsCallback (https://www.plivo.com/docs/voice/xml/input).
INPUT_PARTIAL_FIELDS = (
    _f("CallUUID", "uuid", "Call UUID"),
    _f("StableSpeech", "string", "Speech recognised so far that will not change"),
    _f("UnstableSpeech", "string", "Speech recognised so far that may still change"),
    _f("Stability", "decimal", "Stability of the unstable part, 0.0-1.0"),
    _f("SequenceNumber", "integer", "Orders the partial results", True),
)

DIAL_FIELDS = (
    *_CALL_COMMON,
    _f("DialStatus", "enum", "Dial outcome", True, DIAL_STATUS),
    _f("DialRingStatus", "enum", "Whether the B leg rang", False, ("true", "false")),
    _f("DialHangupCause", "string", "B-leg hangup cause"),
    _f("DialALegUUID", "uuid", "A-leg UUID"),
    _f("DialBLegUUID", "string", "B-leg UUID (empty if not answered)"),
)

# Dial callbackUrl (https://www.plivo.com/docs/voice/xml/routing).
DIAL_CALLBACK_FIELDS = (
    _f("CallUUID", "uuid", "Call UUID"),
    _f("DialAction", "enum", "Dial event", True, DIAL_ACTION),
    _f("DialBLegStatus", "string", "B-leg status"),
    _f("DialALegUUID", "uuid", "A-leg UUID"),
    _f("DialBLegUUID", "string", "B-leg UUID"),
    _f("DialBLegDuration", "integer", "B-leg duration, s"),
    _f("DialBLegBillDuration", "integer", "B-leg billed duration, s"),
    _f("DialBLegFrom", "string", "B-leg caller ID"),
    _f("DialBLegTo", "string", "B-leg destination"),
    _f("DialDigitsMatch", "string", "Digits pattern matched"),
    _f("DialDigitsPressedBy", "enum", "Who pressed the digits", False, DIAL_LEG),
    _f("DialBLegHangupCauseName", "string", "B-leg hangup cause name"),
    _f("DialBLegHangupCauseCode", "integer", "B-leg hangup cause code"),
    _f("DialBLegHangupSource", "enum", "Who hung up the B leg", False, HANGUP_SOURCE),
)

RING_FIELDS = _CALL_COMMON

# Async machine detection (old Make Call docs, see the reference §1.6).
MACHINE_DETECTION_FIELDS = (
    *_CALL_COMMON,
    _f("Machine", "enum", "Whether a machine answered", True, MACHINE),
    _f("IfMachine", "enum", "What the call does on a machine", False, IF_MACHINE),
)

# Record transcriptionUrl (https://www.plivo.com/docs/voice/xml/record): snake_case names.
TRANSCRIPTION_FIELDS = (
    _f("transcription", "string", "The transcribed text"),
    _f("transcription_charge", "decimal", "Charge"),
    _f("transcription_rate", "decimal", "Rate"),
    _f("duration", "integer", "Recording duration, s"),
    _f("call_uuid", "uuid", "Call UUID"),
    _f("recording_id", "string", "Recording ID", True),
    _f("error", "string", "Why transcription failed, if it did"),
)

# Conference action and callbackUrl (https://www.plivo.com/docs/voice/api/conferences).
CONFERENCE_FIELDS = (
    _f("ConferenceName", "string", "Room name"),
    _f("ConferenceUUID", "uuid", "Conference UUID"),
    _f("ConferenceMemberID", "string", "Member ID"),
    _f("ConferenceAction", "enum", "callbackUrl event", False, CONFERENCE_ACTION),
    _f("ConferenceDigitsMatch", "string", "Digits pattern matched"),
    _f("CallUUID", "uuid", "Call UUID"),
    _f("RecordUrl", "url", "Recording URL (record events)"),
    _f("RecordingID", "string", "Recording ID"),
    _f("RecordingDuration", "integer", "Recording duration, s"),
)

# MultiPartyCall statusCallbackUrl and onExitActionUrl (plivo-cli voice-xml-skill).
MPC_FIELDS = (
    _f("MPCUUID", "uuid", "Multi-party call UUID", True),
    _f("EventName", "string", "statusCallbackUrl event"),
    _f("EventTimestamp", "string", "Event time"),
    _f("MPCName", "string", "Name (status events)"),
    _f("MPCFriendlyName", "string", "Name (onExitActionUrl)"),
    _f("MemberID", "string", "Participant member ID"),
    _f("ParticipantRole", "string", "Agent, Supervisor, Customer or ai-agent"),
    _f("ParticipantCallUUID", "uuid", "Participant's call UUID"),
    _f("ParticipantJoinTime", "string", "Join time"),
    _f("ParticipantEndTime", "string", "Leave time"),
)

# Stream statusCallbackUrl (https://www.plivo.com/docs/voice-agents/audio-streaming/xml/stream).
STREAM_STATUS_FIELDS = (
    _f("Event", "enum", "Stream event", True, STREAM_EVENT),
    _f("StreamID", "uuid", "Stream ID", True),
    _f("CallUUID", "uuid", "Call UUID"),
    _f("Timestamp", "string", "Event time"),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "answer": ANSWER_FIELDS,
    "hangup": HANGUP_FIELDS,
    "message": MESSAGE_FIELDS,
    "message_status": MESSAGE_STATUS_FIELDS,
    "recording": RECORDING_FIELDS,
    "digits": DIGITS_FIELDS,
    "dial": DIAL_FIELDS,
    "ring": RING_FIELDS,
    "machine_detection": MACHINE_DETECTION_FIELDS,
    "input_partial": INPUT_PARTIAL_FIELDS,
    "transcription": TRANSCRIPTION_FIELDS,
    "dial_callback": DIAL_CALLBACK_FIELDS,
    "conference": CONFERENCE_FIELDS,
    "mpc": MPC_FIELDS,
    "stream_status": STREAM_STATUS_FIELDS,
    "other": (),
}
