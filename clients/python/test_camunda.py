"""A Camunda 7 user's Python program, unchanged, against this engine's /engine-rest.

It uses pycamunda (PyPI) with HTTP Basic auth as `admin`: deploys a BPMN file, starts instances
with typed variables, reads and changes variables, lists and completes user tasks, correlates a
message, and checks what it sees after each step. Any failed check exits non-zero with a
message saying what was expected and what came back.

Usage: test_camunda.py <base url of /engine-rest>   (password in $BPM_CLIENT_ADMIN_PASSWORD)
"""

import io
import json
import os
import sys
import uuid

import requests.auth

import pycamunda.deployment
import pycamunda.message
import pycamunda.processdef
import pycamunda.processinst
import pycamunda.task

# Approve, then wait for the message `Paid`, then end.
BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="py">
  <message id="m_paid" name="Paid"/>
  <process id="{key}" name="Python client order" isExecutable="true">
    <startEvent id="start"/>
    <userTask id="approve" name="Approve order"/>
    <intermediateCatchEvent id="waitPaid"><messageEventDefinition messageRef="m_paid"/></intermediateCatchEvent>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <sequenceFlow id="f2" sourceRef="approve" targetRef="waitPaid"/>
    <sequenceFlow id="f3" sourceRef="waitPaid" targetRef="end"/>
  </process>
</definitions>
"""


class Failed(Exception):
    """A check that did not hold."""


def check(condition, what):
    if not condition:
        raise Failed(what)


def expect(got, want, what):
    check(got == want, f"{what}: expected {want!r}, got {got!r}")


def main(url):
    auth = requests.auth.HTTPBasicAuth("admin", os.environ["BPM_CLIENT_ADMIN_PASSWORD"])

    def send(request):
        request.auth = auth
        return request()

    key = "pyOrder" + uuid.uuid4().hex[:8]

    # Deploy with pycamunda's deployment create (multipart).
    create = pycamunda.deployment.Create(url=url, name="python-client", source="pycamunda")
    resource = io.BytesIO(BPMN.format(key=key).encode("utf-8"))
    resource.name = f"{key}.bpmn"
    create.add_resource(resource)
    deployment = send(create)
    definitions = list(deployment.deployed_process_definitions.values())
    expect([d.key for d in definitions], [key], "deployed process keys")
    definition = definitions[0]
    expect(definition.version, 1, "first version")
    expect(send(pycamunda.processdef.Get(url=url, key=key)).id_, definition.id_, "definition by key")

    # Start two instances with typed variables.
    started = []
    for n, business_key in enumerate(["PY-1", "PY-2"]):
        start = pycamunda.processdef.StartInstance(
            url=url, key=key, business_key=business_key, with_variables_in_return=True)
        start.add_variable("amount", 1200 + n, "Integer")
        start.add_variable("customer", "ACME", "String")
        start.add_variable("express", n == 0, "Boolean")
        start.add_variable("rate", 0.25, "Double")
        start.add_variable("order", json.dumps({"lines": [1, 2]}), "Json")
        instance = send(start)
        expect(instance.business_key, business_key, "business key of the started instance")
        expect(instance.definition_id, definition.id_, "definition of the started instance")
        expect(instance.variables["amount"].value, 1200 + n, "amount returned by the start")
        expect(instance.variables["amount"].type_, "Integer", "type of amount")
        started.append(instance)
    first = started[0]

    # Read the variables back, typed.
    variables = send(pycamunda.processinst.VariablesGetList(url=url, process_instance_id=first.id_))
    expect(variables["customer"].value, "ACME", "customer")
    expect(variables["express"].value, True, "express")
    expect(variables["rate"].value, 0.25, "rate")
    expect(variables["rate"].type_, "Double", "type of rate")
    expect(json.loads(variables["order"].value), {"lines": [1, 2]}, "order (Json)")
    one = send(pycamunda.processinst.VariablesGet(url=url, process_instance_id=first.id_, var_name="amount"))
    expect(one.value, 1200, "amount read alone")

    # Change variables.
    modify = pycamunda.processinst.VariablesModify(url=url, process_instance_id=first.id_, deletions=["rate"])
    modify.add_variable("customer", "ACME Ltd", "String")
    send(modify)
    variables = send(pycamunda.processinst.VariablesGetList(url=url, process_instance_id=first.id_))
    expect(variables["customer"].value, "ACME Ltd", "customer after the change")
    check("rate" not in variables, f"rate was deleted, still there: {variables}")

    # The instance list.
    listed = send(pycamunda.processinst.GetList(url=url, process_definition_key=key))
    expect(sorted(i.business_key for i in listed), ["PY-1", "PY-2"], "instances of the key")

    # User tasks: list and complete with a variable.
    tasks = send(pycamunda.task.GetList(url=url, process_instance_id=first.id_))
    expect([t.task_definition_key for t in tasks], ["approve"], "tasks of the first instance")
    complete = pycamunda.task.Complete(url=url, id_=tasks[0].id_)
    complete.add_variable("approved", True, "Boolean")
    send(complete)
    tasks = send(pycamunda.task.GetList(url=url, process_instance_id=first.id_))
    expect(tasks, (), "tasks after the completion")

    # Correlate the message: the instance waiting in `waitPaid` goes on to its end.
    correlate = pycamunda.message.CorrelateSingle(
        url=url, message_name="Paid", business_key="PY-1", result_enabled=True)
    correlate.add_process_variable("paidAmount", 1200, "Long")
    results = send(correlate)
    expect(len(results), 1, "correlation results")
    expect(results[0].result_type, pycamunda.message.ResultType.execution, "result type")
    expect(results[0].execution.process_instance_id, first.id_, "instance the message reached")
    left = send(pycamunda.processinst.GetList(url=url, process_definition_key=key))
    expect([i.business_key for i in left], ["PY-2"], "instances still running after the message")

    # Suspend and delete the second instance.
    send(pycamunda.processinst.Suspend(url=url, id_=started[1].id_))
    suspended = send(pycamunda.processinst.GetList(url=url, process_definition_key=key, suspended=True))
    expect([i.id_ for i in suspended], [started[1].id_], "suspended instances")
    send(pycamunda.processinst.Delete(url=url, id_=started[1].id_))
    expect(send(pycamunda.processinst.GetList(url=url, process_definition_key=key)), (), "instances left")
    print(f"python client (pycamunda): all checks passed against {url}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: test_camunda.py <base url of /engine-rest>")
    try:
        main(sys.argv[1].rstrip("/"))
    except Failed as e:
        sys.exit(f"python client (pycamunda): FAILED: {e}")
    except pycamunda.PyCamundaException as e:
        sys.exit(f"python client (pycamunda): the server refused a request: {e}")
