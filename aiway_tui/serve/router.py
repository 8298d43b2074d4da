"""Which endpoint a request is for, checked and answered in the protocol it belongs to.

Paths under ``/v1/`` are OpenAI's, everything else Ollama's: a wrong method,
an unknown path, a bad body or an unknown model gets that protocol's error
shape and status, never an exception out of the server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import ollama_api, openai_api
from .catalogue import ModelCatalogue, Pick
from .wire import HttpRequest, ReplyEncoder, WholeResponse


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    """A completion to stream (or send whole): the scenario's stream and the protocol's encoder."""

    pick: Pick
    encoder: ReplyEncoder


Routed = WholeResponse | ReplyPlan
Handler = Callable[[HttpRequest], Routed]


class Router:
    def __init__(self, catalogue: ModelCatalogue) -> None:
        self.catalogue = catalogue
        self._routes: dict[str, dict[str, Handler]] = {
            "/": {"GET": self._root, "HEAD": self._root},
            "/api/chat": {"POST": self._ollama_chat},
            "/api/generate": {"POST": self._ollama_generate},
            "/api/tags": {"GET": self._ollama_tags},
            "/api/show": {"POST": self._ollama_show},
            "/api/version": {"GET": self._ollama_version},
            "/v1/chat/completions": {"POST": self._openai_chat},
            "/v1/models": {"GET": self._openai_models},
        }

    def route(self, request: HttpRequest) -> Routed:
        openai = request.path == "/v1" or request.path.startswith("/v1/")
        methods = self._routes.get(request.path)
        if methods is None and openai and request.path.startswith("/v1/models/"):
            methods = {"GET": self._openai_model}
        if methods is None:
            if openai:
                return openai_api.error(404, f"Unknown request URL: {request.method} {request.path}.")
            return ollama_api.error(404, f"404 page not found: {request.path}")
        handler = methods.get(request.method)
        if handler is None:
            allow = (("allow", ", ".join(sorted(methods))),)
            message = (
                f"method {request.method} not allowed on {request.path}; use {', '.join(sorted(methods))}"
            )
            shaped = openai_api.error(405, message) if openai else ollama_api.error(405, message)
            return WholeResponse(shaped.status, shaped.body, shaped.content_type, allow)
        try:
            return handler(request)
        except ollama_api.OllamaRequestError as exc:
            return exc.response
        except openai_api.OpenAIRequestError as exc:
            return exc.response

    # Ollama

    def _root(self, request: HttpRequest) -> Routed:
        return WholeResponse(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _pick_ollama(self, model: str) -> Pick:
        pick = self.catalogue.pick(model)
        if pick is None:
            raise ollama_api.OllamaRequestError(404, f'model "{model}" not found, try pulling it first')
        return pick

    def _ollama_chat(self, request: HttpRequest) -> Routed:
        return self._ollama_reply(request, ollama_api.chat_prompt)

    def _ollama_generate(self, request: HttpRequest) -> Routed:
        return self._ollama_reply(request, ollama_api.generate_prompt)

    def _ollama_reply(
        self, request: HttpRequest, prompt_of: Callable[[dict[str, object]], str | None]
    ) -> Routed:
        body = ollama_api.parse_body(request.body)
        model = ollama_api.require_model(body)
        prompt = prompt_of(body)
        stream = body.get("stream", True)
        if not isinstance(stream, bool):
            raise ollama_api.OllamaRequestError(400, "stream must be true or false")
        if not self.catalogue.knows(model):
            raise ollama_api.OllamaRequestError(404, f'model "{model}" not found, try pulling it first')
        if prompt is None:
            return ollama_api.load_response(request.path, model)
        encoder = ollama_api.OllamaEncoder(request.path, model, stream, prompt)
        return ReplyPlan(self._pick_ollama(model), encoder)

    def _ollama_tags(self, request: HttpRequest) -> Routed:
        return ollama_api.tags(self.catalogue.names)

    def _ollama_show(self, request: HttpRequest) -> Routed:
        model = ollama_api.require_model(ollama_api.parse_body(request.body))
        if not self.catalogue.knows(model):
            raise ollama_api.OllamaRequestError(404, f'model "{model}" not found')
        scenario = self.catalogue.configs.get(model.removesuffix(":latest"))
        return ollama_api.show(model, scenario[0].purpose if scenario else "every request plays this run")

    def _ollama_version(self, request: HttpRequest) -> Routed:
        return ollama_api.version()

    # OpenAI

    def _openai_chat(self, request: HttpRequest) -> Routed:
        model, prompt, stream, include_usage = openai_api.parse_chat(request.body)
        pick = self.catalogue.pick(model)
        if pick is None:
            return openai_api.model_not_found(model)
        return ReplyPlan(pick, openai_api.OpenAIEncoder(model, stream, prompt, include_usage))

    def _openai_models(self, request: HttpRequest) -> Routed:
        return openai_api.models(self.catalogue.names)

    def _openai_model(self, request: HttpRequest) -> Routed:
        name = request.path.removeprefix("/v1/models/")
        if not self.catalogue.knows(name):
            return openai_api.model_not_found(name)
        return openai_api.model(name)
