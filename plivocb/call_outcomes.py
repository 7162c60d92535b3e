"""What a hangup cause code means for the call's life: answered or not, status, who hung up.

Plivo publishes the HangupCauseCode -> HangupCauseName table
(https://plivo.com/docs/voice/troubleshooting/hangup-causes) and the HangupSource values, but no
mapping from a code to CallStatus, HangupSource or the legacy `HangupCause` name. The mapping
below follows each code's documented meaning and the pairs seen in real payloads
(reference §1.4: 4000+NORMAL_CLEARING+Caller/Callee, 4010+Plivo, 8011+Error, USER_BUSY+busy,
3010/3020 after <Hangup reason=…>). Legacy names are FreeSWITCH's Q.850 cause names (Plivo runs
on FreeSWITCH: plivo/plivoframework), picked to match each code's meaning.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    answered: bool  # the call was answered before it ended
    status: str  # CallStatus in the hangup callback
    source: str  # HangupSource ("Caller/Callee": whoever hung up)
    legacy: str  # HangupCause (Q.850-style name)


_A = True  # answered, then ended
_U = False  # never answered

OUTCOMES: dict[int, Outcome] = {
    0: Outcome(_U, "failed", "Unknown", "UNSPECIFIED"),
    1000: Outcome(_U, "canceled", "API Request", "ORIGINATOR_CANCEL"),
    1010: Outcome(_U, "canceled", "Plivo", "ORIGINATOR_CANCEL"),
    1020: Outcome(_U, "canceled", "Plivo", "ORIGINATOR_CANCEL"),
    2000: Outcome(_U, "failed", "Carrier", "INVALID_NUMBER_FORMAT"),
    2010: Outcome(_U, "failed", "Carrier", "DESTINATION_OUT_OF_ORDER"),
    2020: Outcome(_U, "failed", "Plivo", "USER_NOT_REGISTERED"),
    2030: Outcome(_U, "failed", "Plivo", "OUTGOING_CALL_BARRED"),
    2040: Outcome(_U, "failed", "Plivo", "OUTGOING_CALL_BARRED"),
    2050: Outcome(_U, "failed", "Plivo", "OUTGOING_CALL_BARRED"),
    2060: Outcome(_U, "failed", "Plivo", "EXCHANGE_ROUTING_ERROR"),
    2070: Outcome(_U, "failed", "Plivo", "FACILITY_REJECTED"),
    3000: Outcome(_U, "no-answer", "Carrier", "NO_ANSWER"),
    3010: Outcome(_U, "busy", "Callee", "USER_BUSY"),
    3020: Outcome(_U, "busy", "Callee", "CALL_REJECTED"),
    3030: Outcome(_U, "failed", "Carrier", "CALL_REJECTED"),
    3040: Outcome(_U, "failed", "Carrier", "CALL_REJECTED"),
    3050: Outcome(_U, "failed", "Carrier", "UNALLOCATED_NUMBER"),
    3070: Outcome(_U, "timeout", "Carrier", "RECOVERY_ON_TIMER_EXPIRE"),
    3080: Outcome(_U, "failed", "Carrier", "NORMAL_TEMPORARY_FAILURE"),
    3090: Outcome(_U, "failed", "Carrier", "SWITCH_CONGESTION"),
    3100: Outcome(_U, "busy", "Carrier", "USER_BUSY"),
    3110: Outcome(_U, "busy", "Callee", "CALL_REJECTED"),
    3120: Outcome(_U, "failed", "Carrier", "NO_ROUTE_DESTINATION"),
    3130: Outcome(_U, "failed", "Carrier", "CALL_REJECTED"),
    3140: Outcome(_U, "failed", "Carrier", "CALL_REJECTED"),
    4000: Outcome(_A, "completed", "Caller/Callee", "NORMAL_CLEARING"),
    4010: Outcome(_A, "completed", "Plivo", "NORMAL_CLEARING"),
    4020: Outcome(_A, "completed", "Plivo", "NORMAL_CLEARING"),
    4030: Outcome(_A, "completed", "Plivo", "NORMAL_CLEARING"),
    5000: Outcome(_U, "failed", "Carrier", "NETWORK_OUT_OF_ORDER"),
    5010: Outcome(_U, "failed", "Plivo", "NORMAL_TEMPORARY_FAILURE"),
    5020: Outcome(_U, "failed", "Plivo", "NO_ROUTE_DESTINATION"),
    6000: Outcome(_A, "completed", "Plivo", "ALLOTTED_TIMEOUT"),
    6010: Outcome(_U, "timeout", "Plivo", "NO_ANSWER"),
    6020: Outcome(_A, "completed", "Plivo", "MEDIA_TIMEOUT"),
    9000: Outcome(_U, "canceled", "Plivo", "LOSE_RACE"),
    9100: Outcome(_A, "completed", "Plivo", "NORMAL_CLEARING"),
    9110: Outcome(_A, "completed", "Plivo", "NORMAL_CLEARING"),
}
# Errors fetching or running the app's XML end an answered call (the answer URL is requested
# once the call is answered): source Error (the Call-object docs' 8011 example).
for _code in (7011, 7012, 7013, 7014, 7022, 7023, 7024, 7032, 7033, 7034, 8011, 8012, 8013, 8014):
    OUTCOMES[_code] = Outcome(_A, "completed", "Error", "NORMAL_CLEARING")


def outcome(code: int) -> Outcome:
    """The outcome of a code; an unlisted one (Plivo's material shows some) ends it normally."""
    return OUTCOMES.get(code, Outcome(_A, "completed", "Unknown", "NORMAL_CLEARING"))
