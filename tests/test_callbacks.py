from plivocb.callbacks import classify, expects_xml, field_problems
from plivocb.form import parse_query

INBOUND_ANSWER = parse_query(
    "Direction=inbound&From=Anonymous&CallerName=Anonymous&BillRate=0.0085&To=14154830338"
    "&CallUUID=c490f944-013f-4baa-b0eb-af87113bc8f7&CallStatus=ringing&Event=StartApp"
)
BUSY_HANGUP = parse_query(
    "TotalCost=0.00000&Direction=inbound&BillDuration=0&From=Anonymous&CallerName=Anonymous"
    "&HangupCause=USER_BUSY&BillRate=0.0085&To=14154830338&AnswerTime=&StartTime=2016-10-26+18%3A51%3A45"
    "&Duration=0&CallUUID=260e1bb4-5c1c-4e31-9035-8381d7639e2e&EndTime=2016-10-26+18%3A51%3A45"
    "&CallStatus=busy&Event=Hangup"
)
INBOUND_SMS = parse_query(
    "To=14154830338&From=14087289654&TotalRate=0&Units=1&Text=Hello+%C3%BCml%C3%A6t"
    "&TotalAmount=0&Type=sms&MessageUUID=2d47019a-9c66-11e6-8c60-02daa5941325"
)


def test_real_captures_classify_and_validate_clean() -> None:
    assert classify(INBOUND_ANSWER) == "answer"
    assert classify(BUSY_HANGUP, "/answer") == "hangup"  # params beat the path hint
    assert classify(INBOUND_SMS) == "message"
    for kind, params in (
        ("answer", INBOUND_ANSWER),
        ("hangup", BUSY_HANGUP),
        ("message", INBOUND_SMS),
    ):
        assert field_problems(kind, params) == [], kind
    assert INBOUND_SMS["Text"] == ["Hello ümlæt"]


def test_classification_rules() -> None:
    assert classify({"MessageUUID": ["x"], "Status": ["delivered"]}) == "message_status"
    assert classify({"CallUUID": ["x"], "RecordUrl": ["https://r"], "Digits": ["#"]}) == "recording"
    assert classify({"CallUUID": ["x"], "DialStatus": ["completed"]}) == "dial"
    assert classify({"CallUUID": ["x"], "Digits": ["12"]}) == "digits"
    assert classify({"HangupCauseCode": ["4000"]}) == "hangup"
    assert classify({}, "/hangup") == "hangup"
    assert classify({}, "/sms/message/") == "message"
    assert classify({}, "/favicon.ico") == "other"
    assert classify({"foo": ["bar"]}, "/") == "other"


def test_expects_xml() -> None:
    assert expects_xml("answer", {})
    assert expects_xml("dial", {"DialStatus": ["completed"]})
    assert not expects_xml("dial_callback", {"DialAction": ["answer"]})
    assert expects_xml("recording", {"RecordUrl": ["x"], "Digits": ["#"]})
    assert not expects_xml("recording", {"RecordUrl": ["x"]})
    assert not expects_xml("hangup", {})


def test_validator_reports_problems_as_data() -> None:
    params = dict(BUSY_HANGUP)
    params.update(
        CallStatus=["dancing"],
        HangupCauseCode=["40x0"],
        Direction=["sideways"],
        HangupSource=["Martians"],
    )
    del params["CallUUID"]
    found = {(p.field, p.message.split(" ")[-1]) for p in field_problems("hangup", params)}
    fields = {f for f, _ in found}
    assert {"CallUUID", "CallStatus", "HangupCauseCode", "Direction", "HangupSource"} <= fields


def test_hangup_consistency() -> None:
    params = dict(BUSY_HANGUP)
    params.update(
        HangupCauseCode=["4000"],
        HangupCauseName=["Busy Line"],
        AnswerTime=["2016-10-26 18:51:50"],
        EndTime=["2016-10-26 18:52:50"],
        Duration=["5"],
        BillDuration=["3"],
    )
    messages = [str(p) for p in field_problems("hangup", params)]
    assert any("does not match code 4000" in m for m in messages)
    assert any("less than Duration" in m for m in messages)
    assert any("AnswerTime→EndTime is 60s" in m for m in messages)
    unanswered = dict(BUSY_HANGUP, Duration=["30"], BillDuration=["60"])
    assert any("never answered" in str(p) for p in field_problems("hangup", unanswered))
    unlisted = field_problems("hangup", dict(BUSY_HANGUP, HangupCauseCode=["1234"]))
    assert [(p.field, p.severity) for p in unlisted] == [("HangupCauseCode", "warning")]
    assert "not in Plivo" in str(unlisted[0])
