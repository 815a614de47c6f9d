"""Per-mock admin HTTP API: the harness's remote control for one mock.

GET  /_admin/health               liveness and service name
POST /_admin/reset                forget behaviours and per-run state (never the recorded exchanges)
PUT  /_admin/scenario             {"scenario_id": "..."}: tag later exchanges with it (null clears)
GET  /_admin/exchanges            ?scenario_id=&operation=&since_id=&bodies=0 : recorded exchanges
POST /_admin/behaviours           {"kind": "delay|fault|outage", "operation": null, "params": {}, "times": null}
                                  (TCP mocks, tcp.py: kinds refuse|delay|drop|reply)
GET  /_admin/behaviours           the behaviours in force
DELETE /_admin/behaviours         remove every behaviour
A service may add its own calls with an optional `admin_routes(blueprint)` method.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from segur_harness.store import Behaviour, Store

from .service import MockService

BEHAVIOUR_KINDS = ("delay", "fault", "outage")


def _bad(message: str) -> tuple[Response, int]:
    return jsonify({"error": message}), 400


def admin_blueprint(service: MockService, store: Store, kinds: tuple[str, ...] = BEHAVIOUR_KINDS) -> Blueprint:
    """The admin API of `service`; `kinds` are the behaviour kinds it accepts (HTTP ones by default)."""
    bp = Blueprint(f"admin_{service.name}", __name__)

    @bp.get("/health")
    def health():
        return jsonify({"service": service.name, "status": "up"})

    @bp.post("/reset")
    def reset():
        store.clear_behaviours(service.name)
        store.set_scenario(service.name, None)
        service.reset()
        return jsonify({"reset": True})

    @bp.put("/scenario")
    def set_scenario():
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or "scenario_id" not in data:
            return _bad('expected a JSON object {"scenario_id": "..."}')
        scenario_id = data["scenario_id"]
        if scenario_id is not None and not isinstance(scenario_id, str):
            return _bad("scenario_id must be a string or null")
        store.set_scenario(service.name, scenario_id)
        return jsonify({"scenario_id": scenario_id})

    @bp.get("/exchanges")
    def exchanges():
        try:
            since_id = int(request.args.get("since_id", "0"))
        except ValueError:
            return _bad("since_id must be an integer")
        bodies = request.args.get("bodies", "1") != "0"
        found = store.exchanges(
            service=service.name,
            scenario_id=request.args.get("scenario_id"),
            operation=request.args.get("operation"),
            since_id=since_id,
        )
        return jsonify([e.to_json(with_bodies=bodies) for e in found])

    @bp.post("/behaviours")
    def add_behaviour():
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            return _bad("expected a JSON object")
        kind = data.get("kind")
        if kind not in kinds:
            return _bad(f"kind must be one of {', '.join(kinds)}")
        params = data.get("params") or {}
        times = data.get("times")
        if not isinstance(params, dict) or (times is not None and not isinstance(times, int)):
            return _bad("params must be an object and times an integer or null")
        behaviour = Behaviour(kind=kind, operation=data.get("operation"), params=params, remaining=times)
        behaviour.id = store.add_behaviour(service.name, behaviour)
        return jsonify({"id": behaviour.id}), 201

    @bp.get("/behaviours")
    def list_behaviours():
        return jsonify([b.__dict__ for b in store.behaviours(service.name)])

    @bp.delete("/behaviours")
    def clear_behaviours():
        store.clear_behaviours(service.name)
        return jsonify({"cleared": True})

    extend = getattr(service, "admin_routes", None)
    if callable(extend):  # a mock's own admin calls, e.g. the DMP's patient views (mocks/dmp/admin.py)
        extend(bp)
    return bp
