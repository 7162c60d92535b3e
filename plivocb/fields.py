"""Plivo's callback parameter tables, as data (see ../shared/plivo-reference.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

CALL_STATUS = ("ringing", "in-progress", "completed", "busy", "failed", "timeout", "no-answer")
DIRECTION = ("inbound", "outbound")
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
EVENT = ("StartApp", "Ring", "Hangup", "MachineDetection", "Redirect")

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
)

RECORDING_FIELDS = (
    _f("RecordUrl", "url", "URL of the recording file (record_url from the Record API)"),
    _f("RecordingID", "string", "Recording ID (recording_id from the Record API)"),
    _f("RecordingDuration", "integer", "Duration in seconds (-1 until known)"),
    _f("RecordingDurationMs", "integer", "Duration in milliseconds"),
    _f("RecordingStartMs", "integer", "Start, epoch ms"),
    _f("RecordingEndMs", "integer", "End, epoch ms"),
    _f("CallUUID", "uuid", "Call UUID"),
)

DIGITS_FIELDS = (
    *_CALL_COMMON,
    _f("Digits", "string", "Digits pressed (finishOnKey excluded)"),
    _f("InputType", "enum", "GetInput type", False, INPUT_TYPE),
)

DIAL_FIELDS = (
    _f("CallUUID", "uuid", "Call UUID"),
    _f("DialStatus", "enum", "Dial outcome (action URL)", False, DIAL_STATUS),
    _f("DialAction", "enum", "Dial event (callbackUrl)", False, DIAL_ACTION),
    _f("DialALegUUID", "uuid", "A-leg UUID"),
    _f("DialBLegUUID", "string", "B-leg UUID (empty if not answered)"),
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "answer": ANSWER_FIELDS,
    "hangup": HANGUP_FIELDS,
    "message": MESSAGE_FIELDS,
    "message_status": MESSAGE_STATUS_FIELDS,
    "recording": RECORDING_FIELDS,
    "digits": DIGITS_FIELDS,
    "dial": DIAL_FIELDS,
    "other": (),
}
