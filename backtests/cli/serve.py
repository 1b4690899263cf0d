"""``riskoff serve``: the score as a local HTTP service (see :mod:`backtests.service.app`)."""

from __future__ import annotations

import ipaddress

import click

from backtests.cli.common import Context, console
from backtests.service.limits import DEFAULT_BURST, DEFAULT_RATE, parse_rate


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback needs --token.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--token", envvar="RISKOFF_TOKEN", show_envvar=True, metavar="TOKEN",
              help="Bearer token required for POST /v1/refresh.")
@click.option("--policy", type=click.Choice(["hold_last", "fail_closed", "fail_open"]),
              default="hold_last", show_default=True, help="The live reading's bot policy.")
@click.option("--cors-origin", "cors_origins", multiple=True, metavar="ORIGIN",
              help="Allow browser calls from ORIGIN (repeatable); CORS is off without it.")
@click.option("--schedule/--no-schedule", default=True, show_default=True,
              help="Download from each publisher soon after its releases.")
@click.option("--webhook", envvar="RISKOFF_WEBHOOK", show_envvar=True, metavar="URL",
              help="POST each regime change here (once per change, also across restarts).")
@click.option("--rate-limit", default=DEFAULT_RATE, show_default=True, metavar="N/UNIT",
              help="Requests per client address: N/second, N/minute or N/hour, or off. "
                   "/v1/health and /metrics have their own bucket of the same size.")
@click.option("--rate-burst", default=DEFAULT_BURST, show_default=True, type=click.IntRange(1),
              help="Requests a client may make at once within --rate-limit.")
@click.pass_obj
def serve(ctx: Context, host: str, port: int, token: str | None, policy: str,
          cors_origins: tuple[str, ...], schedule: bool, webhook: str | None,
          rate_limit: str, rate_burst: int) -> None:
    """Serve the live score over HTTP for bots in any language, dashboards and Prometheus.

    GET /v1/score, /v1/score/history, /v1/components, /v1/inputs, /v1/health, /metrics,
    /v1/events (Server-Sent Events); POST /v1/refresh. The API is described at
    /openapi.json and documented at /docs.

    \b
    Examples:
      riskoff serve                               http://127.0.0.1:8765/v1/score
      RISKOFF_TOKEN=s3cret riskoff serve --port 9000
      riskoff serve --rate-limit 60/minute --rate-burst 10
      curl -s localhost:8765/v1/health

    Options can also go in riskoff.toml under [serve] (host, port, token, cors-origin,
    rate-limit, ...); flags win over it.
    """
    try:
        import fastapi  # noqa: F401  (imported by create_app; checked here for the message)
        import prometheus_client  # noqa: F401
        import uvicorn
    except ImportError as exc:
        raise click.ClickException(f"riskoff serve needs {exc.name}: pip install "
                                   "'riskoff[serve]'") from None

    from backtests.service.app import ServiceSettings, create_app
    from signals.errors import ConfigError

    try:
        limit = parse_rate(rate_limit, rate_burst)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate-limit") from None
    if not _loopback(host) and not token:
        raise click.BadParameter(f"listening on {host} exposes the service beyond this "
                                 "machine; set a token (--token or RISKOFF_TOKEN) or keep "
                                 "--host 127.0.0.1", param_hint="--host")
    settings = ServiceSettings(store=ctx.store_path, token=token, policy=policy,
                               cors_origins=tuple(cors_origins), webhook=webhook,
                               rate_limit=limit)
    app = create_app(settings, schedule=schedule)
    if not ctx.quiet:
        console().print(f"riskoff serves on http://{host}:{port} (store: {ctx.store().path}; "
                        f"rate limit: {limit or 'off'})", markup=False, highlight=False)
    # proxy_headers off: the rate limit counts the TCP peer, which a client cannot choose
    # (uvicorn would otherwise take X-Forwarded-For from any local client)
    uvicorn.run(app, host=host, port=port, log_level="warning" if ctx.quiet else "info",
                timeout_graceful_shutdown=30, proxy_headers=False)
