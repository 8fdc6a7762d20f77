"""Webhook channel: HTTP POST of a JSON digest (stdlib urllib), plain or group-robot shaped.

WeCom (企业微信) and DingTalk (钉钉) group robots answer HTTP 200 even when they drop a
message and put the verdict in ``errcode``, so for those styles a 2xx alone is not
success: the body must say ``errcode: 0``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http.client import HTTPException, HTTPMessage
from typing import IO, Any, Literal, NoReturn

from scheduler.channels import PermanentFailure, TransientFailure
from scheduler.digest import Digest

Style = Literal["plain", "wecom", "dingtalk"]

# Robot errcodes that mean "not now" rather than "never": WeCom 45009 (frequency limit),
# DingTalk 130101 (sending too fast) and -1 (system busy, both). Any other is permanent.
TRANSIENT_ERRCODES = frozenset({45009, 130101, -1})

# Reply bodies are only read to learn the verdict; a huge one is not worth waiting for.
_MAX_REPLY = 64 * 1024
# What a robot accepts in one text message (bytes of UTF-8): WeCom 2048, DingTalk 20000.
ROBOT_LIMITS = {"wecom": 2048, "dingtalk": 20000}


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """urllib would follow a 302 on a POST as a GET without the body, then call it a 200."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


def payload(digest: Digest, style: Style) -> dict[str, Any]:
    """The JSON body a receiver of this style expects: for a plain webhook the digest's
    id, text and items; for a group robot its text, cut to what the robot accepts."""
    if style == "plain":
        return {
            "digest": digest.digest_id,
            "subject": digest.subject,
            "text": digest.text(),
            "items": [item.to_json() for item in digest.items],
        }
    return {"msgtype": "text", "text": {"content": digest.text(ROBOT_LIMITS.get(style))}}


class WebhookChannel:
    """POSTs each digest as JSON to one URL.

    ``recipient`` names the receiving group in failure messages; the URL already
    decides where the digest goes.
    """

    def __init__(
        self,
        url: str,
        *,
        style: Style = "plain",
        timeout: float = 5.0,
        headers: Mapping[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"webhook URL must be http(s)://host/..., got {url!r}")
        if style not in ("plain", "wecom", "dingtalk"):
            raise ValueError(f"unknown webhook style {style!r}")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.name = name or ("webhook" if style == "plain" else style)
        self.url = url
        self.style = style
        self.timeout = timeout
        self.headers = dict(headers or {})
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    def request(self, digest: Digest) -> urllib.request.Request:
        """The POST as it will be sent."""
        body = json.dumps(payload(digest, self.style), ensure_ascii=False).encode("utf-8")
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "taizhang-notify",
            **self.headers,
            # HTTP header values must be Latin-1; percent-encoding keeps any id legal.
            "X-Taizhang-Digest": urllib.parse.quote(digest.digest_id, safe="/:.-_~@+=!*"),
        }
        return urllib.request.Request(self.url, data=body, headers=headers, method="POST")

    def send(self, digest: Digest, recipient: str) -> None:
        try:
            with self._opener.open(self.request(digest), timeout=self.timeout) as response:
                reply: bytes = response.read(_MAX_REPLY)
        except urllib.error.HTTPError as e:
            try:
                detail = e.read(200).decode("utf-8", "replace").strip()
            except OSError:  # the status is the verdict; a body cut off mid-read is not
                detail = ""
            finally:
                e.close()
            self._raise_for_status(recipient, e.code, e.headers.get("Location"), detail)
        except (urllib.error.URLError, HTTPException, OSError) as e:
            # Refused, reset, DNS, timed out: the receiver may be back later.
            reason = e.reason if isinstance(e, urllib.error.URLError) else e
            raise TransientFailure(
                self.name, recipient, f"POST {self._where()} failed: {reason!r}"
            ) from e
        if self.style != "plain":
            self._check_robot_reply(recipient, reply)

    def _raise_for_status(
        self, recipient: str, code: int, location: str | None, detail: str
    ) -> NoReturn:
        reason = f"POST {self._where()} answered HTTP {code} {detail}".strip()
        if 300 <= code < 400:
            raise PermanentFailure(
                self.name, recipient, f"{reason}; redirected to {location}, configure that URL"
            )
        if code in (408, 429) or code >= 500:
            raise TransientFailure(self.name, recipient, reason)
        raise PermanentFailure(self.name, recipient, reason)

    def _check_robot_reply(self, recipient: str, reply: bytes) -> None:
        try:
            verdict = json.loads(reply)
        except ValueError:
            verdict = None
        if not isinstance(verdict, dict):
            raise PermanentFailure(
                self.name,
                recipient,
                f"{self._where()} answered 2xx without a robot JSON reply; is it a robot URL?",
            )
        errcode = verdict.get("errcode", 0)
        if errcode == 0:
            return
        reason = f"robot errcode {errcode}: {verdict.get('errmsg', '')}"
        if errcode in TRANSIENT_ERRCODES:
            raise TransientFailure(self.name, recipient, reason)
        raise PermanentFailure(self.name, recipient, reason)

    def _where(self) -> str:
        """The URL without credentials or query: robot URLs carry their access token there."""
        parts = urllib.parse.urlsplit(self.url)
        host = parts.netloc.rpartition("@")[2]
        return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
