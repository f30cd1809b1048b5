"""`flask ussd dial` plays the service in a terminal through the real webhook."""


def test_dial_shows_screens_with_their_size_and_quits_on_q(runner):
    result = runner.invoke(args=["ussd", "dial", "+8562055512345"], input="1\n2580\nq\n")
    assert result.exit_code == 0, result.output
    assert "│ ປກສ\n│ 1 ເງິນສົມທົບ" in result.output
    assert "│ ໃສ່ລະຫັດ PIN ຂອງທ່ານ" in result.output
    assert "ຈ່າຍແລ້ວ 192 ເດືອນ" in result.output
    assert "CON · " in result.output and "UCS-2" in result.output
    assert "2580" not in result.output.replace("> 2580", "")  # the prompt echoes nothing else


def test_dial_stops_at_end(runner):
    result = runner.invoke(args=["ussd", "dial", "020 9999 0000"], input="1\n1003456789\n03111992\n")
    assert result.exit_code == 0, result.output
    assert "END · " in result.output and "ໄປຫ້ອງການ ປກສ" in result.output


def test_how_to_dial_lists_demo_phones(runner):
    result = runner.invoke(args=["ussd", "how-to-dial", "--port", "8123"])
    assert "http://127.0.0.1:8123/ussd/africastalking" in result.output
    assert "+8562055534567" in result.output
